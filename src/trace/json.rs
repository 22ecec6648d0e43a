//! The trace as JSON (schema `chaintrace-trace/1`, documented in docs/trace-format.md):
//! written one record per line, so files diff well and snapshots read easily; read back with
//! a check of the schema tag and of every cross-reference.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

use super::{SCHEMA, Trace};
use crate::error::{Error, Result};

const WHAT: &str = "trace JSON";

impl Trace {
    /// The trace as JSON: an object with the fields below, each array element on a line of
    /// its own, numbers written exactly (shortest round-trip form) and NaN/±∞ as the strings
    /// `"NaN"`, `"inf"`, `"-inf"`. docs/trace-format.md describes every field.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\n");
        field(&mut out, "schema", &self.schema);
        field(&mut out, "element", &self.element);
        field(&mut out, "output", &self.output);
        field(&mut out, "value", &self.value);
        field(&mut out, "options", &self.options);
        array(&mut out, "layers", &self.layers, 1);
        array(&mut out, "nodes", &self.nodes, 1);
        array(&mut out, "edges", &self.edges, 1);
        array(&mut out, "events", &self.events, 1);
        out.push_str("  \"ledger\": {\n");
        array(&mut out, "rows", &self.ledger.rows, 2);
        array(&mut out, "shared", &self.ledger.shared, 2);
        close_object(&mut out, 1);
        array(&mut out, "path_lengths", &self.path_lengths, 1);
        field(&mut out, "anomalies", &self.anomalies);
        if !self.hooks.is_empty() {
            array(&mut out, "hooks", &self.hooks, 1);
        }
        close_object(&mut out, 0);
        out
    }
}

fn compact(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("trace records serialise (no maps with non-string keys)")
}

fn field(out: &mut String, key: &str, value: &impl Serialize) {
    let _ = writeln!(out, "  \"{key}\": {},", compact(value));
}

fn array<T: Serialize>(out: &mut String, key: &str, items: &[T], depth: usize) {
    let pad = "  ".repeat(depth);
    if items.is_empty() {
        let _ = writeln!(out, "{pad}\"{key}\": [],");
        return;
    }
    let _ = writeln!(out, "{pad}\"{key}\": [");
    for (i, item) in items.iter().enumerate() {
        let comma = if i + 1 < items.len() { "," } else { "" };
        let _ = writeln!(out, "{pad}  {}{comma}", compact(item));
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
    let trace: Trace = serde_json::from_str(text).map_err(malformed)?;
    validate(&trace).map_err(|reason| Error::Malformed { what: WHAT, reason })?;
    Ok(trace)
}

fn malformed(e: serde_json::Error) -> Error {
    Error::Malformed {
        what: WHAT,
        reason: e.to_string(),
    }
}

/// Checks every index a renderer or [`Trace::paths`] will follow.
fn validate(trace: &Trace) -> std::result::Result<(), String> {
    let n = trace.nodes.len();
    if n > 0 && trace.output.0 + 1 != n {
        return Err(format!(
            "{n} nodes recorded but the output is node {}: the node table ends at the output",
            trace.output.0
        ));
    }
    for (i, node) in trace.nodes.iter().enumerate() {
        if node.id.0 != i {
            return Err(format!("nodes[{i}] has id {}", node.id.0));
        }
        if node.layer >= trace.layers.len() {
            return Err(format!(
                "node {i} is in layer {} of {}",
                node.layer,
                trace.layers.len()
            ));
        }
    }
    validate_edges(trace)?;
    validate_events(trace)
}

fn validate_edges(trace: &Trace) -> std::result::Result<(), String> {
    let n = trace.nodes.len();
    let mut previous = (0, 0);
    for (e, edge) in trace.edges.iter().enumerate() {
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
    }
    Ok(())
}

fn validate_events(trace: &Trace) -> std::result::Result<(), String> {
    for (i, event) in trace.events.iter().enumerate() {
        let Some(edge) = trace.edges.get(event.edge) else {
            return Err(format!(
                "events[{i}] refers to edge {} of {}",
                event.edge,
                trace.edges.len()
            ));
        };
        if (edge.from, edge.to, edge.slot) != (event.from, event.to, event.slot) {
            return Err(format!(
                "events[{i}] names {} → {} (slot {}) but edge {} is {} → {} (slot {})",
                event.from.0, event.to.0, event.slot, event.edge, edge.from.0, edge.to.0, edge.slot
            ));
        }
    }
    Ok(())
}
