//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::sync::Arc;

use super::summary::{Summary, num};
use crate::ops::Op;
use crate::symbolic::Expr;
use crate::tape::{EdgeKind, Input, Node, NodeId, NodeKind, NodeSpan};
use crate::tensor::{Float, Tensor};

/// One node of the traced graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// The node's index on its tape.
    pub id: NodeId,
    /// The name of a leaf or constant as formulas show it (a scalar constant's value, `cᵢ`
    /// for an unnamed tensor constant); `None` for op nodes, which are called `uᵢ` (see
    /// [`NodeRecord::display_name`]).
    pub name: Option<String>,
    /// The op's label (`"mul"`, `"powf(3)"`), or `"leaf"` / `"const"`.
    pub op: Arc<str>,
    /// How an op node is formed from its inputs' names (`w·x`, `tanh(u₄)`: the op's
    /// [`symbolic`](crate::ops::Op::symbolic) form), when
    /// [`TraceOptions::formulas`](super::TraceOptions::formulas) was on; `None` for leaves and
    /// constants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    /// The node's layer: an index into [`Trace::layers`](super::Trace::layers).
    pub layer: usize,
    /// The forward value.
    pub value: Summary,
    /// `∂output/∂node` after the sweep (`None` when no gradient reached it).
    pub grad: Option<Summary>,
}

impl NodeRecord {
    /// The node's name in formulas and reports: its [`name`](NodeRecord::name), or `uᵢ`
    /// for op node `i` (`u₁₂`).
    pub fn display_name(&self) -> Cow<'_, str> {
        match &self.name {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(indexed('u', self.id.0)),
        }
    }
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
    /// [`local_derivative`](crate::ops::Op::local_derivative)), unless
    /// [`TraceOptions::formulas`](super::TraceOptions::formulas) was off.
    pub formula: Option<String>,
    /// The local derivative's value, when both ends are scalars.
    #[serde(with = "num::option")]
    pub local: Option<f64>,
    /// The magnitude (absolute value or Frobenius norm) of the gradient contribution that
    /// crossed the edge in the sweep; `None` when none did.
    #[serde(with = "num::option")]
    pub flow: Option<f64>,
}

/// The node and edge tables of the nodes up to the output, in tape order; edges are grouped
/// by their op node in slot order.
pub(crate) struct Tables {
    pub nodes: Vec<NodeRecord>,
    pub edges: Vec<EdgeRecord>,
    /// Where each node's edges start in `edges` (one entry per node, plus the total).
    pub offsets: Vec<usize>,
}

impl Tables {
    /// The index in `edges` of input `slot` of node `node`.
    #[inline]
    pub(crate) fn edge_index(&self, node: NodeId, slot: usize) -> usize {
        self.offsets[node.0] + slot
    }
}

/// Where each node's edges start in the edge table (one entry per node, plus the total).
fn edge_offsets<T: Float>(nodes: NodeSpan<'_, T>) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(nodes.len() + 1);
    let mut next = 0;
    for node in nodes.iter() {
        offsets.push(next);
        next += node.inputs().len();
    }
    offsets.push(next);
    offsets
}

/// Builds the tables for `nodes` (the tape up to the output), before the sweep: names, op
/// labels, values, each edge's scalar local derivative and, with `formulas`, each op node's
/// forward formula and each edge's local derivative formula.
///
/// This runs once per node of graphs with a million nodes, so op nodes get no name string,
/// op labels are interned, a scalar op's arguments are gathered once for all its edges, and
/// the formulas (the costly part) are a pass of their own.
pub(crate) fn tables<T: Float>(
    nodes: NodeSpan<'_, T>,
    full_values: usize,
    formulas: bool,
) -> Tables {
    let mut labels = Labels::default();
    let records = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| NodeRecord {
            id: NodeId(i),
            name: stored_name(i, node),
            op: labels.of(node),
            formula: None,
            layer: node.layer().0 as usize,
            value: Summary::of(node.value(), full_values),
            grad: None,
        })
        .collect();
    let offsets = edge_offsets(nodes);
    let mut edges = Vec::with_capacity(offsets[nodes.len()]);
    for i in 0..nodes.len() {
        push_edge_records(nodes, i, &mut edges);
    }
    let mut tables = Tables {
        nodes: records,
        edges,
        offsets,
    };
    if formulas {
        write_formulas(nodes, &mut tables);
    }
    tables
}

/// Appends the edges into node `i`, without formulas.
#[inline]
fn push_edge_records<T: Float>(nodes: NodeSpan<'_, T>, i: usize, edges: &mut Vec<EdgeRecord>) {
    let node = nodes.node(i);
    let Some(op) = node.op() else {
        return;
    };
    for (slot, input) in node.inputs().enumerate() {
        edges.push(EdgeRecord {
            from: input.node,
            to: NodeId(i),
            slot,
            kind: input.kind,
            formula: None,
            local: local_derivative(nodes, node, op, slot),
            flow: None,
        });
    }
}

/// Fills in each op node's forward formula and each edge's local derivative formula, in the
/// names of the nodes' symbols (`w·x`, `tanh(u₄)`; `x`, `1 − tanh(u₄)²`).
fn write_formulas<T: Float>(nodes: NodeSpan<'_, T>, tables: &mut Tables) {
    let mut symbols: Vec<Expr> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| symbol(i, n))
        .collect();
    // The edges are grouped by op node in tape order, in slot order.
    let mut edges = tables.edges.iter_mut();
    for (i, node) in nodes.iter().enumerate() {
        let Some(op) = node.op() else {
            continue;
        };
        let inputs: SmallVec<[Input; 2]> = node.inputs().collect();
        let args = lend_args(&mut symbols, &inputs);
        for (slot, edge) in (0..inputs.len()).zip(&mut edges) {
            edge.formula = Some(op.local_derivative(slot, &args).to_text());
        }
        tables.nodes[i].formula = Some(op.symbolic(&args).to_text());
        return_args(&mut symbols, &inputs, args);
    }
}

/// The inputs' symbols, moved out of `symbols` rather than cloned; an input used twice is
/// cloned for its second slot.
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

/// Op labels, each allocated once per trace: an op without parameters (a zero-sized type,
/// such as `Mul`) can only have one label, so it is looked up by the op's type (its vtable)
/// without calling [`Op::label`](crate::ops::Op::label); others are interned by text.
struct Labels<T: Float> {
    by_type: Vec<(*const dyn Op<T>, Arc<str>)>,
    by_text: Vec<Arc<str>>,
}

impl<T: Float> Default for Labels<T> {
    fn default() -> Self {
        Labels {
            by_type: Vec::new(),
            by_text: vec!["leaf".into(), "const".into()],
        }
    }
}

impl<T: Float> Labels<T> {
    /// The label of `node`; a stateless op's label is found by a pointer comparison or two,
    /// inlined into the loop over the nodes.
    #[inline]
    fn of(&mut self, node: Node<'_, T>) -> Arc<str> {
        let op: &dyn Op<T> = match node.kind() {
            NodeKind::Leaf => return self.by_text[0].clone(),
            NodeKind::Constant => return self.by_text[1].clone(),
            NodeKind::Op(op) => op,
        };
        let key = op as *const dyn Op<T>;
        // Equal wide pointers mean the same vtable; a duplicated vtable only costs a miss.
        match self.by_type.iter().find(|(k, _)| std::ptr::eq(*k, key)) {
            Some((_, label)) => label.clone(),
            None => self.intern(op),
        }
    }

    /// The label of an op not met before as a stateless type: interned by its text.
    #[inline(never)]
    fn intern(&mut self, op: &dyn Op<T>) -> Arc<str> {
        let text = op.label();
        let label = match self.by_text.iter().find(|l| ***l == *text) {
            Some(label) => label.clone(),
            None => {
                let label: Arc<str> = text.into();
                self.by_text.push(label.clone());
                label
            }
        };
        if std::mem::size_of_val(op) == 0 {
            self.by_type.push((op as *const dyn Op<T>, label.clone()));
        }
        label
    }
}

/// `∂node/∂input[slot]` as a number when the input and the node are scalars: the op's
/// vector-Jacobian product with upstream gradient 1.
pub(crate) fn scalar_local_derivative<T: Float>(
    nodes: NodeSpan<'_, T>,
    i: usize,
    slot: usize,
) -> Option<f64> {
    let node = nodes.node(i);
    let op = node.op()?;
    local_derivative(nodes, node, op, slot)
}

/// [`scalar_local_derivative`] of `node`, whose op is `op`: the derivative the tape recorded
/// with a scalar node (from the op's scalar rule, equal to its tensor rule bit for bit), else
/// the op's tensor rule (a node no gradient reaches, or an op without a scalar rule).
#[inline]
fn local_derivative<T: Float>(
    nodes: NodeSpan<'_, T>,
    node: Node<'_, T>,
    op: &dyn Op<T>,
    slot: usize,
) -> Option<f64> {
    match node.scalar_derivatives() {
        Some(recorded) => Some(recorded[slot].as_f64()),
        None => tensor_local_derivative(nodes, node, op, slot),
    }
}

/// [`local_derivative`] by the op's tensor rule: `None` unless the input and the node are
/// scalars.
#[inline(never)]
fn tensor_local_derivative<T: Float>(
    nodes: NodeSpan<'_, T>,
    node: Node<'_, T>,
    op: &dyn Op<T>,
    slot: usize,
) -> Option<f64> {
    let source = nodes.node(node.input(slot).node.0).value();
    if node.value().ndim() != 0 || source.ndim() != 0 {
        return None;
    }
    let inputs: SmallVec<[&Tensor<T>; 2]> = node
        .inputs()
        .map(|x| nodes.node(x.node.0).value())
        .collect();
    let one = Tensor::scalar(T::one());
    op.vjp(slot, &inputs, node.value(), &one)
        .item()
        .map(Float::as_f64)
}

/// The name of node `i` in formulas and reports (see [`NodeRecord::display_name`]).
pub(crate) fn node_name<T: Float>(nodes: NodeSpan<'_, T>, i: usize) -> String {
    stored_name(i, nodes.node(i)).unwrap_or_else(|| indexed('u', i))
}

/// The name the record of node `i` stores: `None` for op nodes (named `uᵢ` on display).
#[inline]
fn stored_name<T: Float>(i: usize, node: Node<'_, T>) -> Option<String> {
    match node.op() {
        Some(_) => None,
        None => Some(symbol(i, node).to_text()),
    }
}

/// The expression that stands for node `i` in its consumers' formulas.
fn symbol<T: Float>(i: usize, node: Node<'_, T>) -> Expr {
    match (&node.kind(), &node.name()) {
        (NodeKind::Op(_), _) => Expr::Sym(indexed('u', i)),
        (_, Some(name)) => Expr::sym(*name),
        (NodeKind::Constant, None) if node.value().ndim() == 0 => {
            Expr::constant(node.value().item().map_or(f64::NAN, Float::as_f64))
        }
        (NodeKind::Constant, None) => Expr::Sym(indexed('c', i)),
        (NodeKind::Leaf, None) => Expr::Sym(indexed('v', i)),
    }
}

/// `prefix` followed by `i` in Unicode subscript digits: `u₁₂`.
pub(crate) fn indexed(prefix: char, i: usize) -> String {
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

    /// Parametrised ops keep their own labels; stateless ones share one.
    #[test]
    fn labels_are_interned_per_op() {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", 2.0);
        let y = x.powf(2.0) * x.powf(3.0) * x;
        let _ = y;
        let t = tables(tape.nodes().span(), 16, false);
        let labels: Vec<&str> = t.nodes.iter().map(|n| &*n.op).collect();
        assert_eq!(labels, ["leaf", "powf(2)", "powf(3)", "mul", "mul"]);
        assert!(Arc::ptr_eq(&t.nodes[3].op, &t.nodes[4].op));
        assert!(t.edges.iter().all(|e| e.formula.is_none()));
    }

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
        let t = tables(tape.nodes().span(), 16, true);
        let names: Vec<Cow<str>> = t.nodes.iter().map(|n| n.display_name()).collect();
        assert_eq!(names, ["w", "x", "u₂", "u₃"]);
        let labels: Vec<&str> = t.nodes.iter().map(|n| &*n.op).collect();
        assert_eq!(labels, ["leaf", "leaf", "mul", "tanh"]);
        assert_eq!(t.edges.len(), 3);
        assert_eq!(t.edges[0].formula.as_deref(), Some("x"));
        assert_eq!(t.edges[0].local, Some(2.0));
        let tanh_prime = 1.0 - 1.0f64.tanh().powi(2);
        assert!((t.edges[2].local.unwrap() - tanh_prime).abs() < 1e-15);
        assert_eq!(t.edges[2].from, NodeId(2));
        let formulas: Vec<Option<&str>> = t.nodes.iter().map(|n| n.formula.as_deref()).collect();
        assert_eq!(formulas, [None, None, Some("w·x"), Some("tanh(u₂)")]);
    }
}
