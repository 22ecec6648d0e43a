//! `chaintrace demo chaos`: the article's note on sensitivity. Many seeds, a few standard
//! deviations a few percent around the critical one, a 100-layer network: how far apart the
//! first layer's gradient lands.

//!
//! [`measure`] runs the networks (every one independent, so they run on all cores);
//! [`document`] turns the numbers into the report.

mod claim;
mod document;
mod measure;

use clap::{Args, ValueEnum};

use super::claims::render;
use super::deepnet::{Activation, Scheme};
use crate::cli::CliError;
use crate::cli::args::Format;

/// Arguments of `chaintrace demo chaos`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// Number of layers L.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=2000))]
    pub depth: u32,

    /// Units per layer.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Inputs in the batch.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// How many seeds (networks) per standard deviation: --seed, --seed + 1, ….
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub seeds: u32,

    /// Multipliers of the critical standard deviation, separated by commas.
    #[arg(
        long,
        value_delimiter = ',',
        default_values_t = [0.9, 0.95, 1.0, 1.05, 1.1]
    )]
    pub multipliers: Vec<f64>,

    /// The nonlinearity: ReLU (critical σ = √(2/n), He) or tanh (critical σ = 1/√n, Xavier).
    #[arg(long, value_enum, default_value_t = Activation::Relu)]
    pub activation: Activation,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = ChaosChart::Spread)]
    pub chart: ChaosChart,
}

/// The charts of `demo chaos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChaosChart {
    /// Min, median and max of ‖∂L/∂W₁‖ across seeds against the multiplier.
    Spread,
    /// One line per seed (the first eight seeds).
    Seeds,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ChaosArgs, format: Format, seed: u64) -> Result<String, CliError> {
    if let Some(m) = args
        .multipliers
        .iter()
        .find(|m| !(m.is_finite() && **m > 0.0))
    {
        return Err(CliError::Usage(format!(
            "--multipliers must be positive numbers, got {m}"
        )));
    }
    let report = measure::measure(args, seed);
    let chart = match args.chart {
        ChaosChart::Spread => 0,
        ChaosChart::Seeds => 1,
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

fn scheme(activation: Activation) -> Scheme {
    match activation {
        Activation::Relu => Scheme::He,
        Activation::Tanh => Scheme::Xavier,
    }
}
