//! The unit of Pascanu, Mikolov & Bengio's cliff (2013): `x_t = w·σ(x_{t−1}) + b` from
//! `x_0 = 0.5` for 50 steps, loss `L = (x_50 − 0.7)²`, recorded on the chaintrace tape (f64
//! scalars) and differentiated by the engine; clipping is the crate's [`clip_grad_norm`], as
//! in the training runs.

use chaintrace::hooks::{clip_grad_norm, global_grad_norm};
use chaintrace::{Tape, Var};

use crate::cli::CliError;

/// The recurrent weight of the slice through the cliff: above 4, so `w·σ′ ≤ w/4` can exceed 1
/// and the unit can have two stable states.
pub(super) const W: f64 = 5.0;
/// The unit's first state.
pub(super) const X0: f64 = 0.5;
/// The target of the last state.
pub(super) const TARGET: f64 = 0.7;
/// The time steps.
pub(super) const STEPS: usize = 50;

/// The unit recorded on a tape.
pub(super) struct Recorded<'t> {
    /// `L = (x_50 − 0.7)²`.
    pub loss: Var<'t, f64>,
    /// `x_1 … x_50`.
    pub states: Vec<Var<'t, f64>>,
    /// The leaves `[w, b]`.
    pub params: [Var<'t, f64>; 2],
}

impl<'t> Recorded<'t> {
    /// `x_50`.
    pub(super) fn last(&self) -> Var<'t, f64> {
        *self.states.last().expect("STEPS > 0")
    }
}

/// Records the loss at `(w, b)` on `tape`.
pub(super) fn record(tape: &Tape<f64>, w: f64, b: f64) -> Recorded<'_> {
    let (wv, bv) = (tape.var("w", w), tape.var("b", b));
    let mut x = tape.constant(X0);
    let mut states = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        x = wv * x.sigmoid() + bv;
        states.push(x);
    }
    Recorded {
        loss: (x - TARGET).square(),
        states,
        params: [wv, bv],
    }
}

/// What the engine says at one point.
pub(super) struct Eval {
    pub loss: f64,
    /// `x_50`.
    pub x_last: f64,
    /// ‖∇L‖ before clipping.
    pub grad_norm: f64,
    /// `(∂L/∂w, ∂L/∂b)`, clipped if asked.
    pub grad: [f64; 2],
    /// `∂x_50/∂b`, from a backward pass of `x_50`.
    pub dx_db: f64,
    /// How many of `x_1 … x_50` lie within [`NEAR`] of `x_0`.
    pub near_x0: usize,
}

/// "Near `x_0`": within this distance of it.
pub(super) const NEAR: f64 = 0.1;

/// The loss, `x_50`, ‖∇L‖, the gradient and `∂x_50/∂b` at `(w, b)`, the gradient clipped to
/// `max_norm` (global 2-norm, [`clip_grad_norm`]) if one is given.
pub(super) fn evaluate(w: f64, b: f64, max_norm: Option<f64>) -> Result<Eval, CliError> {
    let failed = |e: chaintrace::Error| CliError::Failed(e.to_string());
    let tape = Tape::new();
    let unit = record(&tape, w, b);
    let (loss, x, params) = (unit.loss, unit.last(), unit.params);
    let mut grads = loss.try_backward().map_err(failed)?;
    let grad_norm = match max_norm {
        Some(m) => clip_grad_norm(&mut grads, &params, m).map_err(failed)?,
        None => global_grad_norm(&grads, &params),
    };
    let dx_db = x
        .try_backward()
        .map_err(failed)?
        .scalar(params[1])
        .map_err(failed)?;
    Ok(Eval {
        loss: loss.item().map_err(failed)?,
        x_last: x.item().map_err(failed)?,
        grad_norm,
        grad: [
            grads.scalar(params[0]).map_err(failed)?,
            grads.scalar(params[1]).map_err(failed)?,
        ],
        dx_db,
        near_x0: unit
            .states
            .iter()
            .filter(|x| x.item().is_ok_and(|x| (x - X0).abs() < NEAR))
            .count(),
    })
}

/// The loss and `x_50` at `(w, b)`: the forward pass only.
pub(super) fn forward(w: f64, b: f64) -> Result<(f64, f64), CliError> {
    let failed = |e: chaintrace::Error| CliError::Failed(e.to_string());
    let tape = Tape::new();
    let unit = record(&tape, w, b);
    Ok((
        unit.loss.item().map_err(failed)?,
        unit.last().item().map_err(failed)?,
    ))
}

/// The curvature of L at `(w, b)` along the unit vector `u`: `u·(∇L(p + εu) − ∇L(p − εu))/(2ε)`.
pub(super) fn curvature(w: f64, b: f64, u: [f64; 2]) -> Result<f64, CliError> {
    let eps = 1e-5;
    let plus = evaluate(w + eps * u[0], b + eps * u[1], None)?.grad;
    let minus = evaluate(w - eps * u[0], b - eps * u[1], None)?.grad;
    Ok((u[0] * (plus[0] - minus[0]) + u[1] * (plus[1] - minus[1])) / (2.0 * eps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::demo::clip::cliff::wall;

    /// The loss by a plain loop, for finite differences.
    fn loss(w: f64, b: f64) -> f64 {
        let mut x = X0;
        for _ in 0..STEPS {
            x = w / (1.0 + (-x).exp()) + b;
        }
        (x - TARGET).powi(2)
    }

    /// The engine's gradient against central differences, `(L(p + h) − L(p − h))/(2h)`, on
    /// the flat part and 10⁻⁴ before the wall, where ‖∇L‖ is a thousand times larger (there
    /// the loss bends sharply, so the step is small: h = 1e-8, truncation ~h²·L‴).
    #[test]
    fn the_gradient_is_the_central_difference() {
        let wall_b = wall().unwrap();
        for (b, h) in [(wall_b - 0.1, 1e-6), (wall_b - 1e-4, 1e-8)] {
            let Eval {
                loss: l,
                grad_norm: norm,
                grad: g,
                ..
            } = evaluate(W, b, None).unwrap();
            assert!((l - loss(W, b)).abs() < 1e-12 * l, "{l}");
            let dw = (loss(W + h, b) - loss(W - h, b)) / (2.0 * h);
            let db = (loss(W, b + h) - loss(W, b - h)) / (2.0 * h);
            for (engine, fd) in [(g[0], dw), (g[1], db)] {
                assert!(
                    (engine / fd - 1.0).abs() < 1e-5,
                    "{engine} vs {fd} at b = {b}"
                );
            }
            assert!((norm - dw.hypot(db)).abs() < 1e-5 * norm);
        }
    }
}
