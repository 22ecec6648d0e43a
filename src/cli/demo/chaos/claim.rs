//! The claim `demo chaos` settles (`chaos`): a small change of the weights' scale, multiplied
//! through many layers, makes a massive change in the gradient, a sensitivity like a chaotic
//! system's.
//!
//! Poole et al. (2016) and Schoenholz et al. (2017) make it precise for deep random tanh
//! networks: one number, χ₁ = σ_w²·E[tanh′(√q*·z)²], sets both the gradient's gain per layer
//! (√χ₁) and how fast two nearby inputs separate (√χ₁ per layer). Below χ₁ = 1 the network is
//! ordered (nearby inputs merge, gradients vanish); above, chaotic (nearby inputs decorrelate,
//! gradients explode). The verdict checks each part against the measurement.

use super::measure::{ChaosReport, SigmaRun};
use crate::cli::demo::claims::{Claim, Verdict, anchors, within};
use crate::cli::demo::present::fmt3;

/// How close a measured gain or growth per layer must come to √χ₁ (relative).
pub(super) const TOLERANCE: f64 = 0.05;

/// A pair counts as decorrelated when 1 − cos(z_L, z′_L) reaches this (from about 1e-14 at
/// the first layer).
pub(super) const DECORRELATED: f64 = 0.1;

/// What the measurement shows, part by part.
pub(super) struct Checks<'a> {
    /// Runs with √χ₁ below 1 − [`TOLERANCE`]: clearly ordered.
    pub(super) ordered: Vec<&'a SigmaRun>,
    /// Runs with √χ₁ above 1 + [`TOLERANCE`]: clearly chaotic.
    pub(super) chaotic: Vec<&'a SigmaRun>,
    /// The run whose gain is farthest from √χ₁, and that distance (relative).
    pub(super) worst_gain: (&'a SigmaRun, f64),
    /// Every measured gain is within [`TOLERANCE`] of √χ₁.
    pub(super) gains_follow: bool,
    /// Every measured separation growth is within [`TOLERANCE`] of √χ₁, and one was measured
    /// in each phase.
    pub(super) growths_follow: bool,
    /// Every ordered run's pairs end closer than they started.
    pub(super) ordered_merge: bool,
    /// Every chaotic run's pairs end farther apart than they started.
    pub(super) chaotic_separate: bool,
    /// The most chaotic run's pairs end decorrelated.
    pub(super) decorrelated: bool,
}

impl SigmaRun {
    pub(super) fn separated(&self) -> bool {
        self.distance[self.distance.len() - 1] > self.distance[0]
    }
}

impl ChaosReport {
    /// The largest relative distance of one seed's gain per layer from the mean of its σ_w.
    pub(super) fn seed_spread(&self) -> f64 {
        self.runs
            .iter()
            .flat_map(|r| r.gains.iter().map(move |g| (g / r.gain() - 1.0).abs()))
            .fold(0.0, f64::max)
    }

    pub(super) fn checks(&self) -> Checks<'_> {
        let ordered: Vec<&SigmaRun> = self
            .runs
            .iter()
            .filter(|r| r.predicted() < 1.0 - TOLERANCE)
            .collect();
        let chaotic: Vec<&SigmaRun> = self
            .runs
            .iter()
            .filter(|r| r.predicted() > 1.0 + TOLERANCE)
            .collect();
        let off = |r: &SigmaRun| (r.gain() / r.predicted() - 1.0).abs();
        let worst_gain = self
            .runs
            .iter()
            .map(|r| (r, off(r)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one σ_w");
        let growth_ok = |r: &&SigmaRun| within(r.growth(), r.predicted(), TOLERANCE);
        let measured = |rs: &[&SigmaRun]| rs.iter().any(|r| r.growth().is_finite());
        Checks {
            gains_follow: self
                .runs
                .iter()
                .all(|r| within(r.gain(), r.predicted(), TOLERANCE)),
            growths_follow: self
                .runs
                .iter()
                .filter(|r| r.growth().is_finite())
                .all(|r| growth_ok(&r))
                && measured(&ordered)
                && measured(&chaotic),
            ordered_merge: ordered.iter().all(|r| !r.separated()),
            chaotic_separate: chaotic.iter().all(|r| r.separated()),
            decorrelated: chaotic
                .last()
                .is_some_and(|r| r.decorrelation >= DECORRELATED),
            worst_gain,
            ordered,
            chaotic,
        }
    }

    /// The verdict: shown when the sweep has both phases and the gradient's gain, the
    /// separation's growth, the merging of ordered pairs and the decorrelation of chaotic ones
    /// all follow the theory; refuted when no chaotic network separates its pairs (no
    /// sensitivity at all); partly otherwise, naming the parts that failed.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let c = self.checks();
        let failed: Vec<&str> = [
            (c.ordered.is_empty(), "no σ_w in the sweep is ordered"),
            (c.chaotic.is_empty(), "no σ_w in the sweep is chaotic"),
            (!c.gains_follow, "a gradient gain is not within 5% of √χ₁"),
            (
                !c.growths_follow,
                "a separation growth is not within 5% of √χ₁ (or none was measured)",
            ),
            (!c.ordered_merge, "an ordered network's pairs do not merge"),
            (
                !c.chaotic_separate,
                "a chaotic network's pairs do not separate",
            ),
            (
                !c.chaotic.is_empty() && !c.decorrelated,
                "the most chaotic network's pairs stay correlated",
            ),
        ]
        .into_iter()
        .filter_map(|(bad, what)| bad.then_some(what))
        .collect();
        let verdict = if failed.is_empty() {
            Verdict::Shown
        } else if !c.chaotic.is_empty() && c.chaotic.iter().all(|r| !r.separated()) {
            Verdict::Refuted
        } else {
            Verdict::Partly
        };
        let mut evidence = self.evidence(&c);
        if !failed.is_empty() {
            evidence += &format!("; not shown: {}", failed.join("; "));
        }
        vec![Claim::new("chaos", verdict, evidence, anchors::POOLE_2016)]
    }

    fn evidence(&self, c: &Checks<'_>) -> String {
        let l = self.depth;
        let (worst, off) = c.worst_gain;
        let mut parts = vec![format!(
            "{l}-layer tanh networks of width {}, σ_b = {}: χ₁ = 1 at σ_w = {}; the gradient's \
             gain per layer is within {}% of √χ₁ at all {} σ_w (worst σ_w = {}: ×{} against \
             √χ₁ = {}; a match means within 5%)",
            self.width,
            fmt3(self.sigma_b),
            super::document::critical(self.critical_sigma_w),
            fmt3(100.0 * off),
            self.runs.len(),
            fmt3(worst.sigma_w),
            fmt3(worst.gain()),
            fmt3(worst.predicted()),
        )];
        if let (Some(o), Some(h)) = (c.ordered.last(), c.chaotic.first()) {
            parts.push(format!(
                "from σ_w = {} to {} ({}% apart, across the edge) ‖∂L/∂x‖/‖∂L/∂h_{l}‖ goes from \
                 {} to {} (χ₁^({l}/2): {} and {}), with every seed's gain per layer within {}% \
                 of the mean{}",
                fmt3(o.sigma_w),
                fmt3(h.sigma_w),
                fmt3(100.0 * (h.sigma_w / o.sigma_w - 1.0)),
                fmt3(o.gain().powi(l as i32)),
                fmt3(h.gain().powi(l as i32)),
                fmt3(o.chi1.powf(l as f64 / 2.0)),
                fmt3(h.chi1.powf(l as f64 / 2.0)),
                fmt3(100.0 * self.seed_spread()),
                if c.gains_follow {
                    ": a smooth function of σ_w raised to the depth, not chaos"
                } else {
                    ""
                },
            ));
        }
        if let Some(h) = c.chaotic.last() {
            parts.push(format!(
                "the chaos is in the inputs: at σ_w = {} (chaotic, χ₁ = {}) the distance of two \
                 inputs 1e-6 apart changes ×{} per layer (√χ₁ = {}), ending with 1 − cos(z_{l}, \
                 z′_{l}) = {} ({})",
                fmt3(h.sigma_w),
                fmt3(h.chi1),
                fmt3(h.growth()),
                fmt3(h.predicted()),
                fmt3(h.decorrelation),
                if c.decorrelated {
                    "decorrelated"
                } else {
                    "still correlated"
                },
            ));
        }
        if let Some(o) = c.ordered.first() {
            parts.push(format!(
                "at σ_w = {} (ordered, χ₁ = {}) it changes ×{} per layer (√χ₁ = {}), ending with \
                 ‖z_{l} − z′_{l}‖ = {} ({})",
                fmt3(o.sigma_w),
                fmt3(o.chi1),
                fmt3(o.growth()),
                fmt3(o.predicted()),
                fmt3(o.distance[l]),
                if o.separated() {
                    "not merged"
                } else {
                    "merged"
                },
            ));
        }
        parts.join("; ")
    }
}
