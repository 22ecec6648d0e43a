//! The claim `demo batchnorm` settles (`batchnorm`): normalising each layer's inputs keeps
//! the network out of the regions where the gradient explodes.
//!
//! Yang et al. (2019) derive what batch normalisation does at initialisation in a deep
//! network without skip connections: the forward activations are normalised, yet the squared
//! gradient norm grows by a fixed factor per layer, π/(π − 1) for ReLU (wide layers, large
//! batches), so the gradient norm grows by √(π/(π − 1)) ≈ 1.21 per layer.

use std::f64::consts::PI;

use super::{BatchnormReport, range};
use crate::cli::demo::claims::{Claim, Verdict, anchors, within};
use crate::cli::demo::deepnet::Activation;
use crate::cli::demo::present::fmt3;

/// How close the measured gain per layer must come to a prediction (relative).
pub(super) const TOLERANCE: f64 = 0.05;

/// The forward pass counts as stable when std(h_k), k ≥ 1, stays within this factor.
pub(super) const STABLE_BAND: f64 = 2.0;

/// Yang et al.'s gradient gain per layer at initialisation for ReLU: √(π/(π − 1)).
pub(super) fn yang_relu_gain() -> f64 {
    (PI / (PI - 1.0)).sqrt()
}

impl BatchnormReport {
    /// The claims this run addresses, each with its verdict computed from the measurements:
    /// shown when the normalised network's gradient gain per layer is within [`TOLERANCE`] of
    /// 1 with a stable forward pass; refuted when, for ReLU, it matches Yang et al.'s
    /// √(π/(π − 1)) instead; partly otherwise.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let b = &self.batchnorm;
        let gain = b.gain_per_block();
        let (lo, hi) = range(&b.act_std);
        let stable = lo > 0.0 && hi / lo <= STABLE_BAND;
        let (plo, phi) = range(&self.plain.act_std);
        let predicted = match self.activation {
            Activation::Relu => Some(yang_relu_gain()),
            Activation::Tanh => None,
        };
        let verdict = match predicted {
            _ if stable && within(gain, 1.0, TOLERANCE) => Verdict::Shown,
            Some(p) if stable && within(gain, p, TOLERANCE) => Verdict::Refuted,
            _ => Verdict::Partly,
        };
        let prediction = predicted.map_or(
            "Yang et al. give no closed form for this activation".to_string(),
            |p| {
                format!(
                    "Yang et al. predict √(π/(π − 1)) = {} per layer for ReLU (within {}%: {})",
                    fmt3(p),
                    fmt3(100.0 * TOLERANCE),
                    if within(gain, p, TOLERANCE) {
                        "matches"
                    } else {
                        "does not match"
                    }
                )
            },
        );
        let r = &self.rescaled;
        vec![
            Claim::new(
                "batchnorm",
                verdict,
                format!(
                    "{l}-layer {f} network, width {w}, batch {n}: forward {} — std(h_k), k ≥ 1, \
                 from {} to {} with batch normalisation (plain: {} to {}); backward at \
                 initialisation, ‖∂L/∂x‖/‖∂L/∂h_{l}‖ = {} with it, ×{} per layer (plain: ×{}); \
                 {prediction}; with every weight ×10 the normalised ‖∂L/∂x‖ is {} against {} \
                 ({}% apart); the ledger's flag at x: {}",
                    if stable { "stable" } else { "not stable" },
                    fmt3(lo),
                    fmt3(hi),
                    fmt3(plo),
                    fmt3(phi),
                    fmt3(b.total_gain()),
                    fmt3(gain),
                    fmt3(self.plain.gain_per_block()),
                    fmt3(r.grad_norms[0]),
                    fmt3(b.grad_norms[0]),
                    fmt3(100.0 * (r.grad_norms[0] / b.grad_norms[0] - 1.0).abs()),
                    b.flags[0].word(),
                    l = self.depth,
                    f = self.activation.name(),
                    w = self.width,
                    n = self.batch,
                ),
                anchors::YANG_2019,
            ),
            self.f32_overflow.claim(self.activation),
        ]
    }
}
