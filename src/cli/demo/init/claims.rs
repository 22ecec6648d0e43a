//! The claims `demo init` settles: Xavier keeps tanh networks' signals in range
//! (`xavier-tanh`), He keeps ReLU networks' (`he-relu`). Both papers claim the variance of the
//! back-propagated gradient and of the activations stays the same from layer to layer.

use super::{InitReport, InitRun};
use crate::cli::demo::claims::{Claim, Verdict, anchors, within};
use crate::cli::demo::deepnet::{Activation, Scheme};
use crate::cli::demo::present::fmt3;

/// The gradient counts as kept when its gain per layer (the geometric mean of
/// ‖∂L/∂h_(k−1)‖ / ‖∂L/∂h_k‖) is within this relative distance of the papers' 1: both papers
/// state their condition per layer (n·σ²·E[f′²] = 1).
pub(super) const GRADIENT_TOLERANCE: f64 = 0.1;

/// The activations count as kept when std(h_L) / std(h_1) stays within this factor of 1.
pub(super) const ACTIVATION_BAND: f64 = 2.0;

fn within_band(x: f64, band: f64) -> bool {
    x.is_finite() && x >= 1.0 / band && x <= band
}

impl InitRun {
    /// std(h_L) / std(h_1): how the activations' spread changes through the network.
    fn activation_ratio(&self) -> f64 {
        let s = &self.f64.act_std;
        s[s.len() - 1] / s[1]
    }

    /// Shown if the gradient and the activations are both kept, partly if one is, refuted
    /// if neither, with the numbers.
    fn claim(&self, id: &'static str, anchor: &'static str, depth: usize) -> Claim {
        let gain = self.f64.total_gain();
        let ratio = self.activation_ratio();
        let kept = |ok: Option<bool>| match ok {
            Some(true) => "kept",
            Some(false) => "not kept",
            None => "undecided (std(h_1) = 0: no spread to keep)",
        };
        let g_ok = within(self.f64.gain_per_block(), 1.0, GRADIENT_TOLERANCE);
        // A network whose first activations have no spread (one unit, one input) cannot
        // show whether the spread is kept.
        let a_ok = ratio
            .is_finite()
            .then(|| within_band(ratio, ACTIVATION_BAND));
        let verdict = match (g_ok, a_ok) {
            (true, Some(true)) => Verdict::Shown,
            (false, Some(false)) => Verdict::Refuted,
            _ => Verdict::Partly,
        };
        let s = &self.f64.act_std;
        Claim::new(
            id,
            verdict,
            format!(
                "{} with {} (σ = {}), L = {depth} layers: gradient {} — ×{} per layer against the \
                 papers' ×1 (kept means within {}%), ‖∂L/∂x‖/‖∂L/∂h_{depth}‖ = {} in all; \
                 activations {} — std(h_k) from {} at k = 1 to {} at k = {depth}{} (kept \
                 means within a factor {})",
                self.init.label(),
                self.activation.name(),
                fmt3(self.weight_std),
                kept(Some(g_ok)),
                fmt3(self.f64.gain_per_block()),
                fmt3(100.0 * GRADIENT_TOLERANCE),
                fmt3(gain),
                kept(a_ok),
                fmt3(s[1]),
                fmt3(s[depth]),
                if ratio.is_finite() {
                    format!(", ×{}", fmt3(ratio))
                } else {
                    String::new()
                },
                fmt3(ACTIVATION_BAND),
            ),
            anchor,
        )
    }
}

impl InitReport {
    /// The claims this run addresses, each with its verdict computed from the measurements.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let mut xavier = self.run(Scheme::Xavier, Activation::Tanh).claim(
            "xavier-tanh",
            anchors::GLOROT_2010,
            self.depth,
        );
        if self.xavier_gain != 1.0 {
            xavier.evidence += &format!(
                "; Xavier's gain is {} here, not Glorot & Bengio's 1",
                fmt3(self.xavier_gain)
            );
        }
        let he =
            self.run(Scheme::He, Activation::Relu)
                .claim("he-relu", anchors::HE_2015, self.depth);
        vec![xavier, he]
    }
}
