//! One event per chain-rule multiplication, in the order the reverse sweep performs them.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use super::record::Tables;
use super::summary::{Summary, num, tensor_norm};
use crate::tape::{EdgeKind, NodeId};
use crate::tensor::{Float, Tensor};

/// One chain-rule multiplication: `∂L/∂x += ∂L/∂y · ∂y/∂x` along the edge from input `x`
/// (`from`) to op node `y` (`to`).
///
/// The names, op, layer and local derivative formula are in the trace's node and edge tables:
/// [`Trace::labels`](super::Trace::labels) gathers them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The edge's index in [`Trace::edges`](super::Trace::edges).
    pub edge: usize,
    /// The input `x`.
    pub from: NodeId,
    /// The op node `y`.
    pub to: NodeId,
    /// Which argument of `y` the input is.
    pub slot: usize,
    /// `∂L/∂y`, complete when the multiplication happens.
    pub upstream: Summary,
    /// `∂y/∂x` as a number, when `x` and `y` are scalars.
    #[serde(with = "num::option")]
    pub local: Option<f64>,
    /// The product `∂L/∂y · ∂y/∂x` (a vector-Jacobian product for tensors), summed to `x`'s
    /// shape.
    pub contribution: Summary,
    /// `∂L/∂x` after adding the contribution: fan-in sums are visible step by step.
    pub accumulated: Summary,
}

/// The names and labels of an event's edge, borrowed from the trace's tables
/// ([`Trace::labels`](super::Trace::labels)).
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
/// An event is pushed when its contribution crosses the edge and completed in place when the
/// sweep reports the input's accumulated gradient (the next call, for the same edge): no
/// event is moved after it is built.
pub(crate) struct EventLog {
    full_values: usize,
    record_events: bool,
    events: Vec<Event>,
    /// The current node's gradient, summarised once for all its outgoing events.
    upstream: Summary,
}

impl EventLog {
    /// A log for a graph of `edges` edges (an upper bound on the number of events).
    pub(crate) fn new(edges: usize, full_values: usize, record_events: bool) -> Self {
        EventLog {
            full_values,
            record_events,
            events: Vec::with_capacity(if record_events { edges } else { 0 }),
            upstream: Summary::Scalar(f64::NAN),
        }
    }

    /// A node's gradient is complete: summarise it once for all its outgoing events.
    #[inline]
    pub(crate) fn node_complete<T: Float>(&mut self, grad: &Tensor<T>) {
        if self.record_events {
            self.upstream = Summary::of(grad, self.full_values);
        }
    }

    /// A contribution crosses input `slot` of `node`.
    #[inline]
    pub(crate) fn edge<T: Float>(
        &mut self,
        tables: &mut Tables,
        node: NodeId,
        slot: usize,
        contribution: &Tensor<T>,
    ) {
        let index = tables.edge_index(node, slot);
        let edge = &mut tables.edges[index];
        if !self.record_events {
            edge.flow = Some(tensor_norm(contribution));
            return;
        }
        let contribution = Summary::of(contribution, self.full_values);
        edge.flow = Some(contribution.norm());
        self.events.push(Event {
            edge: index,
            from: edge.from,
            to: node,
            slot,
            upstream: self.upstream.clone(),
            local: edge.local,
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

    pub(crate) fn into_events(self) -> Vec<Event> {
        self.events
    }
}
