//! The content of a rendered trace, shared by the text and Markdown renderers.

use super::{Align, Block, Table, num, opt_num, shape, summary};
use crate::tape::EdgeKind;
use crate::trace::{Event, LayerRow, LedgerNode, NodeRecord, Trace};

use Align::{Left, Right};

/// Every section of the trace, in reading order.
pub(crate) fn blocks(trace: &Trace) -> Vec<Block> {
    let mut blocks = vec![Block::Heading(1, "chaintrace trace".to_string())];
    blocks.extend(header(trace).into_iter().map(Block::Line));
    if !trace.events().is_empty() {
        blocks.push(Block::Heading(
            2,
            "Chain-rule multiplications, in sweep order".to_string(),
        ));
        blocks.push(Block::Line(
            "Each row: ∂L/∂x += ∂L/∂y · ∂y/∂x along the edge from x into y. Tensors show \
             ‖Frobenius norm‖."
                .to_string(),
        ));
        blocks.push(Block::Table(events(trace)));
    }
    blocks.extend(super::hooks::hooks(trace));
    blocks.push(Block::Heading(
        2,
        "Ledger, from the loss back to the input".to_string(),
    ));
    blocks.extend(ledger(trace));
    blocks.extend(super::path_list::paths(trace));
    blocks.extend(path_lengths(trace));
    blocks.extend(super::anomalies::anomalies(trace));
    blocks
}

fn header(trace: &Trace) -> Vec<String> {
    let output = trace.output();
    let described = trace.node(output).map_or_else(
        || format!("node {}", output.0),
        |n| {
            format!(
                "{} (node {}, {})",
                n.display_name(),
                output.0,
                op_in_layer(trace, n)
            )
        },
    );
    let opts = trace.options();
    let parts: Vec<&str> = [
        (opts.events, "events"),
        (opts.paths, "paths"),
        (opts.anomalies, "anomalies"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    vec![
        format!(
            "schema {} · element {} · recorded: ledger{}",
            crate::trace::SCHEMA,
            trace.element(),
            parts.iter().map(|p| format!(", {p}")).collect::<String>()
        ),
        format!("output {described} = {}", summary(trace.value())),
    ]
}

fn op_in_layer(trace: &Trace, node: NodeRecord) -> String {
    let layer = layer_name(trace, node.layer());
    if layer == "—" {
        node.op().to_string()
    } else {
        format!("{} in {layer}", node.op())
    }
}

fn layer_name(trace: &Trace, layer: usize) -> String {
    match trace.layers().get(layer).map(String::as_str) {
        None | Some("") => "—".to_string(),
        Some(name) => name.to_string(),
    }
}

pub(super) fn name(trace: &Trace, id: crate::tape::NodeId) -> String {
    trace
        .node(id)
        .map_or_else(|| format!("#{}", id.0), |n| n.display_name().into_owned())
}

fn events(trace: &Trace) -> Table {
    let tensors = !trace.is_scalar();
    let mut columns = vec![
        ("step", Right),
        ("y", Left),
        ("x", Left),
        ("slot", Right),
        ("op", Left),
        ("layer", Left),
    ];
    if tensors {
        columns.push(("shape of x", Left));
    }
    columns.extend([
        ("∂L/∂y", Right),
        ("∂y/∂x", Left),
        ("∂y/∂x value", Right),
        ("contribution", Right),
    ]);
    if tensors {
        columns.extend([("min", Right), ("max", Right), ("finite", Left)]);
    }
    columns.push(("∂L/∂x so far", Right));
    let rows = trace
        .events()
        .iter()
        .enumerate()
        .map(|(i, e)| event_row(i, e, tensors))
        .collect();
    Table { columns, rows }
}

fn event_row(i: usize, e: Event, tensors: bool) -> Vec<String> {
    let labels = e.labels();
    let skip = if labels.kind == EdgeKind::Residual {
        " (skip)"
    } else {
        ""
    };
    let layer = if labels.layer.is_empty() {
        "—"
    } else {
        labels.layer
    };
    let mut row = vec![
        (i + 1).to_string(),
        labels.output.into_owned(),
        labels.input.into_owned(),
        e.slot().to_string(),
        format!("{}{skip}", labels.op),
        layer.to_string(),
    ];
    if tensors {
        row.push(shape(e.contribution().shape()));
    }
    row.extend([
        summary(&e.upstream()),
        labels.formula.unwrap_or("—").to_string(),
        opt_num(e.local()),
        summary(&e.contribution()),
    ]);
    if tensors {
        let (min, max) = range(&e.contribution());
        row.extend([min, max, yes_no(e.contribution().is_finite())]);
    }
    row.push(summary(&e.accumulated()));
    row
}

fn range(s: &crate::trace::Summary) -> (String, String) {
    match s {
        crate::trace::Summary::Scalar(x) => (num(*x), num(*x)),
        crate::trace::Summary::Tensor(t) => (num(t.min), num(t.max)),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn ledger(trace: &Trace) -> Vec<Block> {
    let ledger = trace.ledger();
    let mut blocks = Vec::new();
    if ledger.rows.is_empty() {
        blocks.push(Block::Line(
            "No layers: record some with tape.layer(name, || ...).".to_string(),
        ));
    } else {
        blocks.push(Block::Line(
            "gain = ‖∂L/∂in‖ / ‖∂L/∂out‖; running = product of the gains so far.".to_string(),
        ));
        blocks.push(Block::Table(ledger_table(&ledger.rows)));
    }
    if !ledger.shared.is_empty() {
        blocks.push(Block::Line(format!(
            "Shared by several layers: {}.",
            named_norms(&ledger.shared)
        )));
    }
    blocks
}

fn ledger_table(rows: &[LayerRow]) -> Table {
    let columns = vec![
        ("layer", Left),
        ("out", Left),
        ("‖∂L/∂out‖", Right),
        ("in", Left),
        ("‖∂L/∂in‖", Right),
        ("gain", Right),
        ("running", Right),
        ("parameters ‖∂L/∂p‖", Left),
        ("flags", Left),
    ];
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                r.layer.clone(),
                names(&r.outputs),
                num(r.output_norm),
                names(&r.inputs),
                opt_num(r.input_norm),
                opt_num(r.gain),
                num(r.running),
                named_norms(&r.params),
                flags(r),
            ]
        })
        .collect();
    Table { columns, rows }
}

fn names(nodes: &[LedgerNode]) -> String {
    if nodes.is_empty() {
        return "—".to_string();
    }
    nodes
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn named_norms(nodes: &[LedgerNode]) -> String {
    if nodes.is_empty() {
        return "—".to_string();
    }
    nodes
        .iter()
        .map(|n| format!("{} {}", n.name, num(n.norm)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn flags(r: &LayerRow) -> String {
    let flags: Vec<&str> = [
        (r.exploding, "exploding"),
        (r.vanishing, "vanishing"),
        (r.non_finite, "non-finite"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, f)| *f)
    .collect();
    flags.join(", ")
}

fn path_lengths(trace: &Trace) -> Vec<Block> {
    if trace.path_lengths().is_empty() {
        return Vec::new();
    }
    let rows = trace
        .path_lengths()
        .iter()
        .flat_map(|split| {
            split
                .parts
                .iter()
                .map(|part| vec![split.name.clone(), part.length.to_string(), num(part.norm)])
        })
        .collect();
    let mut blocks = vec![
        Block::Heading(2, "Gradient by path length".to_string()),
        Block::Line(
            "length = layers the path enters (a residual skip enters none); each row is the \
             part of ∂L/∂leaf that arrives through paths of that length."
                .to_string(),
        ),
    ];
    blocks.extend(hooks_caveat(trace));
    blocks.push(Block::Table(Table {
        columns: vec![("leaf", Left), ("length", Right), ("‖part‖", Right)],
        rows,
    }));
    blocks
}

/// Path analysis multiplies the local derivatives of the graph; a hook that fired changed the
/// flow outside that product, so say so where the two can disagree.
pub(super) fn hooks_caveat(trace: &Trace) -> Option<Block> {
    (!trace.hooks().is_empty()).then(|| {
        Block::Line(format!(
            "Note: {} hook firing(s) changed the gradient flow (see above); these figures are \
             the chain rule without the hooks.",
            trace.hooks().len()
        ))
    })
}
