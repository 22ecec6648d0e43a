//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.
//!
//! A traced million-node chain writes a node row and two edge rows per level, so the rows are
//! compact: numbers and `u32` indices, with the strings (op labels, leaf names, formulas) in
//! side tables. [`NodeRecord`] and [`EdgeRecord`] are the public views of one row each.

use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

use super::Trace;
use super::summary::Summary;
use super::table::{Record, Records};
use crate::ops::Op;
use crate::symbolic::Expr;
use crate::tape::{EdgeKind, Input, Node, NodeId, NodeKind, NodeSpan};
use crate::tensor::{Float, Tensor};

/// The traced graph: one row per node up to the output and one per edge, in tape order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Graph {
    pub nodes: Vec<NodeRow>,
    /// Grouped by op node in tape order, in slot order.
    pub edges: Vec<EdgeRow>,
    /// Where each node's edges start in `edges` (one entry per node, plus the total).
    pub offsets: Vec<u32>,
    /// Op labels, each once, in order of first use after `"leaf"` and `"const"`.
    pub ops: Vec<String>,
    /// The names of the leaves and constants, in tape order.
    pub names: Vec<String>,
    /// Each node's forward formula (`None` for leaves), when formulas were recorded.
    pub node_formulas: Vec<Option<String>>,
    /// Each edge's local derivative formula, when formulas were recorded.
    pub edge_formulas: Vec<Option<String>>,
}

/// One node: its value and gradient, and indices into the graph's string tables.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NodeRow {
    pub value: Summary,
    pub grad: Option<Summary>,
    /// Index into [`Graph::ops`].
    pub op: u32,
    /// Index into [`Trace::layers`].
    pub layer: u32,
    /// Index into [`Graph::names`], or [`NO_NAME`] for an op node (called `uᵢ`).
    pub name: u32,
}

/// [`NodeRow::name`] of an op node.
pub(crate) const NO_NAME: u32 = u32::MAX;

/// One edge: input `from` feeds argument `slot` of op node `to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct EdgeRow {
    pub from: u32,
    pub to: u32,
    pub slot: u32,
    pub kind: EdgeKind,
    /// Which of `local` and `flow` hold a number (`LOCAL`, `FLOW` bits).
    known: u8,
    local: f64,
    flow: f64,
}

const LOCAL: u8 = 1;
const FLOW: u8 = 2;

impl EdgeRow {
    pub(crate) fn new(from: usize, to: usize, slot: usize, kind: EdgeKind) -> Self {
        EdgeRow {
            from: from as u32,
            to: to as u32,
            slot: slot as u32,
            kind,
            known: 0,
            local: 0.0,
            flow: 0.0,
        }
    }

    pub(crate) fn from(&self) -> NodeId {
        NodeId(self.from as usize)
    }

    pub(crate) fn to(&self) -> NodeId {
        NodeId(self.to as usize)
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot as usize
    }

    pub(crate) fn local(&self) -> Option<f64> {
        (self.known & LOCAL != 0).then_some(self.local)
    }

    pub(crate) fn flow(&self) -> Option<f64> {
        (self.known & FLOW != 0).then_some(self.flow)
    }

    pub(crate) fn with_local(mut self, local: Option<f64>) -> Self {
        if let Some(local) = local {
            self.local = local;
            self.known |= LOCAL;
        }
        self
    }

    #[inline]
    pub(crate) fn set_flow(&mut self, flow: f64) {
        self.flow = flow;
        self.known |= FLOW;
    }
}

impl Graph {
    /// Empties every table, keeping their memory.
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.edges.clear();
        self.offsets.clear();
        self.ops.clear();
        self.names.clear();
        self.node_formulas.clear();
        self.edge_formulas.clear();
    }

    /// The index in `edges` of input `slot` of node `node`.
    #[inline]
    pub(crate) fn edge_index(&self, node: NodeId, slot: usize) -> usize {
        self.offsets[node.0] as usize + slot
    }

    /// The indices in `edges` of node `i`'s input edges.
    pub(crate) fn edges_into(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// The op label table with `"leaf"` and `"const"` in their places.
    pub(crate) fn new_ops() -> Vec<String> {
        vec!["leaf".into(), "const".into()]
    }
}

/// One node of the traced graph, as [`Trace::nodes`](super::Trace::nodes) and
/// [`Trace::node`](super::Trace::node) give it.
#[derive(Clone, Copy)]
pub struct NodeRecord<'a> {
    trace: &'a Trace,
    index: usize,
}

impl<'a> NodeRecord<'a> {
    fn row(&self) -> &'a NodeRow {
        &self.trace.graph.nodes[self.index]
    }

    /// The node's index on its tape.
    pub fn id(&self) -> NodeId {
        NodeId(self.index)
    }

    /// The name of a leaf or constant as formulas show it (a scalar constant's value, `cᵢ`
    /// for an unnamed tensor constant); `None` for op nodes, which are called `uᵢ` (see
    /// [`NodeRecord::display_name`]).
    pub fn name(&self) -> Option<&'a str> {
        let name = self.row().name;
        (name != NO_NAME).then(|| self.trace.graph.names[name as usize].as_str())
    }

    /// The node's name in formulas and reports: its [`name`](NodeRecord::name), or `uᵢ`
    /// for op node `i` (`u₁₂`).
    pub fn display_name(&self) -> Cow<'a, str> {
        match self.name() {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(indexed('u', self.index)),
        }
    }

    /// The op's label (`"mul"`, `"powf(3)"`), or `"leaf"` / `"const"`.
    pub fn op(&self) -> &'a str {
        &self.trace.graph.ops[self.row().op as usize]
    }

    /// True for an op node (false for a leaf or constant).
    pub fn has_op(&self) -> bool {
        self.row().op >= 2
    }

    /// How an op node is formed from its inputs' names (`w·x`, `tanh(u₄)`: the op's
    /// [`symbolic`](crate::ops::Op::symbolic) form), when
    /// [`TraceOptions::formulas`](super::TraceOptions::formulas) was on; `None` for leaves and
    /// constants.
    pub fn formula(&self) -> Option<&'a str> {
        let formulas = &self.trace.graph.node_formulas;
        formulas.get(self.index).and_then(Option::as_deref)
    }

    /// The node's layer: an index into [`Trace::layers`](super::Trace::layers).
    pub fn layer(&self) -> usize {
        self.row().layer as usize
    }

    /// The node's layer path (`"block1/linear"`; `""` at the top level).
    pub fn layer_path(&self) -> &'a str {
        &self.trace.layers()[self.layer()]
    }

    /// The forward value.
    pub fn value(&self) -> &'a Summary {
        &self.row().value
    }

    /// `∂output/∂node` after the sweep (`None` when no gradient reached it).
    pub fn grad(&self) -> Option<&'a Summary> {
        self.row().grad.as_ref()
    }

    /// The edges from the node's inputs, in slot order (none for a leaf).
    pub fn inputs(&self) -> impl ExactSizeIterator<Item = EdgeRecord<'a>> + use<'a> {
        let trace = self.trace;
        trace
            .graph
            .edges_into(self.index)
            .map(move |index| EdgeRecord::at(trace, index))
    }
}

impl fmt::Debug for NodeRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeRecord")
            .field("id", &self.index)
            .field("name", &self.display_name())
            .field("op", &self.op())
            .field("layer", &self.layer_path())
            .field("value", self.value())
            .field("grad", &self.grad())
            .finish()
    }
}

/// One edge of the traced graph: input [`from`](EdgeRecord::from) feeds argument
/// [`slot`](EdgeRecord::slot) of op node [`to`](EdgeRecord::to).
#[derive(Clone, Copy)]
pub struct EdgeRecord<'a> {
    trace: &'a Trace,
    index: usize,
}

impl<'a> EdgeRecord<'a> {
    fn row(&self) -> &'a EdgeRow {
        &self.trace.graph.edges[self.index]
    }

    /// The edge's index in [`Trace::edges`](super::Trace::edges).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The input node.
    pub fn from(&self) -> NodeId {
        self.row().from()
    }

    /// The op node.
    pub fn to(&self) -> NodeId {
        self.row().to()
    }

    /// Which argument of the op.
    pub fn slot(&self) -> usize {
        self.row().slot()
    }

    /// Ordinary or residual (the identity edge of `x + f(x)`).
    pub fn kind(&self) -> EdgeKind {
        self.row().kind
    }

    /// The local derivative `∂to/∂from` as a formula in the nodes' names (the op's
    /// [`local_derivative`](crate::ops::Op::local_derivative)), unless
    /// [`TraceOptions::formulas`](super::TraceOptions::formulas) was off.
    pub fn formula(&self) -> Option<&'a str> {
        let formulas = &self.trace.graph.edge_formulas;
        formulas.get(self.index).and_then(Option::as_deref)
    }

    /// The local derivative's value, when both ends are scalars.
    pub fn local(&self) -> Option<f64> {
        self.row().local()
    }

    /// The magnitude (absolute value or Frobenius norm) of the gradient contribution that
    /// crossed the edge in the sweep; `None` when none did.
    pub fn flow(&self) -> Option<f64> {
        self.row().flow()
    }

    /// The input node's record.
    pub fn input(&self) -> NodeRecord<'a> {
        NodeRecord::at(self.trace, self.row().from as usize)
    }

    /// The op node's record.
    pub fn output(&self) -> NodeRecord<'a> {
        NodeRecord::at(self.trace, self.row().to as usize)
    }
}

impl fmt::Debug for EdgeRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeRecord")
            .field("index", &self.index)
            .field("from", &self.from().0)
            .field("to", &self.to().0)
            .field("slot", &self.slot())
            .field("kind", &self.kind())
            .field("formula", &self.formula())
            .field("local", &self.local())
            .field("flow", &self.flow())
            .finish()
    }
}

impl<'a> Record<'a> for NodeRecord<'a> {
    fn at(trace: &'a Trace, index: usize) -> Self {
        NodeRecord { trace, index }
    }

    fn count(trace: &Trace) -> usize {
        trace.graph.nodes.len()
    }
}

impl<'a> Record<'a> for EdgeRecord<'a> {
    fn at(trace: &'a Trace, index: usize) -> Self {
        EdgeRecord { trace, index }
    }

    fn count(trace: &Trace) -> usize {
        trace.graph.edges.len()
    }
}

/// The records of `trace` of one kind.
pub(crate) fn records<'a, R: Record<'a>>(trace: &'a Trace) -> Records<'a, R> {
    Records::new(trace, R::count(trace))
}

/// Builds the graph for `nodes` (the tape up to the output), before the sweep: names, op
/// labels, values, each edge's scalar local derivative and, with `formulas`, each op node's
/// forward formula and each edge's local derivative formula.
///
/// This runs once per node of graphs with a million nodes, so op nodes get no name string,
/// op labels are interned, and the formulas (the costly part) are a pass of their own.
///
/// The tables are written into `graph`, whose tables are empty (their memory is reused).
pub(crate) fn graph<T: Float>(
    nodes: NodeSpan<'_, T>,
    full_values: usize,
    formulas: bool,
    mut graph: Graph,
) -> Graph {
    let mut labels = Labels::new(nodes.op_count(), std::mem::take(&mut graph.ops));
    graph.nodes.reserve(nodes.len());
    graph.edges.reserve(nodes.len() * 2);
    graph.offsets.reserve(nodes.len() + 1);
    for (i, node) in nodes.iter().enumerate() {
        graph.offsets.push(graph.edges.len() as u32);
        let name = match node.op_index() {
            Some(_) => {
                push_edge_rows(nodes, i, node, &mut graph.edges);
                NO_NAME
            }
            None => {
                graph.names.push(symbol(i, node).to_text());
                (graph.names.len() - 1) as u32
            }
        };
        graph.nodes.push(NodeRow {
            value: Summary::of(node.value(), full_values),
            grad: None,
            op: labels.of(node),
            layer: node.layer().0,
            name,
        });
    }
    graph.offsets.push(graph.edges.len() as u32);
    graph.ops = labels.by_text;
    if formulas {
        write_formulas(nodes, &mut graph);
    }
    graph
}

/// Appends the edges into op node `i`.
#[inline]
fn push_edge_rows<T: Float>(
    nodes: NodeSpan<'_, T>,
    i: usize,
    node: Node<'_, T>,
    edges: &mut Vec<EdgeRow>,
) {
    let recorded = node.scalar_derivatives();
    for (slot, input) in node.inputs().enumerate() {
        let local = match recorded {
            Some(recorded) => Some(recorded[slot].as_f64()),
            None => node
                .op()
                .and_then(|op| tensor_local_derivative(nodes, node, op, slot)),
        };
        edges.push(EdgeRow::new(input.node.0, i, slot, input.kind).with_local(local));
    }
}

/// Fills in each op node's forward formula and each edge's local derivative formula, in the
/// names of the nodes' symbols (`w·x`, `tanh(u₄)`; `x`, `1 − tanh(u₄)²`).
fn write_formulas<T: Float>(nodes: NodeSpan<'_, T>, graph: &mut Graph) {
    let mut symbols: Vec<Expr> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| symbol(i, n))
        .collect();
    graph.node_formulas.reserve(nodes.len());
    graph.edge_formulas.reserve(graph.edges.len());
    for node in nodes.iter() {
        let Some(op) = node.op() else {
            graph.node_formulas.push(None);
            continue;
        };
        let inputs: SmallVec<[Input; 2]> = node.inputs().collect();
        let args = lend_args(&mut symbols, &inputs);
        for slot in 0..inputs.len() {
            let formula = op.local_derivative(slot, &args).to_text();
            graph.edge_formulas.push(Some(formula));
        }
        graph.node_formulas.push(Some(op.symbolic(&args).to_text()));
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

/// Op labels, each stored once per trace, found by the node's index in the tape's op table
/// (where a stateless op such as `Mul` is stored once): one lookup per node, and
/// [`Op::label`](crate::ops::Op::label) called once per distinct op.
struct Labels {
    /// The label index of each tape op, `u32::MAX` until met.
    by_op: Vec<u32>,
    by_text: Vec<String>,
}

impl Labels {
    /// Labels for a tape of `ops` ops, written into `table` (empty; its memory is reused).
    fn new(ops: usize, mut table: Vec<String>) -> Self {
        table.extend(Graph::new_ops());
        Labels {
            by_op: vec![u32::MAX; ops],
            by_text: table,
        }
    }

    /// The label index of `node`.
    #[inline]
    fn of<T: Float>(&mut self, node: Node<'_, T>) -> u32 {
        match node.op_index() {
            None => u32::from(node.is_constant()),
            Some(k) if self.by_op[k] != u32::MAX => self.by_op[k],
            Some(k) => self.intern(k, node),
        }
    }

    /// The label of tape op `k`, met for the first time: interned by its text.
    #[inline(never)]
    fn intern<T: Float>(&mut self, k: usize, node: Node<'_, T>) -> u32 {
        let label = intern(&mut self.by_text, &node.op_label());
        self.by_op[k] = label;
        label
    }
}

/// The index of `text` in `table`, appended if it is not there yet.
pub(crate) fn intern(table: &mut Vec<String>, text: &str) -> u32 {
    let index = match table.iter().position(|t| t == text) {
        Some(index) => index,
        None => {
            table.push(text.to_string());
            table.len() - 1
        }
    };
    index as u32
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
    let node = nodes.node(i);
    match node.op() {
        Some(_) => indexed('u', i),
        None => symbol(i, node).to_text(),
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
        let g = graph(tape.nodes().span(), 16, false, Graph::default());
        let labels: Vec<&str> = g.nodes.iter().map(|n| &*g.ops[n.op as usize]).collect();
        assert_eq!(labels, ["leaf", "powf(2)", "powf(3)", "mul", "mul"]);
        assert_eq!(g.ops, ["leaf", "const", "powf(2)", "powf(3)", "mul"]);
        assert!(g.edge_formulas.is_empty() && g.node_formulas.is_empty());
    }

    /// The rows stay small: a traced chain writes one node and two edges per level.
    #[test]
    fn rows_are_compact() {
        assert_eq!(std::mem::size_of::<NodeRow>(), 48);
        assert_eq!(std::mem::size_of::<EdgeRow>(), 32);
    }

    #[test]
    fn subscripts() {
        assert_eq!(indexed('u', 0), "u₀");
        assert_eq!(indexed('c', 907), "c₉₀₇");
    }

    /// y = tanh(w·x) at w = 0.5, x = 2: ∂y/∂u₂ = 1 − tanh(1)² = 0.41997…, ∂u₂/∂w = x = 2.
    #[test]
    fn graph_names_nodes_and_evaluates_local_derivatives() {
        let tape = Tape::<f64>::new();
        let w = tape.var("w", 0.5);
        let x = tape.var("x", 2.0);
        let _y = (w * x).tanh();
        let g = graph(tape.nodes().span(), 16, true, Graph::default());
        assert_eq!(g.names, ["w", "x"]);
        let names: Vec<u32> = g.nodes.iter().map(|n| n.name).collect();
        assert_eq!(names, [0, 1, NO_NAME, NO_NAME]);
        assert_eq!(g.offsets, [0, 0, 0, 2, 3]);
        assert_eq!(g.edges.len(), 3);
        assert_eq!(g.edge_formulas[0].as_deref(), Some("x"));
        assert_eq!(g.edges[0].local(), Some(2.0));
        let tanh_prime = 1.0 - 1.0f64.tanh().powi(2);
        assert!((g.edges[2].local().unwrap() - tanh_prime).abs() < 1e-15);
        assert_eq!(g.edges[2].from(), NodeId(2));
        assert_eq!(g.edges[2].flow(), None);
        let formulas: Vec<Option<&str>> = g.node_formulas.iter().map(|f| f.as_deref()).collect();
        assert_eq!(formulas, [None, None, Some("w·x"), Some("tanh(u₂)")]);
    }
}
