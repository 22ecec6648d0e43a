//! The tables of `demo rnn`: the gradient norm at every step, each cell from the last step to
//! the first, and the numbers of the recurrent matrix.

use chaintrace::report::Table;

use super::{Cell, RnnReport, num, verdict};

pub(super) fn norms_table(r: &RnnReport) -> Table {
    let mut table =
        Table::new(&["t", "RNN", "LSTM", "GRU", "ρ^(T−t)·‖∂L/∂h_T‖ (RNN)"]).right_align_from(0);
    let reference = r.reference();
    for step in (1..=r.steps).rev() {
        let mut cells = vec![step.to_string()];
        cells.extend(
            Cell::ALL
                .iter()
                .map(|&c| num(r.run(c).gradient_norms[step - 1])),
        );
        cells.push(num(reference[step - 1]));
        table.row(cells);
    }
    table
}

pub(super) fn summary_table(r: &RnnReport) -> Table {
    let t = r.steps;
    let mut table = Table::new(&[
        "cell",
        "loss",
        &format!("‖∂L/∂h_{t}‖"),
        "‖∂L/∂h_1‖",
        &format!("‖∂L/∂h_1‖ / ‖∂L/∂h_{t}‖"),
        "per step",
        "through time",
    ]);
    for column in 1..=5 {
        table = table.right_align(column);
    }
    for run in &r.runs {
        table.row(vec![
            run.cell.label().to_string(),
            num(run.loss),
            num(run.gradient_norms[t - 1]),
            num(run.gradient_norms[0]),
            num(run.ratio),
            num(run.per_step),
            verdict(run.ratio).to_string(),
        ]);
    }
    table
}

pub(super) fn spectrum_table(r: &RnnReport) -> Table {
    let rnn = r.run(Cell::Rnn);
    let s = &r.w_hh;
    let mut table = Table::new(&["quantity (vanilla RNN)", "value"]).right_align(1);
    let rows = [
        (
            "σ_max(W_hh), largest singular value (power method)",
            s.largest_singular_value,
        ),
        (
            "ρ(W_hh), spectral radius (‖W_hh^k‖^(1/k), k = 4096)",
            s.spectral_radius,
        ),
        ("mean tanh′ = mean of 1 − h_t²", s.mean_tanh_derivative),
        (
            "ρ(W_hh) × mean tanh′",
            s.spectral_radius * s.mean_tanh_derivative,
        ),
        ("measured factor per step", rnn.per_step),
    ];
    for (name, value) in rows {
        table.row(vec![name.to_string(), num(value)]);
    }
    table
}
