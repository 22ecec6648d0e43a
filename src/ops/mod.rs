//! The ops: each one's forward value, vector-Jacobian product and symbolic form, side by side.
//!
//! One file per family (see `README.md` in this folder). An op is a small struct implementing
//! [`Op`]; the same file adds the method on [`Var`] that records it. Adding an op
//! therefore touches one file, plus its `mod` line here if the family is new
//! (docs/adding-an-op.md is the checklist).
//!
//! An elementwise function of one input is declared once, as an [`ElementwiseFn`] written by
//! [`elementwise_fn!`](crate::elementwise_fn), inside the crate ([`BUILTIN_FUNCTIONS`]) or
//! outside it; its op is [`ElementwiseOp`], recorded by [`Var::apply_fn`](crate::Var::apply_fn).
//!
//! Every rule is a pure function of the op's inputs, its output and the incoming gradient, so
//! the tape can be replayed (by the tracer, or for higher-order gradients) without the op
//! keeping hidden state.

/// Implements [`Op::vjp`] and [`Op::vjp_graph`] from the op's one rule, an inherent
/// `fn rule<T: Float, V: Operand<T>>(&self, slot, inputs: &[&V], output: &V, grad: &V) -> V`:
/// the same function runs on tensors for `backward` and on vars for `grad`.
macro_rules! vjp_from_rule {
    () => {
        fn vjp(
            &self,
            slot: usize,
            x: &[&crate::tensor::Tensor<T>],
            y: &crate::tensor::Tensor<T>,
            g: &crate::tensor::Tensor<T>,
        ) -> crate::tensor::Tensor<T> {
            self.rule(slot, x, y, g)
        }
        fn vjp_graph<'t>(
            &self,
            slot: usize,
            x: &[crate::tape::Var<'t, T>],
            y: crate::tape::Var<'t, T>,
            g: crate::tape::Var<'t, T>,
        ) -> crate::error::Result<crate::tape::Var<'t, T>> {
            let x: Vec<&crate::tape::Var<'t, T>> = x.iter().collect();
            Ok(self.rule(slot, &x, &y, &g))
        }
    };
}

mod adjoint;
mod arith;
mod declare;
mod function;
mod kernels;
mod loss;
mod matmul;
mod operand;
mod operand_var;
mod powf;
mod reduce;
mod shape;
mod tanh_f32;
mod unary;

pub use adjoint::{BroadcastTo, Detach, Pad, Place, SumTo};
pub use arith::{Add, Div, Mul, Neg, Sub};
pub(crate) use function::builtin_function;
pub use function::{ElementwiseFn, ElementwiseOp};
#[doc(hidden)]
pub use kernels::{Kernels, elementwise_vjp, map_elementwise};
pub use loss::{CrossEntropy, LogSoftmax, Mse, Softmax};
pub use matmul::{MatMul, MatMulT};
pub use operand::Operand;
pub use powf::Powf;
pub use reduce::{Mean, MeanAxis, Sum, SumAxis};
pub use shape::{Concat, Reshape, Select, Slice, Transpose};
pub use tanh_f32::tanh_f32;
pub use unary::{
    ABS, Abs, BUILTIN_FUNCTIONS, COS, Cos, EXP, Exp, LN, Ln, RELU, Relu, SIGMOID, SIGN, SIN, SQRT,
    SQUARE, STEP, Sigmoid, Sin, Sqrt, Square, TANH, Tanh,
};

use std::fmt;

use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

/// An operation the tape can record and differentiate.
///
/// Implement it for a small struct holding the op's parameters (an exponent, an axis); the
/// inputs arrive as slices in the order the op was called with.
///
/// # Example: a custom op in one place
/// ```
/// use chaintrace::ops::Op;
/// use chaintrace::symbolic::Expr;
/// use chaintrace::{Float, Result, Tape, Tensor};
///
/// /// y = u³, dy/du = 3u².
/// #[derive(Debug)]
/// struct Cube;
///
/// impl<T: Float> Op<T> for Cube {
///     fn name(&self) -> &'static str { "cube" }
///     fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
///         Ok(x[0].map(|u| u * u * u))
///     }
///     fn vjp(&self, _slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
///         let three = T::from_f64(3.0);
///         g * &x[0].map(|u| three * u * u)
///     }
///     fn symbolic(&self, x: &[Expr]) -> Expr { x[0].clone().powf(3.0) }
///     fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
///         Expr::constant(3.0) * x[0].clone().powf(2.0)
///     }
/// }
///
/// let tape = Tape::<f64>::new();
/// let u = tape.var("u", 2.0);
/// let y = tape.apply(Cube, &[u]);
/// assert_eq!(y.value().item(), Some(8.0));
/// assert_eq!(y.backward().wrt(u).unwrap().item(), Some(12.0));
/// ```
pub trait Op<T: Float>: fmt::Debug + 'static {
    /// The op's short name, as traces print it (`"tanh"`, `"matmul"`).
    fn name(&self) -> &'static str;

    /// The forward value.
    ///
    /// # Errors
    /// A shape or argument error naming this op; the tape adds the layer.
    fn forward(&self, inputs: &[&Tensor<T>]) -> Result<Tensor<T>>;

    /// The vector-Jacobian product for input `slot`: `∂L/∂inputs[slot]` given the gradient
    /// `grad` of the loss with respect to this op's `output`.
    ///
    /// It may return a gradient in the (broadcast) output shape: the reverse sweep sums it back
    /// to the input's shape in one place.
    fn vjp(
        &self,
        slot: usize,
        inputs: &[&Tensor<T>],
        output: &Tensor<T>,
        grad: &Tensor<T>,
    ) -> Tensor<T>;

    /// The vector-Jacobian product recorded on the tape, as ops on vars: what
    /// [`grad`](crate::grad) calls, so that a gradient can be differentiated again.
    ///
    /// Write it from the same code as [`Op::vjp`]: a function generic over [`Operand`] that
    /// both call (see [`Operand`]'s example), so the numeric and the recorded rule are one.
    /// The ops of the crate all do; the default returns an error naming the op, so a custom op
    /// without it still works with `backward` and fails clearly in `grad`.
    ///
    /// # Errors
    /// The default: [`Error::Invalid`] naming the op.
    fn vjp_graph<'t>(
        &self,
        slot: usize,
        inputs: &[Var<'t, T>],
        output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        let _ = (slot, inputs, output, grad);
        Err(Error::invalid(
            "grad",
            format!(
                "the op `{}` has no recorded vector-Jacobian product (Op::vjp_graph), so it \
                 cannot be differentiated twice",
                self.label()
            ),
        ))
    }

    /// The forward value on scalar inputs, when the op has a scalar form: the fast path that
    /// keeps scalar graphs (the teaching case, a million-node chain) cheap to record.
    ///
    /// It must equal [`Op::forward`] on rank-0 tensors, bit for bit, and so is written beside it
    /// from the same expression. The tape calls it only when every input is a scalar, and falls
    /// back to `forward` on `None` (the default, right for any op whose result is not a scalar
    /// or that can fail).
    #[inline]
    fn scalar(&self, _inputs: &[T]) -> Option<T> {
        None
    }

    /// The local derivative `∂output/∂inputs[slot]` as a number, when the inputs and the output
    /// are scalars. For a scalar op the vector-Jacobian product is the upstream gradient times
    /// this number, so the tape works it out once, when it records the node, and the reverse
    /// sweep is one multiply-add per edge (the tracer shows the same number as the edge's
    /// local derivative).
    ///
    /// Same contract as [`Op::scalar`]: `grad · scalar_derivative(…)` must equal [`Op::vjp`]
    /// on rank-0 tensors bit for bit (write `vjp` as `grad` times the same expression);
    /// `None` (the default) to use `vjp`.
    #[inline]
    fn scalar_derivative(&self, _slot: usize, _inputs: &[T], _output: T) -> Option<T> {
        None
    }

    /// The forward value as an expression of the inputs' expressions: `tanh(u)`.
    fn symbolic(&self, inputs: &[Expr]) -> Expr;

    /// The local derivative `∂y/∂inputs[slot]` as an expression of the inputs: `1 − tanh(u)²`.
    ///
    /// For elementwise ops this is the factor the upstream gradient is multiplied by.
    fn local_derivative(&self, slot: usize, inputs: &[Expr]) -> Expr;

    /// The vector-Jacobian product as an expression: how `∂L/∂inputs[slot]` is formed from the
    /// upstream gradient `grad`.
    ///
    /// The default, `grad · local_derivative`, is right for elementwise ops; matrix ops override
    /// it (`∂L/∂W = ∂L/∂Y · Xᵀ`).
    fn vjp_symbolic(&self, slot: usize, inputs: &[Expr], grad: &Expr) -> Expr {
        grad.clone() * self.local_derivative(slot, inputs)
    }

    /// A label with the op's parameters, for traces (`"powf(3)"`); defaults to [`Op::name`].
    fn label(&self) -> String {
        self.name().to_string()
    }
}

/// Multiplies `grad` elementwise by `local` (both broadcastable to the output shape): the
/// vector-Jacobian product of every elementwise op.
pub(crate) fn times<T: Float>(grad: &Tensor<T>, local: &Tensor<T>) -> Tensor<T> {
    grad.zip(local, |g, d| g * d)
}

/// The code blocks of docs/adding-an-op.md, compiled and run as doctests.
#[doc = include_str!("../../docs/adding-an-op.md")]
#[cfg(doctest)]
pub struct AddingAnOpGuide;
