//! The claims `demo clip` settles: clipping fixes the explosion (`clipping`), and, partly, the
//! explosion overshoots the minimum (`overshoot`).

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
        if let Some((step, before, after)) = plain.first_rise() {
            let norm = plain.steps[step].grad_norm;
            claims.push(Claim::new(
                "overshoot",
                Verdict::Partly,
                format!(
                    "without clipping the loss first rises at step {step}, {} → {}, after a \
                     step of lr·‖g‖ = {} · {} = {}; but the curvature λ along the step is not \
                     measured here, so the condition for an overshoot, lr·λ > 2, is not shown",
                    num(before),
                    num(after),
                    num(self.lr),
                    num(norm),
                    num(self.lr * norm)
                ),
                anchors::PASCANU_2013,
            ));
        }
        claims
    }
}
