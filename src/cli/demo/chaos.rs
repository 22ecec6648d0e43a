//! `chaintrace demo chaos`: the order-to-chaos transition of deep tanh networks (Poole et al.
//! 2016; Schoenholz et al. 2017). A sweep of the weights' scale σ_w at a fixed bias scale σ_b:
//! the mean-field slope χ₁ beside the measured gain of the gradient per layer, the critical
//! σ_w where χ₁ = 1, and pairs of inputs 10⁻⁶ apart that separate (chaotic, χ₁ > 1) or merge
//! (ordered, χ₁ < 1) with depth.
//!
//! [`mean_field`] computes the theory's numbers; [`measure`] runs the networks (every one
//! independent, so they run on all cores); [`document`] turns the numbers into the report and
//! [`claim`] into the verdict.

mod claim;
mod document;
pub(super) mod mean_field;
mod measure;

use clap::{Args, ValueEnum};

use super::claims::render;
use crate::cli::CliError;
use crate::cli::args::Format;

/// Arguments of `chaintrace demo chaos`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// Number of layers L.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=2000))]
    pub depth: u32,

    /// Units per layer (the mean-field theory holds for wide layers).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Pairs of inputs 10⁻⁶ apart in each network's batch (2 × batch rows: each input and
    /// its twin).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub batch: u32,

    /// How many seeds (networks) per σ_w: --seed, --seed + 1, ….
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub seeds: u32,

    /// The weights' scale σ_w (W ~ N(0, σ_w²/n)), separated by commas.
    #[arg(
        long,
        value_delimiter = ',',
        default_values_t = [0.5, 1.0, 1.2, 1.4, 1.6, 2.0, 3.0, 4.0]
    )]
    pub sigma_w: Vec<f64>,

    /// The biases' standard deviation σ_b (b ~ N(0, σ_b²)).
    #[arg(long, default_value_t = 0.3)]
    pub sigma_b: f64,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = ChaosChart::Gain)]
    pub chart: ChaosChart,
}

/// The charts of `demo chaos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChaosChart {
    /// The gradient's gain per layer against σ_w, measured and √χ₁.
    Gain,
    /// ‖z_k − z′_k‖ per layer, one line per σ_w.
    Separation,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ChaosArgs, format: Format, seed: u64) -> Result<String, CliError> {
    if let Some(w) = args
        .sigma_w
        .iter()
        .find(|w| !(w.is_finite() && **w > 0.0 && **w <= 10.0))
    {
        return Err(CliError::Usage(format!(
            "--sigma-w must be numbers in (0, 10], got {w}"
        )));
    }
    if !(args.sigma_b.is_finite() && (0.0..=10.0).contains(&args.sigma_b)) {
        return Err(CliError::Usage(format!(
            "--sigma-b must be a number in [0, 10], got {}",
            args.sigma_b
        )));
    }
    let report = measure::measure(args, seed);
    let chart = match args.chart {
        ChaosChart::Gain => 0,
        ChaosChart::Separation => 1,
    };
    let claims = report.claims();
    render(
        "chaos",
        format,
        &report,
        &report.document(),
        Some(chart),
        &claims,
    )
}
