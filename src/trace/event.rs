//! One event per chain-rule multiplication, in the order the reverse sweep performs them.

use std::borrow::Cow;
use std::fmt;

use super::Trace;
use super::record::{EdgeRecord, Graph};
use super::summary::{Summary, tensor_norm};
use super::table::Record;
use crate::tape::{EdgeKind, NodeId};
use crate::tensor::{Float, Tensor};

/// One recorded multiplication: the edge it crossed, and what the sweep computed.
///
/// The upstream gradient is the op node's (complete before the multiplication, so the node
/// table's copy is the same number) and the local derivative is the edge's: neither is stored
/// twice.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EventRow {
    /// Index into [`Graph::edges`].
    pub edge: u32,
    pub contribution: Summary,
    pub accumulated: Summary,
}

/// One chain-rule multiplication: `∂L/∂x += ∂L/∂y · ∂y/∂x` along the edge from input `x`
/// ([`from`](Event::from)) to op node `y` ([`to`](Event::to)), as
/// [`Trace::events`](super::Trace::events) lists them in sweep order.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    trace: &'a Trace,
    index: usize,
}

impl<'a> Event<'a> {
    fn row(&self) -> &'a EventRow {
        &self.trace.events[self.index]
    }

    /// The event's place in the sweep (0 for the first multiplication).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The edge the multiplication crossed.
    pub fn edge(&self) -> EdgeRecord<'a> {
        EdgeRecord::at(self.trace, self.row().edge as usize)
    }

    /// The input `x`.
    pub fn from(&self) -> NodeId {
        self.edge().from()
    }

    /// The op node `y`.
    pub fn to(&self) -> NodeId {
        self.edge().to()
    }

    /// Which argument of `y` the input is.
    pub fn slot(&self) -> usize {
        self.edge().slot()
    }

    /// `∂L/∂y`, complete when the multiplication happens.
    pub fn upstream(&self) -> &'a Summary {
        let to = self.edge().output();
        to.grad()
            .expect("an event's op node has a gradient (checked when a trace is read)")
    }

    /// `∂y/∂x` as a number, when `x` and `y` are scalars.
    pub fn local(&self) -> Option<f64> {
        self.edge().local()
    }

    /// The product `∂L/∂y · ∂y/∂x` (a vector-Jacobian product for tensors), summed to `x`'s
    /// shape.
    pub fn contribution(&self) -> &'a Summary {
        &self.row().contribution
    }

    /// `∂L/∂x` after adding the contribution: fan-in sums are visible step by step.
    pub fn accumulated(&self) -> &'a Summary {
        &self.row().accumulated
    }

    /// The names, op, layer and formula of the event's edge.
    pub fn labels(&self) -> EventLabels<'a> {
        let edge = self.edge();
        let op_node = edge.output();
        EventLabels {
            output: op_node.display_name(),
            input: edge.input().display_name(),
            op: op_node.op(),
            layer: op_node.layer_path(),
            formula: edge.formula(),
            kind: edge.kind(),
        }
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("index", &self.index)
            .field("edge", &self.row().edge)
            .field("from", &self.from().0)
            .field("to", &self.to().0)
            .field("upstream", self.upstream())
            .field("local", &self.local())
            .field("contribution", self.contribution())
            .field("accumulated", self.accumulated())
            .finish()
    }
}

impl<'a> Record<'a> for Event<'a> {
    fn at(trace: &'a Trace, index: usize) -> Self {
        Event { trace, index }
    }

    fn count(trace: &Trace) -> usize {
        trace.events.len()
    }
}

/// The names and labels of an event's edge, borrowed from the trace's tables
/// ([`Event::labels`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLabels<'a> {
    /// The op node's name (`u₇`).
    pub output: Cow<'a, str>,
    /// The input's name (`w`).
    pub input: Cow<'a, str>,
    /// The op's label (`mul`).
    pub op: &'a str,
    /// The op node's layer path (`""` at the top level).
    pub layer: &'a str,
    /// The local derivative `∂output/∂input` as a formula (if formulas were recorded).
    pub formula: Option<&'a str>,
    /// Ordinary or residual (the identity edge of `x + f(x)`).
    pub kind: EdgeKind,
}

/// Records the events and the magnitude of the gradient crossing each edge.
///
/// A tensor event is pushed when its contribution crosses the edge and completed in place
/// when the sweep reports the input's accumulated gradient (the next call, for the same edge);
/// a scalar event arrives complete.
pub(crate) struct EventLog {
    full_values: usize,
    record_events: bool,
    events: Vec<EventRow>,
}

impl EventLog {
    /// A log for a graph of `edges` edges (an upper bound on the number of events), written
    /// into `events` (empty; its memory is reused).
    pub(crate) fn new(
        mut events: Vec<EventRow>,
        edges: usize,
        full_values: usize,
        record_events: bool,
    ) -> Self {
        if record_events {
            events.reserve(edges);
        }
        EventLog {
            full_values,
            record_events,
            events,
        }
    }

    /// A scalar multiplication along input `slot` of `node`: its contribution, and the
    /// input's gradient after adding it.
    #[inline]
    pub(crate) fn scalar_edge(
        &mut self,
        graph: &mut Graph,
        node: NodeId,
        slot: usize,
        contribution: f64,
        accumulated: f64,
    ) {
        let index = graph.edge_index(node, slot);
        graph.edges[index].set_flow(contribution.abs());
        if self.record_events {
            self.events.push(EventRow {
                edge: index as u32,
                contribution: Summary::Scalar(contribution),
                accumulated: Summary::Scalar(accumulated),
            });
        }
    }

    /// A contribution crosses input `slot` of `node`.
    #[inline]
    pub(crate) fn edge<T: Float>(
        &mut self,
        graph: &mut Graph,
        node: NodeId,
        slot: usize,
        contribution: &Tensor<T>,
    ) {
        let index = graph.edge_index(node, slot);
        let edge = &mut graph.edges[index];
        if !self.record_events {
            edge.set_flow(tensor_norm(contribution));
            return;
        }
        let contribution = Summary::of(contribution, self.full_values);
        edge.set_flow(contribution.norm());
        self.events.push(EventRow {
            edge: index as u32,
            contribution,
            // Set by `accumulated`, which the sweep calls next for this edge.
            accumulated: Summary::Scalar(f64::NAN),
        });
    }

    /// The contribution of the last event has been added into its input's gradient.
    #[inline]
    pub(crate) fn accumulated<T: Float>(&mut self, accumulated: &Tensor<T>) {
        if let Some(event) = self.events.last_mut() {
            event.accumulated = Summary::of(accumulated, self.full_values);
        }
    }

    pub(crate) fn into_events(self) -> Vec<EventRow> {
        self.events
    }
}
