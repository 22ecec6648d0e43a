//! The tables of `demo clip`'s report: the first step's ledger, the loss and gradient norm
//! per step, and each run's outcome.

use chaintrace::report::Table;
use chaintrace::trace::LayerRow;

use super::{ClipReport, EVERY, Run, Step, num};

pub(super) fn ledger_table(rows: &[LayerRow]) -> Table {
    let mut table = Table::new(&[
        "layer",
        "‖∂L/∂(layer output)‖",
        "gain",
        "running product",
        "‖∂L/∂W‖",
    ]);
    for column in 1..=4 {
        table = table.right_align(column);
    }
    for row in rows {
        let weight = row
            .params
            .iter()
            .find(|p| p.name.ends_with(".weight"))
            .map_or(String::new(), |p| num(p.norm));
        table.row(vec![
            row.layer.clone(),
            num(row.output_norm),
            row.gain.map_or("—".into(), num),
            num(row.running),
            weight,
        ]);
    }
    table
}

fn shown_steps(r: &ClipReport) -> Vec<usize> {
    let longest = r.runs.iter().map(|run| run.steps.len()).max().unwrap_or(0);
    if longest <= 3 * EVERY {
        return (0..longest).collect();
    }
    let failures: Vec<usize> = r
        .runs
        .iter()
        .filter_map(|run| run.failure.as_ref().map(|f| f.step))
        .collect();
    (0..longest)
        .filter(|&s| {
            s < EVERY
                || s % EVERY == 0
                || s + 1 == longest
                || failures.iter().any(|&f| s + 2 >= f && s <= f + 1)
        })
        .collect()
}

pub(super) fn steps_table(r: &ClipReport) -> Table {
    let clip = r
        .runs
        .iter()
        .find(|run| run.clipped())
        .expect("a clipped run");
    let plain = r
        .runs
        .iter()
        .find(|run| !run.clipped())
        .expect("an unclipped run");
    let mut table = Table::new(&[
        "step",
        "loss, no clipping",
        "‖g‖, no clipping",
        &format!("loss, clipped at {}", num(r.max_norm)),
        "‖g‖ before clipping",
        "clipping scale",
    ])
    .right_align_from(0);
    let cell =
        |run: &Run, s: usize, f: fn(&Step) -> String| run.steps.get(s).map_or(String::new(), f);
    let mut previous: Option<usize> = None;
    for s in shown_steps(r) {
        if previous.is_some_and(|p| p + 1 != s) {
            table.row(vec!["…".into()]);
        }
        previous = Some(s);
        table.row(vec![
            s.to_string(),
            cell(plain, s, |st| num(st.loss)),
            cell(plain, s, |st| num(st.grad_norm)),
            cell(clip, s, |st| num(st.loss)),
            cell(clip, s, |st| num(st.grad_norm)),
            cell(clip, s, |st| {
                if st.scale < 1.0 {
                    format!("×{}", num(st.scale))
                } else {
                    "—".into()
                }
            }),
        ]);
    }
    table
}

pub(super) fn outcome_table(r: &ClipReport) -> Table {
    let mut table = Table::new(&[
        "run",
        "steps run",
        "first non-finite at step",
        "largest finite loss",
        "last finite loss",
        "steps clipped",
    ]);
    for column in 1..=5 {
        table = table.right_align(column);
    }
    for run in &r.runs {
        table.row(vec![
            run.name(),
            run.steps.len().to_string(),
            run.failure
                .as_ref()
                .map_or("—".into(), |f| f.step.to_string()),
            run.peak_loss().map_or("—".into(), |(_, l)| num(l)),
            num(run.final_loss()),
            if run.clipped() {
                run.times_clipped().to_string()
            } else {
                "—".into()
            },
        ]);
    }
    table
}
