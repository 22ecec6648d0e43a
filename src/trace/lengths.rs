//! The gradient of each leaf split by path length, for graphs of any shape.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::names::node_name;
#[cfg(feature = "serde")]
use super::summary::num;
use super::summary::tensor_norm;
use crate::tape::{EdgeKind, Input, NodeId, NodeKind, NodeSpan};
use crate::tensor::{Float, Tensor};

/// A leaf's gradient split by the length of the paths it arrives through.
///
/// `∂L/∂x` is a sum over paths from `x` to `L`. Vector-Jacobian products are linear in the
/// upstream gradient, so the sweep can carry one gradient per path length instead of one
/// gradient: each node holds a list of (length, partial gradient), each edge maps every part
/// through the op's VJP, and the parts sum to the ordinary gradient.
///
/// **Length = the number of layers a path enters.** An edge costs 1 when its op node lies in
/// a layer (not the top level), its input is not an op node of that same layer, and it is not
/// the identity edge of a residual block ([`Tape::residual`](crate::Tape::residual)). So in an
/// MLP every path from the input has length = depth, while in a residual network a path's
/// length counts the blocks whose branch it goes through and skips cost nothing: the
/// "ensemble of shallow paths" of Veit, Wilber and Belongie (2016). Without layers every path
/// has length 0, and no split is recorded.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct LengthSplit {
    /// The leaf.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub node: NodeId,
    /// The leaf's name.
    pub name: String,
    /// One entry per length that carries gradient, shortest first.
    pub parts: Vec<LengthPart>,
}

/// The part of a gradient that arrives through paths of one length.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct LengthPart {
    /// The number of layers the paths enter.
    pub length: usize,
    /// The magnitude (absolute value or Frobenius norm) of their summed contribution.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub norm: f64,
}

/// The cost of an edge in path length (see [`LengthSplit`]).
pub(crate) fn edge_length<T: Float>(
    nodes: NodeSpan<'_, T>,
    input: &Input,
    consumer: usize,
) -> usize {
    let layer = nodes.node(consumer).layer();
    let source = nodes.node(input.node.0);
    let inside = matches!(source.kind(), NodeKind::Op(_)) && source.layer() == layer;
    usize::from(layer.0 != 0 && !inside && input.kind != EdgeKind::Residual)
}

/// True when some node up to the output lies in a layer.
pub(crate) fn has_layers<T: Float>(nodes: NodeSpan<'_, T>) -> bool {
    nodes.iter().any(|n| n.layer().0 != 0)
}

/// The per-length gradients, carried through the sweep.
pub(crate) struct Splitter<T: Float> {
    parts: Vec<Vec<(usize, Tensor<T>)>>,
}

impl<T: Float> Splitter<T> {
    /// Seeds the output with `∂L/∂L = 1` at length 0.
    pub(crate) fn new(nodes: NodeSpan<'_, T>, output: NodeId) -> Self {
        let mut parts: Vec<Vec<(usize, Tensor<T>)>> = vec![Vec::new(); output.0 + 1];
        parts[output.0].push((0, Tensor::ones(nodes.node(output.0).value().shape())));
        Splitter { parts }
    }

    /// Node `i`'s parts are complete: send each through the op's VJP to the inputs.
    pub(crate) fn node_complete(&mut self, nodes: NodeSpan<'_, T>, i: usize) {
        let node = nodes.node(i);
        let NodeKind::Op(op) = node.kind() else {
            return; // a leaf keeps its parts for the report
        };
        let parts = std::mem::take(&mut self.parts[i]);
        let values: SmallVec<[&Tensor<T>; 2]> = node
            .inputs()
            .map(|x| nodes.node(x.node.0).value())
            .collect();
        for (slot, input) in node.inputs().enumerate() {
            let source = nodes.node(input.node.0);
            if !source.requires_grad() {
                continue;
            }
            let extra = edge_length(nodes, &input, i);
            for (length, grad) in &parts {
                // The same two steps as the sweep: the VJP, then undo broadcasting. (Shapes
                // are compared element by element: `!=` on two empty slices calls memcmp on
                // a dangling pointer, which glibc's AVX-512 memcmp makes very slow.)
                let mut part = op.vjp(slot, &values, node.value(), grad);
                if !part.shape().iter().eq(source.value().shape()) {
                    part = part.sum_to(source.value().shape());
                }
                add_part(&mut self.parts[input.node.0], length + extra, part);
            }
        }
    }

    /// The split of every leaf that received gradient, in tape order.
    pub(crate) fn leaf_splits(self, nodes: NodeSpan<'_, T>) -> Vec<LengthSplit> {
        let mut splits = Vec::new();
        for (i, mut parts) in self.parts.into_iter().enumerate() {
            if parts.is_empty() || !matches!(nodes.node(i).kind(), NodeKind::Leaf) {
                continue;
            }
            parts.sort_by_key(|(length, _)| *length);
            splits.push(LengthSplit {
                node: NodeId(i),
                name: node_name(nodes, i),
                parts: parts
                    .iter()
                    .map(|(length, g)| LengthPart {
                        length: *length,
                        norm: tensor_norm(g),
                    })
                    .collect(),
            });
        }
        splits
    }
}

fn add_part<T: Float>(parts: &mut Vec<(usize, Tensor<T>)>, length: usize, part: Tensor<T>) {
    match parts.iter_mut().find(|(l, _)| *l == length) {
        Some((_, acc)) => acc.add_assign(&part),
        None => parts.push((length, part)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    /// Two residual blocks h₁ = x + f₁(x), h₂ = h₁ + f₂(h₁): paths of length 0 (both skips),
    /// 1 (one block) and 2 (both blocks), whose parts sum to the ordinary gradient.
    #[test]
    fn parts_sum_to_the_gradient() {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", Tensor::from_vec(vec![0.3, -0.7], &[2, 1]));
        let block = |name: &str, h, w: Vec<f64>| {
            tape.residual(h, |h| {
                tape.layer(name, || {
                    tape.var("W", Tensor::from_vec(w, &[2, 2])).matmul(h).tanh()
                })
            })
        };
        let h1 = block("b1", x, vec![0.9, -0.4, 0.3, 1.2]);
        let h2 = block("b2", h1, vec![-0.5, 0.8, 1.1, 0.2]);
        let loss = h2.square().sum();
        let grads = loss.backward();
        let nodes = tape.nodes();
        let mut splitter = Splitter::new(nodes.span(), loss.id());
        for i in (0..=loss.id().0).rev() {
            splitter.node_complete(nodes.span(), i);
        }
        let parts = std::mem::take(&mut splitter.parts[0]);
        let mut lengths: Vec<usize> = parts.iter().map(|(l, _)| *l).collect();
        lengths.sort_unstable();
        assert_eq!(lengths, [0, 1, 2]);
        let mut sum = Tensor::zeros(&[2, 1]);
        for (_, part) in &parts {
            sum.add_assign(part);
        }
        let want = grads.get(NodeId(0)).unwrap().to_vec();
        for (got, want) in sum.to_vec().iter().zip(want) {
            assert!((got - want).abs() < 1e-14, "{got} vs {want}");
        }
    }
}
