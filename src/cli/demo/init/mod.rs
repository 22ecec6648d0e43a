//! `chaintrace demo init`: one deep MLP, five ways to draw its weights (N(0,1), too small,
//! Glorot & Bengio's "standard" U[−1/√n, 1/√n], Xavier, He), with tanh and with ReLU:
//! per-layer gradient norms from the tracer's ledger, the activations' spread per layer, the
//! mean-field prediction of both, and what f32 makes of the same networks.
//!
//! The files: this one holds the flags, the numbers the demo measures (its JSON output) and
//! [`run`]; `reading.rs` says what one configuration's numbers mean (its verdict, its predicted
//! gain, what f32 made of it); `theory.rs` predicts it (mean field); `document.rs` lays out
//! the report and its tables, `conclusions.rs` writes what the numbers show, `claims.rs` the
//! verdicts, and `charts.rs` draws the charts.

mod charts;
mod claims;
mod conclusions;
mod document;
mod reading;
mod theory;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::claims::render;
use super::deepnet::{Activation, DeepNet, EXPLODING, Measurement, Probe, Scheme, VANISHING};
use crate::cli::CliError;
use crate::cli::args::Format;

/// Arguments of `chaintrace demo init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Number of layers L.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub depth: u32,

    /// Units per layer (every weight matrix is width × width).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Inputs in the batch.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// The gain of the Xavier initialiser (1 as Glorot and Bengio; PyTorch suggests 5/3 for
    /// tanh).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub xavier_gain: f64,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = InitChart::Gradients)]
    pub chart: InitChart,
}

/// The charts of `demo init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitChart {
    /// ‖∂L/∂h_k‖ per layer.
    Gradients,
    /// The standard deviation of h_k per layer.
    Activations,
}

/// Everything the demo measured.
#[derive(Debug, Serialize)]
struct InitReport {
    depth: usize,
    width: usize,
    batch: usize,
    seed: u64,
    xavier_gain: f64,
    exploding: f64,
    vanishing: f64,
    runs: Vec<InitRun>,
}

/// One configuration: an initialiser and an activation, measured in f64 and in f32.
#[derive(Debug, Serialize)]
struct InitRun {
    init: Scheme,
    activation: Activation,
    /// The weights' standard deviation σ.
    weight_std: f64,
    f64: Measurement,
    f32: Measurement,
}

impl InitReport {
    fn run(&self, init: Scheme, activation: Activation) -> &InitRun {
        self.runs
            .iter()
            .find(|r| r.init == init && r.activation == activation)
            .expect("every configuration ran")
    }
}

impl InitReport {
    /// The mean-field prediction for `run`'s network (n·σ² from its weights' σ).
    fn prediction(&self, run: &InitRun) -> theory::Prediction {
        let v = self.width as f64 * run.weight_std.powi(2);
        theory::predict(run.activation, v, self.depth)
    }
}

/// The gain applies to Xavier alone.
fn scheme_scale(scheme: Scheme, xavier_gain: f64) -> f64 {
    if scheme == Scheme::Xavier {
        xavier_gain
    } else {
        1.0
    }
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &InitArgs, format: Format, seed: u64) -> Result<String, CliError> {
    if !(args.xavier_gain.is_finite() && args.xavier_gain > 0.0) {
        return Err(CliError::Usage(format!(
            "--xavier-gain must be a positive number, got {}",
            args.xavier_gain
        )));
    }
    let report = measure(args, seed);
    let doc = report.document();
    let chart = match args.chart {
        InitChart::Gradients => 0,
        InitChart::Activations => 1,
    };
    render("init", format, &report, &doc, Some(chart), &report.claims())
}

fn measure(args: &InitArgs, seed: u64) -> InitReport {
    let (depth, width, batch) = (
        args.depth as usize,
        args.width as usize,
        args.batch as usize,
    );
    let mut runs = Vec::new();
    for activation in [Activation::Tanh, Activation::Relu] {
        for scheme in Scheme::ALL {
            let scale = scheme_scale(scheme, args.xavier_gain);
            let net = DeepNet {
                depth,
                width,
                batch,
                init: scheme.init(scale),
                activation,
                residual: false,
                batchnorm: false,
                seed,
            };
            runs.push(InitRun {
                init: scheme,
                activation,
                weight_std: scheme.std(width, scale),
                f64: net.measure::<f64>(Probe::default()),
                f32: net.measure::<f32>(Probe::default()),
            });
        }
    }
    InitReport {
        depth,
        width,
        batch,
        seed,
        xavier_gain: args.xavier_gain,
        exploding: EXPLODING,
        vanishing: VANISHING,
        runs,
    }
}
