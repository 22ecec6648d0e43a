//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::summary::{Summary, num};
use crate::symbolic::Expr;
use crate::tape::{EdgeKind, Input, Node, NodeId, NodeKind};
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
    let mut symbols: Vec<Expr> = nodes
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
        push_edge_records(nodes, &mut symbols, i, &mut edges);
    }
    Tables {
        nodes: records,
        edges,
    }
}

/// Appends the edges into node `i`, with formulas over the inputs' symbols.
fn push_edge_records<T: Float>(
    nodes: &[Node<T>],
    symbols: &mut [Expr],
    i: usize,
    edges: &mut Vec<EdgeRecord>,
) {
    let node = &nodes[i];
    let Some(op) = node.op() else {
        return;
    };
    let args = lend_args(symbols, &node.inputs);
    for (slot, input) in node.inputs.iter().enumerate() {
        edges.push(EdgeRecord {
            from: input.node,
            to: NodeId(i),
            slot,
            kind: input.kind,
            formula: op.local_derivative(slot, &args).to_string(),
            local: scalar_local_derivative(nodes, i, slot),
            flow: None,
        });
    }
    return_args(symbols, &node.inputs, args);
}

/// The inputs' symbols, moved out of `symbols` rather than cloned (this runs once per node
/// of graphs with a million nodes); an input used twice is cloned for its second slot.
fn lend_args(symbols: &mut [Expr], inputs: &[Input]) -> SmallVec<[Expr; 2]> {
    let mut args: SmallVec<[Expr; 2]> = SmallVec::new();
    for (k, input) in inputs.iter().enumerate() {
        let earlier = inputs[..k].iter().position(|x| x.node == input.node);
        args.push(match earlier {
            Some(j) => args[j].clone(),
            None => std::mem::replace(&mut symbols[input.node.0], Expr::zero()),
        });
    }
    args
}

/// Puts the symbols [`lend_args`] moved out back in place.
fn return_args(symbols: &mut [Expr], inputs: &[Input], args: SmallVec<[Expr; 2]>) {
    for (k, arg) in args.into_iter().enumerate() {
        let node = inputs[k].node;
        if !inputs[..k].iter().any(|x| x.node == node) {
            symbols[node.0] = arg;
        }
    }
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
        (NodeKind::Op(_), _) => Expr::Sym(indexed('u', i)),
        (_, Some(name)) => Expr::sym(name.as_ref()),
        (NodeKind::Constant, None) if node.value.ndim() == 0 => {
            Expr::constant(node.value.item().map_or(f64::NAN, Float::as_f64))
        }
        (NodeKind::Constant, None) => Expr::Sym(indexed('c', i)),
        (NodeKind::Leaf, None) => Expr::Sym(indexed('v', i)),
    }
}

/// `prefix` followed by `i` in Unicode subscript digits: `u₁₂`.
fn indexed(prefix: char, i: usize) -> String {
    let mut s = String::with_capacity(16);
    s.push(prefix);
    push_subscript(&mut s, i);
    s
}

fn push_subscript(out: &mut String, i: usize) {
    let digits = i.checked_ilog10().unwrap_or(0);
    for k in (0..=digits).rev() {
        let digit = (i / 10usize.pow(k)) % 10;
        out.push(char::from_u32(0x2080 + digit as u32).unwrap_or('?'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    #[test]
    fn subscripts() {
        assert_eq!(indexed('u', 0), "u₀");
        assert_eq!(indexed('c', 907), "c₉₀₇");
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
