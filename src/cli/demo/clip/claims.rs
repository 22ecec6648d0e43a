//! The claims `demo clip` settles: clipping fixes the explosion (`clipping`), and the step
//! overshoots the minimum (`overshoot`) because it is too long for the curvature along it,
//! or, at Pascanu et al.'s cliff, because the gradient itself is huge.

use super::{ClipReport, Run, num};
use crate::cli::demo::claims::{Claim, Verdict, anchors};

/// The overshoot's anchors: the curvature bound, and the cliff.
const OVERSHOOT_ANCHORS: &str = "Cohen, Kaur, Li, Kolter & Talwalkar 2021, Gradient descent \
                                 on neural networks typically occurs at the edge of stability; \
                                 Pascanu, Mikolov & Bengio 2013, On the difficulty of training \
                                 recurrent neural networks";

/// The cliff's unclipped step is thrown when it is this many times longer than the clipped
/// one and lands at a loss this many times higher.
pub(super) const THROWN: f64 = 100.0;

impl Run {
    /// The loss before the first step.
    fn first_loss(&self) -> f64 {
        self.steps.first().map_or(f64::NAN, |s| s.loss)
    }

    /// Failed: stopped on a non-finite number, or ended no lower than it began.
    fn failed(&self) -> bool {
        let lower =
            self.final_loss().partial_cmp(&self.first_loss()) == Some(std::cmp::Ordering::Less);
        self.failure.is_some() || !lower
    }

    /// What happened to the run, in numbers.
    fn outcome(&self) -> String {
        let start = num(self.first_loss());
        match &self.failure {
            Some(f) => {
                let peak = self.peak_loss().map_or(String::new(), |(s, l)| {
                    format!(", peak loss {} at step {s}", num(l))
                });
                format!(
                    "loss {start} at step 0{peak}, non-finite at step {}",
                    f.step
                )
            }
            None => format!(
                "loss {start} → {} after {} steps",
                num(self.final_loss()),
                self.steps.len()
            ),
        }
    }
}

impl ClipReport {
    /// The claims this run addresses, each with its verdict computed from the measurements.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let [plain, clipped] = [&self.runs[0], &self.runs[1]];
        let clipping = match (plain.failed(), clipped.failed()) {
            (true, false) => Verdict::Shown,
            (_, true) => Verdict::Refuted,
            (false, false) => Verdict::Partly,
        };
        let mut claims = vec![Claim::new(
            "clipping",
            clipping,
            format!(
                "without clipping: {}; clipped at {}: {} (clipped at {} of {} steps), against \
                 the best straight line's {}{}",
                plain.outcome(),
                num(self.max_norm),
                clipped.outcome(),
                clipped.times_clipped(),
                clipped.steps.len(),
                num(self.best_line_loss),
                if clipping == Verdict::Partly {
                    "; the unclipped run did not fail, so there was nothing to fix"
                } else {
                    ""
                }
            ),
            anchors::PASCANU_2013,
        )];
        claims.push(self.overshoot());
        claims
    }
}

impl ClipReport {
    /// The overshoot, both halves: the curvature bound at the training run's first rise
    /// ([`Self::curvature_evidence`]) and the cliff ([`Self::cliff_evidence`]). Refuted when
    /// the loss rose although `lr·λ ≤ 2`; otherwise shown when the cliff's unclipped step is
    /// thrown, partly when it is not.
    fn overshoot(&self) -> Claim {
        let curvature = self.curvature_evidence();
        let (thrown, cliff) = self.cliff_evidence();
        let verdict = match (curvature.as_ref().map(|c| c.0), thrown) {
            (Some(Verdict::Refuted), _) => Verdict::Refuted,
            (_, true) => Verdict::Shown,
            (_, false) => Verdict::Partly,
        };
        let curvature = curvature.map_or_else(
            || "without clipping the loss never rose".to_string(),
            |c| c.1,
        );
        Claim::new(
            "overshoot",
            verdict,
            format!("{curvature}; {cliff}"),
            OVERSHOOT_ANCHORS,
        )
    }

    /// The cliff: whether the unclipped step was thrown (at least [`THROWN`] times longer
    /// than the clipped one, landing at a loss at least [`THROWN`] times higher), and the
    /// numbers.
    fn cliff_evidence(&self) -> (bool, String) {
        let c = &self.cliff;
        let (start, flat) = (c.start(), c.flat());
        let (long, far) = c.runs[0].first_step();
        let (short, near) = c.runs[1].first_step();
        let thrown = long >= THROWN * short && far.loss >= THROWN * near.loss;
        let text = format!(
            "at Pascanu et al.'s cliff (one sigmoid unit, {} steps, w = {}), {} before the wall \
             at b = {}, ‖∇L‖ = {}, ×{} the flat part's {}; one SGD step at lr {} moves {} and \
             lands at loss {} (from {}); clipped at {} it moves {} and lands at loss {}: {}",
            c.steps,
            num(c.w),
            num(start.distance),
            chaintrace::report::fmt_sig(c.wall_b, 6),
            num(start.grad_norm),
            num(start.grad_norm / flat.grad_norm),
            num(flat.grad_norm),
            num(self.lr),
            num(long),
            num(far.loss),
            num(start.loss),
            num(self.max_norm),
            num(short),
            num(near.loss),
            if thrown {
                format!(
                    "the unclipped step is thrown, ×{} as long, to a loss ×{} as high",
                    num(long / short),
                    num(far.loss / near.loss)
                )
            } else {
                format!(
                    "the unclipped step is not thrown (not both {}× as long and {}× as high \
                     a loss as the clipped one)",
                    num(THROWN),
                    num(THROWN)
                )
            }
        );
        (thrown, text)
    }

    /// The overshoot at the unclipped run's first rise: shown when `lr·λ > 2` there, λ the
    /// curvature along the step (central differences of the gradient along it), refuted when
    /// the loss rose although `lr·λ ≤ 2`. The evidence adds how often, over every finite step
    /// of both runs, "the loss rose" and "lr·scale·λ > 2" agree.
    fn curvature_evidence(&self) -> Option<(Verdict, String)> {
        let plain = &self.runs[0];
        let (step, before, after) = plain.first_rise()?;
        let taken = &plain.steps[step];
        let product = self.lr * taken.curvature;
        let verdict = if product > 2.0 {
            Verdict::Shown
        } else {
            Verdict::Refuted
        };
        // A rise smaller than rounding (the converged run's last digits) is not a rise.
        let (mut agree, mut compared, mut off) = (0, 0, Vec::new());
        for run in &self.runs {
            for w in run.steps.windows(2) {
                if w[1].loss.is_finite() && w[0].curvature.is_finite() {
                    compared += 1;
                    let product = self.lr * w[0].scale * w[0].curvature;
                    let rose = w[1].loss > w[0].loss * (1.0 + 1e-9);
                    if (product > 2.0) == rose {
                        agree += 1;
                    } else {
                        off.push(product);
                    }
                }
            }
        }
        let exceptions = match off.len() {
            0 => String::new(),
            n => format!(
                "; the {n} others have lr·scale·λ between {} and {}: over such a step the \
                 deep linear network's loss, a polynomial of degree {} in the weights, is not \
                 the quadratic the bound assumes",
                num(off.iter().copied().fold(f64::INFINITY, f64::min)),
                num(off.iter().copied().fold(0.0, f64::max)),
                2 * self.depth
            ),
        };
        Some((
            verdict,
            format!(
                "without clipping the loss first rises at step {step}, {} → {}, after a step \
                 of lr·‖g‖ = {} · {} = {}; the curvature along that step (central differences \
                 of the gradient) is λ = {}, so lr·λ = {} {} 2, the bound above which a \
                 gradient step on a quadratic raises the loss; over both runs, \"the loss \
                 rose\" and \"lr·scale·λ > 2\" agree at {agree} of {compared} steps{exceptions}",
                num(before),
                num(after),
                num(self.lr),
                num(taken.grad_norm),
                num(self.lr * taken.grad_norm),
                num(taken.curvature),
                num(product),
                if product > 2.0 { ">" } else { "≤" },
            ),
        ))
    }
}
