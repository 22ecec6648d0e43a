//! One event per chain-rule multiplication, in the order the reverse sweep performs them.

use std::borrow::Cow;
use std::fmt;

use super::Trace;
use super::record::EdgeRecord;
use super::summary::Summary;
use super::table::Record;
use crate::tape::{EdgeKind, NodeId};

/// One chain-rule multiplication: `∂L/∂x += ∂L/∂y · ∂y/∂x` along the edge from input `x`
/// ([`from`](Event::from)) to op node `y` ([`to`](Event::to)), as
/// [`Trace::events`](super::Trace::events) lists them in sweep order.
///
/// The trace stores a multiplication with the edge it crossed: the upstream gradient is the
/// op node's (complete before the multiplication) and the local derivative the edge's, so
/// neither is stored twice.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    trace: &'a Trace,
    index: usize,
}

impl<'a> Event<'a> {
    /// The event's row in the graph's edge table.
    fn row(&self) -> usize {
        self.trace.graph.event_row(self.index)
    }

    /// The event's place in the sweep (0 for the first multiplication).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The edge the multiplication crossed.
    pub fn edge(&self) -> EdgeRecord<'a> {
        EdgeRecord::in_row(self.trace, self.row())
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
    pub fn upstream(&self) -> Cow<'a, Summary> {
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
    pub fn contribution(&self) -> Cow<'a, Summary> {
        let graph = &self.trace.graph;
        graph.edges[self.row()].contribution().get(&graph.tensors)
    }

    /// `∂L/∂x` after adding the contribution: fan-in sums are visible step by step.
    pub fn accumulated(&self) -> Cow<'a, Summary> {
        let graph = &self.trace.graph;
        graph.edges[self.row()].accumulated().get(&graph.tensors)
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
            .field("edge", &self.edge().index())
            .field("from", &self.from().0)
            .field("to", &self.to().0)
            .field("upstream", &self.upstream())
            .field("local", &self.local())
            .field("contribution", &self.contribution())
            .field("accumulated", &self.accumulated())
            .finish()
    }
}

impl<'a> Record<'a> for Event<'a> {
    fn at(trace: &'a Trace, index: usize) -> Self {
        Event { trace, index }
    }

    fn count(trace: &Trace) -> usize {
        trace.graph.event_count()
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
