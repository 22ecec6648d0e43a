//! `chaintrace demo rnn`: how much gradient reaches each time step of a vanilla RNN, an LSTM
//! and a GRU on the adding problem, and why the RNN's follows the powers of its one recurrent
//! matrix.
//!
//! Each cell reads the same batch of sequences, a linear readout of the last hidden state
//! predicts the target, and one backward pass of the mean squared error gives `‖∂L/∂h_t‖` for
//! every step `t` (`grads.wrt(h_t)`). Going back one step multiplies the RNN's gradient by
//! `diag(1 − h_t²)·W_hh` — the same `W_hh` every time — so the demo also measures `W_hh`'s
//! largest singular value and spectral radius (by iteration, in `spectral.rs`) and sets
//! `ρ^(T−t)` beside the measured norms.
//!
//! Then the two claims are settled (`claims.rs`): the RNN's drawn `W_hh` is multiplied by each
//! of `--scales`, putting `σ_max` on either side of 1/γ, Pascanu et al.'s conditions for
//! vanishing and exploding (`regimes.rs`); and the three cells are trained on the adding problem
//! with the same budget, to see which leave the baseline of always predicting 1 (`train.rs`).
//!
//! The files: this one holds the flags, the numbers the demo measures (its JSON output) and
//! [`run`]; `model.rs` builds each cell and draws its weights; `measure.rs` runs the backward
//! passes and measures `W_hh`; `document.rs` writes the report's prose, `tables.rs` its tables,
//! `chart.rs` its chart and `stepper.rs` traces a one-unit RNN over four steps for the page to
//! step through.

mod chart;
mod claims;
mod document;
mod measure;
mod model;
mod regimes;
mod stepper;
mod tables;
mod train;

use clap::{Args, ValueEnum};
use serde::Serialize;

use chaintrace::TraceOptions;
use chaintrace::report::{fmt_sig, serde_number};

use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::demo::claims::render;
use document::document;
use measure::measure;
use regimes::Regime;
use train::{TrainSettings, Trained};

/// Arguments of `chaintrace demo rnn`.
#[derive(Debug, Clone, Args)]
pub struct RnnArgs {
    /// Sequence length T of the adding problem (time steps the gradient must cross).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub steps: u32,

    /// Hidden units H of each cell.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub hidden: u32,

    /// Sequences in the batch.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// How every cell's W_hh is drawn: PyTorch's default U(±1/√H), or orthogonal (every
    /// singular value 1).
    #[arg(long, value_enum, default_value_t = RecurrentInit::Torch)]
    pub init: RecurrentInit,

    /// Multiplies every cell's W_hh after it is drawn: above 1 to make the RNN's gradient
    /// explode (try 4), below 1 to make it vanish faster.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub scale: f64,

    /// Added to the input bias of the LSTM's forget gate and the GRU's update gate, opening
    /// the paths that carry their state from step to step (try 3).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub gate_bias: f64,

    /// The multipliers of the vanilla RNN's W_hh (one drawn matrix) compared in the regimes
    /// table: σ_max below 1 makes the gradient vanish, above 1 lets it explode.
    #[arg(
        long,
        value_delimiter = ',',
        default_values_t = [0.5, 1.0, 4.0],
        allow_negative_numbers = true
    )]
    pub scales: Vec<f64>,

    /// Training steps of each cell on the adding problem (Adam, the same batches for every
    /// cell); 0 trains nothing.
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub train_steps: u32,

    /// Hidden units of the trained cells.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub train_hidden: u32,

    /// Added to the trained LSTM's forget-gate bias (Jozefowicz et al. 2015 recommend 1).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub forget_bias: f64,
}

/// How `W_hh` is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrentInit {
    /// PyTorch's default, U(−1/√H, 1/√H).
    Torch,
    /// An orthogonal matrix (orthonormal columns for the stacked gates).
    Orthogonal,
}

/// The three cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Cell {
    Rnn,
    Lstm,
    Gru,
}

impl Cell {
    const ALL: [Cell; 3] = [Cell::Rnn, Cell::Lstm, Cell::Gru];

    fn label(self) -> &'static str {
        match self {
            Cell::Rnn => "RNN",
            Cell::Lstm => "LSTM",
            Cell::Gru => "GRU",
        }
    }
}

/// Everything the demo measured (the JSON output).
#[derive(Debug, Serialize)]
struct RnnReport {
    steps: usize,
    hidden: usize,
    batch: usize,
    seed: u64,
    init: RecurrentInit,
    scale: f64,
    gate_bias: f64,
    runs: Vec<CellRun>,
    /// The vanilla RNN's recurrent matrix.
    w_hh: Spectrum,
    /// The vanilla RNN with its W_hh multiplied by each of `--scales`.
    regimes: Vec<Regime>,
    training: TrainSettings,
    /// The three cells trained on the adding problem.
    trained: Vec<Trained>,
}

/// One cell's backward pass.
#[derive(Debug, Serialize)]
struct CellRun {
    cell: Cell,
    #[serde(with = "serde_number")]
    loss: f64,
    /// `‖∂L/∂h_t‖` for `t = 1 … T`.
    #[serde(with = "serde_number::vec")]
    gradient_norms: Vec<f64>,
    /// `‖∂L/∂h_1‖ / ‖∂L/∂h_T‖`.
    #[serde(with = "serde_number")]
    ratio: f64,
    /// The ratio's geometric mean per step, `ratio^(1/(T−1))`.
    #[serde(with = "serde_number")]
    per_step: f64,
}

/// What `W_hh` does to a vector, once and over many steps.
#[derive(Debug, Serialize)]
struct Spectrum {
    /// `σ_max(W_hh)`, by the power method on `W_hhᵀ·W_hh`.
    #[serde(with = "serde_number")]
    largest_singular_value: f64,
    /// `ρ(W_hh) = lim ‖W_hh^k‖^(1/k)`.
    #[serde(with = "serde_number")]
    spectral_radius: f64,
    /// The mean of `1 − h_t²` over every step, unit and sequence of the RNN.
    #[serde(with = "serde_number")]
    mean_tanh_derivative: f64,
}

/// The run's settings, checked.
#[derive(Clone, Copy)]
struct Config {
    steps: usize,
    hidden: usize,
    batch: usize,
    seed: u64,
    init: RecurrentInit,
    scale: f64,
    gate_bias: f64,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &RnnArgs, format: Format, seed: u64) -> Result<String, CliError> {
    let flags = [
        ("--scale", args.scale),
        ("--gate-bias", args.gate_bias),
        ("--forget-bias", args.forget_bias),
    ];
    let scales = args.scales.iter().map(|&s| ("--scales", s));
    for (flag, v) in flags.into_iter().chain(scales) {
        if !v.is_finite() {
            return Err(CliError::Usage(format!(
                "{flag} must be a finite number, got {v}"
            )));
        }
    }
    let config = Config {
        steps: args.steps as usize,
        hidden: args.hidden as usize,
        batch: args.batch as usize,
        seed,
        init: args.init,
        scale: args.scale,
        gate_bias: args.gate_bias,
    };
    if args.scales.is_empty() {
        return Err(CliError::Usage("--scales needs at least one number".into()));
    }
    let training = TrainSettings {
        steps: args.train_steps as usize,
        hidden: args.train_hidden as usize,
        batch: train::BATCH,
        learning_rate: train::LEARNING_RATE,
        forget_bias: args.forget_bias,
        length: config.steps,
    };
    let report = measure(&config, &args.scales, training);
    let doc = document(&report)?;
    render("rnn", format, &report, &doc, None, &report.claims())
}

impl RnnReport {
    fn run(&self, cell: Cell) -> &CellRun {
        self.runs
            .iter()
            .find(|r| r.cell == cell)
            .expect("every cell is measured")
    }

    /// The training run of `cell`, if the demo trained.
    fn trained(&self, cell: Cell) -> Option<&Trained> {
        self.trained
            .iter()
            .find(|t| t.cell == cell && !t.windows.is_empty())
    }

    /// `ρ^(T−t)·‖∂L/∂h_T‖` for `t = 1 … T`: the RNN's norm if every step multiplied by ρ.
    fn reference(&self) -> Vec<f64> {
        let last = *self.run(Cell::Rnn).gradient_norms.last().expect("T ≥ 2");
        let rho = self.w_hh.spectral_radius;
        (1..=self.steps)
            .map(|t| rho.powi((self.steps - t) as i32) * last)
            .collect()
    }
}

/// How a cell's gradient fares from step T back to step 1, with the ledger's thresholds.
fn verdict(ratio: f64) -> &'static str {
    let flags = TraceOptions::default();
    match ratio {
        r if !r.is_finite() => "becomes non-finite",
        r if r < flags.vanishing => "vanishes",
        r if r > flags.exploding => "explodes",
        _ => "stays within a factor of 1000",
    }
}

/// Three significant digits: the tables are long, and the trend is what matters.
fn num(x: f64) -> String {
    fmt_sig(x, 3)
}

/// `a, b and c`.
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_use_the_ledger_thresholds() {
        assert_eq!(verdict(1e-4), "vanishes");
        assert_eq!(verdict(2e3), "explodes");
        assert_eq!(verdict(0.5), "stays within a factor of 1000");
        assert_eq!(verdict(f64::NAN), "becomes non-finite");
        assert_eq!(join(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
