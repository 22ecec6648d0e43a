//! The charts of `demo init`: the gradient norm and the activations' spread per layer, every
//! configuration on one chart each.

use chaintrace::report::Chart;
use chaintrace::report::Document;
use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart};

use super::InitReport;
use crate::cli::demo::deepnet::Measurement;

impl InitReport {
    pub(super) fn add_charts(&self, doc: &mut Document) {
        let per_layer = |value: &dyn Fn(&Measurement, usize) -> f64| -> Vec<Series> {
            self.runs
                .iter()
                .map(|r| {
                    Series::new(
                        r.label(),
                        (0..=self.depth).map(|k| (k as f64, value(&r.f64, k))),
                    )
                })
                .collect()
        };
        let grads = layer_norms(
            &format!(
                "‖∂L/∂h_k‖ per layer, {}-layer MLP of width {}",
                self.depth, self.width
            ),
            &per_layer(&|m, k| m.grad_norms[k]),
        );
        let stds = line_chart(
            &LineChart {
                log_y: true,
                ..LineChart::new(
                    &format!(
                        "std(h_k) per layer, {}-layer MLP of width {}",
                        self.depth, self.width
                    ),
                    "layer k",
                    "std of the activations (log scale)",
                )
            },
            &per_layer(&|m, k| m.act_std[k]),
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
