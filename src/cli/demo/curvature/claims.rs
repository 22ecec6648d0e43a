//! The claim `demo curvature` settles: overshooting (`overshoot`), as a matter of the step
//! size against the curvature. The verdict is computed from the measurements: the quadratic's
//! factors against `|1 − lr·λ|`, the network's loss rises against `lr·λ > 2` step by step,
//! and λ_max against 2/lr (Cohen et al. 2021).

use super::quadratic::QuadraticReport;
use super::{CurvatureReport, NetRun, num};
use crate::cli::demo::claims::{Claim, Verdict, anchors};

/// The share of steps at which "the loss rose" and "lr·λ along the step > 2" must agree.
const AGREEMENT: f64 = 0.95;
/// How far from 2/lr the mean λ_max after its first crossing may be and still "hover" there.
const HOVER: f64 = 0.2;

/// What a run's numbers say about the curvature condition.
pub(super) struct Reading {
    /// Steps `t` whose next loss is higher.
    pub rises: Vec<usize>,
    /// Steps `t` (with a next loss) where `lr·λ_along > 2`.
    pub predicted: usize,
    /// Steps where the two agree, and the steps compared.
    pub agree: (usize, usize),
    /// Rises at steps where λ_max was measured and `lr·λ_max ≤ 2`.
    pub below_edge: usize,
    /// λ_max at the first step.
    pub first: f64,
    /// The first step where λ_max ≥ 2/lr.
    pub crossing: Option<usize>,
    /// Mean, least and largest λ_max from the crossing on.
    pub hover: Option<(f64, f64, f64)>,
    /// The largest λ_max measured.
    pub largest: f64,
    /// The smallest ‖g‖ of a step that raised the loss, and the largest of one that did not.
    pub grad_sizes: (f64, f64),
}

impl NetRun {
    pub(super) fn edge(&self) -> f64 {
        2.0 / self.lr
    }

    pub(super) fn reading(&self) -> Reading {
        let s = &self.steps;
        let compared = s.len().saturating_sub(1);
        let rises: Vec<usize> = (0..compared)
            .filter(|&t| s[t + 1].loss > s[t].loss)
            .collect();
        let over = |t: usize| self.lr * s[t].along_step > 2.0;
        let predicted = (0..compared).filter(|&t| over(t)).count();
        let agree = (0..compared)
            .filter(|&t| over(t) == rises.contains(&t))
            .count();
        let below_edge = rises
            .iter()
            .filter(|&&t| s[t].lambda_max.is_some_and(|l| self.lr * l <= 2.0))
            .count();
        let lambdas: Vec<(usize, f64)> = s
            .iter()
            .filter_map(|x| x.lambda_max.map(|l| (x.step, l)))
            .collect();
        let crossing = lambdas.iter().find(|(_, l)| *l >= self.edge()).map(|p| p.0);
        let hover = crossing.map(|c| {
            let after: Vec<f64> = lambdas.iter().filter(|p| p.0 >= c).map(|p| p.1).collect();
            let mean = after.iter().sum::<f64>() / after.len() as f64;
            let lo = after.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = after.iter().copied().fold(0.0, f64::max);
            (mean, lo, hi)
        });
        let norms = |rising: bool| -> Vec<f64> {
            (0..compared)
                .filter(|t| rises.contains(t) == rising)
                .map(|t| s[t].grad_norm)
                .collect()
        };
        let grad_sizes = (
            norms(true).into_iter().fold(f64::INFINITY, f64::min),
            norms(false).into_iter().fold(0.0, f64::max),
        );
        Reading {
            rises,
            predicted,
            agree: (agree, compared),
            below_edge,
            first: lambdas.first().map_or(f64::NAN, |p| p.1),
            crossing,
            hover,
            largest: lambdas.iter().map(|p| p.1).fold(f64::NAN, f64::max),
            grad_sizes,
        }
    }
}

impl QuadraticReport {
    /// Every measured factor is its closed form, the run diverges exactly when lr·λ_max > 2,
    /// and power iteration found λ_max.
    pub(super) fn as_predicted(&self) -> bool {
        (self.lambda_max_measured / self.lambdas[1] - 1.0).abs() < 1e-6
            && self
                .runs
                .iter()
                .all(|r| r.gap() < 1e-6 && r.diverges() == (r.ratio > 2.0))
    }

    fn evidence(&self) -> String {
        let around: Vec<String> = self
            .runs
            .iter()
            .filter(|r| (r.ratio - 2.0).abs() < 0.15)
            .map(|r| {
                format!(
                    "lr·λ_max = {}: ×{} per step (|1 − lr·λ| = {})",
                    num(r.ratio),
                    num(r.factors[1]),
                    num(r.predicted[1])
                )
            })
            .collect();
        format!(
            "on the quadratic with λ = {}, {} (λ_max {} by power iteration) {}, so it \
             diverges exactly when lr·λ_max > 2",
            num(self.lambdas[0]),
            num(self.lambdas[1]),
            num(self.lambda_max_measured),
            around.join(", ")
        )
    }
}

impl CurvatureReport {
    /// The claim this demo addresses, with its verdict computed from the measurements.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let [large, small] = [&self.runs[0], &self.runs[1]];
        let (a, b) = (large.reading(), small.reading());
        let exact = |r: &Reading| {
            r.agree.1 > 0 && r.agree.0 as f64 >= AGREEMENT * r.agree.1 as f64 && r.below_edge == 0
        };
        let quadratic = self.quadratic.as_predicted();
        let mut missing = Vec::new();
        if !quadratic {
            missing.push("the quadratic's factors are not |1 − lr·λ|".to_string());
        }
        if a.rises.is_empty() {
            missing.push(format!(
                "at lr {} the loss never rose, so no overshoot was seen",
                num(large.lr)
            ));
        }
        if !(exact(&a) && exact(&b)) {
            missing.push("the rises do not follow lr·λ > 2 step by step".into());
        }
        if a.first >= large.edge() {
            missing.push("λ_max starts above 2/lr, so no progressive sharpening is seen".into());
        } else if a.crossing.is_none() {
            missing.push("λ_max never reached 2/lr, so the edge of stability is not seen".into());
        } else if !a
            .hover
            .is_some_and(|(mean, _, _)| (mean / large.edge() - 1.0).abs() <= HOVER)
        {
            missing.push(format!(
                "λ_max does not hover within {}% of 2/lr",
                num(100.0 * HOVER)
            ));
        }
        if !(b.rises.is_empty() && b.largest < small.edge()) {
            missing.push(format!(
                "at lr {} λ_max reached 2/lr or the loss rose",
                num(small.lr)
            ));
        }
        let verdict = if missing.is_empty() {
            Verdict::Shown
        } else if !quadratic || (a.agree.0 as f64) < 0.5 * a.agree.1 as f64 {
            Verdict::Refuted
        } else {
            Verdict::Partly
        };
        let edge = match (a.crossing, a.hover) {
            (Some(step), Some((mean, lo, hi))) => format!(
                "λ_max goes from {} at step 0 to 2/lr = {} at step {step} and then averages \
                 {} (between {} and {})",
                num(a.first),
                num(large.edge()),
                num(mean),
                num(lo),
                num(hi)
            ),
            _ => format!(
                "λ_max goes from {} at step 0 to at most {}, never reaching 2/lr = {}",
                num(a.first),
                num(a.largest),
                num(large.edge())
            ),
        };
        let (smallest_rising, largest_falling) = a.grad_sizes;
        let sizes = if !a.rises.is_empty() && smallest_rising < largest_falling {
            format!(
                "; the gradient's size does not decide: a step with ‖g‖ = {} raised the loss, \
                 one with ‖g‖ = {} did not",
                num(smallest_rising),
                num(largest_falling)
            )
        } else {
            String::new()
        };
        let mut evidence = format!(
            "{}; on the tanh network at lr {} {edge}; the loss rose at {} of {} steps and \
             lr·λ along the step exceeded 2 at {}, the two agreeing at {} of {} steps, and {} \
             loss rose where lr·λ_max ≤ 2; at lr {} (2/lr = {}) λ_max stays at most {} and \
             the loss rose at {} steps{sizes}",
            self.quadratic.evidence(),
            num(large.lr),
            a.rises.len(),
            a.agree.1,
            a.predicted,
            a.agree.0,
            a.agree.1,
            if a.below_edge == 0 {
                "no".to_string()
            } else {
                format!("at {} steps a", a.below_edge)
            },
            num(small.lr),
            num(small.edge()),
            num(b.largest),
            b.rises.len(),
        );
        if !missing.is_empty() {
            evidence += &format!("; but {}", missing.join("; "));
        }
        vec![Claim::new(
            "overshoot",
            verdict,
            evidence,
            anchors::COHEN_2021,
        )]
    }
}
