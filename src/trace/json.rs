//! The trace as JSON (schema `chaintrace-trace/1`, documented in docs/trace-format.md):
//! written one record per line, so files diff well and snapshots read easily; read back with
//! a check of the schema tag and of every cross-reference.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

use super::anomaly::Anomalies;
use super::event::EventRow;
use super::ledger::Ledger;
use super::lengths::LengthSplit;
use super::record::{EdgeRow, Graph, NO_NAME, NodeRow, intern};
use super::summary::{Summary, num};
use super::{SCHEMA, Trace, TraceOptions};
use crate::error::{Error, Result};
use crate::hooks::HookFiring;
use crate::tape::{EdgeKind, NodeId};

const WHAT: &str = "trace JSON";

/// A node as the file writes it.
#[derive(Serialize, Deserialize)]
struct NodeJson {
    id: NodeId,
    name: Option<String>,
    op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formula: Option<String>,
    layer: usize,
    value: Summary,
    grad: Option<Summary>,
}

/// An edge as the file writes it.
#[derive(Serialize, Deserialize)]
struct EdgeJson {
    from: NodeId,
    to: NodeId,
    slot: usize,
    kind: EdgeKind,
    formula: Option<String>,
    #[serde(with = "num::option")]
    local: Option<f64>,
    #[serde(with = "num::option")]
    flow: Option<f64>,
}

/// An event as the file writes it: self-contained, so the edge's ends and local derivative
/// and the op node's gradient (`upstream`) are repeated; a reader takes them from the
/// tables and only checks that the ends agree.
#[derive(Serialize, Deserialize)]
struct EventJson {
    edge: usize,
    from: NodeId,
    to: NodeId,
    slot: usize,
    upstream: Summary,
    #[serde(with = "num::option")]
    local: Option<f64>,
    contribution: Summary,
    accumulated: Summary,
}

/// The whole file, as read.
#[derive(Deserialize)]
struct TraceJson {
    element: String,
    output: NodeId,
    value: Summary,
    options: TraceOptions,
    layers: Vec<String>,
    nodes: Vec<NodeJson>,
    edges: Vec<EdgeJson>,
    events: Vec<EventJson>,
    ledger: Ledger,
    path_lengths: Vec<LengthSplit>,
    anomalies: Option<Anomalies>,
    #[serde(default)]
    hooks: Vec<HookFiring>,
}

impl Trace {
    /// The trace as JSON: an object with the fields below, each array element on a line of
    /// its own, numbers written exactly (shortest round-trip form) and NaN/±∞ as the strings
    /// `"NaN"`, `"inf"`, `"-inf"`. docs/trace-format.md describes every field.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\n");
        field(&mut out, "schema", &SCHEMA);
        field(&mut out, "element", &self.element);
        field(&mut out, "output", &self.output);
        field(&mut out, "value", &self.value);
        field(&mut out, "options", &self.options);
        array(&mut out, "layers", self.layers.iter(), 1);
        array(&mut out, "nodes", self.nodes().iter().map(node_json), 1);
        array(&mut out, "edges", self.edges().iter().map(edge_json), 1);
        array(&mut out, "events", self.events().iter().map(event_json), 1);
        out.push_str("  \"ledger\": {\n");
        array(&mut out, "rows", self.ledger.rows.iter(), 2);
        array(&mut out, "shared", self.ledger.shared.iter(), 2);
        close_object(&mut out, 1);
        array(&mut out, "path_lengths", self.path_lengths.iter(), 1);
        field(&mut out, "anomalies", &self.anomalies);
        if !self.hooks.is_empty() {
            array(&mut out, "hooks", self.hooks.iter(), 1);
        }
        close_object(&mut out, 0);
        out
    }
}

/// The whole trace, borrowed, in the field order of the file.
#[derive(Serialize)]
struct TraceOut<'a> {
    schema: &'a str,
    element: &'a str,
    output: NodeId,
    value: &'a Summary,
    options: &'a TraceOptions,
    layers: &'a [String],
    nodes: Vec<NodeJson>,
    edges: Vec<EdgeJson>,
    events: Vec<EventJson>,
    ledger: &'a Ledger,
    path_lengths: &'a [LengthSplit],
    anomalies: &'a Option<Anomalies>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    hooks: &'a [HookFiring],
}

/// A trace serialises as the object [`Trace::to_json`] writes (there, one record per line),
/// so it can be a field of a larger JSON document.
impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        TraceOut {
            schema: SCHEMA,
            element: &self.element,
            output: self.output,
            value: &self.value,
            options: &self.options,
            layers: &self.layers,
            nodes: self.nodes().iter().map(node_json).collect(),
            edges: self.edges().iter().map(edge_json).collect(),
            events: self.events().iter().map(event_json).collect(),
            ledger: &self.ledger,
            path_lengths: &self.path_lengths,
            anomalies: &self.anomalies,
            hooks: &self.hooks,
        }
        .serialize(serializer)
    }
}

fn node_json(node: super::NodeRecord<'_>) -> NodeJson {
    NodeJson {
        id: node.id(),
        name: node.name().map(str::to_string),
        op: node.op().to_string(),
        formula: node.formula().map(str::to_string),
        layer: node.layer(),
        value: node.value().clone(),
        grad: node.grad().cloned(),
    }
}

fn edge_json(edge: super::EdgeRecord<'_>) -> EdgeJson {
    EdgeJson {
        from: edge.from(),
        to: edge.to(),
        slot: edge.slot(),
        kind: edge.kind(),
        formula: edge.formula().map(str::to_string),
        local: edge.local(),
        flow: edge.flow(),
    }
}

fn event_json(event: super::Event<'_>) -> EventJson {
    EventJson {
        edge: event.edge().index(),
        from: event.from(),
        to: event.to(),
        slot: event.slot(),
        upstream: event.upstream().clone(),
        local: event.local(),
        contribution: event.contribution().clone(),
        accumulated: event.accumulated().clone(),
    }
}

fn compact(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("trace records serialise (no maps with non-string keys)")
}

fn field(out: &mut String, key: &str, value: &impl Serialize) {
    let _ = writeln!(out, "  \"{key}\": {},", compact(value));
}

fn array<T: Serialize>(
    out: &mut String,
    key: &str,
    items: impl ExactSizeIterator<Item = T>,
    depth: usize,
) {
    let pad = "  ".repeat(depth);
    let len = items.len();
    if len == 0 {
        let _ = writeln!(out, "{pad}\"{key}\": [],");
        return;
    }
    let _ = writeln!(out, "{pad}\"{key}\": [");
    for (i, item) in items.enumerate() {
        let comma = if i + 1 < len { "," } else { "" };
        let _ = writeln!(out, "{pad}  {}{comma}", compact(&item));
    }
    let _ = writeln!(out, "{pad}],");
}

/// Drops the trailing comma of the last member and closes the object.
fn close_object(out: &mut String, depth: usize) {
    if out.ends_with(",\n") {
        out.truncate(out.len() - 2);
        out.push('\n');
    }
    let comma = if depth > 0 { "," } else { "" };
    let _ = writeln!(out, "{}}}{comma}", "  ".repeat(depth));
}

/// Just the schema tag, read first so a newer file gets a clear message.
#[derive(Deserialize)]
struct Tag {
    schema: String,
}

pub(super) fn read(text: &str) -> Result<Trace> {
    let tag: Tag = serde_json::from_str(text).map_err(malformed)?;
    if tag.schema != SCHEMA {
        return Err(Error::Malformed {
            what: WHAT,
            reason: format!(
                "schema is `{}`, this version of chaintrace reads `{SCHEMA}`",
                tag.schema
            ),
        });
    }
    let file: TraceJson = serde_json::from_str(text).map_err(malformed)?;
    let trace = assemble(file).map_err(|reason| Error::Malformed { what: WHAT, reason })?;
    Ok(trace)
}

fn malformed(e: serde_json::Error) -> Error {
    Error::Malformed {
        what: WHAT,
        reason: e.to_string(),
    }
}

type Checked<T> = std::result::Result<T, String>;

/// The trace a file describes, after checking every index a renderer or [`Trace::paths`]
/// will follow.
fn assemble(file: TraceJson) -> Checked<Trace> {
    let graph = read_graph(&file)?;
    let events = read_events(&file, &graph)?;
    Ok(Trace {
        element: file.element,
        output: file.output,
        value: file.value,
        options: file.options,
        layers: file.layers,
        graph,
        events,
        ledger: file.ledger,
        path_lengths: file.path_lengths,
        anomalies: file.anomalies,
        hooks: file.hooks,
    })
}

/// The node and edge tables, stored as recording stores them (op labels interned in order
/// of first use, names in tape order), so a trace read back equals the one written.
fn read_graph(file: &TraceJson) -> Checked<Graph> {
    let n = file.nodes.len();
    if n > 0 && file.output.0 + 1 != n {
        return Err(format!(
            "{n} nodes recorded but the output is node {}: the node table ends at the output",
            file.output.0
        ));
    }
    // A trace recorded without its graph has no op table either.
    let ops = if n > 0 { Graph::new_ops() } else { Vec::new() };
    let mut graph = Graph {
        ops,
        ..Graph::default()
    };
    for (i, node) in file.nodes.iter().enumerate() {
        if node.id.0 != i {
            return Err(format!("nodes[{i}] has id {}", node.id.0));
        }
        if node.layer >= file.layers.len() {
            return Err(format!(
                "node {i} is in layer {} of {}",
                node.layer,
                file.layers.len()
            ));
        }
        let name = match &node.name {
            Some(name) => {
                graph.names.push(name.clone());
                (graph.names.len() - 1) as u32
            }
            None => NO_NAME,
        };
        graph.nodes.push(NodeRow {
            value: node.value.clone(),
            grad: node.grad.clone(),
            op: intern(&mut graph.ops, &node.op),
            layer: node.layer as u32,
            name,
        });
    }
    read_edges(file, &mut graph)?;
    let formulas = file.options.formulas;
    if formulas || file.nodes.iter().any(|node| node.formula.is_some()) {
        graph.node_formulas = file.nodes.iter().map(|n| n.formula.clone()).collect();
    }
    if formulas || file.edges.iter().any(|edge| edge.formula.is_some()) {
        graph.edge_formulas = file.edges.iter().map(|e| e.formula.clone()).collect();
    }
    Ok(graph)
}

/// The edges, grouped by op node in tape order and by slot, with each node's first edge.
fn read_edges(file: &TraceJson, graph: &mut Graph) -> Checked<()> {
    let n = file.nodes.len();
    let mut previous = (0, 0);
    for (e, edge) in file.edges.iter().enumerate() {
        let (from, to) = (edge.from.0, edge.to.0);
        if from >= to || to >= n {
            return Err(format!(
                "edges[{e}] goes from node {from} to node {to}: edges go from an earlier node \
                 to a later one, among the {n} recorded"
            ));
        }
        if e > 0 && (to, edge.slot) <= previous {
            return Err(format!(
                "edges[{e}] is out of order: edges are grouped by op node in tape order, then \
                 by slot"
            ));
        }
        previous = (to, edge.slot);
        let mut row = EdgeRow::new(from, to, edge.slot, edge.kind).with_local(edge.local);
        if let Some(flow) = edge.flow {
            row.set_flow(flow);
        }
        graph.edges.push(row);
    }
    if n > 0 {
        let mut next = 0;
        for i in 0..=n {
            while next < graph.edges.len() && (graph.edges[next].to as usize) < i {
                next += 1;
            }
            graph.offsets.push(next as u32);
        }
    }
    Ok(())
}

/// The events, each checked against its edge; its op node must have a gradient (the
/// event's upstream gradient).
fn read_events(file: &TraceJson, graph: &Graph) -> Checked<Vec<EventRow>> {
    let mut events = Vec::with_capacity(file.events.len());
    for (i, event) in file.events.iter().enumerate() {
        let Some(edge) = graph.edges.get(event.edge) else {
            return Err(format!(
                "events[{i}] refers to edge {} of {}",
                event.edge,
                graph.edges.len()
            ));
        };
        if (edge.from(), edge.to(), edge.slot()) != (event.from, event.to, event.slot) {
            return Err(format!(
                "events[{i}] names {} → {} (slot {}) but edge {} is {} → {} (slot {})",
                event.from.0, event.to.0, event.slot, event.edge, edge.from, edge.to, edge.slot
            ));
        }
        if graph.nodes[edge.to as usize].grad.is_none() {
            return Err(format!(
                "events[{i}] multiplies the gradient of node {}, which has none",
                edge.to
            ));
        }
        events.push(EventRow {
            edge: event.edge as u32,
            contribution: event.contribution.clone(),
            accumulated: event.accumulated.clone(),
        });
    }
    Ok(events)
}
