//! The trace as JSON (schema `chaintrace-trace/1`, documented in docs/trace-format.md):
//! written one record per line, so files diff well and snapshots read easily; read back with
//! a check of the schema tag and of every cross-reference.

mod read;

pub(super) use read::read;

use serde::{Deserialize, Serialize};
use std::fmt::Write;

use super::anomaly::Anomalies;
use super::ledger::Ledger;
use super::lengths::LengthSplit;
use super::summary::{Summary, num};
use super::{SCHEMA, Trace, TraceOptions};
use crate::hooks::{HookContext, HookFiring};
use crate::tape::{EdgeKind, NodeId};

/// A node as the file writes it.
#[derive(Serialize, Deserialize)]
struct NodeJson {
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
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
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
    from: NodeId,
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
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
/// tables and checks that they agree.
#[derive(Serialize, Deserialize)]
struct EventJson {
    edge: usize,
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
    from: NodeId,
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
    to: NodeId,
    slot: usize,
    upstream: Summary,
    #[serde(with = "num::option")]
    local: Option<f64>,
    contribution: Summary,
    accumulated: Summary,
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
            array(&mut out, "hooks", self.hooks.iter().map(HookJson::from), 1);
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hooks: Vec<HookJson>,
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
            hooks: self.hooks.iter().map(HookJson::from).collect(),
        }
        .serialize(serializer)
    }
}

/// A hook firing as the file writes it: [`HookFiring`] with its norms under the trace's rule
/// for non-finite numbers (a `NanGuard` firing has a NaN norm before), which plain serde
/// would write as `null`. A `null` norm, as files written before this rule hold, reads as NaN.
#[derive(Serialize, Deserialize)]
struct HookJson {
    hook: String,
    context: HookContext,
    #[serde(with = "num_or_null")]
    norm_before: f64,
    #[serde(with = "num_or_null")]
    norm_after: f64,
    note: Option<String>,
}

impl From<&HookFiring> for HookJson {
    fn from(h: &HookFiring) -> Self {
        HookJson {
            hook: h.hook.clone(),
            context: h.context.clone(),
            norm_before: h.norm_before,
            norm_after: h.norm_after,
            note: h.note.clone(),
        }
    }
}

impl From<HookJson> for HookFiring {
    fn from(h: HookJson) -> Self {
        HookFiring {
            hook: h.hook,
            context: h.context,
            norm_before: h.norm_before,
            norm_after: h.norm_after,
            note: h.note,
        }
    }
}

/// [`num`], reading `null` as NaN.
mod num_or_null {
    use super::num;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        num::serialize(x, s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "num::option")] Option<f64>);
        Ok(Wrapped::deserialize(d)?.0.unwrap_or(f64::NAN))
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
