//! The report of `demo chaos`: the tables, the conclusions and the charts.

use chaintrace::report::svg::{LineChart, Series, line_chart};
use chaintrace::report::{Chart, Document, Table, fmt_num};

use super::super::deepnet::Activation;
use super::super::present::fmt3;
use super::measure::{ChaosReport, MultiplierRun};

impl ChaosReport {
    /// The run at multiplier 1, or else the one nearest to it.
    pub(super) fn reference(&self) -> &MultiplierRun {
        self.runs
            .iter()
            .min_by(|a, b| {
                (a.multiplier - 1.0)
                    .abs()
                    .total_cmp(&(b.multiplier - 1.0).abs())
            })
            .expect("at least one multiplier")
    }

    pub(super) fn document(&self) -> Document {
        let l = self.depth;
        let n = self.width;
        let crit = match self.activation {
            Activation::Relu => "√(2/n), He's choice for ReLU",
            Activation::Tanh => "1/√n, Xavier's choice for tanh",
        };
        let mut doc = Document::new(format!(
            "Sensitivity: {} seeds × {} standard deviations, a {l}-layer {} network of width {n}",
            self.seeds.len(),
            self.runs.len(),
            self.activation.name()
        ));
        doc.paragraph(
            "The article's note on chaos: a small variance in weight initialisation, multiplied \
             through 100 layers, results in massive variance in the gradient. The maths is \
             linear algebra (the chain rule), but the sensitivity resembles a chaotic system's.",
        );
        doc.paragraph(format!(
            "What ran: for each multiplier m and each seed s, a network of {l} layers h_k = \
             {f}(W_k·h_(k−1)), width {n}, W_k ~ N(0, (m·σ*)²) with the critical σ* = {crit} \
             = {sigma}, on a batch of {b} inputs x ~ N(0, 1) drawn with the same seed; L = \
             mean(h_{l}); one traced backward pass. Every multiplier reuses the same seeds, so \
             the weights differ between multipliers only by the factor m. The number reported \
             is ‖∂L/∂W₁‖, the gradient of the first layer's weights: what an optimiser's first \
             step would apply there.",
            f = self.activation.name(),
            sigma = fmt3(self.critical_std),
            b = self.batch,
        ));
        doc.heading("across seeds, per multiplier: ‖∂L/∂W₁‖");
        doc.table(self.spread_table());
        doc.heading("seed by seed: ‖∂L/∂W₁‖ at each multiplier");
        doc.table(self.seed_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn spread_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "m",
            "σ = m·σ*",
            "min",
            "median",
            "max",
            "max/min",
            "median / median at m = 1",
            &format!("m^{}", l - 1),
        ]);
        for c in 0..8 {
            t = t.right_align(c);
        }
        let reference = self.reference().median();
        for r in &self.runs {
            t.row(vec![
                fmt_num(r.multiplier),
                fmt3(r.std),
                fmt3(r.min()),
                fmt3(r.median()),
                fmt3(r.max()),
                fmt3(r.max() / r.min()),
                fmt3(r.median() / reference),
                fmt3(r.multiplier.powi(l as i32 - 1)),
            ]);
        }
        t
    }

    fn seed_table(&self) -> Table {
        let mut headers = vec!["seed".to_string()];
        headers.extend(
            self.runs
                .iter()
                .map(|r| format!("m = {}", fmt_num(r.multiplier))),
        );
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers);
        for c in 0..headers.len() {
            t = t.right_align(c);
        }
        for (i, s) in self.seeds.iter().enumerate() {
            let mut cells = vec![s.to_string()];
            cells.extend(self.runs.iter().map(|r| fmt3(r.first_layer[i])));
            t.row(cells);
        }
        t
    }

    /// For every seed and multiplier, how far ‖∂L/∂W₁‖(m) / ‖∂L/∂W₁‖(1) is from m^(L−1),
    /// as |ln(measured / m^(L−1))|; the largest.
    pub(super) fn worst_power_deviation(&self) -> f64 {
        let reference = self.reference();
        let l = self.depth as i32;
        self.runs
            .iter()
            .flat_map(|r| {
                let scale = (r.multiplier / reference.multiplier).powi(l - 1);
                r.first_layer
                    .iter()
                    .zip(&reference.first_layer)
                    .map(move |(g, g1)| (g / g1 / scale).ln().abs())
            })
            .fold(0.0, f64::max)
    }

    fn conclusions(&self) -> Vec<String> {
        let l = self.depth;
        let reference = self.reference();
        let m1 = fmt_num(reference.multiplier);
        let mut out = vec![format!(
            "Seeds alone: at m = {m1}, the {} seeds put ‖∂L/∂W₁‖ between {} and {}, a factor \
             {} apart, with nothing changed but the random draw.",
            self.seeds.len(),
            fmt3(reference.min()),
            fmt3(reference.max()),
            fmt3(reference.max() / reference.min()),
        )];
        let (lowest, highest) = (
            self.runs.first().expect("runs"),
            self.runs.last().expect("runs"),
        );
        for r in [lowest, highest] {
            if r.multiplier == reference.multiplier {
                continue;
            }
            let change = 100.0 * (r.multiplier / reference.multiplier - 1.0);
            out.push(format!(
                "A {}{}% change of σ (m = {}): the median ‖∂L/∂W₁‖ moves by a factor {} \
                 ({}^{} = {}).",
                if change > 0.0 { "+" } else { "−" },
                fmt3(change.abs()),
                fmt_num(r.multiplier),
                fmt3(r.median() / reference.median()),
                fmt_num(r.multiplier / reference.multiplier),
                l - 1,
                fmt3((r.multiplier / reference.multiplier).powi(l as i32 - 1)),
            ));
        }
        if lowest.multiplier != highest.multiplier {
            out.push(format!(
                "From m = {} to m = {}, σ changes by a factor {} and the median gradient by a \
                 factor {}; the smallest value seen is {} and the largest {}, a factor {} apart.",
                fmt_num(lowest.multiplier),
                fmt_num(highest.multiplier),
                fmt3(highest.multiplier / lowest.multiplier),
                fmt3(highest.median() / lowest.median()),
                fmt3(lowest.min().min(highest.min())),
                fmt3(lowest.max().max(highest.max())),
                fmt3(lowest.max().max(highest.max()) / lowest.min().min(highest.min())),
            ));
        }
        let worst = self.worst_power_deviation();
        let power = if reference.multiplier == 1.0 {
            format!("m^{}", l - 1)
        } else {
            format!("(m/{m1})^{}", l - 1)
        };
        out.push(match self.activation {
            Activation::Relu => format!(
                "Why the factor is m^{}: ReLU is positively homogeneous and the biases are 0, so \
                 multiplying every weight by m leaves every unit's on/off state unchanged and \
                 multiplies the gradient by m once for each of the {} layers above W₁. Measured \
                 seed by seed, ‖∂L/∂W₁‖(m)/‖∂L/∂W₁‖({m1}) matches {power} within a relative \
                 {} for all {} networks. At the article's 100 layers, 1.1^100 = {}.",
                l - 1,
                l - 1,
                fmt3(worst.exp_m1()),
                self.seeds.len() * self.runs.len(),
                fmt3(1.1f64.powi(100)),
            ),
            Activation::Tanh => format!(
                "tanh is not homogeneous, so the factor is not a power of m: seed by seed, \
                 ‖∂L/∂W₁‖(m)/‖∂L/∂W₁‖({m1}) departs from {power} by up to a factor {}. At the \
                 article's 100 layers, 1.1^100 = {}.",
                fmt3(worst.exp()),
                fmt3(1.1f64.powi(100)),
            ),
        });
        out
    }

    fn add_charts(&self, doc: &mut Document) {
        let l = self.depth;
        let along = |f: &dyn Fn(&MultiplierRun) -> f64| -> Vec<(f64, f64)> {
            self.runs.iter().map(|r| (r.multiplier, f(r))).collect()
        };
        let reference = self.reference();
        let m1 = reference.multiplier;
        let power = if m1 == 1.0 {
            format!("m^{}", l - 1)
        } else {
            format!("(m/{})^{}", fmt_num(m1), l - 1)
        };
        let predicted = Series::new(
            format!("median at m = {} × {power}", fmt_num(m1)),
            along(&|r| reference.median() * (r.multiplier / m1).powi(l as i32 - 1)),
        );
        let spread = vec![
            Series::new("max over seeds", along(&|r| r.max())),
            Series::new("median", along(&|r| r.median())),
            Series::new("min over seeds", along(&|r| r.min())),
            predicted,
        ];
        let per_seed: Vec<Series> = self
            .seeds
            .iter()
            .enumerate()
            .take(8)
            .map(|(i, s)| Series::new(format!("seed {s}"), along(&|r| r.first_layer[i])))
            .collect();
        let chart = |title: String, series: &[Series]| {
            line_chart(
                &LineChart {
                    log_y: true,
                    ..LineChart::new(
                        &title,
                        "multiplier m of the critical standard deviation",
                        "‖∂L/∂W₁‖ (log scale)",
                    )
                },
                series,
            )
        };
        let title = format!(
            "‖∂L/∂W₁‖ across {} seeds, {l}-layer {} network",
            self.seeds.len(),
            self.activation.name()
        );
        let seeds_title = format!(
            "‖∂L/∂W₁‖ for the first {} seeds, {l}-layer {} network",
            per_seed.len(),
            self.activation.name()
        );
        for (caption, svg) in [
            (
                "First layer's gradient against the multiplier, log scale",
                chart(title, &spread),
            ),
            ("The same, one line per seed", chart(seeds_title, &per_seed)),
        ] {
            doc.chart(Chart {
                title: caption.into(),
                svg: svg.expect("charts of finite size lay out"),
            });
        }
    }
}
