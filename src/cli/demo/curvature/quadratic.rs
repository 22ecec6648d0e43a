//! The quadratic of `demo curvature`: `L(w) = ½·(λ₁·w₁² + λ₂·w₂²)`, a flat direction and a
//! sharp one, whose Hessian `diag(λ₁, λ₂)` is known in closed form.
//!
//! Gradient descent multiplies `w_i` by `1 − lr·λ_i` at each step (the gradient is `λ_i·w_i`),
//! so coordinate i shrinks when `|1 − lr·λ_i| < 1`, that is `0 < lr·λ_i < 2`, and grows when
//! `lr·λ_i > 2`: the run diverges exactly when `lr·λ_max > 2`. The demo measures all of it
//! through the tape — λ_max by the same power iteration as the network's, and the factors by
//! running the steps — and prints the closed form beside each number.

use serde::Serialize;

use chaintrace::Result;

use super::hessian::{gradient, top_eigen};
use super::model::Quadratic;
use chaintrace::report::serde_number;

/// The flat direction's curvature.
pub(super) const FLAT: f64 = 1.0;
/// The sharp direction's curvature: λ_max.
pub(super) const SHARP: f64 = 20.0;
/// The start: far out along the flat direction, close to the minimum along the sharp one, so
/// the flat direction has 50 times the gradient (λ·w = 10 against 0.2).
pub(super) const START: [f64; 2] = [10.0, 0.01];
/// Steps of each run.
pub(super) const STEPS: usize = 40;
/// The values of lr·λ_max tried.
pub(super) const RATIOS: [f64; 7] = [0.5, 1.0, 1.5, 1.9, 2.0, 2.1, 2.5];

/// The quadratic's measurements.
#[derive(Debug, Serialize)]
pub(super) struct QuadraticReport {
    /// λ₁, λ₂ in closed form.
    pub lambdas: [f64; 2],
    /// λ_max by power iteration on Hessian-vector products.
    #[serde(with = "serde_number")]
    pub lambda_max_measured: f64,
    pub start: [f64; 2],
    /// The gradient at the start, `(λ₁·w₁, λ₂·w₂)`, as the tape computed it.
    pub start_gradient: [f64; 2],
    pub steps: usize,
    pub runs: Vec<QuadraticRun>,
}

/// One learning rate on the quadratic.
#[derive(Debug, Serialize)]
pub(super) struct QuadraticRun {
    pub lr: f64,
    /// `lr·λ_max`.
    pub ratio: f64,
    /// The measured factor per step along each direction, `|w_i(T) / w_i(0)|^(1/T)`.
    pub factors: [f64; 2],
    /// The closed form `|1 − lr·λ_i|`.
    pub predicted: [f64; 2],
    #[serde(with = "serde_number")]
    pub loss_start: f64,
    #[serde(with = "serde_number")]
    pub loss_end: f64,
}

impl QuadraticRun {
    /// The sharp direction grows.
    pub fn diverges(&self) -> bool {
        self.factors[1] > 1.0 + 1e-9
    }

    /// The largest gap between a measured factor and its closed form.
    pub fn gap(&self) -> f64 {
        self.factors
            .iter()
            .zip(&self.predicted)
            .map(|(m, p)| (m - p).abs())
            .fold(0.0, f64::max)
    }
}

/// Runs gradient descent on the quadratic at each ratio, and measures λ_max.
///
/// # Errors
/// What recording the loss returns (nothing here, in practice).
pub(super) fn quadratic() -> Result<QuadraticReport> {
    let q = Quadratic {
        lambdas: vec![FLAT, SHARP],
    };
    let top = top_eigen(&q, &START, &[1.0, 1.0], 1e-12, 200)?;
    let (_, g0) = gradient(&q, &START)?;
    let mut runs = Vec::new();
    for ratio in RATIOS {
        let lr = ratio / SHARP;
        let mut w = START.to_vec();
        let (loss_start, _) = gradient(&q, &w)?;
        for _ in 0..STEPS {
            let (_, g) = gradient(&q, &w)?;
            for (x, d) in w.iter_mut().zip(&g) {
                *x -= lr * d;
            }
        }
        let (loss_end, _) = gradient(&q, &w)?;
        let factor = |i: usize| (w[i] / START[i]).abs().powf(1.0 / STEPS as f64);
        runs.push(QuadraticRun {
            lr,
            ratio,
            factors: [factor(0), factor(1)],
            predicted: [(1.0 - lr * FLAT).abs(), (1.0 - lr * SHARP).abs()],
            loss_start,
            loss_end,
        });
    }
    Ok(QuadraticReport {
        lambdas: [FLAT, SHARP],
        lambda_max_measured: top.value,
        start: START,
        start_gradient: [g0[0], g0[1]],
        steps: STEPS,
        runs,
    })
}
