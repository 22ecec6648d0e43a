//! `chaintrace demo clip`: the same training run with and without global-norm gradient
//! clipping.
//!
//! The network is a deep *linear* one — `L` linear layers and nothing between them, so its
//! output is the product of the `L` weight matrices times `x`: the article's "product of the
//! weights of all layers" taken literally. Drawn slightly too large (He-normal with gain 1.3),
//! that product makes the first gradient large, plain SGD takes a step too long for the valley
//! it is in, the loss goes up, the next gradient is larger still, and within a few steps the
//! numbers overflow to infinity and NaN.
//! [`clip_grad_norm`](chaintrace::hooks::clip_grad_norm) caps each step's length at
//! `lr · max_norm` and the same run converges. The step where the first non-finite number
//! appears is located by the tracer's anomaly report.
//!
//! Then the overshoot as Pascanu, Mikolov & Bengio (2013) drew it: one recurrent unit whose
//! loss surface has a wall, where one unclipped step from the top is thrown hundreds of units
//! away and the clipped step stays.
//!
//! The files: this one holds the flags, the numbers the demo measures (its JSON output) and
//! [`run`]; `train.rs` builds the network and trains it; `document.rs` writes the report's
//! prose, `tables.rs` its tables and `charts.rs` its charts; `cliff.rs` is the one-unit model,
//! its wall and the steps from it, `cliff_doc.rs` and `cliff_chart.rs` its prose and charts.

mod charts;
mod claims;
mod cliff;
mod cliff_chart;
mod cliff_doc;
mod cliff_model;
mod document;
mod tables;
mod train;

use clap::Args;
use serde::Serialize;

use chaintrace::Trace;
use chaintrace::data;
use chaintrace::report::{fmt_sig, serde_number};
use chaintrace::trace::LayerRow;

use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::demo::claims::render;
use crate::cli::progress::Progress;
use document::document;
use train::{best_line_loss, train};

/// Arguments of `chaintrace demo clip`.
#[derive(Debug, Clone, Args)]
pub struct ClipArgs {
    /// Linear layers in the network.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub depth: u32,

    /// Units in each hidden layer.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub width: u32,

    /// Initial weights N(0, (gain²)/fan_in): above 1 each layer stretches, and the product of
    /// `depth` layers stretches by about gain^depth.
    #[arg(long, default_value_t = 1.3)]
    pub gain: f64,

    /// SGD learning rate.
    #[arg(long, default_value_t = 0.05)]
    pub lr: f64,

    /// Training steps of each run (full batch).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub steps: u32,

    /// The clipping threshold: the global 2-norm of all parameter gradients is rescaled to at
    /// most this.
    #[arg(long, default_value_t = 5.0)]
    pub max_norm: f64,

    /// Training points (y = sin(πx) + noise, x in [−1, 1)).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub samples: u32,
}

/// The noise of the regression targets.
const NOISE: f64 = 0.1;

/// Rows of the loss table when every step is not shown.
const EVERY: usize = 10;

/// Everything the demo measured (the JSON output).
#[derive(Debug, Serialize)]
struct ClipReport {
    depth: usize,
    width: usize,
    gain: f64,
    lr: f64,
    steps: usize,
    max_norm: f64,
    samples: usize,
    seed: u64,
    /// The mean squared error of the least-squares straight line: the best a linear network
    /// can do on this data.
    #[serde(with = "serde_number")]
    best_line_loss: f64,
    /// The first step's per-layer ledger (the same in both runs).
    first_step_ledger: Vec<LayerRow>,
    runs: Vec<Run>,
    /// Pascanu et al.'s cliff: one step at `lr` with and without clipping at `max_norm`.
    cliff: cliff::Cliff,
}

/// One training run.
#[derive(Debug, Serialize)]
struct Run {
    /// `None` without clipping.
    max_norm: Option<f64>,
    steps: Vec<Step>,
    /// Where the run stopped on a non-finite loss or gradient, if it did.
    failure: Option<Failure>,
}

/// One step: the loss before it, the gradient's global norm before clipping, and the factor
/// clipping multiplied the gradient by.
#[derive(Debug, Serialize)]
struct Step {
    step: usize,
    #[serde(with = "serde_number")]
    loss: f64,
    #[serde(with = "serde_number")]
    grad_norm: f64,
    /// `max_norm / (‖g‖ + 1e-6)` when that is below 1, else 1.
    #[serde(with = "serde_number")]
    scale: f64,
    /// The curvature of the loss along the step, `gᵀ·H·g / ‖g‖²`, by central differences of
    /// the gradient along g (NaN when the gradient is not finite). The step raises the loss of
    /// a quadratic exactly when `lr · scale · curvature > 2`.
    #[serde(with = "serde_number")]
    curvature: f64,
}

/// The first step whose loss or gradient is not finite, with the tracer's report of it.
#[derive(Debug, Serialize)]
struct Failure {
    step: usize,
    /// What the tracer's anomaly report says, as sentences.
    notes: Vec<String>,
    /// That step's trace: the per-layer ledger and the anomalies.
    trace: Trace,
}

impl Run {
    fn clipped(&self) -> bool {
        self.max_norm.is_some()
    }

    fn name(&self) -> String {
        match self.max_norm {
            Some(m) => format!("clipped at {}", num(m)),
            None => "no clipping".to_string(),
        }
    }

    /// The last finite loss.
    fn final_loss(&self) -> f64 {
        self.steps
            .iter()
            .rev()
            .map(|s| s.loss)
            .find(|l| l.is_finite())
            .unwrap_or(f64::NAN)
    }

    fn times_clipped(&self) -> usize {
        self.steps.iter().filter(|s| s.scale < 1.0).count()
    }

    /// The first step at which the loss went up, and by how much.
    fn first_rise(&self) -> Option<(usize, f64, f64)> {
        self.steps
            .windows(2)
            .find(|w| w[1].loss > w[0].loss)
            .map(|w| (w[0].step, w[0].loss, w[1].loss))
    }

    /// The largest finite loss and its step.
    fn peak_loss(&self) -> Option<(usize, f64)> {
        self.steps
            .iter()
            .filter(|s| s.loss.is_finite())
            .map(|s| (s.step, s.loss))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ClipArgs, format: Format, seed: u64) -> Result<String, CliError> {
    for (flag, v) in [
        ("--gain", args.gain),
        ("--lr", args.lr),
        ("--max-norm", args.max_norm),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(CliError::Usage(format!(
                "{flag} must be a positive number, got {v}"
            )));
        }
    }
    let data = data::noisy_regression::<f64>(args.samples as usize, NOISE, seed);
    let mut progress = Progress::new("demo clip", 2 * args.steps as usize);
    let mut ledger = Vec::new();
    let mut runs = Vec::new();
    for max_norm in [None, Some(args.max_norm)] {
        let (run, first) = train(args, seed, &data, max_norm, &mut progress)?;
        if ledger.is_empty() {
            ledger = first;
        }
        runs.push(run);
    }
    drop(progress);
    let report = ClipReport {
        depth: args.depth as usize,
        width: args.width as usize,
        gain: args.gain,
        lr: args.lr,
        steps: args.steps as usize,
        max_norm: args.max_norm,
        samples: args.samples as usize,
        seed,
        best_line_loss: best_line_loss(&data),
        first_step_ledger: ledger,
        runs,
        cliff: cliff::cliff(args.lr, args.max_norm)?,
    };
    let doc = document(&report)?;
    render("clip", format, &report, &doc, None, &report.claims())
}

/// Three significant digits.
fn num(x: f64) -> String {
    fmt_sig(x, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_and_a_peak_are_found() {
        let step = |step, loss| Step {
            step,
            loss,
            grad_norm: 1.0,
            scale: 1.0,
            curvature: 1.0,
        };
        let run = Run {
            max_norm: None,
            steps: vec![step(0, 3.0), step(1, 2.0), step(2, 5.0), step(3, f64::NAN)],
            failure: None,
        };
        assert_eq!(run.first_rise(), Some((1, 2.0, 5.0)));
        assert_eq!(run.peak_loss(), Some((2, 5.0)));
        assert_eq!(run.final_loss(), 5.0);
    }
}
