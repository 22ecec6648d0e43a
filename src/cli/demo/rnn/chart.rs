//! The chart of `demo rnn`: each cell's gradient norm through time, with the RNN's if every
//! step multiplied it by the spectral radius.

use chaintrace::report::svg::{Series, time_norms};
use chaintrace::report::{Chart, fmt_num};

use super::{RecurrentInit, RnnReport};
use crate::cli::CliError;

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
    series.push(Series::new(
        "RNN if ×ρ(W_hh) per step",
        r.reference()
            .into_iter()
            .enumerate()
            .map(|(i, g)| ((i + 1) as f64, g)),
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
