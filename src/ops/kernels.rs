//! The tensor loops of an elementwise function, compiled once per element type where the
//! function is declared.
//!
//! An [`ElementwiseFn`](super::ElementwiseFn) keeps its scalar rules as function pointers, so
//! that a declaration outside the crate is a plain `static`. Calling a pointer per element
//! would cost an indirect call for every element of every tensor (and stop the loop from being
//! vectorised); [`elementwise_fn!`](crate::elementwise_fn) therefore also stores these whole
//! loops, each monomorphised with the rule inlined, and the tape op calls one pointer per
//! tensor.

use ndarray::Zip;

use crate::tensor::{Float, Tensor};

/// `(∂L/∂y, u, y) ↦ ∂L/∂u` over whole tensors.
#[doc(hidden)]
pub type VjpKernel<T> = fn(&Tensor<T>, &Tensor<T>, &Tensor<T>) -> Tensor<T>;

/// The whole-tensor loops of one elementwise function for the element type `T`: filled in by
/// [`elementwise_fn!`](crate::elementwise_fn), read by [`ElementwiseOp`](super::ElementwiseOp).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Kernels<T: 'static> {
    /// `y = f(u)` for every element.
    pub map: fn(&Tensor<T>) -> Tensor<T>,
    /// `∂L/∂u = ∂L/∂y · dy/du` for every element, from `(∂L/∂y, u, y)`.
    pub vjp: VjpKernel<T>,
}

/// `f` over every element of `x`: on a row-major array (every array the ops make) one loop over
/// the slice into a new `Vec`, which the compiler vectorises when `f` is branch-free arithmetic
/// (the `f32` [`tanh_f32`](super::tanh_f32) kernel); otherwise [`Tensor::map`]. Used by
/// [`elementwise_fn!`](crate::elementwise_fn).
#[doc(hidden)]
#[inline]
pub fn map_elementwise<T: Float>(x: &Tensor<T>, f: impl Fn(T) -> T) -> Tensor<T> {
    if x.as_scalar().is_none()
        && let Some(u) = x.view().as_slice()
    {
        return Tensor::from_vec(u.iter().map(|&u| f(u)).collect(), x.shape());
    }
    x.map(f)
}

/// `g · d(u, y)` elementwise in one pass (`g`, `u` and `y` have one shape: an elementwise op's
/// upstream gradient, input and output). Used by [`elementwise_fn!`](crate::elementwise_fn).
#[doc(hidden)]
#[inline]
pub fn elementwise_vjp<T: Float>(
    g: &Tensor<T>,
    u: &Tensor<T>,
    y: &Tensor<T>,
    d: impl Fn(T, T) -> T,
) -> Tensor<T> {
    if let (Some(g), Some(u), Some(y)) = (g.as_scalar(), u.as_scalar(), y.as_scalar()) {
        return Tensor::scalar(g * d(u, y));
    }
    if g.shape() == u.shape() && u.shape() == y.shape() {
        let (gv, uv, yv) = (g.view(), u.view(), y.view());
        return Tensor::from_array(
            Zip::from(&gv)
                .and(&uv)
                .and(&yv)
                .map_collect(|&g, &u, &y| g * d(u, y)),
        );
    }
    g.zip(&u.zip(y, d), |g, d| g * d)
}
