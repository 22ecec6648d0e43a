//! The hooks section: every hook that changed the gradient flow, with the norms before and
//! after, so no gradient changes without the trace saying where and by how much.

use super::{Align, Block, Table, num};
use crate::hooks::HookFiring;
use crate::trace::Trace;

pub(crate) fn hooks(trace: &Trace) -> Vec<Block> {
    if trace.hooks().is_empty() {
        return Vec::new();
    }
    vec![
        Block::Heading(2, "Hooks that fired, in sweep order".to_string()),
        Block::Line(
            "factor = ‖g after‖ / ‖g before‖; an edge hook acts on one contribution before it \
             is added to the input's gradient."
                .to_string(),
        ),
        Block::Table(table(trace)),
    ]
}

fn table(trace: &Trace) -> Table {
    Table {
        columns: vec![
            ("#", Align::Right),
            ("hook", Align::Left),
            ("where", Align::Left),
            ("layer", Align::Left),
            ("‖g‖ before", Align::Right),
            ("‖g‖ after", Align::Right),
            ("factor", Align::Right),
            ("note", Align::Left),
        ],
        rows: trace
            .hooks()
            .iter()
            .enumerate()
            .map(|(i, f)| row(trace, i, f))
            .collect(),
    }
}

fn row(trace: &Trace, i: usize, firing: &HookFiring) -> Vec<String> {
    let ctx = &firing.context;
    let layer = if ctx.layer.is_empty() {
        "—".to_string()
    } else {
        ctx.layer.clone()
    };
    vec![
        (i + 1).to_string(),
        firing.hook.clone(),
        place(trace, firing),
        layer,
        num(firing.norm_before),
        num(firing.norm_after),
        num(firing.factor()),
        firing.note.clone().unwrap_or_default(),
    ]
}

/// `u₇ (tanh)` for a node hook; `u₇ → x (edge 0 of add)` for an edge hook.
pub(crate) fn place(trace: &Trace, firing: &HookFiring) -> String {
    let ctx = &firing.context;
    let name = |id| {
        trace
            .node(id)
            .map_or_else(|| format!("#{}", id.0), |n| n.display_name().into_owned())
    };
    match ctx.edge {
        Some((slot, input)) => format!(
            "{} → {} (edge {slot} of {})",
            name(ctx.node),
            name(input),
            ctx.op
        ),
        None => format!("{} ({})", name(ctx.node), ctx.op),
    }
}
