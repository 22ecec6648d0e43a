//! The charts of `demo clip`: the loss per step and the gradient norm per step, both runs on
//! one chart each.

use chaintrace::report::Chart;
use chaintrace::report::svg::{LineChart, Series, Threshold, line_chart, loss_curves, stack};

use super::{ClipReport, Run, Step, num};
use crate::cli::CliError;

fn series(run: &Run, value: fn(&Step) -> f64) -> Series {
    Series::new(
        run.name(),
        run.steps.iter().map(|s| (s.step as f64, value(s))),
    )
}

/// Two panels: both runs on a log scale (the unclipped run leaves for 1e30 and beyond), then
/// the clipped run alone on a linear scale, where its own overshoot — the rises of the first
/// steps — is tall enough to see instead of a few pixels under the best-line.
pub(super) fn loss_chart(r: &ClipReport) -> Result<Chart, CliError> {
    let floor = || Threshold {
        label: format!("best straight line, {}", num(r.best_line_loss)),
        value: r.best_line_loss,
    };
    let lines: Vec<Series> = r.runs.iter().map(|run| series(run, |s| s.loss)).collect();
    let both = loss_curves(
        "Training loss with and without clipping",
        &lines,
        Some(floor()),
    );
    // The unclipped run is kept as an empty line: it draws nothing and has no legend entry,
    // but holds its colour, so the clipped run is drawn in the same colour in both panels.
    let clipped: Vec<Series> = r
        .runs
        .iter()
        .map(|run| match run.max_norm {
            Some(_) => series(run, |s| s.loss),
            None => Series::new(run.name(), []),
        })
        .collect();
    let alone = line_chart(
        &LineChart {
            threshold: Some(floor()),
            ..LineChart::new(
                &format!(
                    "The clipped run alone (at {}), linear scale",
                    num(r.max_norm)
                ),
                "training step",
                "loss",
            )
        },
        &clipped,
    );
    let failed = |e: chaintrace::Error| CliError::Failed(e.to_string());
    Ok(Chart {
        title: "Loss per step: both runs on a log scale (a line stops where the loss is no \
                longer finite), then the clipped run alone on a linear scale"
            .into(),
        svg: stack(&[&both.map_err(failed)?, &alone.map_err(failed)?]),
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
