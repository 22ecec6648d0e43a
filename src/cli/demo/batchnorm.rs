//! `chaintrace demo batchnorm`: the same deep network, badly initialised, with and without
//! batch normalisation after every linear layer.

mod claims;
mod overflow;

use clap::{Args, ValueEnum};
use serde::Serialize;

use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart};
use chaintrace::report::{Chart, Document, Table};

use super::claims::render;
use super::deepnet::{Activation, DeepNet, EXPLODING, Measurement, Probe, Scheme, VANISHING};
use super::present::shown_layers;
use super::present::{band, fmt3};
use crate::cli::CliError;
use crate::cli::args::Format;
use overflow::Overflow;

/// Arguments of `chaintrace demo batchnorm`.
#[derive(Debug, Clone, Args)]
pub struct BatchnormArgs {
    /// Number of layers L.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub depth: u32,

    /// Units per layer.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub width: u32,

    /// Inputs in the batch (batch normalisation needs at least 2).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(2..=1024))]
    pub batch: u32,

    /// How the weights of both networks are drawn (a poorly scaled choice by default).
    #[arg(long, value_enum, default_value_t = Scheme::Naive)]
    pub init: Scheme,

    /// The nonlinearity of every layer.
    #[arg(long, value_enum, default_value_t = Activation::Relu)]
    pub activation: Activation,

    /// The chart --format svg draws.
    #[arg(long, value_enum, default_value_t = BatchnormChart::Gradients)]
    pub chart: BatchnormChart,
}

/// The charts of `demo batchnorm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchnormChart {
    /// ‖∂L/∂h_k‖ per layer.
    Gradients,
    /// The standard deviation of h_k per layer.
    Activations,
}

#[derive(Debug, Serialize)]
struct BatchnormReport {
    depth: usize,
    width: usize,
    batch: usize,
    seed: u64,
    init: Scheme,
    activation: Activation,
    /// h_k = f(W_k·h_(k−1) + b_k).
    plain: Measurement,
    /// h_k = f(BN(W_k·h_(k−1) + b_k)), batch statistics (training mode).
    batchnorm: Measurement,
    /// The normalised network with every weight multiplied by [`RESCALE`].
    rescaled: Measurement,
    /// The normalised network, far deeper, in f32: a finite forward pass, a NaN gradient.
    f32_overflow: Overflow,
}

/// How much the third network's weights are scaled up.
const RESCALE: f64 = 10.0;

/// Runs the demo and renders it in `format`.
pub fn run(args: &BatchnormArgs, format: Format, seed: u64) -> Result<String, CliError> {
    let net = DeepNet {
        depth: args.depth as usize,
        width: args.width as usize,
        batch: args.batch as usize,
        init: args.init.init(1.0),
        activation: args.activation,
        residual: false,
        batchnorm: false,
        seed,
    };
    let normalised = DeepNet {
        batchnorm: true,
        ..net
    };
    let report = BatchnormReport {
        depth: net.depth,
        width: net.width,
        batch: net.batch,
        seed,
        init: args.init,
        activation: args.activation,
        plain: net.measure::<f64>(Probe::default()),
        batchnorm: normalised.measure::<f64>(Probe::default()),
        rescaled: DeepNet {
            init: args.init.init(RESCALE),
            ..normalised
        }
        .measure::<f64>(Probe::default()),
        f32_overflow: Overflow::measure(&normalised),
    };
    let chart = match args.chart {
        BatchnormChart::Gradients => 0,
        BatchnormChart::Activations => 1,
    };
    let claims = report.claims();
    render(
        "batchnorm",
        format,
        &report,
        &report.document(),
        Some(chart),
        &claims,
    )
}

/// Min and max over k = 1..=L.
fn range(values: &[f64]) -> (f64, f64) {
    values[1..]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        })
}

impl BatchnormReport {
    fn networks(&self) -> [(&'static str, &Measurement); 2] {
        [("plain", &self.plain), ("batch norm", &self.batchnorm)]
    }

    fn rescaled_name(&self) -> String {
        format!("batch norm, weights ×{}", fmt3(RESCALE))
    }

    fn document(&self) -> Document {
        let l = self.depth;
        let f = self.activation.name();
        let mut doc = Document::new(format!(
            "Batch normalisation: a {l}-layer {f} network of width {}, with and without it",
            self.width
        ));
        doc.paragraph(
            "The article: normalising the inputs of each layer to mean 0 and variance 1 keeps \
             the weights from drifting into regions where they cause explosion.",
        );
        doc.paragraph(format!(
            "What ran: the same weights ({init}, σ = {sigma}, poorly scaled on purpose) and \
             batch of {b} inputs x = h_0 ~ N(0, 1) (seed {seed}), wired two ways: plain, h_k = \
             {f}(W_k·h_(k−1) + b_k), and normalised, h_k = {f}(BN(W_k·h_(k−1) + b_k)) with \
             BatchNorm1d in training mode (each unit centred and scaled by its batch mean and \
             biased batch variance, eps 1e-5, γ = 1, β = 0), built from primitive ops so the \
             gradient flows through the mean and the variance too. L = mean(h_{l}).",
            init = self.init.label(),
            sigma = fmt3(self.init.std(self.width, 1.0)),
            b = self.batch,
            seed = self.seed,
        ));
        doc.heading("summary");
        doc.table(self.summary_table());
        doc.heading(format!(
            "each layer, from the output (k = {l}) back to the input (k = 0): ‖∂L/∂h_k‖ and the \
             mean and std of h_k over the batch and the units"
        ));
        doc.paragraph(format!(
            "Flags from the ledger: ▲ above {} × ‖∂L/∂h_{l}‖, ▼ below {} ×.",
            fmt3(EXPLODING),
            fmt3(VANISHING)
        ));
        doc.table(self.layer_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn summary_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "network",
            &format!("‖∂L/∂x‖/‖∂L/∂h_{l}‖"),
            "gain per layer",
            "flag at x",
            "std(h_k), k ≥ 1",
            "mean(h_k), k ≥ 1",
        ])
        .right_align(1)
        .right_align(2);
        let rescaled = self.rescaled_name();
        let rows = self
            .networks()
            .into_iter()
            .chain([(rescaled.as_str(), &self.rescaled)]);
        for (name, m) in rows {
            let (slo, shi) = range(&m.act_std);
            let (mlo, mhi) = range(&m.act_mean);
            t.row(vec![
                name.to_string(),
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].short().to_string(),
                format!("{} … {}", fmt3(slo), fmt3(shi)),
                format!("{} … {}", fmt3(mlo), fmt3(mhi)),
            ]);
        }
        t
    }

    fn layer_table(&self) -> Table {
        let mut t = Table::new(&[
            "k",
            "‖∂L/∂h_k‖ plain",
            "batch norm",
            "mean h_k plain",
            "batch norm",
            "std h_k plain",
            "batch norm",
        ]);
        for c in 0..7 {
            t = t.right_align(c);
        }
        let (p, b) = (&self.plain, &self.batchnorm);
        for k in shown_layers(self.depth) {
            t.row(vec![
                k.to_string(),
                format!("{}{}", fmt3(p.grad_norms[k]), p.flags[k].mark()),
                format!("{}{}", fmt3(b.grad_norms[k]), b.flags[k].mark()),
                fmt3(p.act_mean[k]),
                fmt3(b.act_mean[k]),
                fmt3(p.act_std[k]),
                fmt3(b.act_std[k]),
            ]);
        }
        t
    }

    fn conclusions(&self) -> Vec<String> {
        let l = self.depth;
        let describe = |m: &Measurement| {
            let (lo, hi) = (
                m.grad_norms.iter().copied().fold(f64::INFINITY, f64::min),
                {
                    m.grad_norms
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max)
                },
            );
            let top = m.grad_norms[l];
            format!(
                "‖∂L/∂x‖ = {} × ‖∂L/∂h_{l}‖ (×{} per layer, {}; every layer within {})",
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].word(),
                band(lo / top, hi / top)
            )
        };
        let spread = |m: &Measurement| {
            let (lo, hi) = range(&m.act_std);
            format!("std(h_k) from {} to {}", fmt3(lo), fmt3(hi))
        };
        let (p, b) = (&self.plain, &self.batchnorm);
        let mut out = vec![
            format!(
                "Forward: plain, {}; with batch normalisation, {}.",
                spread(p),
                spread(b)
            ),
            format!(
                "Backward: plain, {}. With batch normalisation, {}.",
                describe(p),
                describe(b)
            ),
        ];
        let (pg, bg) = (p.gain_per_block(), b.gain_per_block());
        out.push(if bg > 1.0 + 1e-9 {
            let reference = match self.activation {
                // Yang et al. (2019), "A Mean Field Theory of Batch Normalization": for ReLU
                // the squared gradient norm grows by π/(π − 1) per layer at initialisation.
                Activation::Relu => format!(
                    " (for ReLU, Yang et al., 2019, derive √(π/(π − 1)) = {} per layer for wide \
                     layers and large batches)",
                    fmt3((std::f64::consts::PI / (std::f64::consts::PI - 1.0)).sqrt())
                ),
                Activation::Tanh => String::new(),
            };
            format!(
                "Batch normalisation brings the gain per layer from ×{} to ×{}, but not to 1: \
                 at initialisation a deep batch-normalised network without skip connections \
                 still multiplies the gradient by more than 1 per layer{reference}, \
                 which compounds to {} over {l} layers.",
                fmt3(pg),
                fmt3(bg),
                fmt3(b.total_gain())
            )
        } else {
            format!(
                "Batch normalisation brings the gain per layer from ×{} to ×{}.",
                fmt3(pg),
                fmt3(bg)
            )
        });
        let r = &self.rescaled;
        let change = (r.grad_norms[0] / b.grad_norms[0] - 1.0).abs();
        let verdict = if change < 0.05 {
            "batch normalisation takes the weights' scale out of the forward and the backward \
             pass (only eps = 1e-5 beside the variance still sees it)"
        } else {
            "at this size the weights' scale still matters (more than 5% apart)"
        };
        out.push(format!(
            "With every weight ×{}, the normalised network's ‖∂L/∂x‖ is {} against {} ({}% \
             apart), and {}: {verdict}.",
            fmt3(RESCALE),
            fmt3(r.grad_norms[0]),
            fmt3(b.grad_norms[0]),
            fmt3(100.0 * change),
            spread(r)
        ));
        out
    }

    fn add_charts(&self, doc: &mut Document) {
        let series = |value: &dyn Fn(&Measurement) -> &Vec<f64>| -> Vec<Series> {
            self.networks()
                .iter()
                .map(|(name, m)| {
                    Series::new(
                        *name,
                        value(m).iter().enumerate().map(|(k, v)| (k as f64, *v)),
                    )
                })
                .collect()
        };
        let title = |what: &str| {
            format!(
                "{what} per layer, {}-layer {} network, {} weights",
                self.depth,
                self.activation.name(),
                self.init.label()
            )
        };
        let grads = layer_norms(&title("‖∂L/∂h_k‖"), &series(&|m| &m.grad_norms));
        let stds = line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &title("std(h_k)"),
                    "layer k",
                    "std of the activations (log scale)",
                )
            },
            &series(&|m| &m.act_std),
        );
        for (title, svg) in [
            ("Gradient norm per layer, log scale", grads),
            ("Activation spread per layer, log scale", stds),
        ] {
            doc.chart(Chart {
                title: title.into(),
                svg: svg.expect("charts of finite size lay out"),
            });
        }
    }
}
