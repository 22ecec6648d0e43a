//! The two regimes of the vanilla RNN: the same drawn `W_hh` multiplied by each of `--scales`,
//! its largest singular value on either side of 1/γ, and the measured factor per step beside
//! the bound of Pascanu, Mikolov & Bengio (2013).
//!
//! Going back one step multiplies the gradient by `diag(f′(a_t))·W_hh`. With `|f′| ≤ γ`
//! (γ = 1 for tanh, 1/4 for the logistic sigmoid), no step stretches it by more than
//! `γ·σ_max(W_hh)`: `σ_max < 1/γ` is *sufficient* for the gradient to vanish, at least as fast
//! as `(γ·σ_max)^k`, and `σ_max > 1/γ` is *necessary* for it to explode — necessary only.

use chaintrace::data::AddingProblem;
use chaintrace::report::{Table, serde_number};
use serde::Serialize;

use super::measure::run_cell;
use super::{Cell, Config, num, verdict};

/// γ, the largest |tanh′|.
pub(super) const GAMMA: f64 = 1.0;

/// The vanilla RNN with `W_hh` multiplied by `scale`.
#[derive(Debug, Serialize)]
pub(super) struct Regime {
    #[serde(with = "serde_number")]
    pub scale: f64,
    /// `σ_max(W_hh)` after the scaling.
    #[serde(with = "serde_number")]
    pub largest_singular_value: f64,
    #[serde(with = "serde_number")]
    pub spectral_radius: f64,
    #[serde(with = "serde_number")]
    pub mean_tanh_derivative: f64,
    /// `‖∂L/∂h_1‖ / ‖∂L/∂h_T‖`.
    #[serde(with = "serde_number")]
    pub ratio: f64,
    /// The ratio's geometric mean per step.
    #[serde(with = "serde_number")]
    pub per_step: f64,
}

impl Regime {
    /// `γ·σ_max`: no step multiplies the gradient's norm by more.
    pub fn bound(&self) -> f64 {
        GAMMA * self.largest_singular_value
    }

    /// The bound holds (to rounding).
    pub fn within_bound(&self) -> bool {
        self.per_step <= self.bound() * (1.0 + 1e-9)
    }

    /// What Pascanu et al.'s conditions say of this σ_max.
    pub fn prediction(&self) -> &'static str {
        if self.bound() < 1.0 {
            "vanishes (sufficient)"
        } else {
            "may explode (necessary)"
        }
    }
}

/// The RNN at each scaling of the same drawn `W_hh`, on the demo's batch.
pub(super) fn measure_regimes(
    config: &Config,
    scales: &[f64],
    task: &AddingProblem<f64>,
) -> Vec<Regime> {
    scales
        .iter()
        .map(|&scale| {
            let c = Config { scale, ..*config };
            let (run, spectrum) = run_cell(Cell::Rnn, &c, task);
            let s = spectrum.expect("the RNN's W_hh is measured");
            Regime {
                scale,
                largest_singular_value: s.largest_singular_value,
                spectral_radius: s.spectral_radius,
                mean_tanh_derivative: s.mean_tanh_derivative,
                ratio: run.ratio,
                per_step: run.per_step,
            }
        })
        .collect()
}

pub(super) fn regimes_table(regimes: &[Regime], steps: usize) -> Table {
    let mut table = Table::new(&[
        "W_hh ×",
        "bound γ·σ_max",
        "per step",
        "mean tanh′",
        &format!("‖∂L/∂h_1‖ / ‖∂L/∂h_{steps}‖"),
        "Pascanu et al.",
        "measured",
    ]);
    for column in 0..=4 {
        table = table.right_align(column);
    }
    for r in regimes {
        table.row(vec![
            num(r.scale),
            num(r.bound()),
            num(r.per_step),
            num(r.mean_tanh_derivative),
            num(r.ratio),
            r.prediction().to_string(),
            verdict(r.ratio).to_string(),
        ]);
    }
    table
}
