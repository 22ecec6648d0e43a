//! The charts of `demo clip`: the loss per step and the gradient norm per step, both runs on
//! one chart each.

use chaintrace::report::Chart;
use chaintrace::report::svg::{LineChart, Series, Threshold, line_chart, loss_curves};

use super::{ClipReport, Run, Step, num};
use crate::cli::CliError;

fn series(run: &Run, value: fn(&Step) -> f64) -> Series {
    Series::new(
        run.name(),
        run.steps.iter().map(|s| (s.step as f64, value(s))),
    )
}

pub(super) fn loss_chart(r: &ClipReport) -> Result<Chart, CliError> {
    let lines: Vec<Series> = r.runs.iter().map(|run| series(run, |s| s.loss)).collect();
    let floor = Threshold {
        label: format!("best straight line, {}", num(r.best_line_loss)),
        value: r.best_line_loss,
    };
    let svg = loss_curves(
        "Training loss with and without clipping",
        &lines,
        Some(floor),
    )
    .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Loss per step, log scale (a line stops where the loss is no longer finite)".into(),
        svg,
    })
}

pub(super) fn norm_chart(r: &ClipReport) -> Result<Chart, CliError> {
    let lines: Vec<Series> = r
        .runs
        .iter()
        .map(|run| series(run, |s| s.grad_norm))
        .collect();
    let chart = LineChart {
        log_y: true,
        threshold: Some(Threshold {
            label: format!("clipping threshold {}", num(r.max_norm)),
            value: r.max_norm,
        }),
        ..LineChart::new(
            "Global gradient norm before clipping",
            "training step",
            "‖g‖ before clipping (log scale)",
        )
    };
    let svg = line_chart(&chart, &lines).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Gradient norm per step before clipping, with the threshold".into(),
        svg,
    })
}
