//! Reading a trace file back: the schema tag first, then the records, then a check of every
//! cross-reference and of the limits in [`super::super::limits`], all in checked arithmetic
//! (a file may hold any number; nothing it says may overflow or panic).

use std::collections::HashMap;

use serde::Deserialize;

use super::{EdgeJson, EventJson, HookJson, NodeJson};
use crate::error::{Error, Result};
use crate::escape::text::escape_controls;
use crate::tape::NodeId;
use crate::trace::anomaly::Anomalies;
use crate::trace::ledger::Ledger;
use crate::trace::lengths::LengthSplit;
use crate::trace::limits::{check_name, check_text};
use crate::trace::record::{EdgeRow, EventRows, Graph, NO_NAME, NodeRow, Stored};
use crate::trace::summary::Summary;
use crate::trace::{SCHEMA, Trace, TraceOptions};

const WHAT: &str = "trace JSON";

/// The whole file, as read.
#[derive(Deserialize)]
struct TraceJson {
    element: String,
    #[serde(deserialize_with = "crate::tape::deserialize_id")]
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
    hooks: Vec<HookJson>,
}

/// Just the schema tag, read first so a newer file gets a clear message.
#[derive(Deserialize)]
struct Tag {
    schema: String,
}

/// Reads a trace; a leading UTF-8 byte-order mark is skipped.
pub(crate) fn read(text: &str) -> Result<Trace> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tag: Tag = serde_json::from_str(text).map_err(malformed)?;
    if tag.schema != SCHEMA {
        return Err(Error::Malformed {
            what: WHAT,
            reason: format!(
                "schema is `{}`, this version of chaintrace reads `{SCHEMA}`",
                escape_controls(&crate::trace::limits::shorten(&tag.schema))
            ),
        });
    }
    let file: TraceJson = serde_json::from_str(text).map_err(malformed)?;
    let trace = assemble(file).map_err(|reason| Error::Malformed {
        what: WHAT,
        reason: escape_controls(&reason).into_owned(),
    })?;
    Ok(trace)
}

/// serde's message, on one line: a control character it quotes from the file is escaped.
fn malformed(e: serde_json::Error) -> Error {
    Error::Malformed {
        what: WHAT,
        reason: escape_controls(&e.to_string()).into_owned(),
    }
}

type Checked<T> = std::result::Result<T, String>;

/// The trace a file describes, after checking every index a renderer or [`Trace::paths`]
/// will follow.
fn assemble(file: TraceJson) -> Checked<Trace> {
    check_texts(&file)?;
    check_nodes(&file)?;
    check_record_ids(&file)?;
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
        hooks: file.hooks.into_iter().map(Into::into).collect(),
    })
}

/// Every node the ledger, the path-length split, the anomalies and the hook firings name is
/// one of the trace's, at or before the output (with `ledger_only` a trace keeps no node
/// table, so the output is the bound).
fn check_record_ids(file: &TraceJson) -> Checked<()> {
    let ledger = (file.ledger.rows.iter())
        .flat_map(|r| r.outputs.iter().chain(&r.inputs).chain(&r.params))
        .chain(&file.ledger.shared)
        .map(|n| ("ledger", n.node));
    let lengths = file.path_lengths.iter().map(|l| ("path_lengths", l.node));
    let anomalies = file.anomalies.iter().flat_map(|a| {
        let forward = a.forward.iter();
        let operands = forward
            .clone()
            .flat_map(|f| f.operands.iter().chain([&f.node]));
        let backward = a.backward.iter().flat_map(|b| [b.to, b.from]);
        operands.map(|o| o.node).chain(backward)
    });
    let hooks = file.hooks.iter().flat_map(|h| {
        let edge = h.context.edge.map(|(_, input)| input);
        [Some(h.context.node), edge].into_iter().flatten()
    });
    let all = ledger
        .chain(lengths)
        .chain(anomalies.map(|id| ("anomalies", id)))
        .chain(hooks.map(|id| ("hooks", id)));
    for (table, id) in all {
        if id > file.output {
            return Err(format!(
                "{table} names node {}, after the output (node {})",
                id.0, file.output.0
            ));
        }
    }
    Ok(())
}

fn check_nodes(file: &TraceJson) -> Checked<()> {
    let n = file.nodes.len();
    if u32::try_from(n).is_err() || u32::try_from(file.edges.len()).is_err() {
        return Err(format!(
            "{n} nodes and {} edges: a trace holds fewer than 2³² of each",
            file.edges.len()
        ));
    }
    // Checked: `output` may be any number the file holds, `usize::MAX` included.
    if n > 0 && file.output.0.checked_add(1) != Some(n) {
        return Err(format!(
            "{n} nodes recorded but the output is node {}: the node table ends at the output",
            file.output.0
        ));
    }
    for (i, node) in file.nodes.iter().enumerate() {
        if node.id.0 != i {
            return Err(format!("nodes[{i}] has id {}", node.id.0));
        }
        if node.layer >= file.layers.len() || u32::try_from(node.layer).is_err() {
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
        let Some(grad) = &file.nodes[edge.to.0].grad else {
            return Err(format!(
                "events[{i}] multiplies the gradient of node {}, which has none",
                edge.to.0
            ));
        };
        // What an event repeats must be what the tables hold: a writer repeats it, so a
        // file cannot make the writer repeat more than it holds itself.
        if !same(&event.upstream, grad)
            || event.local.map(f64::to_bits) != edge.local.map(f64::to_bits)
        {
            return Err(format!(
                "events[{i}] repeats the upstream gradient or local derivative of edge {} with \
                 other values than the node and edge tables hold",
                event.edge
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
    // Op labels interned through a map: a file may hold a million distinct labels.
    let mut op_index: HashMap<String, u32> = HashMap::new();
    for (i, op) in graph.ops.iter().enumerate() {
        op_index.entry(op.clone()).or_insert(index(i));
    }
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
                index(graph.names.len() - 1)
            }
            None => NO_NAME,
        };
        let value = Stored::new(node.value.clone(), &mut graph.tensors);
        let grad = (node.grad.clone()).map(|g| Stored::new(g, &mut graph.tensors));
        let op = *op_index.entry(node.op.clone()).or_insert_with(|| {
            graph.ops.push(node.op.clone());
            index(graph.ops.len() - 1)
        });
        let indices = [op, index(node.layer), name, index(first_edge)];
        graph.nodes.push(NodeRow::new(value, grad, indices));
        while let Some(event) = events.next_if(|e| e.to.0 == id) {
            let row = first_edge + event.slot;
            let contribution = Stored::new(event.contribution.clone(), &mut graph.tensors);
            let accumulated = Stored::new(event.accumulated.clone(), &mut graph.tensors);
            graph.edges[row].cross(contribution, accumulated);
            event_rows.push(index(row));
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

/// True when `a` and `b` write the same JSON (floats compared exactly, NaN equal to NaN).
fn same<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

/// A table index as the rows store it; [`check_nodes`] has checked that every table is
/// shorter than 2³² (and a name index below [`NO_NAME`]).
fn index(i: usize) -> u32 {
    u32::try_from(i).expect("table sizes are checked against u32 before the graph is built")
}

/// Every text the file holds against the limits of [`crate::trace::limits`].
fn check_texts(file: &TraceJson) -> Checked<()> {
    check_name("element", &file.element)?;
    for (i, layer) in file.layers.iter().enumerate() {
        check_name(&format!("layers[{i}]"), layer)?;
    }
    for (i, node) in file.nodes.iter().enumerate() {
        check_name(&format!("nodes[{i}].op"), &node.op)?;
        if let Some(name) = &node.name {
            check_name(&format!("nodes[{i}].name"), name)?;
        }
        if let Some(formula) = &node.formula {
            check_text(&format!("nodes[{i}].formula"), formula)?;
        }
    }
    for (i, edge) in file.edges.iter().enumerate() {
        if let Some(formula) = &edge.formula {
            check_text(&format!("edges[{i}].formula"), formula)?;
        }
    }
    for (i, split) in file.path_lengths.iter().enumerate() {
        check_name(&format!("path_lengths[{i}].name"), &split.name)?;
    }
    for row in &file.ledger.rows {
        check_name("ledger.rows[].layer", &row.layer)?;
        for node in row.outputs.iter().chain(&row.inputs) {
            check_name("ledger.rows[].name", &node.name)?;
        }
    }
    for node in &file.ledger.shared {
        check_name("ledger.shared[].name", &node.name)?;
    }
    for (i, hook) in file.hooks.iter().enumerate() {
        check_name(&format!("hooks[{i}].hook"), &hook.hook)?;
        check_name(&format!("hooks[{i}].context.op"), &hook.context.op)?;
        check_name(&format!("hooks[{i}].context.layer"), &hook.context.layer)?;
        if let Some(note) = &hook.note {
            check_text(&format!("hooks[{i}].note"), note)?;
        }
    }
    if let Some(anomalies) = &file.anomalies {
        let forward = anomalies.forward.iter().flat_map(|f| {
            [f.op.as_str(), f.layer.as_str(), f.node.name.as_str()]
                .into_iter()
                .chain(f.operands.iter().map(|o| o.name.as_str()))
        });
        let backward = anomalies.backward.iter().flat_map(|b| {
            [b.op.as_str(), b.layer.as_str()]
                .into_iter()
                .chain(b.operands.iter().map(|o| o.name.as_str()))
        });
        for text in forward.chain(backward) {
            check_name("anomalies", text)?;
        }
    }
    Ok(())
}
