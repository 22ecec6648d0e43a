//! Where a NaN or an infinity first appears, forward and backward.
//!
//! Forward: the first node in tape order whose value is not finite (its operands, being
//! earlier, are finite unless it is a leaf). Backward: the first multiplication in sweep order
//! whose product is not finite although the upstream gradient and the op's input and output
//! values are finite. An op that only passes on a non-finite upstream gradient, or whose own
//! forward value is already non-finite, is not blamed: the cause lies elsewhere.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::capture::scalar_local_derivative;
use super::limits::fit_name;
use super::names::node_name;
use super::summary::Summary;
#[cfg(feature = "serde")]
use super::summary::num;
use crate::tape::{Node, NodeId, NodeSpan};
use crate::tensor::{Float, Tensor};

/// The first non-finite value forward and the first non-finite product backward.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Anomalies {
    /// The first node whose forward value is not finite.
    pub forward: Option<ForwardAnomaly>,
    /// The first chain-rule multiplication that made a non-finite product from finite
    /// operands.
    pub backward: Option<BackwardAnomaly>,
}

/// A node, named, with its value.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Operand {
    /// The node.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub node: NodeId,
    /// Its name in formulas.
    pub name: String,
    /// Its forward value.
    pub value: Summary,
}

/// The first node whose forward value is not finite.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ForwardAnomaly {
    /// The node, its name and value.
    pub node: Operand,
    /// The op's label (`"leaf"` for a leaf that was given a non-finite value).
    pub op: String,
    /// The node's layer path (`""` at the top level).
    pub layer: String,
    /// The op's inputs, all finite.
    pub operands: Vec<Operand>,
}

/// The first multiplication whose product is not finite although its operands are.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct BackwardAnomaly {
    /// The op node `y`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub to: NodeId,
    /// The input `x`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub from: NodeId,
    /// Which argument of `y` the input is.
    pub slot: usize,
    /// The op's label.
    pub op: String,
    /// The op node's layer path.
    pub layer: String,
    /// `∂L/∂y` (finite).
    pub upstream: Summary,
    /// `∂y/∂x` as a number, when `x` and `y` are scalars.
    #[cfg_attr(feature = "serde", serde(with = "num::option"))]
    pub local: Option<f64>,
    /// The op's inputs (finite).
    pub operands: Vec<Operand>,
    /// The product (not finite).
    pub contribution: Summary,
}

/// How the anomaly finder names layers and summarises values.
pub(crate) struct Namer<'a> {
    pub layers: &'a [String],
    pub full_values: usize,
}

impl Namer<'_> {
    fn operand<T: Float>(&self, nodes: NodeSpan<'_, T>, id: NodeId) -> Operand {
        Operand {
            node: id,
            name: node_name(nodes, id.0),
            value: Summary::of(nodes.node(id.0).value(), self.full_values),
        }
    }

    fn operands<T: Float>(&self, nodes: NodeSpan<'_, T>, i: usize) -> Vec<Operand> {
        nodes
            .node(i)
            .inputs()
            .map(|x| self.operand(nodes, x.node))
            .collect()
    }

    fn layer<T: Float>(&self, node: Node<'_, T>) -> String {
        self.layers
            .get(node.layer().0 as usize)
            .cloned()
            .unwrap_or_default()
    }
}

/// The first node (in tape order) whose value is not finite.
pub(crate) fn first_non_finite_value<T: Float>(
    nodes: NodeSpan<'_, T>,
    namer: &Namer,
) -> Option<ForwardAnomaly> {
    let i = nodes.iter().position(|n| !n.value().all_finite())?;
    Some(ForwardAnomaly {
        node: namer.operand(nodes, NodeId(i)),
        op: fit_name(nodes.node(i).op_label()),
        layer: namer.layer(nodes.node(i)),
        operands: namer.operands(nodes, i),
    })
}

/// Watches the sweep's multiplications for the first product to blame.
#[derive(Default)]
pub(crate) struct BackwardWatch {
    upstream_finite: bool,
    pub found: Option<BackwardAnomaly>,
}

impl BackwardWatch {
    pub(crate) fn node_complete<T: Float>(&mut self, grad: &Tensor<T>) {
        if self.found.is_none() {
            self.upstream_finite = grad.all_finite();
        }
    }

    /// Checks one multiplication; blames it when its operands are finite and its product
    /// is not.
    pub(crate) fn edge<T: Float>(
        &mut self,
        nodes: NodeSpan<'_, T>,
        namer: &Namer,
        (i, slot): (usize, usize),
        upstream: &Tensor<T>,
        contribution: &Tensor<T>,
    ) {
        if self.found.is_some() || !self.upstream_finite || contribution.all_finite() {
            return;
        }
        let node = nodes.node(i);
        let operands_finite = node.value().all_finite()
            && node
                .inputs()
                .all(|x| nodes.node(x.node.0).value().all_finite());
        if !operands_finite {
            return;
        }
        self.found = Some(BackwardAnomaly {
            to: NodeId(i),
            from: node.input(slot).node,
            slot,
            op: fit_name(node.op_label()),
            layer: namer.layer(node),
            upstream: Summary::of(upstream, namer.full_values),
            local: scalar_local_derivative(nodes, i, slot),
            operands: namer.operands(nodes, i),
            contribution: Summary::of(contribution, namer.full_values),
        });
    }
}
