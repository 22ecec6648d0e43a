//! The chart of `demo curvature`: per run, the loss, the gradient norm and λ_max per step on
//! one log axis, with the line 2/lr that λ_max climbs to.

use chaintrace::report::Chart;
use chaintrace::report::svg::{LineChart, Series, Threshold, line_chart};

use super::{NetRun, num};
use crate::cli::CliError;

pub(super) fn run_chart(run: &NetRun) -> Result<Chart, CliError> {
    let lines = [
        Series::new("loss", run.steps.iter().map(|s| (s.step as f64, s.loss))),
        Series::new(
            "‖g‖",
            run.steps.iter().map(|s| (s.step as f64, s.grad_norm)),
        ),
        Series::new(
            "λ_max",
            run.steps
                .iter()
                .filter_map(|s| s.lambda_max.map(|l| (s.step as f64, l))),
        ),
    ];
    let chart = LineChart {
        log_y: true,
        threshold: Some(Threshold {
            label: format!("2/lr = {}", num(run.edge())),
            value: run.edge(),
        }),
        ..LineChart::new(
            &format!("Full-batch gradient descent at lr {}", num(run.lr)),
            "training step",
            "loss, ‖g‖, λ_max (log scale)",
        )
    };
    let svg = line_chart(&chart, &lines).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: format!(
            "lr {}: loss, gradient norm and sharpness λ_max per step, with 2/lr",
            num(run.lr)
        ),
        svg,
    })
}
