//! The chart and the HTML page of `demo chain`: ‖∂y/∂h_k‖ per layer for every weight, and the
//! chain at one weight traced, with its graph, steps and ledger.

use chaintrace::report::svg::{Series, layer_norms};
use chaintrace::report::{Chart, GradientLine, HtmlTrace, Ledger, LedgerRow, fmt_num};
use chaintrace::{Tape, Trace, TraceOptions};

use super::{ChainReport, layer_name};

impl ChainReport {
    fn series(&self) -> Vec<Series> {
        self.runs
            .iter()
            .map(|r| {
                Series::new(
                    format!("w = {}", fmt_num(r.weight)),
                    r.per_layer
                        .iter()
                        .enumerate()
                        .map(|(k, g)| (k as f64, g.abs())),
                )
            })
            .collect()
    }

    pub(super) fn chart(&self) -> chaintrace::Result<String> {
        layer_norms(
            &format!("‖∂y/∂h_k‖ through a {}-layer chain (h_0 = x)", self.depth),
            &self.series(),
        )
    }

    /// The page for the chain at weight `w` from its trace: its graph and steps, with the
    /// per-layer ledger of every weight and the chart.
    pub(super) fn page(&self, trace: &Trace, gradients: Vec<GradientLine>, w: f64) -> HtmlTrace {
        let mut page = HtmlTrace::from_trace(trace, "y");
        page.gradients = gradients;
        page.title = format!(
            "The exploding chain: y = w·(w·(…(w·x))), {} layers, w = {}",
            self.depth,
            fmt_num(w)
        );
        page.context = self
            .runs
            .iter()
            .map(|r| {
                format!(
                    "w = {}: ∂y/∂x = w^{} = {} ({}); {}",
                    fmt_num(r.weight),
                    self.depth,
                    fmt_num(r.gradient_f64),
                    r.trend(),
                    r.limits
                        .iter()
                        .map(|l| format!("{} {}", l.dtype, l.engine_text()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        page.ledger = Ledger {
            columns: self
                .runs
                .iter()
                .map(|r| format!("‖∂y/∂h_k‖ at w = {}", fmt_num(r.weight)))
                .collect(),
            rows: (0..=self.depth)
                .rev()
                .map(|k| LedgerRow {
                    layer: layer_name(k),
                    values: self
                        .runs
                        .iter()
                        .map(|r| Some(r.per_layer[k].abs()))
                        .collect(),
                })
                .collect(),
        };
        if let Ok(svg) = self.chart() {
            page.charts = vec![Chart {
                title: "Gradient norm per layer, log scale".into(),
                svg,
            }];
        }
        page
    }
}

/// The chain at weight `w`, traced, with the closed form of ∂y/∂x (w^L) when it is small
/// enough to build.
pub(super) fn traced_chain(depth: usize, w: f64) -> (Trace, Vec<GradientLine>) {
    let tape = Tape::<f64>::new();
    let wv = tape.var("w", w);
    let x = tape.var("x", 1.0);
    let mut h = x;
    for k in 1..=depth {
        h = tape.layer(&format!("layer{k}"), || wv * h);
    }
    let (grads, trace) = h.backward_traced(TraceOptions::default());
    let gradient = GradientLine {
        wrt: "x".to_string(),
        formula: trace
            .try_symbolic_gradient(x)
            .map(|e| e.to_string())
            .unwrap_or_default(),
        value: grads.wrt(x).and_then(|g| g.item()).unwrap_or(0.0),
    };
    (trace, vec![gradient])
}
