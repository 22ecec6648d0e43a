//! Arithmetic: `+ − × ÷` under numpy broadcasting, and negation.
//!
//! | op | value | ∂y/∂a | ∂y/∂b |
//! |----|-------|-------|-------|
//! | add | a + b | 1 | 1 |
//! | sub | a − b | 1 | −1 |
//! | mul | a · b | b | a |
//! | div | a / b | 1/b | −a/b² |
//! | neg | −a | −1 | |
//!
//! Each vector-Jacobian product returns a gradient in the broadcast output shape; the sweep
//! sums it back to each input's shape.

use std::ops as std_ops;

use super::{Op, Operand};
use crate::error::Result;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

/// `a + b`.
#[derive(Debug, Clone, Copy)]
pub struct Add;

impl<T: Float> Op<T> for Add {
    fn name(&self) -> &'static str {
        "add"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        x[0].zip_map(x[1], "add", |a, b| a + b)
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(x[0] + x[1])
    }
    fn scalar_derivative(&self, _slot: usize, _x: &[T], _y: T) -> Option<T> {
        Some(T::one())
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone() + x[1].clone()
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// `a − b`.
#[derive(Debug, Clone, Copy)]
pub struct Sub;

impl<T: Float> Op<T> for Sub {
    fn name(&self) -> &'static str {
        "sub"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        x[0].zip_map(x[1], "sub", |a, b| a - b)
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(x[0] - x[1])
    }
    fn scalar_derivative(&self, slot: usize, _x: &[T], _y: T) -> Option<T> {
        Some(if slot == 0 { T::one() } else { -T::one() })
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone() - x[1].clone()
    }
    fn local_derivative(&self, slot: usize, _x: &[Expr]) -> Expr {
        Expr::constant(if slot == 0 { 1.0 } else { -1.0 })
    }
}

/// `a · b`, elementwise.
#[derive(Debug, Clone, Copy)]
pub struct Mul;

impl<T: Float> Op<T> for Mul {
    fn name(&self) -> &'static str {
        "mul"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        x[0].zip_map(x[1], "mul", |a, b| a * b)
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(x[0] * x[1])
    }
    fn scalar_derivative(&self, slot: usize, x: &[T], _y: T) -> Option<T> {
        Some(x[1 - slot])
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone() * x[1].clone()
    }
    fn local_derivative(&self, slot: usize, x: &[Expr]) -> Expr {
        x[1 - slot].clone()
    }
}

/// `a / b`, elementwise.
#[derive(Debug, Clone, Copy)]
pub struct Div;

impl<T: Float> Op<T> for Div {
    fn name(&self) -> &'static str {
        "div"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        x[0].zip_map(x[1], "div", |a, b| a / b)
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(x[0] / x[1])
    }
    fn scalar_derivative(&self, slot: usize, x: &[T], y: T) -> Option<T> {
        Some(if slot == 0 { x[1].recip() } else { -y / x[1] })
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone() / x[1].clone()
    }
    fn local_derivative(&self, slot: usize, x: &[Expr]) -> Expr {
        if slot == 0 {
            x[1].clone().powf(-1.0)
        } else {
            -(x[0].clone() * x[1].clone().powf(-2.0))
        }
    }
}

/// `−a`.
#[derive(Debug, Clone, Copy)]
pub struct Neg;

impl<T: Float> Op<T> for Neg {
    fn name(&self) -> &'static str {
        "neg"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(x[0].map(|a| -a))
    }
    vjp_from_rule!();
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(-x[0])
    }
    fn scalar_derivative(&self, _slot: usize, _x: &[T], _y: T) -> Option<T> {
        Some(-T::one())
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        -x[0].clone()
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::constant(-1.0)
    }
}

// The vector-Jacobian products, each written once for tensors and vars (`Operand`); each
// returns the gradient in the broadcast output shape.

impl Add {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, _: &[&V], _: &V, g: &V) -> V {
        g.clone()
    }
}

impl Sub {
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, _: &[&V], _: &V, g: &V) -> V {
        if slot == 0 { g.clone() } else { g.negated() }
    }
}

impl Mul {
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], _: &V, g: &V) -> V {
        g.times(x[1 - slot])
    }
}

impl Div {
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], y: &V, g: &V) -> V {
        if slot == 0 {
            // ∂(a/b)/∂a = 1/b, multiplied in like every other local derivative (rather than
            // dividing by b), so scalar and tensor graphs agree bit for bit
            g.times(&x[1].recip())
        } else {
            // ∂(a/b)/∂b = −a/b² = −y/b
            g.times(&y.negated().divided(x[1]))
        }
    }
}

impl Neg {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, _: &[&V], _: &V, g: &V) -> V {
        g.negated()
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// `self + rhs` under broadcasting.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes do not broadcast.
    pub fn try_add(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(Add, &[self, rhs])
    }

    /// `self − rhs` under broadcasting.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes do not broadcast.
    pub fn try_sub(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(Sub, &[self, rhs])
    }

    /// `self · rhs` elementwise under broadcasting.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes do not broadcast.
    pub fn try_mul(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(Mul, &[self, rhs])
    }

    /// `self / rhs` elementwise under broadcasting.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes do not broadcast.
    pub fn try_div(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(Div, &[self, rhs])
    }

    fn lift(self, x: T) -> Self {
        self.tape().constant(x)
    }
}

/// Implements one operator between vars, with a plain number on the right, and with `f32` or
/// `f64` on the left; a plain number enters the tape as a constant.
macro_rules! binary_operator {
    ($Trait:ident, $method:ident, $Op:ident) => {
        impl<'t, T: Float> std_ops::$Trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            #[inline]
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                self.tape().apply($Op, &[self, rhs])
            }
        }
        impl<'t, T: Float> std_ops::$Trait<T> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: T) -> Var<'t, T> {
                self.tape().apply($Op, &[self, self.lift(rhs)])
            }
        }
        binary_operator!(@left $Trait, $method, $Op, f32);
        binary_operator!(@left $Trait, $method, $Op, f64);
    };
    (@left $Trait:ident, $method:ident, $Op:ident, $float:ty) => {
        impl<'t> std_ops::$Trait<Var<'t, $float>> for $float {
            type Output = Var<'t, $float>;
            fn $method(self, rhs: Var<'t, $float>) -> Var<'t, $float> {
                rhs.tape().apply($Op, &[rhs.lift(self), rhs])
            }
        }
    };
}

binary_operator!(Add, add, Add);
binary_operator!(Sub, sub, Sub);
binary_operator!(Mul, mul, Mul);
binary_operator!(Div, div, Div);

impl<'t, T: Float> std_ops::Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        self.unary(Neg)
    }
}
