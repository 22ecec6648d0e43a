//! Elementwise functions of one input.
//!
//! Each entry below states, side by side: the value `y = f(u)`, the local derivative `dy/du`
//! computed from the input `u` and the output `y`, the forward formula and the derivative
//! formula the tracer prints. The vector-Jacobian product is `∂L/∂u = ∂L/∂y · dy/du`.

use super::{Op, times};
use crate::error::Result;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

/// Defines an elementwise op and the `Var` method that records it.
macro_rules! elementwise {
    (
        $(#[$doc:meta])*
        $Op:ident, $method:ident, $name:literal,
        value: |$u:ident| $value:expr,
        derivative: |$du:ident, $y:ident| $derivative:expr,
        formula: |$e:ident| $formula:expr,
        derivative_formula: |$de:ident| $derivative_formula:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $Op;

        impl<T: Float> Op<T> for $Op {
            fn name(&self) -> &'static str {
                $name
            }
            fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
                Ok(x[0].map(|$u: T| $value))
            }
            fn vjp(&self, _slot: usize, x: &[&Tensor<T>], y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
                times(g, &x[0].zip(y, |$du: T, $y: T| $derivative))
            }
            fn scalar(&self, x: &[T]) -> Option<T> {
                let $u = x[0];
                Some($value)
            }
            fn scalar_derivative(&self, _slot: usize, x: &[T], y: T) -> Option<T> {
                let ($du, $y) = (x[0], y);
                Some($derivative)
            }
            fn symbolic(&self, x: &[Expr]) -> Expr {
                let $e = x[0].clone();
                $formula
            }
            fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
                let $de = x[0].clone();
                $derivative_formula
            }
        }

        impl<'t, T: Float> Var<'t, T> {
            $(#[$doc])*
            pub fn $method(self) -> Self {
                self.unary($Op)
            }
        }
    };
}

fn c(x: f64) -> Expr {
    Expr::constant(x)
}

fn half<T: Float>() -> T {
    T::from_f64(0.5)
}

fn two<T: Float>() -> T {
    T::from_f64(2.0)
}

elementwise! {
    /// Hyperbolic tangent; `d tanh(u)/du = 1 − tanh(u)²`.
    Tanh, tanh, "tanh",
    value: |u| u.tanh(),
    derivative: |_u, y| T::one() - y * y,
    formula: |u| Expr::call1("tanh", u),
    derivative_formula: |u| c(1.0) - Expr::call1("tanh", u).powf(2.0),
}

elementwise! {
    /// Logistic sigmoid `σ(u) = 1/(1 + e^−u)`; `dσ/du = σ(u)·(1 − σ(u))`.
    Sigmoid, sigmoid, "sigmoid",
    value: |u| sigmoid(u),
    derivative: |_u, y| y * (T::one() - y),
    formula: |u| Expr::call1("σ", u),
    derivative_formula: |u| Expr::call1("σ", u.clone()) * (c(1.0) - Expr::call1("σ", u)),
}

elementwise! {
    /// Rectified linear unit `max(u, 0)`; its derivative is the step `[u > 0]` (0 at u = 0).
    /// A NaN input stays NaN in the value and the derivative (as in PyTorch), so a NaN is
    /// never silently turned into 0.
    Relu, relu, "relu",
    value: |u| if u > T::zero() || u.is_nan() { u } else { T::zero() },
    derivative: |u, _y| if u.is_nan() { u } else if u > T::zero() { T::one() } else { T::zero() },
    formula: |u| Expr::call1("relu", u),
    derivative_formula: |u| Expr::call1("step", u),
}

elementwise! {
    /// Natural exponential; its derivative is itself.
    Exp, exp, "exp",
    value: |u| u.exp(),
    derivative: |_u, y| y,
    formula: |u| Expr::call1("exp", u),
    derivative_formula: |u| Expr::call1("exp", u),
}

elementwise! {
    /// Natural logarithm (NaN for u < 0, −∞ at 0); `d ln(u)/du = 1/u`.
    Ln, ln, "ln",
    value: |u| u.ln(),
    derivative: |u, _y| T::one() / u,
    formula: |u| Expr::call1("ln", u),
    derivative_formula: |u| u.powf(-1.0),
}

elementwise! {
    /// Square root (NaN for u < 0); `d√u/du = 1/(2√u)`.
    Sqrt, sqrt, "sqrt",
    value: |u| u.sqrt(),
    derivative: |_u, y| half::<T>() / y,
    formula: |u| Expr::call1("sqrt", u),
    derivative_formula: |u| c(0.5) * Expr::call1("sqrt", u).powf(-1.0),
}

elementwise! {
    /// `u²`; `d(u²)/du = 2u`.
    Square, square, "square",
    value: |u| u * u,
    derivative: |u, _y| two::<T>() * u,
    formula: |u| u.powf(2.0),
    derivative_formula: |u| c(2.0) * u,
}

elementwise! {
    /// Absolute value; its derivative is `sign(u)` (0 at u = 0, NaN at NaN: a NaN input is
    /// never turned into a zero gradient).
    Abs, abs, "abs",
    value: |u| u.abs(),
    derivative: |u, _y| sign(u),
    formula: |u| Expr::call1("abs", u),
    derivative_formula: |u| Expr::call1("sign", u),
}

fn sigmoid<T: Float>(u: T) -> T {
    T::one() / (T::one() + (-u).exp())
}

/// −1, 0 or 1; NaN for NaN (so the NaN reaches the gradient).
fn sign<T: Float>(u: T) -> T {
    if u.is_nan() {
        u
    } else if u > T::zero() {
        T::one()
    } else if u < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
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
    fn vjp(&self, _slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        let p = T::from_f64(self.0);
        times(g, &x[0].map(|u| p * u.powf(p - T::one())))
    }
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

impl<T: Float> Var<'_, T> {
    /// `self^p` elementwise for a constant exponent; `d(u^p)/du = p·u^(p−1)`.
    pub fn powf(self, p: f64) -> Self {
        self.unary(Powf(p))
    }
}
