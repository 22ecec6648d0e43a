//! [`NodeRecord`] and [`EdgeRecord`]: the public views of one row of the traced graph each,
//! numbered in tape order.

use std::borrow::Cow;
use std::fmt;

use super::{EdgeRow, NO_NAME, NodeRow};
use crate::tape::{EdgeKind, NodeId};
use crate::trace::Trace;
use crate::trace::names::indexed;
use crate::trace::summary::Summary;
use crate::trace::table::Record;

/// One node of the traced graph, as [`Trace::nodes`](crate::trace::Trace::nodes) and
/// [`Trace::node`](crate::trace::Trace::node) give it.
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
    /// [`TraceOptions::formulas`](crate::trace::TraceOptions::formulas) was on; `None` for leaves and
    /// constants.
    pub fn formula(&self) -> Option<&'a str> {
        let formulas = &self.trace.graph.node_formulas;
        formulas.get(self.id).and_then(Option::as_deref)
    }

    /// The node's layer: an index into [`Trace::layers`](crate::trace::Trace::layers).
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

    /// The edge's index in [`Trace::edges`](crate::trace::Trace::edges) (tape order).
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
    /// [`TraceOptions::formulas`](crate::trace::TraceOptions::formulas) was off.
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
