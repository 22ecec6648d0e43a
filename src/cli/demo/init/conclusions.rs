//! What the numbers of `demo init` show, in sentences computed from them: how each
//! initialiser fared with each activation, against the article's pairing.

use super::reading::relative;
use super::{InitReport, InitRun};
use crate::cli::demo::deepnet::{Activation, Scheme};
use crate::cli::demo::present::{band, fmt3};

impl InitReport {
    /// Sentences computed from the numbers.
    pub(super) fn conclusions(&self) -> Vec<String> {
        let mut out: Vec<String> = [Activation::Tanh, Activation::Relu]
            .into_iter()
            .map(|a| self.activation_conclusion(a))
            .collect();
        let comparable: Vec<(String, f64)> = self
            .runs
            .iter()
            .map(|r| {
                let off = (r.f64.gain_per_block() / r.predicted_gain(self.width))
                    .ln()
                    .abs();
                (r.label(), off)
            })
            .filter(|(_, off)| off.is_finite())
            .collect();
        if let Some(worst) = comparable.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            let of = if comparable.len() == self.runs.len() {
                format!("all {} networks", self.runs.len())
            } else {
                format!(
                    "the {} networks where both are finite and non-zero",
                    comparable.len()
                )
            };
            out.push(format!(
                "Measured gain per layer against σ·√(n·E[f′²]): they agree within a factor {} \
                 for {of} (worst: {}). The gradient at the input is the product of the layers' \
                 factors, and each factor is set by the weights' scale.",
                fmt3(worst.1.exp()),
                worst.0
            ));
        }
        out.push(self.glorot_conclusion());
        let naive_relu = self.run(Scheme::Naive, Activation::Relu);
        out.push(format!(
            "N(0,1) with ReLU: ×{} per layer against √(n/2) = {}; over {} layers that is {}, and \
             the activations grow alike (std(h_{}) = {}).",
            fmt3(naive_relu.f64.gain_per_block()),
            fmt3((self.width as f64 / 2.0).sqrt()),
            self.depth,
            fmt3(naive_relu.f64.total_gain()),
            self.depth,
            fmt3(naive_relu.f64.act_std[self.depth])
        ));
        let broken: Vec<String> = self
            .runs
            .iter()
            .filter(|r| !r.f32_intact())
            .map(InitRun::label)
            .collect();
        let diverged: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.f32_intact() && r.forward_divergence() > 0.01)
            .map(|r| format!("{} ({})", r.label(), relative(r.forward_divergence())))
            .collect();
        if !diverged.is_empty() {
            out.push(format!(
                "f32 and f64 start from the same weights (rounded to f32), yet h_{} differs by \
                 {}: f32's rounding errors, about 1e-7, grow from layer to layer until the two \
                 networks compute different activations: N(0, 1) weights put tanh in its \
                 chaotic phase, where nearby inputs separate layer by layer (`chaintrace demo \
                 chaos` measures the rate, √χ₁ per layer).",
                self.depth,
                diverged.join(", ")
            ));
        }
        out.push(if broken.is_empty() {
            "In f32 every norm stays finite and non-zero at this size.".to_string()
        } else {
            format!(
                "In f32, {} {} the floating-point range (table above), where f64 still holds \
                 {}.",
                broken.join(", "),
                if broken.len() == 1 { "leaves" } else { "leave" },
                if broken.len() == 1 { "it" } else { "them" },
            )
        });
        out
    }

    /// How the four initialisers fared with one activation, against the article's pairing.
    fn activation_conclusion(&self, activation: Activation) -> String {
        let l = self.depth;
        let chosen = match activation {
            Activation::Tanh => Scheme::Xavier,
            Activation::Relu => Scheme::He,
        };
        let runs: Vec<&InitRun> = self
            .runs
            .iter()
            .filter(|r| r.activation == activation)
            .collect();
        let describe = |r: &InitRun| {
            let (lo, hi) = r.grad_band();
            format!(
                "‖∂L/∂h_k‖ within {} of ‖∂L/∂h_{l}‖, ×{} per layer; std(h_k) from {} at k = 1 \
                 to {} at k = {l}",
                band(lo, hi),
                fmt3(r.f64.gain_per_block()),
                fmt3(r.f64.act_std[1]),
                fmt3(r.f64.act_std[l])
            )
        };
        let mine = self.run(chosen, activation);
        let others: Vec<String> = runs
            .iter()
            .filter(|r| r.init != chosen)
            .map(|r| {
                format!(
                    "{} {} (×{} in all)",
                    r.init.label(),
                    r.verdict(),
                    fmt3(r.f64.total_gain())
                )
            })
            .collect();
        let narrowest = runs
            .iter()
            .min_by(|a, b| band_width(a.grad_band()).total_cmp(&band_width(b.grad_band())))
            .expect("four runs");
        let verdict = if narrowest.init == chosen {
            format!(
                "the narrowest band of the {} is {}'s, the article's choice",
                count(runs.len()),
                chosen.label()
            )
        } else {
            format!(
                "the narrowest band of the {} is {}'s, not the article's choice ({})",
                count(runs.len()),
                narrowest.init.label(),
                describe(narrowest)
            )
        };
        format!(
            "{}: the article's choice, {}, {} ({}). {}; {}.",
            activation.name(),
            chosen.label(),
            mine.verdict(),
            describe(mine),
            others.join(", "),
            verdict
        )
    }
}

/// `five`: a small count in words.
fn count(n: usize) -> String {
    match n {
        4 => "four".into(),
        5 => "five".into(),
        n => n.to_string(),
    }
}

/// How many decades a band spans.
fn band_width((lo, hi): (f64, f64)) -> f64 {
    (hi / lo).log10()
}

impl InitReport {
    /// Glorot & Bengio's comparison, in numbers: the standard init against Xavier with tanh,
    /// and where the activations still shrink.
    fn glorot_conclusion(&self) -> String {
        let l = self.depth;
        let (x, s) = (
            self.run(Scheme::Xavier, Activation::Tanh),
            self.run(Scheme::Standard, Activation::Tanh),
        );
        let (xp, sp) = (self.prediction(x), self.prediction(s));
        let a = &x.f64.act_std;
        format!(
            "Glorot & Bengio's comparison with tanh: the standard U[−1/√n, 1/√n] has n·σ² = 1/3, \
             so every layer multiplies the gradient's mean square by at most 1/3 (×{} per layer \
             in norm measured; over {l} layers ×{} in mean square, mean field ×{}); Xavier's \
             n·σ² = 1 keeps it to ×{} (mean field ×{}). The activations with Xavier and tanh: \
             Var(h_k) from {} at k = 1 to {} at k = {l}, {} (mean field ×{}). At n·σ² = \
             1 with biases 0, tanh sits at its edge of chaos with q* = 0: E[tanh(√q·z)²] ≈ q − \
             2q², so Var(h_k) falls like 1/(2k) (1/(2·{l}) = {}), and the gradient's mean square \
             with it, by about 1 − 1/k at layer k: a power law in the depth, slow beside the \
             standard init's exponential decay, but not the constant the article promises.",
            fmt3(s.f64.gain_per_block()),
            fmt3(s.f64.total_gain().powi(2)),
            fmt3(sp.grad_ratio.powi(2)),
            fmt3(x.f64.total_gain().powi(2)),
            fmt3(xp.grad_ratio.powi(2)),
            fmt3(a[1].powi(2)),
            fmt3(a[l].powi(2)),
            super::claims::times((a[l] / a[1]).powi(2)),
            fmt3((xp.act_std[l - 1] / xp.act_std[0]).powi(2)),
            fmt3(1.0 / (2.0 * l as f64)),
        )
    }
}
