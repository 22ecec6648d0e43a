//! Global-norm gradient clipping over a set of parameters, after the sweep.

use super::builtin::check_limit;
use crate::error::{Error, Result};
use crate::tape::{Gradients, Var};
use crate::tensor::{Float, ScaledNorm};

/// Options of [`clip_grad_norm_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClipGradNormOptions {
    /// Return [`Error::NonFinite`] when a gradient has a NaN or infinite element, instead of
    /// returning the NaN or infinite total and leaving the gradients unclipped. (A total that
    /// only overflows, from finite gradients, is not an error: those are clipped as usual.)
    pub error_if_nonfinite: bool,
}

/// Rescales the gradients of `params` so that their global 2-norm is at most `max_norm`, and
/// returns the total norm before clipping — `torch.nn.utils.clip_grad_norm_`'s semantics:
/// `total = ‖(‖g₁‖, ‖g₂‖, …)‖`, `factor = max_norm / (total + 1e-6)`, applied only when it is
/// below 1. Parameters without a gradient are skipped.
///
/// The norms are taken with scaling and combined without squaring a norm again
/// ([`ScaledNorm`]), and the gradients are rescaled through the scaled total. So any finite
/// gradients come out finite with a global norm ≤ `max_norm`·(1 + 1e-6), and the returned total
/// is finite whenever the true total is representable in `T` (f32 gradient `[1e20, 1e20]`:
/// returns `1.41421e20`, clips to `[0.70711, 0.70711]`; in f64 the total of gradients of norm
/// 1e300 is right, where squaring each one overflowed from 1.3e154). When a gradient has a NaN
/// or infinite element, the total is NaN or ∞ and nothing is rescaled.
///
/// # Example
/// ```
/// use chaintrace::{hooks::clip_grad_norm, Tape};
/// let tape = Tape::<f64>::new();
/// let a = tape.var("a", 3.0);
/// let b = tape.var("b", 4.0);
/// let loss = 0.5 * (a.square() + b.square()); // gradients (3, 4): norm 5
/// let mut grads = loss.backward();
/// let total = clip_grad_norm(&mut grads, &[a, b], 1.0).unwrap();
/// assert_eq!(total, 5.0);
/// let ga = grads.wrt(a).unwrap().item().unwrap();
/// assert!((ga - 0.6).abs() < 1e-6);
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `clip_grad_norm` and `max_norm` when `max_norm` is negative (it
/// would reverse the gradients), NaN (it would clip nothing) or infinite; the gradients are
/// left unchanged.
/// [`Error::ForeignVar`] when a parameter is not a var of the tape `grads` came from (no
/// gradient is changed).
pub fn clip_grad_norm<T: Float>(
    grads: &mut Gradients<T>,
    params: &[Var<'_, T>],
    max_norm: f64,
) -> Result<T> {
    clip_grad_norm_with(grads, params, max_norm, ClipGradNormOptions::default())
}

/// [`clip_grad_norm`] with options.
///
/// # Errors
/// [`Error::Invalid`] for a `max_norm` that is negative, NaN or infinite, as
/// [`clip_grad_norm`]; [`Error::NonFinite`] when `options.error_if_nonfinite` is set and a
/// gradient has a NaN or infinite element. Either way the gradients are left unchanged.
/// [`Error::ForeignVar`] when a parameter is not a var of the tape `grads` came from.
pub fn clip_grad_norm_with<T: Float>(
    grads: &mut Gradients<T>,
    params: &[Var<'_, T>],
    max_norm: f64,
    options: ClipGradNormOptions,
) -> Result<T> {
    let max_norm = check_limit("clip_grad_norm", "max_norm", max_norm)?;
    if !params.iter().all(|p| grads.is_from(p.tape())) {
        return Err(Error::ForeignVar {
            op: "clip_grad_norm",
        });
    }
    let total = total_norm(grads, params);
    if !total.is_finite() && options.error_if_nonfinite {
        return Err(Error::NonFinite(format!(
            "the total gradient norm of {} parameters is {}",
            params.len(),
            total.norm()
        )));
    }
    // torch's factor, max_norm / (total + 1e-6), applied when below 1; `rescaled_eps` forms it
    // through the scaled total, so the total itself may overflow.
    if total.is_finite() && max_norm < total.norm() + 1e-6 {
        for p in params {
            if let Some(g) = grads.get_mut(p.id()) {
                *g = total.rescaled_eps(g, max_norm, 1e-6);
            }
        }
    }
    Ok(total.norm_as())
}

/// The global 2-norm of the gradients of `params`, `‖(‖g₁‖, ‖g₂‖, …)‖`, as
/// [`clip_grad_norm`] measures it (with scaling, [`ScaledNorm`]), without clipping anything.
/// Parameters without a gradient are skipped.
///
/// # Example
/// ```
/// use chaintrace::{hooks::global_grad_norm, Tape};
/// let tape = Tape::<f32>::new();
/// let a = tape.var("a", 1e20);
/// let b = tape.var("b", 1e20);
/// let grads = (a + b).backward(); // gradients (1, 1)
/// assert_eq!(global_grad_norm(&grads, &[a, b]), 2f32.sqrt());
/// ```
pub fn global_grad_norm<T: Float>(grads: &Gradients<T>, params: &[Var<'_, T>]) -> T {
    total_norm(grads, params).norm_as()
}

fn total_norm<T: Float>(grads: &Gradients<T>, params: &[Var<'_, T>]) -> ScaledNorm {
    params
        .iter()
        .filter_map(|p| grads.wrt(*p))
        .map(ScaledNorm::of)
        .fold(ScaledNorm::ZERO, ScaledNorm::combine)
}
