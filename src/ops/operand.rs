//! What a vector-Jacobian product computes with: numbers ([`Tensor`]) or recorded ops
//! ([`Var`](crate::Var)).
//!
//! Each op of the crate writes its VJP once, as a function generic over [`Operand`]. The
//! reverse sweep of [`Var::backward`](crate::Var::backward) runs it on tensors; [`grad`]
//! (crate::grad) runs the very same function on vars, so the gradient is itself recorded on the
//! tape and can be differentiated again. The two cannot drift apart: there is one rule.
//!
//! The tensor forms below are the ones the engine always used (one fused loop per elementwise
//! function, matrix products on views without a transposed copy), so first-order gradients
//! cost what they did.

use ndarray::{ArrayD, Axis, Ix2, Slice as NdSlice};

use super::{ElementwiseFn, Op};
use crate::tensor::{Float, Tensor};

/// A value a vector-Jacobian product can be written in: a [`Tensor`] (numbers, for
/// `backward`) or a [`Var`](crate::Var) (ops recorded on the tape, for [`grad`](crate::grad)).
///
/// Shapes inside a VJP follow from a forward pass that succeeded, so these operations do not
/// fail; broadcasting follows numpy.
///
/// # Example: a custom op's VJP written once
/// ```
/// use chaintrace::ops::{Op, Operand};
/// use chaintrace::symbolic::Expr;
/// use chaintrace::{Float, Result, Tape, Tensor, Var};
///
/// /// y = u³; ∂L/∂u = g·3u².
/// #[derive(Debug)]
/// struct Cube;
///
/// fn cube_vjp<T: Float, V: Operand<T>>(u: &V, g: &V) -> V {
///     g.times(&u.powi_scaled(2.0, T::from_f64(3.0)))
/// }
///
/// impl<T: Float> Op<T> for Cube {
///     fn name(&self) -> &'static str { "cube" }
///     fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> { Ok(x[0].map(|u| u * u * u)) }
///     fn vjp(&self, _: usize, x: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
///         cube_vjp(x[0], g)
///     }
///     fn vjp_graph<'t>(&self, _: usize, x: &[Var<'t, T>], _: Var<'t, T>, g: Var<'t, T>)
///         -> Result<Var<'t, T>> {
///         Ok(cube_vjp(&x[0], &g))
///     }
///     fn symbolic(&self, x: &[Expr]) -> Expr { x[0].clone().powf(3.0) }
///     fn local_derivative(&self, _: usize, x: &[Expr]) -> Expr {
///         Expr::constant(3.0) * x[0].clone().powf(2.0)
///     }
/// }
///
/// let tape = Tape::<f64>::new();
/// let u = tape.var("u", 2.0);
/// let y = tape.apply(Cube, &[u]);
/// let [dy] = chaintrace::grad(y, &[u])?[..] else { unreachable!() };
/// let [d2y] = chaintrace::grad(dy, &[u])?[..] else { unreachable!() };
/// assert_eq!((dy.item()?, d2y.item()?), (12.0, 12.0)); // 3u², 6u at u = 2
/// # Ok::<(), chaintrace::Error>(())
/// ```
pub trait Operand<T: Float>: Clone {
    /// The shape.
    fn dims(&self) -> Vec<usize>;
    /// `self + rhs` (broadcasting).
    fn plus(&self, rhs: &Self) -> Self;
    /// `self − rhs` (broadcasting).
    fn minus(&self, rhs: &Self) -> Self;
    /// `self · rhs` elementwise (broadcasting).
    fn times(&self, rhs: &Self) -> Self;
    /// `self / rhs` elementwise (broadcasting).
    fn divided(&self, rhs: &Self) -> Self;
    /// `1 / self` elementwise.
    fn recip(&self) -> Self;
    /// `−self`.
    fn negated(&self) -> Self;
    /// `self · c` for a number `c`.
    fn scaled(&self, c: T) -> Self;
    /// `c · self^p` elementwise (`powi_scaled(2.0, 3)` is `3u²`).
    fn powi_scaled(&self, p: f64, c: T) -> Self;
    /// `f(self)` elementwise.
    fn apply(&self, f: &'static ElementwiseFn) -> Self;
    /// The softmax along the last axis.
    fn softmax_last(&self) -> Self;
    /// The matrix product `self · rhs`.
    fn mm(&self, rhs: &Self) -> Self;
    /// `self · rhsᵀ`.
    fn mm_t(&self, rhs: &Self) -> Self;
    /// `selfᵀ · rhs`.
    fn t_mm(&self, rhs: &Self) -> Self;
    /// The axes reversed.
    fn reversed_axes(&self) -> Self;
    /// The same elements in `shape`.
    fn reshaped(&self, shape: &[usize]) -> Self;
    /// A reduced gradient spread back over `shape`, times `scale`: `axis` is the axis the
    /// reduction removed (`None`: it reduced everything to a scalar).
    fn spread(&self, shape: &[usize], axis: Option<usize>, scale: T) -> Self;
    /// The sum along the last axis, kept with size 1 (so it broadcasts back).
    fn sum_last_keep(&self) -> Self;
    /// Elements `start..end` along `axis`.
    fn sliced(&self, axis: usize, start: usize, end: usize) -> Self;
    /// Element `index` along `axis`, the axis removed.
    fn selected(&self, axis: usize, index: usize) -> Self;
    /// `self` placed at `start..` along `axis` of zeros of `shape` (the adjoint of a slice).
    fn padded(&self, shape: &[usize], axis: usize, start: usize) -> Self;
    /// `self` placed at index `index` of `axis` of zeros of `shape` (the adjoint of a select).
    fn placed(&self, shape: &[usize], axis: usize, index: usize) -> Self;
    /// A constant (no gradient flows into it), beside `self`.
    fn constant(&self, value: Tensor<T>) -> Self;
}

fn matrix<T: Float>(t: &Tensor<T>) -> ndarray::ArrayView2<'_, T> {
    t.view()
        .into_dimensionality::<Ix2>()
        .expect("matrix products are checked to be 2-D in the forward pass")
}

fn product<T: Float>(a: ndarray::ArrayView2<'_, T>, b: ndarray::ArrayView2<'_, T>) -> Tensor<T> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    // A product with nothing to add up is zeros, made without the GEMM: matrixmultiply still
    // walks the rows of an `[m, 0]` result, 2⁴⁰ empty iterations for `m = 2⁴⁰` (the shape
    // property test found one and ran for minutes).
    if m == 0 || k == 0 || n == 0 {
        return Tensor::zeros(&[m, n]);
    }
    Tensor::from_array(T::matrix_product(a, b).into_dyn())
}

impl<T: Float> Operand<T> for Tensor<T> {
    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn plus(&self, rhs: &Self) -> Self {
        self.zip(rhs, |a, b| a + b)
    }
    fn minus(&self, rhs: &Self) -> Self {
        self.zip(rhs, |a, b| a - b)
    }
    fn times(&self, rhs: &Self) -> Self {
        // A scalar factor (a loss's upstream gradient) in one plain pass, not a broadcast.
        match rhs.as_scalar() {
            Some(c) if self.as_scalar().is_none() => self.map(|a| a * c),
            _ => self.zip(rhs, |a, b| a * b),
        }
    }
    fn divided(&self, rhs: &Self) -> Self {
        self.zip(rhs, |a, b| a / b)
    }
    fn recip(&self) -> Self {
        self.map(|a| a.recip())
    }
    fn negated(&self) -> Self {
        -self
    }
    fn scaled(&self, c: T) -> Self {
        self.map(|a| a * c)
    }
    fn powi_scaled(&self, p: f64, c: T) -> Self {
        let p = T::from_f64(p);
        self.map(|u| c * u.powf(p))
    }
    fn apply(&self, f: &'static ElementwiseFn) -> Self {
        f.map_tensor(self)
    }
    fn softmax_last(&self) -> Self {
        super::Softmax
            .forward(&[self])
            .expect("a softmax inside a VJP has an axis")
    }
    fn mm(&self, rhs: &Self) -> Self {
        product(matrix(self), matrix(rhs))
    }
    fn mm_t(&self, rhs: &Self) -> Self {
        product(matrix(self), matrix(rhs).t())
    }
    fn t_mm(&self, rhs: &Self) -> Self {
        product(matrix(self).t(), matrix(rhs))
    }
    fn reversed_axes(&self) -> Self {
        let a = self.view().reversed_axes();
        Tensor::from_array(a.as_standard_layout().into_owned())
    }
    fn reshaped(&self, shape: &[usize]) -> Self {
        Tensor::from_vec(self.to_vec(), shape)
    }
    fn spread(&self, shape: &[usize], axis: Option<usize>, scale: T) -> Self {
        let g = match axis {
            Some(a) => Tensor::from_array(self.view().to_owned().insert_axis(Axis(a))),
            None => self.clone(),
        };
        Tensor::zeros(shape).zip(&g, |_, g| g * scale)
    }
    fn sum_last_keep(&self) -> Self {
        let axis = Axis(self.ndim() - 1);
        Tensor::from_array(self.view().sum_axis(axis).insert_axis(axis))
    }
    fn sliced(&self, axis: usize, start: usize, end: usize) -> Self {
        let range = NdSlice::from(start..end);
        Tensor::from_array(self.view().slice_axis(Axis(axis), range).to_owned())
    }
    fn selected(&self, axis: usize, index: usize) -> Self {
        Tensor::from_array(self.view().index_axis(Axis(axis), index).to_owned())
    }
    fn padded(&self, shape: &[usize], axis: usize, start: usize) -> Self {
        let mut out = ArrayD::zeros(shape);
        let range = NdSlice::from(start..start + self.shape()[axis]);
        out.slice_axis_mut(Axis(axis), range).assign(&self.view());
        Tensor::from_array(out)
    }
    fn placed(&self, shape: &[usize], axis: usize, index: usize) -> Self {
        let mut out = ArrayD::zeros(shape);
        out.index_axis_mut(Axis(axis), index).assign(&self.view());
        Tensor::from_array(out)
    }
    fn constant(&self, value: Tensor<T>) -> Self {
        value
    }
}
