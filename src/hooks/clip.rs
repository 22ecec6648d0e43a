//! Global-norm gradient clipping over a set of parameters, after the sweep.

use crate::error::{Error, Result};
use crate::tape::{Gradients, Var};
use crate::tensor::{Float, Tensor};

/// Options of [`clip_grad_norm_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClipGradNormOptions {
    /// Return [`Error::NonFinite`] when the total norm is NaN or infinite, instead of
    /// clipping (which would spread the NaN to every gradient).
    pub error_if_nonfinite: bool,
}

/// Rescales the gradients of `params` so that their global 2-norm is at most `max_norm`, and
/// returns the total norm before clipping — `torch.nn.utils.clip_grad_norm_`'s semantics:
/// `total = ‖(‖g₁‖, ‖g₂‖, …)‖`, `factor = max_norm / (total + 1e-6)`, applied only when it is
/// below 1. Parameters without a gradient are skipped.
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
/// [`Error::ForeignVar`] when a parameter is not a var of the tape `grads` came from;
/// otherwise never, with the default options; see [`clip_grad_norm_with`].
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
/// [`Error::ForeignVar`] when a parameter is not a var of the tape `grads` came from (no
/// gradient is changed); [`Error::NonFinite`] when `options.error_if_nonfinite` is set and the total norm is not
/// finite.
pub fn clip_grad_norm_with<T: Float>(
    grads: &mut Gradients<T>,
    params: &[Var<'_, T>],
    max_norm: f64,
    options: ClipGradNormOptions,
) -> Result<T> {
    if !params.iter().all(|p| grads.is_from(p.tape())) {
        return Err(Error::ForeignVar {
            op: "clip_grad_norm",
        });
    }
    let total = params
        .iter()
        .filter_map(|p| grads.wrt(*p))
        .map(|g| g.norm().as_f64().powi(2))
        .sum::<f64>()
        .sqrt();
    if !total.is_finite() && options.error_if_nonfinite {
        return Err(Error::NonFinite(format!(
            "the total gradient norm of {} parameters is {total}",
            params.len()
        )));
    }
    let factor = max_norm / (total + 1e-6);
    if factor < 1.0 {
        let factor = T::from_f64(factor);
        for p in params {
            if let Some(g) = grads.get_mut(p.id()) {
                *g = scaled(g, factor);
            }
        }
    }
    Ok(T::from_f64(total))
}

fn scaled<T: Float>(g: &Tensor<T>, factor: T) -> Tensor<T> {
    g.map(|x| x * factor)
}
