//! The charts of `demo residual`: ‖∂L/∂h_k‖ per block for the three networks, and the
//! residual network's ‖∂L/∂x‖ by path length beside the number of paths.

use chaintrace::report::svg::{LineChart, Series, layer_norms, line_chart};
use chaintrace::report::{Chart, Document};

use super::ResidualReport;
use crate::cli::demo::deepnet::Measurement;

impl ResidualReport {
    pub(super) fn add_charts(&self, doc: &mut Document) {
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
