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
                 networks compute different activations. This is the sensitivity of the \
                 article's note on chaos; `chaintrace demo chaos` measures it across seeds.",
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
                "the narrowest band of the four is {}'s, the article's choice",
                chosen.label()
            )
        } else {
            format!(
                "the narrowest band of the four is {}'s, not the article's choice ({})",
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

/// How many decades a band spans.
fn band_width((lo, hi): (f64, f64)) -> f64 {
    (hi / lo).log10()
}
