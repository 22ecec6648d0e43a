//! `chaintrace demo residual`: a deep plain network against the same blocks with skip
//! connections, and the residual network's input gradient split by path length.

use clap::{Args, ValueEnum};
use serde::Serialize;

use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart};
use chaintrace::report::{Chart, Document, Table, fmt_num};

use super::deepnet::{Activation, DeepNet, Measurement, Probe, Scheme};
use super::init::shown_layers;
use super::present::{fmt3, render};
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
    render("residual", format, &report, &report.document(), chart)
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

    fn document(&self) -> Document {
        let l = self.depth;
        let f = self.activation.name();
        let mut doc = Document::new(format!(
            "Residual connections: {l} blocks of width {}, with and without skips",
            self.width
        ));
        doc.paragraph(
            "The article: ResNets use skip connections that let gradients flow through the \
             network without being multiplied at every layer.",
        );
        doc.paragraph(format!(
            "What ran: the same {l} blocks, weights ({init}, σ = {sigma}) and batch of {b} \
             inputs x = h_0 ~ N(0, 1) (seed {seed}), wired two ways: plain, h_k = {f}(W_k·h_(k−1) \
             + b_k), and residual, h_k = h_(k−1) + {f}(W_k·h_(k−1) + b_k), each block recorded \
             with tape.residual so its skip edge is marked. L = mean(h_{l}). A third backward \
             pass runs the residual network with every skip edge cut by an edge hook, \
             hook_edge(h_k, 0, Scale(0)): the forward pass is unchanged, only the path through \
             all {l} blocks is left for the gradient.",
            init = self.init.label(),
            sigma = fmt3(self.init.std(self.width, 1.0)),
            b = self.batch,
            seed = self.seed,
        ));
        doc.paragraph(format!(
            "Why: the Jacobian of a residual block is I + ∂f/∂h, so ∂L/∂x expands into a sum over \
             the 2^{l} ways of taking, at each block, either the skip (factor I) or the branch \
             (factor ∂f/∂h): C({l}, n) paths cross n branches. The tracer carries one gradient per \
             path length through the sweep (trace.path_lengths()), so the split below is \
             measured, not modelled."
        ));
        doc.heading("summary");
        doc.table(self.summary_table());
        doc.heading(format!(
            "‖∂L/∂h_k‖ at each block, from the output (k = {l}) back to the input (k = 0)"
        ));
        doc.table(self.layer_table());
        doc.heading(
            "the residual network's ‖∂L/∂x‖ split by path length n (the number of branches a path \
             goes through)",
        );
        doc.paragraph(
            "‖part_n‖ is the norm of the summed contribution of all paths of length n; the parts \
             add up (as vectors) to ∂L/∂x. share is ‖part_n‖ / Σ ‖part_m‖.",
        );
        doc.table(self.length_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn summary_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "network",
            "‖∂L/∂x‖",
            &format!("‖∂L/∂x‖/‖∂L/∂h_{l}‖"),
            "gain per block",
            "flag at x",
        ])
        .right_align(1)
        .right_align(2)
        .right_align(3);
        for (name, m) in self.networks() {
            t.row(vec![
                name.to_string(),
                fmt3(m.grad_norms[0]),
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].short().to_string(),
            ]);
        }
        t
    }

    fn networks(&self) -> [(&'static str, &Measurement); 3] {
        [
            ("plain", &self.plain),
            ("residual", &self.residual),
            ("residual, skips cut", &self.skips_cut),
        ]
    }

    fn layer_table(&self) -> Table {
        let mut t = Table::new(&["k", "plain", "residual", "residual, skips cut"]);
        for c in 0..4 {
            t = t.right_align(c);
        }
        for k in shown_layers(self.depth) {
            let mut cells = vec![k.to_string()];
            for (_, m) in self.networks() {
                cells.push(format!("{}{}", fmt3(m.grad_norms[k]), m.flags[k].mark()));
            }
            t.row(cells);
        }
        t
    }

    fn length_table(&self) -> Table {
        let parts = self.parts();
        let total: f64 = parts.iter().map(|p| p.1).sum();
        let mut t = Table::new(&["n", "paths C(L, n)", "‖part_n‖", "share", "share up to n"]);
        for c in 0..5 {
            t = t.right_align(c);
        }
        let mut running = 0.0;
        let shown = shown_layers(self.depth);
        for &(n, norm) in &parts {
            running += norm;
            if shown.contains(&n) {
                t.row(vec![
                    n.to_string(),
                    fmt3(self.path_counts[n]),
                    fmt3(norm),
                    percent(norm / total),
                    percent(running / total),
                ]);
            }
        }
        t
    }

    fn conclusions(&self) -> Vec<String> {
        let l = self.depth;
        let parts = self.parts();
        let reached = share_reached(&parts, &[0.5, 0.9]);
        let (peak_n, peak) = parts
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("parts");
        let describe = |m: &Measurement| {
            format!(
                "{} × ‖∂L/∂h_{l}‖ (×{} per block, {})",
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].word()
            )
        };
        let zero = parts.first().map_or(f64::NAN, |p| p.1);
        let longest = parts.last().map_or(f64::NAN, |p| p.1);
        vec![
            format!(
                "At the input: plain, ‖∂L/∂x‖ = {}; residual, the same blocks and weights, {}.",
                describe(&self.plain),
                describe(&self.residual)
            ),
            format!(
                "Cut every skip and ‖∂L/∂x‖ becomes {}: what is left is the one path through \
                 all {l} branches, multiplied at every block. Its norm, {}, {} the length-{l} \
                 part of the split, {}. With the skips, ‖∂L/∂x‖ is {} times larger.",
                describe(&self.skips_cut),
                fmt_num(self.skips_cut.grad_norms[0]),
                agreement(self.skips_cut.grad_norms[0], longest),
                fmt_num(longest),
                fmt3(self.residual.grad_norms[0] / self.skips_cut.grad_norms[0]),
            ),
            format!(
                "Path lengths: most paths cross about half the branches (C({l}, n) peaks at \
                 n = {}), {}. The largest part is n = {peak_n} ({}); half of Σ‖part_n‖ arrives \
                 through paths of length ≤ {}, 90% through length ≤ {}; the norm-weighted mean \
                 length is {} of {l}.",
                l / 2,
                if 2 * reached[0] < l {
                    "but most of the gradient comes through shorter ones"
                } else {
                    "and so does most of the gradient"
                },
                fmt3(peak),
                reached[0],
                reached[1],
                fmt3(self.mean_length()),
            ),
            format!(
                "The path along every skip (n = 0) carries ‖part_0‖ = {}, which {} \
                 ‖∂L/∂h_{l}‖ = {}: it reaches the input without being multiplied by any weight.",
                fmt_num(zero),
                agreement(zero, self.residual.grad_norms[l]),
                fmt_num(self.residual.grad_norms[l])
            ),
        ]
    }

    fn add_charts(&self, doc: &mut Document) {
        let per_block = |m: &Measurement, name: &str| {
            Series::new(
                name,
                m.grad_norms.iter().enumerate().map(|(k, g)| (k as f64, *g)),
            )
        };
        let series: Vec<Series> = self
            .networks()
            .iter()
            .map(|(name, m)| per_block(m, name))
            .collect();
        let layers = layer_norms(
            &format!(
                "‖∂L/∂h_k‖ per block, {} blocks, plain and residual",
                self.depth
            ),
            &series,
        );
        let lengths = line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &format!(
                        "‖∂L/∂x‖ by path length, residual network of {} blocks",
                        self.depth
                    ),
                    "path length n (branches crossed)",
                    "‖part_n‖, and a count of paths (log scale)",
                )
            },
            &[
                Series::new(
                    "‖part_n‖",
                    self.parts().into_iter().map(|(n, v)| (n as f64, v)),
                ),
                Series::new(
                    format!("number of paths C({}, n)", self.depth),
                    self.path_counts
                        .iter()
                        .enumerate()
                        .map(|(n, c)| (n as f64, *c)),
                ),
            ],
        );
        for (title, svg) in [
            ("Gradient norm per block, log scale", layers),
            ("Input gradient by path length, log scale", lengths),
        ] {
            doc.chart(Chart {
                title: title.into(),
                svg: svg.expect("charts of finite size lay out"),
            });
        }
    }
}

/// "equals" when two computations of one number agree to rounding, else "differs from".
fn agreement(a: f64, b: f64) -> &'static str {
    if (a - b).abs() <= 1e-9 * b.abs() {
        "equals"
    } else {
        "differs from"
    }
}

fn percent(x: f64) -> String {
    format!("{}%", fmt3(100.0 * x))
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
