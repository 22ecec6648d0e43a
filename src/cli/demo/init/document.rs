//! The report of `demo init` for people: the claim, the setup, and its tables (the summary,
//! one per-layer table per activation and quantity, and f32 against f64).

use chaintrace::report::{Document, Table, fmt_num};

use super::{InitReport, InitRun, scheme_scale};
use crate::cli::demo::deepnet::{Activation, Measurement, Scheme};
use crate::cli::demo::present::{band, fmt3, shown_layers};

impl InitReport {
    pub(super) fn document(&self) -> Document {
        let (l, n, b) = (self.depth, self.width, self.batch);
        let mut doc = Document::new(format!(
            "Initialisation: a {l}-layer MLP of width {n}, five ways to draw its weights, with \
             tanh and with ReLU"
        ));
        doc.paragraph(
            "The article: the gradient at the first layer is roughly the product of the weights \
             of all the layers above it. Initialisers that scale the weights by the size of the \
             previous layer (Xavier/Glorot for tanh and sigmoid, He for ReLU) keep the variance \
             of the activations the same throughout the network, and with it the gradients.",
        );
        doc.paragraph(format!(
            "What ran: {l} layers h_k = f(W_k·h_(k−1) + b_k), b_k = 0, width {n}, on one batch of \
             {b} inputs h_0 = x ~ N(0, 1) (seed {seed}), f = tanh or ReLU. Loss L = mean(h_{l}), \
             so ∂L/∂h_{l} = 1/({b}·{n}) in every entry and ‖∂L/∂h_{l}‖ = {top}: every change of \
             the norm below it is made by the layers. One traced backward pass per network, in \
             f64 (f32 at the end); ‖∂L/∂h_k‖ is read from the tracer's per-layer ledger. W_k is \
             drawn as follows (n = {n}): {rules}.",
            seed = self.seed,
            top = fmt3(self.runs[0].f64.grad_norms[l]),
            rules = Scheme::ALL
                .iter()
                .map(|s| rule(*s, n, scheme_scale(*s, self.xavier_gain)))
                .collect::<Vec<_>>()
                .join("; "),
        ));
        doc.paragraph(format!(
            "Why: on the way back layer k maps g to W_kᵀ·(f′(z_k) ⊙ g), which multiplies ‖g‖ by \
             about σ·√(n·E[f′(z_k)²]). For ReLU E[f′²] = 1/2, so He's σ = √(2/n) gives 1; for \
             tanh E[f′²] ≤ 1, so Xavier's σ = 1/√n gives at most 1, and less as units saturate. \
             The column 'predicted' is that factor with E[f′(z_k)²] measured on the forward \
             pass, as a geometric mean over the {l} layers."
        ));
        doc.heading(format!(
            "summary: ‖∂L/∂h_0‖ / ‖∂L/∂h_{l}‖ is the product of the {l} layers' gains"
        ));
        doc.table(self.summary_table());
        doc.heading(format!(
            "Glorot & Bengio's two variances, layer 1 against layer {l}, beside mean field"
        ));
        doc.paragraph(format!(
            "Glorot & Bengio (2010) and He et al. (2015) ask the variance of the \
             back-propagated gradient (and He et al. of the activations) to stay the same from \
             layer to layer. Measured: Var(h_{l})/Var(h_1) and the gradient's mean square \
             ‖∂L/∂h_0‖²/‖∂L/∂h_{l}‖² (the entries' count is the same at every layer). Mean \
             field, for infinitely wide layers with v = n·σ²: q_1 = v, q_(k+1) = \
             v·E[f(√q_k·z)²]; each layer multiplies the gradient's mean square by \
             v·E[f′(√q_k·z)²]; for ReLU E[f′²] = 1/2, so He's v = 2 keeps both."
        ));
        doc.table(self.variance_table());
        for activation in [Activation::Tanh, Activation::Relu] {
            doc.heading(format!(
                "‖∂L/∂h_k‖ at each layer of the {} networks, from the output (k = {l}) back to \
                 the input (k = 0)",
                activation.name(),
            ));
            doc.paragraph(format!(
                "The ledger's flags: ▲ exploding, above {} × ‖∂L/∂h_{l}‖; ▼ vanishing, below {} \
                 × ‖∂L/∂h_{l}‖.",
                fmt_num(self.exploding),
                fmt_num(self.vanishing)
            ));
            doc.table(self.layer_table(activation, |m, k| {
                format!("{}{}", fmt3(m.grad_norms[k]), m.flags[k].mark())
            }));
        }
        for activation in [Activation::Tanh, Activation::Relu] {
            doc.heading(format!(
                "std(h_k), the spread of the activations at each layer of the {} networks",
                activation.name()
            ));
            doc.table(self.layer_table(activation, |m, k| fmt3(m.act_std[k])));
        }
        doc.heading("the same networks in f32");
        doc.paragraph(
            "The same weights and inputs, rounded to f32, run in f32 (largest number 3.4e38, \
             smallest 1.4e-45).",
        );
        doc.table(self.f32_table());
        doc.section("what the numbers show", self.conclusions());
        self.add_charts(&mut doc);
        doc
    }

    fn summary_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "configuration",
            "σ",
            &format!("‖∂L/∂h_0‖/‖∂L/∂h_{l}‖"),
            "gain per layer",
            "predicted",
            "all layers within",
            "verdict",
        ]);
        for c in 1..5 {
            t = t.right_align(c);
        }
        for r in &self.runs {
            let (lo, hi) = r.grad_band();
            t.row(vec![
                r.label(),
                fmt3(r.weight_std),
                fmt3(r.f64.total_gain()),
                fmt3(r.f64.gain_per_block()),
                fmt3(r.predicted_gain(self.width)),
                band(lo, hi),
                r.verdict().to_string(),
            ]);
        }
        t
    }

    fn variance_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "configuration",
            "n·σ²",
            &format!("Var(h_{l})/Var(h_1)"),
            "mean field",
            &format!("‖∂L/∂h_0‖²/‖∂L/∂h_{l}‖²"),
            "mean field",
        ]);
        for c in 1..6 {
            t = t.right_align(c);
        }
        for r in &self.runs {
            let p = self.prediction(r);
            let s = &r.f64.act_std;
            t.row(vec![
                r.label(),
                fmt3(self.width as f64 * r.weight_std.powi(2)),
                if s[1] > 0.0 {
                    fmt3((s[l] / s[1]).powi(2))
                } else {
                    "—".to_string()
                },
                fmt3((p.act_std[l - 1] / p.act_std[0]).powi(2)),
                fmt3(r.f64.total_gain().powi(2)),
                fmt3(p.grad_ratio.powi(2)),
            ]);
        }
        t
    }

    fn layer_table(
        &self,
        activation: Activation,
        cell: impl Fn(&Measurement, usize) -> String,
    ) -> Table {
        let runs: Vec<&InitRun> = self
            .runs
            .iter()
            .filter(|r| r.activation == activation)
            .collect();
        let mut headers = vec!["k".to_string()];
        headers.extend(runs.iter().map(|r| r.init.label().to_string()));
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers).right_align(0);
        for c in 1..headers.len() {
            t = t.right_align(c);
        }
        for k in shown_layers(self.depth) {
            let mut cells = vec![k.to_string()];
            cells.extend(runs.iter().map(|r| cell(&r.f64, k)));
            t.row(cells);
        }
        t
    }

    fn f32_table(&self) -> Table {
        let l = self.depth;
        let mut t = Table::new(&[
            "configuration",
            &format!("‖h_{l}(f32) − h_{l}(f64)‖/‖h_{l}(f64)‖"),
            "f32 against f64",
        ])
        .right_align(1);
        for r in &self.runs {
            t.row(vec![
                r.label(),
                fmt3(r.forward_divergence()),
                r.f32_outcome(),
            ]);
        }
        t
    }
}

/// `Xavier: σ = √(2/(fan_in + fan_out)) = 0.125`.
fn rule(scheme: Scheme, width: usize, scale: f64) -> String {
    let value = fmt3(scheme.std(width, scale));
    match scheme {
        Scheme::Naive | Scheme::Small => format!("{}: {}", scheme.label(), scheme.rule()),
        Scheme::Xavier if scale != 1.0 => {
            format!(
                "Xavier: σ = {}·√(2/(fan_in + fan_out)) = {value}",
                fmt_num(scale)
            )
        }
        _ => format!("{}: {} = {value}", scheme.label(), scheme.rule()),
    }
}
