//! The trace as JSON (schema `chaintrace-trace/1`, documented in docs/trace-format.md):
//! written one record per line, so files diff well and snapshots read easily; read back with
//! a check of the schema tag and of every cross-reference.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

use super::anomaly::Anomalies;
use super::capture::intern;
use super::ledger::Ledger;
use super::lengths::LengthSplit;
use super::record::{EdgeRow, EventRows, Graph, NO_NAME, NodeRow, Stored};
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
        value: node.value().into_owned(),
        grad: node.grad().map(|g| g.into_owned()),
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
        upstream: event.upstream().into_owned(),
        local: event.local(),
        contribution: event.contribution().into_owned(),
        accumulated: event.accumulated().into_owned(),
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
    check_nodes(&file)?;
    let ranges = edge_ranges(&file)?;
    check_events(&file)?;
    let graph = stored_graph(&file, &ranges);
    Ok(Trace {
        origin: crate::tape::Origin::none(),
        element: file.element,
        output: file.output,
        value: file.value,
        options: file.options,
        layers: file.layers,
        graph,
        ledger: file.ledger,
        path_lengths: file.path_lengths,
        anomalies: file.anomalies,
        hooks: file.hooks,
    })
}

fn check_nodes(file: &TraceJson) -> Checked<()> {
    let n = file.nodes.len();
    if n > 0 && file.output.0 + 1 != n {
        return Err(format!(
            "{n} nodes recorded but the output is node {}: the node table ends at the output",
            file.output.0
        ));
    }
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
    }
    Ok(())
}

/// Each node's edges in the file: the edges are grouped by op node in tape order, then by
/// slot (which is checked).
fn edge_ranges(file: &TraceJson) -> Checked<Vec<std::ops::Range<usize>>> {
    let n = file.nodes.len();
    let mut ranges = vec![0..0; n];
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
        if ranges[to].is_empty() {
            ranges[to] = e..e;
        }
        if edge.slot != ranges[to].len() {
            return Err(format!(
                "edges[{e}] is slot {} of node {to}, which has {} before it",
                edge.slot,
                ranges[to].len()
            ));
        }
        ranges[to].end = e + 1;
        previous = (to, edge.slot);
    }
    Ok(ranges)
}

/// Each event against its edge; its op node must have a gradient (the event's upstream
/// gradient), and events must come in sweep order, as each edge's only multiplication.
fn check_events(file: &TraceJson) -> Checked<()> {
    let mut previous: Option<(usize, usize)> = None;
    for (i, event) in file.events.iter().enumerate() {
        let Some(edge) = file.edges.get(event.edge) else {
            return Err(format!(
                "events[{i}] refers to edge {} of {}",
                event.edge,
                file.edges.len()
            ));
        };
        if (edge.from, edge.to, edge.slot) != (event.from, event.to, event.slot) {
            return Err(format!(
                "events[{i}] names {} → {} (slot {}) but edge {} is {} → {} (slot {})",
                event.from.0, event.to.0, event.slot, event.edge, edge.from.0, edge.to.0, edge.slot
            ));
        }
        if file.nodes[edge.to.0].grad.is_none() {
            return Err(format!(
                "events[{i}] multiplies the gradient of node {}, which has none",
                edge.to.0
            ));
        }
        let at = (edge.to.0, edge.slot);
        if previous.is_some_and(|(to, slot)| to < at.0 || (to == at.0 && slot >= at.1)) {
            return Err(format!(
                "events[{i}] is out of order: the sweep goes from the output back, each node's \
                 inputs in slot order, and crosses an edge once"
            ));
        }
        previous = Some(at);
    }
    Ok(())
}

/// The tables stored as the sweep stores them (rows from the output back; tensor summaries,
/// names and op labels in the order the sweep meets them), so a trace read back equals the
/// one written.
fn stored_graph(file: &TraceJson, ranges: &[std::ops::Range<usize>]) -> Graph {
    let n = file.nodes.len();
    let mut graph = Graph {
        // A trace recorded without its graph has no op table either.
        ops: if n > 0 { Graph::new_ops() } else { Vec::new() },
        ..Graph::default()
    };
    let mut events = file.events.iter().peekable();
    let mut event_rows = Vec::with_capacity(file.events.len());
    for (id, node) in file.nodes.iter().enumerate().rev() {
        let first_edge = graph.edges.len();
        for edge in &file.edges[ranges[id].clone()] {
            let row = EdgeRow::new(edge.from.0, id, edge.slot, edge.kind).with_local(edge.local);
            graph.edges.push(row);
        }
        let name = match &node.name {
            Some(name) => {
                graph.names.push(name.clone());
                (graph.names.len() - 1) as u32
            }
            None => NO_NAME,
        };
        let value = Stored::new(node.value.clone(), &mut graph.tensors);
        let grad = (node.grad.clone()).map(|g| Stored::new(g, &mut graph.tensors));
        let op = intern(&mut graph.ops, &node.op);
        let indices = [op, node.layer as u32, name, first_edge as u32];
        graph.nodes.push(NodeRow::new(value, grad, indices));
        while let Some(event) = events.next_if(|e| e.to.0 == id) {
            let row = first_edge + event.slot;
            let contribution = Stored::new(event.contribution.clone(), &mut graph.tensors);
            let accumulated = Stored::new(event.accumulated.clone(), &mut graph.tensors);
            graph.edges[row].cross(contribution, accumulated);
            event_rows.push(row as u32);
        }
        if file.events.is_empty() {
            // Without events, a file keeps only the magnitude that crossed each edge.
            for (slot, edge) in file.edges[ranges[id].clone()].iter().enumerate() {
                if let Some(flow) = edge.flow {
                    graph.edges[first_edge + slot].cross_norm(flow);
                }
            }
        }
    }
    graph.events = EventRows::new(event_rows, graph.edges.len());
    let formulas = file.options.formulas;
    if formulas || file.nodes.iter().any(|node| node.formula.is_some()) {
        graph.node_formulas = file.nodes.iter().map(|n| n.formula.clone()).collect();
    }
    if formulas || file.edges.iter().any(|edge| edge.formula.is_some()) {
        graph.edge_formulas = file.edges.iter().map(|e| e.formula.clone()).collect();
    }
    graph
}
