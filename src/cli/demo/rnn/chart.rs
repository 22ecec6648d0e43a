//! The chart of `demo rnn`: each cell's gradient norm through time, with the RNN's if every
//! step multiplied it by the spectral radius.

use chaintrace::report::svg::{Series, time_norms};
use chaintrace::report::{Chart, fmt_num};

use super::{RecurrentInit, RnnReport};
use crate::cli::CliError;

/// How far above the cells' largest gradient norm the reference line is drawn.
const REFERENCE_REACH: f64 = 1000.0;

pub(super) fn chart(r: &RnnReport) -> Result<Chart, CliError> {
    let mut series: Vec<Series> = r
        .runs
        .iter()
        .map(|run| {
            Series::new(
                run.cell.label(),
                run.gradient_norms
                    .iter()
                    .enumerate()
                    .map(|(i, g)| ((i + 1) as f64, *g)),
            )
        })
        .collect();
    // The reference grows as ρ^(T−t) and can reach 1e18 where the cells stay near 1e4: it is
    // drawn only up to REFERENCE_REACH × the cells' largest norm, so it never squeezes the
    // measured lines into the bottom of the chart, and its legend says when it was cut.
    let largest = r
        .runs
        .iter()
        .flat_map(|run| run.gradient_norms.iter().copied())
        .filter(|g| g.is_finite())
        .fold(0.0f64, f64::max);
    let reference = r.reference();
    let cut = reference.iter().any(|g| *g > REFERENCE_REACH * largest);
    let name = if cut {
        format!(
            "RNN if ×ρ(W_hh) per step (cut above {}× the largest)",
            fmt_num(REFERENCE_REACH)
        )
    } else {
        "RNN if ×ρ(W_hh) per step".to_string()
    };
    series.push(Series::new(
        name,
        reference.into_iter().enumerate().map(|(i, g)| {
            let shown = if g > REFERENCE_REACH * largest {
                f64::NAN
            } else {
                g
            };
            ((i + 1) as f64, shown)
        }),
    ));
    let init = match r.init {
        RecurrentInit::Torch => "PyTorch init",
        RecurrentInit::Orthogonal => "orthogonal init",
    };
    // The setting is in the title: the same chart at another --scale or --gate-bias looks
    // much the same and means something else.
    let title = format!(
        "‖∂L/∂h_t‖ over {} steps, untrained: {init}, W_hh ×{}, gate bias {:+}",
        r.steps,
        fmt_num(r.scale),
        r.gate_bias
    );
    let svg = time_norms(&title, &series).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Gradient norm at each time step, log scale".to_string(),
        svg,
    })
}
