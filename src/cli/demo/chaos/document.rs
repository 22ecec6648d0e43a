//! The report of `demo chaos`: the tables, the conclusions and the charts.

use chaintrace::report::svg::{LineChart, Series, Threshold, line_chart};
use chaintrace::report::{Chart, Document, Table, fmt_num};

use super::claim::{DECORRELATED, TOLERANCE};
use super::mean_field::{chi1, q_star};
use super::measure::{ChaosReport, LINEAR_HIGH, LINEAR_LOW};
use crate::cli::demo::present::{fmt3, shown_layers};

impl ChaosReport {
    pub(super) fn document(&self) -> Document {
        let (l, n) = (self.depth, self.width);
        let mut doc = Document::new(format!(
            "Order and chaos: {l}-layer tanh networks of width {n}, σ_b = {}, {} σ_w × {} seeds",
            fmt_num(self.sigma_b),
            self.runs.len(),
            self.seeds.len(),
        ));
        doc.paragraph(
            "The article's note on chaos: a small variance in weight initialisation, multiplied \
             through 100 layers, results in massive variance in the gradient; small changes in \
             initial conditions lead to vast differences in outcomes. Poole et al. (2016) and \
             Schoenholz et al. (2017) settle when a deep tanh network is chaotic.",
        );
        doc.paragraph(format!(
            "What ran: for each σ_w and each seed, a network z_k = W_k·h_(k−1) + b_k, h_k = \
             tanh(z_k), k = 1…{l}, width {n}, W_k ~ N(0, σ_w²/{n}), b_k ~ N(0, {}²), on {p} \
             pairs of inputs: x = tanh(√q*·g), g ~ N(0, 1), a layer's output at the fixed point \
             q*, and its twin x′ = x + {}·u/‖u‖, u ~ N(0, 1). L = mean(h_{l}) over all {} rows; \
             one backward pass through the engine. Every σ_w reuses the same seeds' draws, \
             scaled.",
            fmt_num(self.sigma_b),
            fmt3(self.separation),
            2 * self.pairs,
            p = self.pairs,
        ));
        doc.paragraph(format!(
            "The theory (mean field, wide layers): the pre-activations' variance settles at the \
             fixed point q* = σ_w²·E[tanh(√q*·z)²] + σ_b², z ~ N(0, 1). One number, χ₁ = \
             σ_w²·E[tanh′(√q*·z)²], then decides both directions: on the way back each layer \
             multiplies the gradient's squared norm by χ₁, and on the way forward it multiplies \
             the squared distance between two nearby inputs by χ₁. So both the gradient's gain \
             and the separation's growth per layer are predicted to be √χ₁. χ₁ < 1: ordered \
             (nearby inputs merge, gradients vanish); χ₁ > 1: chaotic (nearby inputs separate \
             until they are decorrelated, gradients explode). At σ_b = {}, χ₁ = 1 at σ_w = {}: \
             the edge of chaos. The expectations are integrals by the trapezoid rule.",
            fmt_num(self.sigma_b),
            critical(self.critical_sigma_w),
        ));
        doc.heading(format!(
            "the gradient: gain per layer (‖∂L/∂x‖/‖∂L/∂h_{l}‖)^(1/{l}) against √χ₁"
        ));
        doc.table(self.gain_table());
        doc.heading(format!(
            "two inputs {} apart: their pre-activations' distance",
            fmt3(self.separation)
        ));
        doc.paragraph(format!(
            "Growth per layer: (d_K/d_1)^(1/(K−1)), d_k = ‖z_k − z′_k‖, over the first layers \
             while d_k/‖z_k‖ is between {} (above f64's rounding) and {} (before saturation); \
             the median over seeds.",
            fmt3(LINEAR_LOW),
            fmt3(LINEAR_HIGH)
        ));
        doc.table(self.separation_table());
        doc.heading("‖z_k − z′_k‖ at each layer (root mean square over pairs and seeds)");
        doc.table(self.distance_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn gain_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "σ_w",
            "q*",
            "χ₁",
            "phase",
            "√χ₁",
            "measured",
            "seeds",
            &format!("‖∂L/∂x‖/‖∂L/∂h_{l}‖"),
            &format!("χ₁^({l}/2)"),
        ]);
        for c in [0, 1, 2, 4, 5, 7, 8] {
            t = t.right_align(c);
        }
        for r in &self.runs {
            let (lo, hi) = r.gain_range();
            t.row(vec![
                fmt_num(r.sigma_w),
                fmt3(r.q_star),
                fmt3(r.chi1),
                phase(r.chi1).into(),
                fmt3(r.predicted()),
                fmt3(r.gain()),
                format!("{} … {}", fmt3(lo), fmt3(hi)),
                fmt3(r.gain().powi(l as i32)),
                fmt3(r.chi1.powf(l as f64 / 2.0)),
            ]);
        }
        t
    }

    fn separation_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "σ_w",
            "χ₁",
            "√χ₁",
            "growth per layer",
            &format!("‖z_{l} − z′_{l}‖"),
            &format!("1 − cos(z_{l}, z′_{l})"),
        ]);
        for c in 0..6 {
            t = t.right_align(c);
        }
        for r in &self.runs {
            t.row(vec![
                fmt_num(r.sigma_w),
                fmt3(r.chi1),
                fmt3(r.predicted()),
                fmt3(r.growth()),
                fmt3(r.distance[l]),
                fmt3(r.decorrelation),
            ]);
        }
        t
    }

    fn distance_table(&self) -> Table {
        let mut headers = vec!["k".to_string()];
        headers.extend(
            self.runs
                .iter()
                .map(|r| format!("σ_w = {}", fmt_num(r.sigma_w))),
        );
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers);
        for c in 0..headers.len() {
            t = t.right_align(c);
        }
        for k in shown_layers(self.depth).into_iter().rev() {
            let mut cells = vec![k.to_string()];
            cells.extend(self.runs.iter().map(|r| fmt3(r.distance[k])));
            t.row(cells);
        }
        t
    }

    fn conclusions(&self) -> Vec<String> {
        let l = self.depth;
        let c = self.checks();
        let (worst, off) = c.worst_gain;
        let mut out = vec![format!(
            "The gradient against the theory: at every σ_w the measured gain per layer is within \
             {}% of √χ₁ (worst: σ_w = {}, ×{} against {}; a match means within {}%), and the \
             seeds differ from their mean by at most {}% per layer.",
            fmt3(100.0 * off),
            fmt_num(worst.sigma_w),
            fmt3(worst.gain()),
            fmt3(worst.predicted()),
            fmt3(100.0 * TOLERANCE),
            fmt3(100.0 * self.seed_spread()),
        )];
        if let (Some(o), Some(h)) = (c.ordered.last(), c.chaotic.first()) {
            out.push(format!(
                "The article's massive variance: σ_w = {} and {} lie either side of the edge ({}) \
                 and differ by {}%, yet over {l} layers the gradient is multiplied by {} at the \
                 one and {} at the other (χ₁^({l}/2) = {} and {}). {}",
                fmt_num(o.sigma_w),
                fmt_num(h.sigma_w),
                critical(self.critical_sigma_w),
                fmt3(100.0 * (h.sigma_w / o.sigma_w - 1.0)),
                fmt3(o.gain().powi(l as i32)),
                fmt3(h.gain().powi(l as i32)),
                fmt3(o.chi1.powf(l as f64 / 2.0)),
                fmt3(h.chi1.powf(l as f64 / 2.0)),
                if c.gains_follow {
                    format!(
                        "The sensitivity to σ_w is real and exponential in depth, but it is a \
                         smooth law, (√χ₁)^{l}, and every seed follows it (within {}% per layer, \
                         a factor {} over {l} layers): predictable, not chaotic.",
                        fmt3(100.0 * self.seed_spread()),
                        fmt3((1.0 + self.seed_spread()).powi(l as i32)),
                    )
                } else {
                    "At this width the measured gains depart from the mean-field law, which \
                     holds for wide layers."
                        .to_string()
                },
            ));
        }
        for r in c.chaotic.iter().chain(&c.ordered) {
            let (verb, end) = if r.separated() {
                (
                    "separate",
                    format!(
                        "they end {} apart, 1 − cos = {}{}",
                        fmt3(r.distance[l]),
                        fmt3(r.decorrelation),
                        if r.decorrelation >= DECORRELATED {
                            ": decorrelated, the input's 1e-6 forgotten"
                        } else {
                            ""
                        }
                    ),
                )
            } else {
                (
                    "merge",
                    if r.distance[l] <= 1e-14 * r.size {
                        format!(
                            "they end {} apart, f64's rounding of numbers of size {}: merged",
                            fmt3(r.distance[l]),
                            fmt3(r.size)
                        )
                    } else {
                        format!("they end {} apart", fmt3(r.distance[l]))
                    },
                )
            };
            out.push(format!(
                "σ_w = {} ({}, χ₁ = {}): two inputs {} apart {verb}, ×{} per layer against √χ₁ \
                 = {}; {end}.",
                fmt_num(r.sigma_w),
                phase(r.chi1),
                fmt3(r.chi1),
                fmt3(self.separation),
                fmt3(r.growth()),
                fmt3(r.predicted()),
            ));
        }
        out.push(
            "Chaos in the sense of Poole et al. is this sensitivity to the input: above the \
             edge, a difference of 1e-6 grows exponentially with depth until the two inputs \
             are as unrelated as any two; below it, all inputs flow together. The same χ₁ makes \
             the gradient explode or vanish, and at the edge (χ₁ = 1) neither happens: \
             Schoenholz et al.'s depth scale −1/ln χ₁ diverges there."
                .to_string(),
        );
        out
    }

    fn add_charts(&self, doc: &mut Document) {
        let l = self.depth;
        let (lo, hi) = (
            self.runs.first().expect("runs").sigma_w,
            self.runs.last().expect("runs").sigma_w,
        );
        let theory = Series::new(
            "√χ₁, mean field",
            (0..=40).map(|i| {
                let w = lo + (hi - lo) * f64::from(i) / 40.0;
                (w, chi1(w, q_star(w, self.sigma_b)).sqrt())
            }),
        );
        let measured = Series::new(
            format!("measured, mean of {} seeds", self.seeds.len()),
            self.runs.iter().map(|r| (r.sigma_w, r.gain())),
        );
        let gain = line_chart(
            &LineChart {
                threshold: Some(Threshold {
                    label: format!(
                        "gain 1: χ₁ = 1 at σ_w = {}",
                        critical(self.critical_sigma_w)
                    ),
                    value: 1.0,
                }),
                ..LineChart::new(
                    &format!(
                        "Gradient gain per layer, {l}-layer tanh network, σ_b = {}",
                        fmt_num(self.sigma_b)
                    ),
                    "σ_w",
                    "(‖∂L/∂x‖/‖∂L/∂h_L‖)^(1/L)",
                )
            },
            &[measured, theory],
        );
        let lines: Vec<Series> = self
            .runs
            .iter()
            .map(|r| {
                Series::new(
                    format!("σ_w = {} ({})", fmt_num(r.sigma_w), phase(r.chi1)),
                    r.distance.iter().enumerate().map(|(k, d)| (k as f64, *d)),
                )
            })
            .collect();
        let separation = line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &format!(
                        "Two inputs {} apart, {l}-layer tanh network",
                        fmt3(self.separation)
                    ),
                    "layer k",
                    "‖z_k − z′_k‖ (log scale)",
                )
            },
            &lines,
        );
        for (caption, svg) in [
            ("The gradient's gain per layer against σ_w, with √χ₁", gain),
            (
                "The distance between two nearby inputs, layer by layer, log scale",
                separation,
            ),
        ] {
            doc.chart(Chart {
                title: caption.into(),
                svg: svg.expect("charts of finite size lay out"),
            });
        }
    }
}

/// The critical σ_w to four decimals: the table's σ_w are round, and 1.4 would hide that it
/// lies between two of them.
pub(super) fn critical(sigma_w: f64) -> String {
    format!("{sigma_w:.4}")
}

/// `ordered`, `chaotic` or `critical` (χ₁ within 1% of 1).
fn phase(chi1: f64) -> &'static str {
    if (chi1 - 1.0).abs() <= 0.01 {
        "critical"
    } else if chi1 < 1.0 {
        "ordered"
    } else {
        "chaotic"
    }
}
