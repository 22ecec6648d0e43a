//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.
//!
//! The tables are written during the reverse sweep itself (see `capture.rs`), one node row and
//! its input edges at a time, so they are stored in sweep order: from the output back to node
//! 0, each op node's input edges in slot order, with each edge holding the multiplication
//! that crossed it. Rows own nothing (numbers and `u32` indices; tensor summaries, op labels,
//! names and formulas live in side tables), so a traced chain of a million levels writes two
//! short rows per level and clearing a trace is free. [`NodeRecord`] and [`EdgeRecord`] are the
//! public views of one row each, numbered in tape order.

use std::borrow::Cow;
use std::fmt;

use super::Trace;
use super::summary::Summary;
use super::table::Record;
use crate::tape::{EdgeKind, NodeId};

/// The traced graph: one row per node up to the output and one per edge.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Graph {
    /// Node rows in sweep order: node `i` of `n` is row `n − 1 − i`.
    pub nodes: Vec<NodeRow>,
    /// Edge rows in sweep order: op nodes from the last back, each's inputs in slot order.
    pub edges: Vec<EdgeRow>,
    /// The edge rows the multiplications crossed, in sweep order (when events are recorded).
    pub events: EventRows,
    /// The tensor summaries rows point to.
    pub tensors: Vec<Summary>,
    /// Op labels, each once: `"leaf"`, `"const"`, then in order of first use in the sweep.
    pub ops: Vec<String>,
    /// The names of the leaves and constants, in sweep order.
    pub names: Vec<String>,
    /// Each node's forward formula by node id (`None` for leaves), when formulas were
    /// recorded.
    pub node_formulas: Vec<Option<String>>,
    /// Each edge's local derivative formula in tape order, when formulas were recorded.
    pub edge_formulas: Vec<Option<String>>,
}

/// The edge rows the multiplications crossed, in sweep order: an event is its edge row and
/// its place in this list.
///
/// When every edge row was crossed (a scalar graph whose every input needs a gradient), the
/// list is the edge table itself and is not written: a traced chain level then stores no
/// index at all. One form for one list, so traces compare equal whichever way they were made.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EventRows {
    /// The rows, when not `every_edge`.
    rows: Vec<u32>,
    every_edge: bool,
}

impl EventRows {
    /// The list `rows` (strictly increasing, so all `edges` rows means every row), in its
    /// one form; `rows`' memory is kept for the next trace.
    pub(crate) fn new(mut rows: Vec<u32>, edges: usize) -> Self {
        let every_edge = edges > 0 && rows.len() == edges;
        if every_edge {
            rows.clear();
        }
        EventRows { rows, every_edge }
    }

    /// Every one of the `edges` rows, the list left unwritten.
    pub(crate) fn every_edge(mut rows: Vec<u32>, edges: usize) -> Self {
        rows.clear();
        EventRows {
            rows,
            every_edge: edges > 0,
        }
    }

    /// Empties the list, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.every_edge = false;
    }

    /// The list's memory, emptied.
    pub(crate) fn take(&mut self) -> Vec<u32> {
        self.every_edge = false;
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        rows
    }
}

/// A value or gradient as the graph keeps it: a scalar's number, or a tensor's summary by its
/// index in [`Graph::tensors`] (a row packs it into an `f64` and a flag bit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Stored {
    Scalar(f64),
    Tensor(u32),
}

impl Stored {
    /// Stores `summary`, pushing a tensor's into `tensors`.
    pub(crate) fn new(summary: Summary, tensors: &mut Vec<Summary>) -> Stored {
        match summary {
            Summary::Scalar(x) => Stored::Scalar(x),
            tensor => {
                tensors.push(tensor);
                Stored::Tensor((tensors.len() - 1) as u32)
            }
        }
    }

    /// The summary back.
    pub(crate) fn get(self, tensors: &[Summary]) -> Cow<'_, Summary> {
        match self {
            Stored::Scalar(x) => Cow::Owned(Summary::Scalar(x)),
            Stored::Tensor(k) => Cow::Borrowed(&tensors[k as usize]),
        }
    }
}

/// One node: its value and gradient, and indices into the graph's side tables.
///
/// Plain numbers only, each [`Stored`] as an `f64` and a flag bit, so that writing a row is a
/// handful of stores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NodeRow {
    value: f64,
    grad: f64,
    /// Index into [`Graph::ops`].
    pub op: u32,
    /// Index into [`Trace::layers`].
    pub layer: u32,
    /// Index into [`Graph::names`], or [`NO_NAME`] for an op node (called `uᵢ`).
    pub name: u32,
    /// The row of the node's first input edge in [`Graph::edges`].
    pub first_edge: u32,
    /// `VALUE_TENSOR`, `GRAD_TENSOR`, `HAS_GRAD`.
    bits: u8,
}

/// [`NodeRow::name`] of an op node.
pub(crate) const NO_NAME: u32 = u32::MAX;

const VALUE_TENSOR: u8 = 1;
const GRAD_TENSOR: u8 = 2;
const HAS_GRAD: u8 = 4;

/// A [`Stored`] as a row keeps it: the number, or the tensor index in the bits of an `f64`,
/// and whether it is a tensor.
#[inline]
fn pack(stored: Stored) -> (f64, bool) {
    match stored {
        Stored::Scalar(x) => (x, false),
        Stored::Tensor(k) => (f64::from_bits(u64::from(k)), true),
    }
}

#[inline]
fn unpack(x: f64, tensor: bool) -> Stored {
    match tensor {
        false => Stored::Scalar(x),
        true => Stored::Tensor(x.to_bits() as u32),
    }
}

/// `bit` when `on`, else 0.
#[inline]
fn bit(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}

impl NodeRow {
    /// A row for a node whose first input edge will be in row `first_edge`.
    #[inline]
    pub(crate) fn new(
        value: Stored,
        grad: Option<Stored>,
        [op, layer, name, first_edge]: [u32; 4],
    ) -> Self {
        let (value, value_tensor) = pack(value);
        let (grad, grad_bits) = match grad.map(pack) {
            Some((grad, tensor)) => (grad, HAS_GRAD | bit(tensor, GRAD_TENSOR)),
            None => (0.0, 0),
        };
        NodeRow {
            value,
            grad,
            op,
            layer,
            name,
            first_edge,
            bits: bit(value_tensor, VALUE_TENSOR) | grad_bits,
        }
    }

    /// A row for a scalar node with a gradient.
    #[inline]
    pub(crate) fn scalar(value: f64, grad: f64, indices: [u32; 4]) -> Self {
        NodeRow::new(Stored::Scalar(value), Some(Stored::Scalar(grad)), indices)
    }

    pub(crate) fn value(&self) -> Stored {
        unpack(self.value, self.bits & VALUE_TENSOR != 0)
    }

    pub(crate) fn grad(&self) -> Option<Stored> {
        (self.bits & HAS_GRAD != 0).then(|| unpack(self.grad, self.bits & GRAD_TENSOR != 0))
    }
}

/// One edge, input `from` feeding argument `slot` of op node `to`, and what crossed it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct EdgeRow {
    pub from: u32,
    pub to: u32,
    pub slot: u32,
    pub kind: EdgeKind,
    /// Which fields hold something, and how (`LOCAL`, `CROSSED`, `NORM_ONLY`,
    /// `CONTRIBUTION_TENSOR`, `ACCUMULATED_TENSOR`).
    bits: u8,
    local: f64,
    /// `∂L/∂to · ∂to/∂from`; with `NORM_ONLY`, just its magnitude.
    contribution: f64,
    /// `∂L/∂from` after adding the contribution (when `CROSSED` without `NORM_ONLY`).
    accumulated: f64,
}

/// [`EdgeRow`] bits: `local` holds the local derivative.
const LOCAL: u8 = 1;
/// A contribution crossed the edge.
const CROSSED: u8 = 2;
/// Only the contribution's magnitude was kept (events off).
const NORM_ONLY: u8 = 4;
const CONTRIBUTION_TENSOR: u8 = 8;
const ACCUMULATED_TENSOR: u8 = 16;

impl EdgeRow {
    #[inline]
    pub(crate) fn new(from: usize, to: usize, slot: usize, kind: EdgeKind) -> Self {
        EdgeRow {
            from: from as u32,
            to: to as u32,
            slot: slot as u32,
            kind,
            bits: 0,
            local: 0.0,
            contribution: 0.0,
            accumulated: 0.0,
        }
    }

    #[inline]
    pub(crate) fn with_local(mut self, local: Option<f64>) -> Self {
        if let Some(local) = local {
            self.local = local;
            self.bits |= LOCAL;
        }
        self
    }

    /// A multiplication crossed the edge: its contribution and the input's gradient after it.
    #[inline]
    pub(crate) fn cross(&mut self, contribution: Stored, accumulated: Stored) {
        let (contribution, contribution_tensor) = pack(contribution);
        let (accumulated, accumulated_tensor) = pack(accumulated);
        self.contribution = contribution;
        self.accumulated = accumulated;
        self.bits |= CROSSED
            | bit(contribution_tensor, CONTRIBUTION_TENSOR)
            | bit(accumulated_tensor, ACCUMULATED_TENSOR);
    }

    /// A scalar multiplication crossed the edge: its contribution and the input's gradient
    /// after it.
    #[inline]
    pub(crate) fn cross_scalars(&mut self, contribution: f64, accumulated: f64) {
        self.contribution = contribution;
        self.accumulated = accumulated;
        self.bits |= CROSSED;
    }

    /// A contribution of magnitude `norm` crossed the edge (events off: nothing else kept).
    #[inline]
    pub(crate) fn cross_norm(&mut self, norm: f64) {
        self.contribution = norm;
        self.bits |= CROSSED | NORM_ONLY;
    }

    /// The input's gradient after the multiplication, when it arrives after the contribution
    /// (tensor steps report them one at a time).
    pub(crate) fn set_accumulated(&mut self, accumulated: Stored) {
        let (accumulated, tensor) = pack(accumulated);
        self.accumulated = accumulated;
        self.bits = (self.bits & !ACCUMULATED_TENSOR) | bit(tensor, ACCUMULATED_TENSOR);
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
        (self.bits & LOCAL != 0).then_some(self.local)
    }

    /// The contribution, for an edge an event crossed.
    pub(crate) fn contribution(&self) -> Stored {
        unpack(self.contribution, self.has(CONTRIBUTION_TENSOR))
    }

    /// The accumulated gradient, for an edge an event crossed.
    pub(crate) fn accumulated(&self) -> Stored {
        unpack(self.accumulated, self.has(ACCUMULATED_TENSOR))
    }

    /// The magnitude of what crossed the edge, if anything did.
    fn flow(&self, tensors: &[Summary]) -> Option<f64> {
        if !self.has(CROSSED) {
            return None;
        }
        Some(match self.has(NORM_ONLY) {
            true => self.contribution,
            false => self.contribution().get(tensors).norm(),
        })
    }

    /// True when an event crossed the edge (a multiplication recorded whole, not only its
    /// magnitude).
    pub(crate) fn has_event(&self) -> bool {
        self.has(CROSSED) && !self.has(NORM_ONLY)
    }

    fn has(&self, bit: u8) -> bool {
        self.bits & bit != 0
    }
}

impl Graph {
    /// Empties every table, keeping their memory (rows own nothing, so this is free).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.edges.clear();
        self.events.clear();
        self.tensors.clear();
        self.ops.clear();
        self.names.clear();
        self.node_formulas.clear();
        self.edge_formulas.clear();
    }

    /// The op label table with `"leaf"` and `"const"` in their places.
    pub(crate) fn new_ops() -> Vec<String> {
        vec!["leaf".into(), "const".into()]
    }

    /// The number of events.
    pub(crate) fn event_count(&self) -> usize {
        match self.events.every_edge {
            true => self.edges.len(),
            false => self.events.rows.len(),
        }
    }

    /// The edge row of event `k` (`k` < [`Graph::event_count`]).
    #[inline]
    pub(crate) fn event_row(&self, k: usize) -> usize {
        match self.events.every_edge {
            true => k,
            false => self.events.rows[k] as usize,
        }
    }

    /// The row of node `id`.
    #[inline]
    pub(crate) fn node(&self, id: usize) -> &NodeRow {
        &self.nodes[self.nodes.len() - 1 - id]
    }

    /// The rows of node `id`'s input edges in [`Graph::edges`].
    pub(crate) fn edges_into(&self, id: usize) -> std::ops::Range<usize> {
        let first = self.node(id).first_edge as usize;
        first..self.edges_after(id)
    }

    /// Where the edges of the nodes before `id` start in [`Graph::edges`] (the end of
    /// `id`'s own, as the sweep visits `id` first).
    fn edges_after(&self, id: usize) -> usize {
        match id {
            0 => self.edges.len(),
            _ => self.node(id - 1).first_edge as usize,
        }
    }

    /// The tape-order index of node `id`'s first input edge.
    fn tape_first_edge(&self, id: usize) -> usize {
        self.edges.len() - self.edges_after(id)
    }

    /// The tape-order index of the edge in row `row`.
    pub(crate) fn tape_index(&self, row: usize) -> usize {
        let edge = &self.edges[row];
        self.tape_first_edge(edge.to as usize) + edge.slot as usize
    }

    /// The row of the edge with tape-order index `index`.
    pub(crate) fn edge_row(&self, index: usize) -> usize {
        // The last node whose first edge is at or before `index`: its successor starts
        // past `index`, so it has inputs and `index` is one of them (a binary search, as
        // the starts never decrease along the tape).
        let (mut low, mut high) = (0, self.nodes.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if self.tape_first_edge(mid) <= index {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let id = low - 1;
        self.node(id).first_edge as usize + (index - self.tape_first_edge(id))
    }

    /// The magnitude of what crossed the edge in row `row`.
    pub(crate) fn flow(&self, row: usize) -> Option<f64> {
        self.edges[row].flow(&self.tensors)
    }
}

/// One node of the traced graph, as [`Trace::nodes`](super::Trace::nodes) and
/// [`Trace::node`](super::Trace::node) give it.
#[derive(Clone, Copy)]
pub struct NodeRecord<'a> {
    trace: &'a Trace,
    id: usize,
}

impl<'a> NodeRecord<'a> {
    fn row(&self) -> &'a NodeRow {
        self.trace.graph.node(self.id)
    }

    /// The node's index on its tape.
    pub fn id(&self) -> NodeId {
        NodeId(self.id)
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
            None => Cow::Owned(indexed('u', self.id)),
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
        formulas.get(self.id).and_then(Option::as_deref)
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
    pub fn value(&self) -> Cow<'a, Summary> {
        self.row().value().get(&self.trace.graph.tensors)
    }

    /// `∂output/∂node` after the sweep (`None` when no gradient reached it).
    pub fn grad(&self) -> Option<Cow<'a, Summary>> {
        let tensors = &self.trace.graph.tensors;
        self.row().grad().map(|g| g.get(tensors))
    }

    /// The edges from the node's inputs, in slot order (none for a leaf).
    pub fn inputs(&self) -> impl ExactSizeIterator<Item = EdgeRecord<'a>> + use<'a> {
        let trace = self.trace;
        trace
            .graph
            .edges_into(self.id)
            .map(move |row| EdgeRecord { trace, row })
    }
}

impl fmt::Debug for NodeRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeRecord")
            .field("id", &self.id)
            .field("name", &self.display_name())
            .field("op", &self.op())
            .field("layer", &self.layer_path())
            .field("value", &self.value())
            .field("grad", &self.grad())
            .finish()
    }
}

/// One edge of the traced graph: input [`from`](EdgeRecord::from) feeds argument
/// [`slot`](EdgeRecord::slot) of op node [`to`](EdgeRecord::to).
#[derive(Clone, Copy)]
pub struct EdgeRecord<'a> {
    trace: &'a Trace,
    /// The edge's row in the graph's edge table (sweep order).
    row: usize,
}

impl<'a> EdgeRecord<'a> {
    /// The edge in row `row` of the edge table.
    pub(crate) fn in_row(trace: &'a Trace, row: usize) -> Self {
        EdgeRecord { trace, row }
    }

    fn edge(&self) -> &'a EdgeRow {
        &self.trace.graph.edges[self.row]
    }

    /// The edge's index in [`Trace::edges`](super::Trace::edges) (tape order).
    pub fn index(&self) -> usize {
        self.trace.graph.tape_index(self.row)
    }

    /// The input node.
    pub fn from(&self) -> NodeId {
        self.edge().from()
    }

    /// The op node.
    pub fn to(&self) -> NodeId {
        self.edge().to()
    }

    /// Which argument of the op.
    pub fn slot(&self) -> usize {
        self.edge().slot()
    }

    /// Ordinary or residual (the identity edge of `x + f(x)`).
    pub fn kind(&self) -> EdgeKind {
        self.edge().kind
    }

    /// The local derivative `∂to/∂from` as a formula in the nodes' names (the op's
    /// [`local_derivative`](crate::ops::Op::local_derivative)), unless
    /// [`TraceOptions::formulas`](super::TraceOptions::formulas) was off.
    pub fn formula(&self) -> Option<&'a str> {
        let formulas = &self.trace.graph.edge_formulas;
        formulas.get(self.index()).and_then(Option::as_deref)
    }

    /// The local derivative's value, when both ends are scalars.
    pub fn local(&self) -> Option<f64> {
        self.edge().local()
    }

    /// The magnitude (absolute value or Frobenius norm) of the gradient contribution that
    /// crossed the edge in the sweep; `None` when none did.
    pub fn flow(&self) -> Option<f64> {
        self.trace.graph.flow(self.row)
    }

    /// The input node's record.
    pub fn input(&self) -> NodeRecord<'a> {
        NodeRecord::at(self.trace, self.edge().from as usize)
    }

    /// The op node's record.
    pub fn output(&self) -> NodeRecord<'a> {
        NodeRecord::at(self.trace, self.edge().to as usize)
    }
}

impl fmt::Debug for EdgeRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeRecord")
            .field("index", &self.index())
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
        NodeRecord { trace, id: index }
    }

    fn count(trace: &Trace) -> usize {
        trace.graph.nodes.len()
    }
}

impl<'a> Record<'a> for EdgeRecord<'a> {
    fn at(trace: &'a Trace, index: usize) -> Self {
        EdgeRecord {
            trace,
            row: trace.graph.edge_row(index),
        }
    }

    fn count(trace: &Trace) -> usize {
        trace.graph.edges.len()
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

    /// The rows stay small and own nothing: a traced chain writes one node row and two edge
    /// rows per level, and clearing them costs nothing.
    #[test]
    fn rows_are_compact() {
        assert_eq!(std::mem::size_of::<NodeRow>(), 40);
        assert_eq!(std::mem::size_of::<EdgeRow>(), 40);
        assert!(!std::mem::needs_drop::<NodeRow>() && !std::mem::needs_drop::<EdgeRow>());
    }

    /// A scalar chain crosses every edge: its event list is the edge table, unwritten. A
    /// constant input leaves an edge without an event, and the list is written. Either way an
    /// event names the edge its multiplication crossed, and the trace reads back equal.
    #[test]
    fn the_event_list_is_written_only_when_some_edge_has_no_event() {
        use crate::{Tape, TraceOptions};
        let events = TraceOptions::ledger_only().with_events(true);
        let tape = Tape::<f64>::new();
        let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
        let (_, chain) = (w * (w * x)).backward_traced(events.clone());
        assert!(chain.graph.events.every_edge && chain.graph.events.rows.is_empty());
        assert_eq!(chain.events().len(), 4);
        // w·(w·x) at w = 1.5, x = 2: the second multiplication into w adds 1.5·x to w·x.
        let second_into_w = chain.events().get(2).unwrap();
        let edge = (
            second_into_w.from().0,
            second_into_w.to().0,
            second_into_w.slot(),
        );
        assert_eq!(edge, (0, 2, 0));
        assert_eq!(
            second_into_w.accumulated(),
            Cow::Owned(Summary::Scalar(3.0 + 3.0))
        );

        let tape = Tape::<f64>::new();
        let (w, two) = (tape.var("w", 1.5), tape.constant(2.0));
        let (_, scaled) = (w * two * w).backward_traced(events);
        assert!(!scaled.graph.events.every_edge);
        assert_eq!(scaled.graph.edges.len(), 4);
        assert_eq!(scaled.graph.events.rows, [0, 1, 2]); // not row 3, into the constant
        let into: Vec<usize> = scaled.events().iter().map(|e| e.to().0).collect();
        assert_eq!(into, [3, 3, 2]);
        #[cfg(feature = "serde")]
        for trace in [chain, scaled] {
            assert_eq!(crate::Trace::from_json(&trace.to_json()).unwrap(), trace);
        }
    }

    /// One form for one list, however it was made.
    #[test]
    fn event_lists_have_one_form() {
        assert_eq!(
            EventRows::new(vec![0, 1, 2], 3),
            EventRows::every_edge(vec![7], 3)
        );
        assert_eq!(EventRows::new(vec![], 0), EventRows::every_edge(vec![], 0));
        assert_eq!(EventRows::new(vec![], 0), EventRows::default());
        assert_ne!(
            EventRows::new(vec![0, 2], 3),
            EventRows::every_edge(vec![], 3)
        );
    }

    #[test]
    fn subscripts() {
        assert_eq!(indexed('u', 0), "u₀");
        assert_eq!(indexed('c', 907), "c₉₀₇");
    }
}
