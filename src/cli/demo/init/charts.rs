//! The charts of `demo init`: the gradient norm and the activations' spread per layer. Each
//! chart is two panels, tanh above and ReLU below, so a panel holds one line per initialiser
//! (five distinct colours) instead of ten lines in eight repeating ones.

use chaintrace::report::Chart;
use chaintrace::report::Document;
use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart, stack};

use super::InitReport;
use crate::cli::demo::deepnet::{Activation, Measurement};

/// What one chart plots per layer.
type PerLayer = dyn Fn(&Measurement, usize) -> f64;

impl InitReport {
    /// One line per initialiser of the runs with `activation`.
    fn per_layer(&self, activation: Activation, value: &PerLayer) -> Vec<Series> {
        self.runs
            .iter()
            .filter(|r| r.activation == activation)
            .map(|r| {
                Series::new(
                    r.init.label(),
                    (0..=self.depth).map(|k| (k as f64, value(&r.f64, k))),
                )
            })
            .collect()
    }

    fn gradient_panel(&self, activation: Activation) -> chaintrace::Result<String> {
        layer_norms(
            &format!(
                "{}: ‖∂L/∂h_k‖ per layer, {}-layer MLP of width {}",
                activation.name(),
                self.depth,
                self.width
            ),
            &self.per_layer(activation, &|m, k| m.grad_norms[k]),
        )
    }

    fn spread_panel(&self, activation: Activation) -> chaintrace::Result<String> {
        line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &format!(
                        "{}: std(h_k) per layer, {}-layer MLP of width {}",
                        activation.name(),
                        self.depth,
                        self.width
                    ),
                    "layer k",
                    "std of the activations (log scale)",
                )
            },
            &self.per_layer(activation, &|m, k| m.act_std[k]),
        )
    }

    pub(super) fn add_charts(&self, doc: &mut Document) {
        type Panel = fn(&InitReport, Activation) -> chaintrace::Result<String>;
        let charts: [(&str, Panel); 2] = [
            (
                "Gradient norm per layer, log scale (tanh above, ReLU below)",
                Self::gradient_panel,
            ),
            (
                "Activation spread per layer, log scale (tanh above, ReLU below)",
                Self::spread_panel,
            ),
        ];
        for (title, panel) in charts {
            let panels = [Activation::Tanh, Activation::Relu]
                .map(|a| panel(self, a).expect("charts of finite size lay out"));
            doc.chart(Chart {
                title: title.into(),
                svg: stack(&[&panels[0], &panels[1]]),
            });
        }
    }
}
