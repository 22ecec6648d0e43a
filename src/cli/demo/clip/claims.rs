//! The claims `demo clip` settles: clipping fixes the explosion (`clipping`), and the step
//! overshoots the minimum (`overshoot`) because it is too long for the curvature along it.

use super::{ClipReport, Run, num};
use crate::cli::demo::claims::{Claim, Verdict, anchors};

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
        if let Some(claim) = self.overshoot() {
            claims.push(claim);
        }
        claims
    }
}

impl ClipReport {
    /// The overshoot at the unclipped run's first rise: shown when `lr·λ > 2` there, λ the
    /// curvature along the step (central differences of the gradient along it), refuted when
    /// the loss rose although `lr·λ ≤ 2`. The evidence adds how often, over every finite step
    /// of both runs, "the loss rose" and "lr·scale·λ > 2" agree.
    fn overshoot(&self) -> Option<Claim> {
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
        Some(Claim::new(
            "overshoot",
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
            anchors::COHEN_2021,
        ))
    }
}
