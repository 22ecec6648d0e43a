//! `u^p` for a constant exponent: an elementwise op with a parameter, so a plain [`Op`] rather
//! than an [`ElementwiseFn`](super::ElementwiseFn) declaration.

use super::{Op, Operand};
use crate::error::Result;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

fn c(x: f64) -> Expr {
    Expr::constant(x)
}

/// `u^p` for a constant exponent `p`; `d(u^p)/du = p·u^(p−1)`.
///
/// IEEE `pow`, like numpy: `u⁰` is 1 even for a NaN `u` (the value does not depend on `u`;
/// the derivative `0·u⁻¹` is NaN there), the one exception to "a NaN input gives a NaN
/// value".
#[derive(Debug, Clone, Copy)]
pub struct Powf(pub f64);

impl<T: Float> Op<T> for Powf {
    fn name(&self) -> &'static str {
        "powf"
    }
    fn label(&self) -> String {
        // The exponent exactly (shortest round-trip digits), but never 309 of them: positional
        // in the usual range, scientific outside it (`powf(1e308)`), so a label stays short
        // enough for a trace file to hold.
        let p = self.0;
        if p == 0.0 || (1e-5..1e16).contains(&p.abs()) || !p.is_finite() {
            format!("powf({p})")
        } else {
            format!("powf({p:e})")
        }
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let p = T::from_f64(self.0);
        Ok(x[0].map(|u| u.powf(p)))
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(x[0].powf(T::from_f64(self.0)))
    }
    fn scalar_derivative(&self, _slot: usize, x: &[T], _y: T) -> Option<T> {
        let p = T::from_f64(self.0);
        Some(p * x[0].powf(p - T::one()))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().powf(self.0)
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        c(self.0) * x[0].clone().powf(self.0 - 1.0)
    }
}

impl Powf {
    /// `∂L/∂u = g · p·u^(p−1)`, written once for tensors and vars.
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        let p = T::from_f64(self.0);
        g.times(&x[0].powi_scaled((p - T::one()).as_f64(), p))
    }
}

impl<T: Float> Var<'_, T> {
    /// `self^p` elementwise for a constant exponent; `d(u^p)/du = p·u^(p−1)`.
    pub fn powf(self, p: f64) -> Self {
        self.unary(Powf(p))
    }
}
