//! The built-in hooks: clip by value, clip by norm, normalise, scale, guard against NaN.

use super::{GradHook, HookContext};
use crate::error::{Error, Result};
use crate::tensor::{Float, ScaledNorm, Tensor};

/// `value` if it is a usable limit (finite and ≥ 0), else [`Error::Invalid`] naming `op` and
/// its argument `arg`: a negative limit would reverse the gradient, NaN would clip nothing.
pub(super) fn check_limit(op: &'static str, arg: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::invalid(
            op,
            format!("`{arg}` must be a finite number ≥ 0, got {value}"),
        ))
    }
}

/// Clamps each element of the gradient to `[−c, c]` (`torch.nn.utils.clip_grad_value_`); a
/// NaN element stays NaN.
///
/// # Errors
/// [`GradHook::apply`] returns [`Error::Invalid`] naming `ClipValue` and `clip_value` when `c`
/// is negative, NaN or infinite (so [`Var::try_backward`](crate::Var::try_backward) fails with
/// it, and [`Var::backward`](crate::Var::backward) panics with it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipValue(pub f64);

impl<T: Float> GradHook<T> for ClipValue {
    fn name(&self) -> String {
        format!("ClipValue({})", self.0)
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let c = T::from_f64(check_limit("ClipValue", "clip_value", self.0)?);
        *grad = grad.map(|g| {
            if g > c {
                c
            } else if g < -c {
                -c
            } else {
                g
            }
        });
        Ok(None)
    }
}

/// Rescales the gradient to norm at most `max`, keeping its direction; a gradient already
/// within the bound is left untouched. "You can move in this direction, but only take a step
/// of size `max`."
///
/// The norm is taken with scaling ([`ScaledNorm`]) and the gradient is rescaled through it, so
/// any finite gradient comes out finite with norm ≤ `max`·(1 + 1e-6), even one whose norm
/// overflows its type (f32 `[1e20, 1e20]`, f64 `[1.5e308, 1.5e308]`). A gradient with a NaN or
/// infinite element is left as it is ([`NanGuard`] deals with those).
///
/// # Errors
/// [`GradHook::apply`] returns [`Error::Invalid`] naming `ClipNorm` and `max_norm` when `max`
/// is negative (which would reverse the gradient), NaN or infinite, so
/// [`Var::try_backward`](crate::Var::try_backward) fails with it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipNorm(pub f64);

impl<T: Float> GradHook<T> for ClipNorm {
    fn name(&self) -> String {
        format!("ClipNorm({})", self.0)
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let max = check_limit("ClipNorm", "max_norm", self.0)?;
        let norm = ScaledNorm::of(grad);
        if norm.is_finite() && norm.norm() > max {
            *grad = norm.rescaled(grad, max);
        }
        Ok(None)
    }
}

/// Rescales the gradient to unit norm: `g / (‖g‖ + eps)`.
///
/// Computed through the scaled norm ([`ScaledNorm`]), so any finite gradient comes out finite
/// with norm `‖g‖ / (‖g‖ + eps)` ≤ 1, even when `‖g‖` overflows its type (f32 `[1e20, 1e20]`
/// becomes `[0.70711, 0.70711]`). A zero gradient stays zero; one with a NaN or infinite
/// element is left as it is ([`NanGuard`] deals with those).
///
/// # Errors
/// [`GradHook::apply`] returns [`Error::Invalid`] naming `Normalize` and `eps` when `eps` is
/// negative, NaN or infinite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalize {
    /// Added to the norm so a zero gradient stays zero instead of becoming NaN.
    pub eps: f64,
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize { eps: 1e-12 }
    }
}

impl<T: Float> GradHook<T> for Normalize {
    fn name(&self) -> String {
        "Normalize".to_string()
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let eps = check_limit("Normalize", "eps", self.eps)?;
        *grad = ScaledNorm::of(grad).rescaled_eps(grad, 1.0, eps);
        Ok(None)
    }
}

/// Multiplies the gradient by `k`; `Scale(0.0)` cuts a dependency (on an edge: switches a skip
/// connection off).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale(pub f64);

impl<T: Float> GradHook<T> for Scale {
    fn name(&self) -> String {
        format!("Scale({})", self.0)
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let k = T::from_f64(self.0);
        *grad = grad.map(|g| g * k);
        Ok(None)
    }
}

/// Stops non-finite gradients: either fails with their location, or replaces them and says so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NanGuard {
    /// Return [`Error::NonFinite`] naming the node, op and layer.
    Error,
    /// Replace each NaN or ±inf element by this value and note how many were replaced.
    Replace(f64),
}

impl<T: Float> GradHook<T> for NanGuard {
    fn name(&self) -> String {
        match self {
            NanGuard::Error => "NanGuard(error)".to_string(),
            NanGuard::Replace(v) => format!("NanGuard(replace with {v})"),
        }
    }
    fn apply(&self, grad: &mut Tensor<T>, ctx: &HookContext) -> Result<Option<String>> {
        let bad = grad.to_vec().iter().filter(|g| !g.is_finite()).count();
        if bad == 0 {
            return Ok(None);
        }
        match self {
            NanGuard::Error => Err(Error::NonFinite(format!(
                "{bad} of {} gradient elements at {ctx}",
                grad.len()
            ))),
            NanGuard::Replace(v) => {
                let v = T::from_f64(*v);
                *grad = grad.map(|g| if g.is_finite() { g } else { v });
                Ok(Some(format!("replaced {bad} non-finite values")))
            }
        }
    }
}
