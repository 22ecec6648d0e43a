//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::summary::{Summary, num};
use crate::symbolic::Expr;
use crate::tape::{EdgeKind, Node, NodeId, NodeKind};
use crate::tensor::{Float, Tensor};

/// One node of the traced graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// The node's index on its tape.
    pub id: NodeId,
    /// The name formulas use for it: a leaf's or named constant's name, a scalar constant's
    /// value, `uᵢ` for the result of op node `i` (`cᵢ` for an unnamed tensor constant).
    pub name: String,
    /// The op's label (`"mul"`, `"powf(3)"`), or `"leaf"` / `"const"`.
    pub op: String,
    /// The node's layer: an index into [`Trace::layers`](super::Trace::layers).
    pub layer: usize,
    /// The forward value.
    pub value: Summary,
    /// `∂output/∂node` after the sweep (`None` when no gradient reached it).
    pub grad: Option<Summary>,
}

/// One edge of the traced graph: input `from` feeds argument `slot` of op node `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeRecord {
    /// The input node.
    pub from: NodeId,
    /// The op node.
    pub to: NodeId,
    /// Which argument of the op.
    pub slot: usize,
    /// Ordinary or residual (the identity edge of `x + f(x)`).
    pub kind: EdgeKind,
    /// The local derivative `∂to/∂from` as a formula in the nodes' names (the op's
    /// [`local_derivative`](crate::ops::Op::local_derivative)).
    pub formula: String,
    /// The local derivative's value, when both ends are scalars.
    #[serde(with = "num::option")]
    pub local: Option<f64>,
    /// The magnitude (absolute value or Frobenius norm) of the gradient contribution that
    /// crossed the edge in the sweep; `None` when none did.
    #[serde(with = "num::option")]
    pub flow: Option<f64>,
}

/// The node and edge tables of the nodes up to the output, in tape order; edges are grouped
/// by their op node in slot order, so the edges of node `i` start at `offsets[i]`.
pub(crate) struct Tables {
    pub nodes: Vec<NodeRecord>,
    pub edges: Vec<EdgeRecord>,
}

/// Where each node's edges start in the edge table (one entry per node, plus the total).
pub(crate) fn edge_offsets<T: Float>(nodes: &[Node<T>]) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(nodes.len() + 1);
    let mut next = 0;
    for node in nodes {
        offsets.push(next);
        next += node.inputs.len();
    }
    offsets.push(next);
    offsets
}

/// Builds the tables for `nodes` (the tape up to the output), before the sweep: names, op
/// labels, values, and each edge's local derivative formula and scalar value.
pub(crate) fn tables<T: Float>(nodes: &[Node<T>], full_values: usize) -> Tables {
    let symbols: Vec<Expr> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| symbol(i, n))
        .collect();
    let mut records = Vec::with_capacity(nodes.len());
    let mut edges = Vec::with_capacity(nodes.len() * 2);
    for (i, node) in nodes.iter().enumerate() {
        records.push(NodeRecord {
            id: NodeId(i),
            name: symbols[i].to_string(),
            op: node.op_label(),
            layer: node.layer.0 as usize,
            value: Summary::of(&node.value, full_values),
            grad: None,
        });
        edges.extend(edge_records(nodes, &symbols, i));
    }
    Tables {
        nodes: records,
        edges,
    }
}

/// The edges into node `i`, with formulas over the inputs' symbols.
fn edge_records<T: Float>(
    nodes: &[Node<T>],
    symbols: &[Expr],
    i: usize,
) -> impl Iterator<Item = EdgeRecord> {
    let node = &nodes[i];
    let op = node.op();
    let args: Vec<Expr> = node
        .inputs
        .iter()
        .map(|x| symbols[x.node.0].clone())
        .collect();
    node.inputs.iter().enumerate().map(move |(slot, input)| {
        let op = op.expect("only op nodes have inputs");
        EdgeRecord {
            from: input.node,
            to: NodeId(i),
            slot,
            kind: input.kind,
            formula: op.local_derivative(slot, &args).to_string(),
            local: scalar_local_derivative(nodes, i, slot),
            flow: None,
        }
    })
}

/// `∂node/∂input[slot]` as a number when the input and the node are scalars: the op's
/// vector-Jacobian product with upstream gradient 1.
pub(crate) fn scalar_local_derivative<T: Float>(
    nodes: &[Node<T>],
    i: usize,
    slot: usize,
) -> Option<f64> {
    let node = &nodes[i];
    let NodeKind::Op(op) = &node.kind else {
        return None;
    };
    let source = &nodes[node.inputs[slot].node.0];
    if node.value.ndim() != 0 || source.value.ndim() != 0 {
        return None;
    }
    let inputs: SmallVec<[&Tensor<T>; 2]> =
        node.inputs.iter().map(|x| &nodes[x.node.0].value).collect();
    let one = Tensor::scalar(T::one());
    op.vjp(slot, &inputs, &node.value, &one)
        .item()
        .map(Float::as_f64)
}

/// The name of node `i` in formulas and reports (see [`NodeRecord::name`]).
pub(crate) fn node_name<T: Float>(nodes: &[Node<T>], i: usize) -> String {
    symbol(i, &nodes[i]).to_string()
}

/// The expression that stands for node `i` in its consumers' formulas.
fn symbol<T: Float>(i: usize, node: &Node<T>) -> Expr {
    match (&node.kind, &node.name) {
        (NodeKind::Op(_), _) => Expr::sym(format!("u{}", subscript(i))),
        (_, Some(name)) => Expr::sym(name.as_ref()),
        (NodeKind::Constant, None) if node.value.ndim() == 0 => {
            Expr::constant(node.value.item().map_or(f64::NAN, Float::as_f64))
        }
        (NodeKind::Constant, None) => Expr::sym(format!("c{}", subscript(i))),
        (NodeKind::Leaf, None) => Expr::sym(format!("v{}", subscript(i))),
    }
}

/// `i` in Unicode subscript digits: 12 → `₁₂`.
pub(crate) fn subscript(i: usize) -> String {
    i.to_string()
        .chars()
        .map(|d| char::from_u32(0x2080 + d.to_digit(10).unwrap_or(0)).unwrap_or('?'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    #[test]
    fn subscripts() {
        assert_eq!(subscript(0), "₀");
        assert_eq!(subscript(907), "₉₀₇");
    }

    /// y = tanh(w·x) at w = 0.5, x = 2: ∂y/∂u₂ = 1 − tanh(1)² = 0.41997…, ∂u₂/∂w = x = 2.
    #[test]
    fn tables_name_nodes_and_evaluate_local_derivatives() {
        let tape = Tape::<f64>::new();
        let w = tape.var("w", 0.5);
        let x = tape.var("x", 2.0);
        let _y = (w * x).tanh();
        let t = tables(&tape.nodes(), 16);
        let names: Vec<&str> = t.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["w", "x", "u₂", "u₃"]);
        assert_eq!(t.edges.len(), 3);
        assert_eq!(t.edges[0].formula, "x");
        assert_eq!(t.edges[0].local, Some(2.0));
        let tanh_prime = 1.0 - 1.0f64.tanh().powi(2);
        assert!((t.edges[2].local.unwrap() - tanh_prime).abs() < 1e-15);
        assert_eq!(t.edges[2].from, NodeId(2));
    }
}
