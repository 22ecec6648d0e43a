//! Elementwise functions of one input, each declared once as an [`ElementwiseFn`]: its name,
//! value, derivative, symbolic derivative and spellings. The tape op ([`ElementwiseOp`]), the
//! tracer's formulas, [`Expr::eval`], the text and LaTeX renderers and the expression language
//! all read that one declaration.
//!
//! The built-ins live in `unary.rs` ([`BUILTIN_FUNCTIONS`](super::BUILTIN_FUNCTIONS)); a
//! function declared outside the crate with [`elementwise_fn!`](crate::elementwise_fn) gets the
//! same op, formulas and gradient checks (docs/adding-an-op.md).

use std::any::Any;
use std::fmt;

use super::{Kernels, Op, times};
use crate::error::Result;
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

/// One elementwise function `y = f(u)`, declared once: what every part of the crate reads to
/// record it, differentiate it, print it, evaluate it and parse it.
///
/// Declare one with [`elementwise_fn!`](crate::elementwise_fn), which fills the numeric rules
/// for `f32` and `f64` from one generic expression; the fields are public so the macro can
/// build the descriptor as a `static` in the caller's crate.
///
/// Two descriptors are equal when their names are: a formula names a function, and a name
/// means one function.
pub struct ElementwiseFn {
    /// The name: the op's label in traces and the expression language's name (`"sigmoid"`).
    pub name: &'static str,
    /// Other names the expression language and [`Expr::eval`] accept (`"log"` for `ln`).
    pub aliases: &'static [&'static str],
    /// How formulas call it (`"σ"` for sigmoid; usually the name). [`Expr::call`] writes any
    /// of a built-in's names this way, so `sigmoid(u)` and `σ(u)` are one formula.
    pub spelling: &'static str,
    /// Its LaTeX command (`\sigma`), or `None` for `\operatorname{spelling}`.
    pub latex: Option<&'static str>,
    /// `f(u)` in `f32`: the generic value, or the declaration's own `f32` kernel when it gives
    /// one (`value_f32:`, as [`TANH`](super::TANH) does with [`tanh_f32`](super::tanh_f32)).
    pub value_f32: fn(f32) -> f32,
    /// `f(u)` in `f64`.
    pub value_f64: fn(f64) -> f64,
    /// `dy/du` in `f32`, from the input `u` and the output `y`.
    pub derivative_f32: fn(f32, f32) -> f32,
    /// `dy/du` in `f64`, from the input `u` and the output `y`.
    pub derivative_f64: fn(f64, f64) -> f64,
    /// The forward formula of an input's expression (usually `spelling(u)`).
    pub formula: fn(Expr) -> Expr,
    /// The local derivative `dy/du` as an expression of the input's expression.
    pub derivative_formula: fn(Expr) -> Expr,
    /// The whole-tensor loops in `f32`, with the rules above inlined (see `kernels.rs`).
    #[doc(hidden)]
    pub kernels_f32: Kernels<f32>,
    /// The whole-tensor loops in `f64`.
    #[doc(hidden)]
    pub kernels_f64: Kernels<f64>,
}

impl ElementwiseFn {
    /// `f(u)` in the element type `T`.
    ///
    /// ```
    /// use chaintrace::ops::SIGMOID;
    /// assert_eq!(SIGMOID.value(0.0f32), 0.5);
    /// ```
    #[inline]
    pub fn value<T: Float>(&self, u: T) -> T {
        match (&u as &dyn Any).downcast_ref::<f32>() {
            Some(&u) => T::from_f64(f64::from((self.value_f32)(u))),
            None => T::from_f64((self.value_f64)(u.as_f64())),
        }
    }

    /// `dy/du` in the element type `T`, at the input `u` with output `y = f(u)`.
    #[inline]
    pub fn derivative<T: Float>(&self, u: T, y: T) -> T {
        let any = (&u as &dyn Any, &y as &dyn Any);
        match (any.0.downcast_ref::<f32>(), any.1.downcast_ref::<f32>()) {
            (Some(&u), Some(&y)) => T::from_f64(f64::from((self.derivative_f32)(u, y))),
            _ => T::from_f64((self.derivative_f64)(u.as_f64(), y.as_f64())),
        }
    }

    /// The whole-tensor loops for `T` (`None` for an element type other than `f32` and `f64`,
    /// which then goes element by element through [`ElementwiseFn::value`]).
    fn kernels<T: Float>(&self) -> Option<&Kernels<T>> {
        let f32s: &dyn Any = &self.kernels_f32;
        let f64s: &dyn Any = &self.kernels_f64;
        f32s.downcast_ref().or_else(|| f64s.downcast_ref())
    }

    /// `f` over a whole tensor (its fused loop).
    pub(crate) fn map_tensor<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        match self.kernels::<T>() {
            Some(k) => (k.map)(x),
            None => x.map(|u| self.value(u)),
        }
    }

    /// `∂L/∂u = g · f′(u)` over whole tensors (its fused loop), `y = f(u)`.
    pub(crate) fn vjp_tensor<T: Float>(
        &self,
        g: &Tensor<T>,
        u: &Tensor<T>,
        y: &Tensor<T>,
    ) -> Tensor<T> {
        match self.kernels::<T>() {
            Some(k) => (k.vjp)(g, u, y),
            None => times(g, &u.zip(y, |u, y| self.derivative(u, y))),
        }
    }

    /// Whether `name` is this function's name, one of its aliases or its spelling.
    pub fn is_called(&self, name: &str) -> bool {
        self.name == name || self.spelling == name || self.aliases.contains(&name)
    }

    /// The tape op that applies it (what [`Var::apply_fn`] records).
    pub fn op(&'static self) -> ElementwiseOp {
        ElementwiseOp(self)
    }
}

impl fmt::Debug for ElementwiseFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ElementwiseFn({:?})", self.name)
    }
}

impl PartialEq for ElementwiseFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ElementwiseFn {}

/// The tape op of an [`ElementwiseFn`]: forward, vector-Jacobian product, scalar fast path and
/// formulas, all from the declaration. The vector-Jacobian product is `∂L/∂u = ∂L/∂y · dy/du`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementwiseOp(pub &'static ElementwiseFn);

impl<T: Float> Op<T> for ElementwiseOp {
    fn name(&self) -> &'static str {
        self.0.name
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(self.0.map_tensor(x[0]))
    }
    fn vjp(&self, _slot: usize, x: &[&Tensor<T>], y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        self.0.vjp_tensor(g, x[0], y)
    }
    /// `g · f′(u)` with `f′` the declared derivative formula recorded as ops (see
    /// `symbolic/lower.rs`): the formula the tracer prints is the one differentiated again.
    fn vjp_graph<'t>(
        &self,
        _slot: usize,
        x: &[Var<'t, T>],
        y: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(g * crate::symbolic::derivative_on_tape(self.0, x[0], y)?)
    }
    fn scalar(&self, x: &[T]) -> Option<T> {
        Some(self.0.value(x[0]))
    }
    fn scalar_derivative(&self, _slot: usize, x: &[T], y: T) -> Option<T> {
        Some(self.0.derivative(x[0], y))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        (self.0.formula)(x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        (self.0.derivative_formula)(x[0].clone())
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// Applies an elementwise function declared with [`elementwise_fn!`](crate::elementwise_fn)
    /// (or a built-in such as [`TANH`](super::TANH)): recorded like any op, with its formulas
    /// in traces and its derivative in the reverse sweep.
    ///
    /// ```
    /// use chaintrace::{Tape, ops::TANH};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 0.5);
    /// assert_eq!(x.apply_fn(&TANH).value().item(), Some(0.5f64.tanh()));
    /// ```
    pub fn apply_fn(self, f: &'static ElementwiseFn) -> Self {
        self.unary(ElementwiseOp(f))
    }
}

/// The built-in function called `name` (by its name, an alias or its spelling).
pub(crate) fn builtin_function(name: &str) -> Option<&'static ElementwiseFn> {
    super::BUILTIN_FUNCTIONS
        .iter()
        .copied()
        .find(|f| f.is_called(name))
}
