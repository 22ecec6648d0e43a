//! Pascanu, Mikolov & Bengio's cliff (2013, "On the difficulty of training recurrent neural
//! networks", section 3.3 and Fig. 6): one sigmoid unit run for 50 steps,
//! `x_t = w·σ(x_{t−1}) + b` from `x_0 = 0.5`, loss `L = (x_50 − 0.7)²`.
//!
//! For `w > 4` the map `x ↦ w·σ(x) + b` has slope up to `w/4 > 1`, and over a range of `b` it
//! has two stable fixed points (a low one and a high one) with an unstable one between them.
//! Which one `x_50` ends near depends on `b`: crossing the bifurcation, `x_50` jumps from one
//! to the other, and the loss surface has a wall there. Near the wall the gradient is huge,
//! because `∂x_50/∂b = Σ_k Π_{t>k} w·σ′(x_{t−1})` sums products of up to 50 factors
//! `w·σ′(x)` that are above 1 while the trajectory lingers near the unstable point.
//!
//! The unit itself, on the tape, is in `cliff_model.rs`; here its wall is found, approached,
//! and stepped from.

use serde::Serialize;

use chaintrace::report::serde_number;

use super::cliff_model::{Eval, STEPS, TARGET, W, X0, curvature, evaluate, forward};
use crate::cli::CliError;

/// The scan of `b` that brackets the wall: 60 intervals of 0.05 over [−4, −1].
pub(super) const SCAN: (f64, f64, usize) = (-4.0, -1.0, 60);
/// Distances before the wall probed, 10⁻¹ … 10⁻⁸; the first is the flat part.
const DECADES: i32 = 8;
/// The start is the first probe whose ‖∇L‖ is this many times the flat part's.
pub(super) const JUMP: f64 = 100.0;
/// Steps of each descent from the start.
const DESCENT: usize = 6;

/// The cliff's numbers (part of `demo clip`'s JSON). Both descents use the demo's `lr`, and
/// the clipped one its `max_norm`.
#[derive(Debug, Serialize)]
pub(super) struct Cliff {
    /// The weight `w` of the slice.
    pub w: f64,
    pub x0: f64,
    pub target: f64,
    pub steps: usize,
    /// Where `x_50` jumps between the fixed points at `w`: the middle of the jump, found by
    /// bisection inside the interval of the scan of `b` ([`SCAN`]) with the largest jump.
    #[serde(with = "serde_number")]
    pub wall_b: f64,
    /// `x_0 − w·σ(x_0)`: the `b` at which `x_0` is itself the unstable fixed point, the
    /// boundary between the two fixed points' basins (the wall of an infinitely long run).
    #[serde(with = "serde_number")]
    pub basin_b: f64,
    /// `w·σ′(x_0)`: the chain rule's factor per step while the state stays near `x_0`.
    #[serde(with = "serde_number")]
    pub factor_x0: f64,
    /// `w·σ′(x_50)` on the flat part, at the low fixed point: the factor per step there.
    #[serde(with = "serde_number")]
    pub factor_flat: f64,
    /// `(w, wall_b − d)` for `d = 10⁻¹ … 10⁻⁸`: the approach to the wall from the high-loss
    /// side. The first is the flat part.
    pub approach: Vec<Probe>,
    /// The curvature of L along −∇L on the flat part (`approach[0]`), by central differences
    /// of the engine's gradient: the step there is safe when `lr·λ < 2`.
    #[serde(with = "serde_number")]
    pub flat_curvature: f64,
    /// The index in `approach` of the start: the first probe whose ‖∇L‖ is at least 100
    /// times the flat part's.
    pub start: usize,
    /// Plain SGD from the start, then SGD with the gradient clipped (global 2-norm).
    pub runs: Vec<CliffRun>,
}

/// One point before the wall.
#[derive(Debug, Serialize)]
pub(super) struct Probe {
    /// How far before the wall (in `b`).
    #[serde(with = "serde_number")]
    pub distance: f64,
    #[serde(with = "serde_number")]
    pub b: f64,
    #[serde(with = "serde_number")]
    pub x_last: f64,
    #[serde(with = "serde_number")]
    pub loss: f64,
    #[serde(with = "serde_number")]
    pub grad_norm: f64,
    /// `∂x_50/∂b`, the sum of products of the factors `w·σ′(x_t)` (engine).
    #[serde(with = "serde_number")]
    pub dx_db: f64,
    /// How many of `x_1 … x_50` lie within 0.1 of `x_0`.
    pub near_x0: usize,
}

/// A descent from the start.
#[derive(Debug, Serialize)]
pub(super) struct CliffRun {
    /// `None` without clipping.
    pub max_norm: Option<f64>,
    /// The points visited, the start first.
    pub points: Vec<CliffPoint>,
}

/// A point of a descent, and the step taken from it.
#[derive(Debug, Serialize)]
pub(super) struct CliffPoint {
    #[serde(with = "serde_number")]
    pub w: f64,
    #[serde(with = "serde_number")]
    pub b: f64,
    /// `x_50`: near the low fixed point below the wall, near the high one above it.
    #[serde(with = "serde_number")]
    pub x_last: f64,
    #[serde(with = "serde_number")]
    pub loss: f64,
    /// ‖∇L‖ before clipping.
    #[serde(with = "serde_number")]
    pub grad_norm: f64,
    /// The length of the step taken from here, `lr·‖∇L‖` times the clipping factor.
    #[serde(with = "serde_number")]
    pub step_length: f64,
    /// The distance from the start.
    #[serde(with = "serde_number")]
    pub distance: f64,
}

impl CliffRun {
    /// How often the descent crossed the wall: consecutive points whose `x_50` lie on
    /// different sides of `x_0` (the unstable fixed point the wall is made of).
    pub(super) fn crossings(&self) -> usize {
        self.points
            .windows(2)
            .filter(|p| (p[0].x_last > X0) != (p[1].x_last > X0))
            .count()
    }

    /// The first step: its length and the point it lands on.
    pub(super) fn first_step(&self) -> (f64, &CliffPoint) {
        (self.points[0].step_length, &self.points[1])
    }
}

impl Cliff {
    /// The start of both descents.
    pub(super) fn start(&self) -> &Probe {
        &self.approach[self.start]
    }

    /// The flat part.
    pub(super) fn flat(&self) -> &Probe {
        &self.approach[0]
    }
}

/// `x_50` at `(W, b)`.
fn last_state(b: f64) -> Result<f64, CliError> {
    Ok(forward(W, b)?.1)
}

/// The middle of the jump of `x_50` along `b` at `w = W`. `x_50` grows with `b` (each
/// `∂x_t/∂b = 1 + w·σ′·∂x_{t−1}/∂b` is positive for `w > 0`), so bisection on "below the
/// middle of the jump" inside the scan's steepest interval finds it to the last bit.
pub(super) fn wall() -> Result<f64, CliError> {
    let (lo, hi, n) = SCAN;
    let bs: Vec<f64> = (0..=n)
        .map(|i| lo + (hi - lo) * i as f64 / n as f64)
        .collect();
    let xs = bs
        .iter()
        .map(|&b| last_state(b))
        .collect::<Result<Vec<_>, _>>()?;
    let i = (0..n)
        .max_by(|&i, &j| (xs[i + 1] - xs[i]).total_cmp(&(xs[j + 1] - xs[j])))
        .expect("a scan of several points");
    let middle = (xs[i] + xs[i + 1]) / 2.0;
    let (mut lo, mut hi) = (bs[i], bs[i + 1]);
    loop {
        let mid = (lo + hi) / 2.0;
        if mid <= lo || mid >= hi {
            return Ok(lo);
        }
        if last_state(mid)? < middle {
            lo = mid;
        } else {
            hi = mid;
        }
    }
}

/// `DESCENT` SGD steps at `lr` from `(w, b)`, clipped to `max_norm` if given.
fn descend(w: f64, b: f64, lr: f64, max_norm: Option<f64>) -> Result<CliffRun, CliError> {
    let (w0, b0) = (w, b);
    let (mut w, mut b) = (w, b);
    let mut points = Vec::new();
    for k in 0..=DESCENT {
        let Eval {
            loss,
            x_last,
            grad_norm,
            grad: g,
            ..
        } = evaluate(w, b, max_norm)?;
        let step_length = if k < DESCENT {
            lr * g[0].hypot(g[1])
        } else {
            f64::NAN // no step taken from the last point
        };
        points.push(CliffPoint {
            w,
            b,
            x_last,
            loss,
            grad_norm,
            step_length,
            distance: (w - w0).hypot(b - b0),
        });
        (w, b) = (w - lr * g[0], b - lr * g[1]);
    }
    Ok(CliffRun { max_norm, points })
}

/// Finds the wall at `w = W`, approaches it, picks the start where ‖∇L‖ has jumped, and runs
/// one descent without clipping and one clipped at `max_norm`, both at `lr`.
pub(super) fn cliff(lr: f64, max_norm: f64) -> Result<Cliff, CliError> {
    let wall_b = wall()?;
    let approach = (1..=DECADES)
        .map(|k| {
            let distance = 10f64.powi(-k);
            let b = wall_b - distance;
            let e = evaluate(W, b, None)?;
            Ok(Probe {
                distance,
                b,
                x_last: e.x_last,
                loss: e.loss,
                grad_norm: e.grad_norm,
                dx_db: e.dx_db,
                near_x0: e.near_x0,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let flat = &approach[0];
    let start = approach
        .iter()
        .position(|p| p.grad_norm >= JUMP * flat.grad_norm)
        .ok_or_else(|| CliError::Failed("no jump of ‖∇L‖ before the wall".into()))?;
    let g = evaluate(W, flat.b, None)?.grad;
    let norm = g[0].hypot(g[1]);
    let flat_curvature = curvature(W, flat.b, [-g[0] / norm, -g[1] / norm])?;
    let from = approach[start].b;
    let runs = vec![
        descend(W, from, lr, None)?,
        descend(W, from, lr, Some(max_norm))?,
    ];
    let sigma = |x: f64| 1.0 / (1.0 + (-x).exp());
    let slope = |x: f64| W * sigma(x) * (1.0 - sigma(x));
    Ok(Cliff {
        w: W,
        x0: X0,
        target: TARGET,
        steps: STEPS,
        wall_b,
        basin_b: X0 - W * sigma(X0),
        factor_x0: slope(X0),
        factor_flat: slope(approach[0].x_last),
        approach,
        flat_curvature,
        start,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wall lies between b = −2.62 and −2.61 at w = 5, 3e-5 below x_0 − w·σ(x_0):
    /// x_50 is on the low branch below it and the high branch above it.
    #[test]
    fn the_wall_separates_the_two_fixed_points() {
        let b = wall().unwrap();
        assert!((-2.62..-2.61).contains(&b), "{b}");
        assert!(last_state(b - 1e-3).unwrap() < -1.0);
        assert!(last_state(b + 1e-3).unwrap() > 1.0);
    }
}
