//! `chaintrace demo residual`: a deep plain network against the same blocks with skip
//! connections, and the residual network's input gradient split by path length.
//!
//! The files: this one holds the flags, the numbers the demo measures (its JSON output), the
//! path counts and [`run`]; `document.rs` lays out the report and its tables,
//! `conclusions.rs` writes what the numbers show, `charts.rs` draws the charts, and
//! `stepper.rs` traces three scalar blocks for the page to step through.

mod charts;
mod claims;
mod conclusions;
mod document;
mod stepper;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::claims::render;
use super::deepnet::{Activation, DeepNet, Measurement, Probe, Scheme};
use crate::cli::CliError;
use crate::cli::args::Format;

/// Arguments of `chaintrace demo residual`.
#[derive(Debug, Clone, Args)]
pub struct ResidualArgs {
    /// Number of blocks L.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub depth: u32,

    /// Units per block.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Inputs in the batch.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// How the weights of both networks are drawn.
    #[arg(long, value_enum, default_value_t = Scheme::Xavier)]
    pub init: Scheme,

    /// The nonlinearity of every block.
    #[arg(long, value_enum, default_value_t = Activation::Tanh)]
    pub activation: Activation,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = ResidualChart::Layers)]
    pub chart: ResidualChart,
}

/// The charts of `demo residual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResidualChart {
    /// ‖∂L/∂h_k‖ per block, plain against residual.
    Layers,
    /// The residual network's ‖∂L/∂x‖ split by path length.
    Lengths,
}

#[derive(Debug, Serialize)]
struct ResidualReport {
    depth: usize,
    width: usize,
    batch: usize,
    seed: u64,
    init: Scheme,
    activation: Activation,
    /// h_k = f(W_k·h_(k−1) + b_k).
    plain: Measurement,
    /// h_k = h_(k−1) + f(W_k·h_(k−1) + b_k), with ‖∂L/∂x‖ split by path length.
    residual: Measurement,
    /// The residual network with every skip edge scaled by 0 in the backward pass.
    skips_cut: Measurement,
    /// C(L, n), the number of paths of length n from x to the loss, n = 0..=L.
    path_counts: Vec<f64>,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ResidualArgs, format: Format, seed: u64) -> Result<String, CliError> {
    let report = measure(args, seed);
    let chart = match args.chart {
        ResidualChart::Layers => 0,
        ResidualChart::Lengths => 1,
    };
    let claims = report.claims();
    render(
        "residual",
        format,
        &report,
        &report.document(),
        Some(chart),
        &claims,
    )
}

fn measure(args: &ResidualArgs, seed: u64) -> ResidualReport {
    let (depth, width) = (args.depth as usize, args.width as usize);
    let net = DeepNet {
        depth,
        width,
        batch: args.batch as usize,
        init: args.init.init(1.0),
        activation: args.activation,
        residual: false,
        batchnorm: false,
        seed,
    };
    let residual = DeepNet {
        residual: true,
        ..net
    };
    ResidualReport {
        depth,
        width,
        batch: net.batch,
        seed,
        init: args.init,
        activation: args.activation,
        plain: net.measure::<f64>(Probe::default()),
        residual: residual.measure::<f64>(Probe {
            path_lengths: true,
            cut_skips: false,
        }),
        skips_cut: residual.measure::<f64>(Probe {
            path_lengths: false,
            cut_skips: true,
        }),
        path_counts: binomials(depth),
    }
}

/// C(L, n) for n = 0..=L, as floats (C(500, 250) ≈ 1e149 still fits).
fn binomials(l: usize) -> Vec<f64> {
    let mut row = vec![1.0; l + 1];
    for n in 1..=l {
        row[n] = row[n - 1] * (l - n + 1) as f64 / n as f64;
    }
    row
}

/// Lengths where the running share of Σₙ ‖partₙ‖ first reaches each fraction.
fn share_reached(parts: &[(usize, f64)], fractions: &[f64]) -> Vec<usize> {
    let total: f64 = parts.iter().map(|p| p.1).sum();
    fractions
        .iter()
        .map(|f| {
            let mut sum = 0.0;
            parts
                .iter()
                .find(|p| {
                    sum += p.1;
                    sum >= f * total
                })
                .map_or(0, |p| p.0)
        })
        .collect()
}

impl ResidualReport {
    fn parts(&self) -> Vec<(usize, f64)> {
        self.residual
            .path_lengths
            .iter()
            .map(|p| (p.length, p.norm))
            .collect()
    }

    /// The length-weighted mean, each length weighted by ‖partₙ‖.
    fn mean_length(&self) -> f64 {
        let parts = self.parts();
        let total: f64 = parts.iter().map(|p| p.1).sum();
        parts.iter().map(|p| p.0 as f64 * p.1).sum::<f64>() / total
    }

    fn networks(&self) -> [(&'static str, &Measurement); 3] {
        [
            ("plain (no skips)", &self.plain),
            ("residual", &self.residual),
            ("residual forward, skips cut in backward", &self.skips_cut),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_rows() {
        assert_eq!(binomials(4), vec![1.0, 4.0, 6.0, 4.0, 1.0]);
        let row = binomials(50);
        assert_eq!(row[25], 126_410_606_437_752.0);
        assert_eq!(row.iter().sum::<f64>(), 2f64.powi(50));
    }

    #[test]
    fn shares_are_reached_in_order() {
        let parts = [(0, 1.0), (1, 2.0), (2, 1.0)];
        assert_eq!(
            share_reached(&parts, &[0.25, 0.5, 0.76, 1.0]),
            vec![0, 1, 2, 2]
        );
    }
}
