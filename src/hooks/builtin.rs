//! The built-in hooks: clip by value, clip by norm, normalise, scale, guard against NaN.

use super::{GradHook, HookContext};
use crate::error::{Error, Result};
use crate::tensor::{Float, Tensor};

/// Clamps each element of the gradient to `[−c, c]` (`torch.nn.utils.clip_grad_value_`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipValue(pub f64);

impl<T: Float> GradHook<T> for ClipValue {
    fn name(&self) -> String {
        format!("ClipValue({})", self.0)
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let c = T::from_f64(self.0.abs());
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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipNorm(pub f64);

impl<T: Float> GradHook<T> for ClipNorm {
    fn name(&self) -> String {
        format!("ClipNorm({})", self.0)
    }
    fn apply(&self, grad: &mut Tensor<T>, _ctx: &HookContext) -> Result<Option<String>> {
        let norm = grad.norm().as_f64();
        if norm > self.0 && norm.is_finite() {
            let factor = T::from_f64(self.0 / norm);
            *grad = grad.map(|g| g * factor);
        }
        Ok(None)
    }
}

/// Rescales the gradient to unit norm: `g / (‖g‖ + eps)`.
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
        let factor = T::from_f64(1.0 / (grad.norm().as_f64() + self.eps));
        *grad = grad.map(|g| g * factor);
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
