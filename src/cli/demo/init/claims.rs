//! The claims `demo init` settles: Xavier keeps tanh networks' gradients in range
//! (`xavier-tanh`), He keeps ReLU networks' gradients and activations (`he-relu`). Both papers
//! claim the variance of the back-propagated gradient stays the same from layer to layer, He et
//! al. the activations' too.

use super::{InitReport, InitRun};
use crate::cli::demo::claims::{Claim, Verdict, anchors, within};
use crate::cli::demo::deepnet::{Activation, EXPLODING, Scheme, VANISHING};
use crate::cli::demo::present::{band, fmt3};

/// The gradient counts as kept when its gain per layer (the geometric mean of
/// ‖∂L/∂h_(k−1)‖ / ‖∂L/∂h_k‖) is within this relative distance of the papers' 1: both papers
/// state their condition per layer (n·σ²·E[f′²] = 1).
pub(super) const GRADIENT_TOLERANCE: f64 = 0.1;

/// The activations count as kept when std(h_L) / std(h_1) stays within this factor of 1.
pub(super) const ACTIVATION_BAND: f64 = 2.0;

/// `×0.0133`, or why there is no ratio (a network whose first activations have no spread).
pub(super) fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("×{}", fmt3(ratio))
    } else {
        "undefined: no spread at k = 1".to_string()
    }
}

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
        let mut xavier = self.xavier_tanh();
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

impl InitReport {
    /// `xavier-tanh`: Glorot & Bengio's claim that their initialisation keeps the
    /// back-propagated gradient's variance from layer to layer, where the standard
    /// U[−1/√n, 1/√n] loses it. Shown when every ‖∂L/∂h_k‖/‖∂L/∂h_L‖ of the Xavier tanh network
    /// stays inside the ledger's band [`VANISHING`, `EXPLODING`] while the standard one's
    /// ‖∂L/∂h_0‖/‖∂L/∂h_L‖ falls below it; refuted when Xavier's own leaves the band; partly
    /// when the network is too shallow for the standard init to fall out of it.
    fn xavier_tanh(&self) -> Claim {
        let l = self.depth;
        let x = self.run(Scheme::Xavier, Activation::Tanh);
        let s = self.run(Scheme::Standard, Activation::Tanh);
        let (lo, hi) = x.grad_band();
        let stable = lo >= VANISHING && hi <= EXPLODING;
        let decays = s.f64.total_gain() < VANISHING;
        let verdict = match (stable, decays) {
            (true, true) => Verdict::Shown,
            (false, _) => Verdict::Refuted,
            (true, false) => Verdict::Partly,
        };
        let (xp, sp) = (self.prediction(x), self.prediction(s));
        let act = &x.f64.act_std;
        let mut evidence = format!(
            "{l}-layer tanh MLP of width {n}: with Xavier (n·σ² = {xv}) ‖∂L/∂h_k‖/‖∂L/∂h_{l}‖ \
             stays within {}, {}inside the ledger's band [{}, {}] (the gradient's mean square \
             ×{} from h_{l} to the input; mean field ×{}); with the standard U[−1/√n, 1/√n] \
             (n·σ² = 1/3) ‖∂L/∂h_0‖/‖∂L/∂h_{l}‖ = {}, ×{} per layer, {} (mean square ×{}; mean \
             field ×{}); stable, not constant: Var(h_k) from {} at k = 1 to {} at k = {l} ({}; \
             mean field ×{}): at n·σ² = 1 with biases 0 tanh is at its edge of chaos, where \
             Var(h_k) falls like 1/(2k) and the gradient's mean square as a power of the depth, \
             so the article's 'variance of activations remains constant' holds for He with \
             ReLU, not for Xavier with tanh",
            band(lo, hi),
            if stable { "" } else { "not " },
            fmt3(VANISHING),
            fmt3(EXPLODING),
            fmt3(x.f64.total_gain().powi(2)),
            fmt3(xp.grad_ratio.powi(2)),
            fmt3(s.f64.total_gain()),
            fmt3(s.f64.gain_per_block()),
            if decays {
                "below the band: vanishing"
            } else {
                "not yet below the band"
            },
            fmt3(s.f64.total_gain().powi(2)),
            fmt3(sp.grad_ratio.powi(2)),
            fmt3(act[1].powi(2)),
            fmt3(act[l].powi(2)),
            times((act[l] / act[1]).powi(2)),
            fmt3((xp.act_std[l - 1] / xp.act_std[0]).powi(2)),
            n = self.width,
            xv = fmt3(self.width as f64 * x.weight_std.powi(2)),
        );
        if !stable {
            evidence += "; Xavier's gradient leaves the band";
        }
        Claim::new("xavier-tanh", verdict, evidence, anchors::GLOROT_2010)
    }
}
