//! `chaintrace demo curvature`: overshooting is a matter of the step size against the
//! curvature, not of the gradient's size.
//!
//! Gradient descent on a quadratic with Hessian eigenvalues λ_i multiplies the distance to the
//! minimum along eigenvector i by `1 − lr·λ_i` per step: it diverges when `lr > 2/λ_max`. The
//! demo shows that on a 2-D quadratic whose λ are known in closed form, then trains a small
//! tanh network full-batch and measures, at every step, the loss, the gradient norm, the
//! curvature along the step and (every `--every` steps) the sharpness λ_max — the top
//! eigenvalue of the loss Hessian, by power iteration on Hessian-vector products. With a large
//! learning rate λ_max climbs to 2/lr and hovers about it (Cohen et al. 2021, "the edge of
//! stability"), and the loss rises at the steps where lr × the curvature along the step
//! exceeds 2; with a smaller one λ_max stays below 2/lr and the loss falls at every step.
//!
//! The files: this one holds the flags, the numbers the demo measures (its JSON output) and
//! [`run`]; `hessian.rs` the Hessian-vector products and power iteration; `model.rs` the
//! losses; `quadratic.rs` the quadratic; `train.rs` the training runs; `claims.rs` the verdict;
//! `document.rs` the prose and tables; `charts.rs` the chart.

mod charts;
mod claims;
mod document;
pub(super) mod hessian;
pub(super) mod model;
mod quadratic;
mod train;

use clap::Args;
use serde::Serialize;

use chaintrace::data;
use chaintrace::report::{fmt_sig, serde_number};

use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::demo::claims::render;
use crate::cli::progress::Progress;
use quadratic::{QuadraticReport, quadratic};
use train::train;

/// Arguments of `chaintrace demo curvature`.
#[derive(Debug, Clone, Args)]
pub struct CurvatureArgs {
    /// Units in each of the network's two hidden tanh layers.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub width: u32,

    /// Training points (y = sin(πx) + noise, x in [−1, 1)).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub samples: u32,

    /// The learning rate of the first run (large: its 2/lr is reached).
    #[arg(long, default_value_t = 0.17, allow_negative_numbers = true)]
    pub lr: f64,

    /// The learning rate of the second run (small: its 2/lr is not reached).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub small_lr: f64,

    /// Full-batch gradient-descent steps of each run.
    #[arg(long, default_value_t = 800, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub steps: u32,

    /// Measure λ_max every this many steps (the curvature along the step is measured at every
    /// step).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub every: u32,
}

/// The noise of the regression targets.
const NOISE: f64 = 0.1;

/// Everything the demo measured (the JSON output).
#[derive(Debug, Serialize)]
struct CurvatureReport {
    width: usize,
    samples: usize,
    steps: usize,
    every: usize,
    seed: u64,
    /// The 2-D quadratic with known curvature.
    quadratic: QuadraticReport,
    /// The run at `--lr`, then the run at `--small-lr`.
    runs: Vec<NetRun>,
}

/// One training run of the network.
#[derive(Debug, Serialize)]
struct NetRun {
    lr: f64,
    /// The number of parameters.
    params: usize,
    steps: Vec<NetStep>,
    /// Hessian-vector products the power iterations used.
    products: usize,
    /// At step 0, along the top eigenvector: `‖H·v − H·v (finite differences)‖ / ‖H·v‖`.
    #[serde(with = "serde_number")]
    hvp_check: f64,
}

/// One step: the loss and gradient before it, and the curvatures there.
#[derive(Debug, Serialize)]
struct NetStep {
    step: usize,
    #[serde(with = "serde_number")]
    loss: f64,
    #[serde(with = "serde_number")]
    grad_norm: f64,
    /// The curvature along the step, `gᵀ·H·g / ‖g‖²`.
    #[serde(with = "serde_number")]
    along_step: f64,
    /// λ_max, at the steps where it was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    lambda_max: Option<f64>,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &CurvatureArgs, format: Format, seed: u64) -> Result<String, CliError> {
    for (flag, v) in [("--lr", args.lr), ("--small-lr", args.small_lr)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(CliError::Usage(format!(
                "{flag} must be a positive number, got {v}"
            )));
        }
    }
    let quadratic = quadratic().map_err(|e| CliError::Failed(e.to_string()))?;
    let data = data::noisy_regression::<f64>(args.samples as usize, NOISE, seed);
    let mut progress = Progress::new("demo curvature", 2 * args.steps as usize);
    let mut runs = Vec::new();
    for lr in [args.lr, args.small_lr] {
        runs.push(train(args, seed, &data, lr, &mut progress)?);
    }
    drop(progress);
    let report = CurvatureReport {
        width: args.width as usize,
        samples: args.samples as usize,
        steps: args.steps as usize,
        every: args.every as usize,
        seed,
        quadratic,
        runs,
    };
    let doc = document::document(&report)?;
    render("curvature", format, &report, &doc, None, &report.claims())
}

/// Three significant digits.
fn num(x: f64) -> String {
    fmt_sig(x, 3)
}
