//! The matrix product `Y = A·B` of 2-D tensors, on ndarray's `dot` (backed by matrixmultiply).
//!
//! ∂L/∂A = ∂L/∂Y · Bᵀ and ∂L/∂B = Aᵀ · ∂L/∂Y.
//!
//! Also `Y = A·Bᵀ` ([`MatMulT`]), the product a layer with PyTorch's weight layout `[out, in]`
//! computes, on a transposed view of `B`: no transposed copy is made, forward or backward.

use ndarray::{ArrayView2, Ix2};

use super::Op;
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor, checked_len};

/// `A·B` for `A` of shape `[m, k]` and `B` of shape `[k, n]`.
#[derive(Debug, Clone, Copy)]
pub struct MatMul;

fn matrix<T: Float>(t: &Tensor<T>) -> ArrayView2<'_, T> {
    t.view()
        .into_dimensionality::<Ix2>()
        .expect("matmul operands are checked to be 2-D")
}

fn product<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Tensor<T> {
    Tensor::from_array(a.dot(&b).into_dyn())
}

impl<T: Float> Op<T> for MatMul {
    fn name(&self) -> &'static str {
        "matmul"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let (a, b) = (x[0].shape(), x[1].shape());
        if a.len() != 2 || b.len() != 2 {
            return Err(Error::shape(
                "matmul",
                a,
                b,
                "both operands must be 2-D matrices",
            ));
        }
        if a[1] != b[0] {
            return Err(Error::shape(
                "matmul",
                a,
                b,
                format!(
                    "inner dimensions differ ({} columns vs {} rows)",
                    a[1], b[0]
                ),
            ));
        }
        checked_len::<T>("matmul", &[a[0], b[1]])?;
        Ok(product(matrix(x[0]), matrix(x[1])))
    }
    fn vjp(&self, slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        if slot == 0 {
            product(matrix(g), matrix(x[1]).t())
        } else {
            product(matrix(x[0]).t(), matrix(g))
        }
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().matmul(x[1].clone())
    }
    fn local_derivative(&self, slot: usize, x: &[Expr]) -> Expr {
        x[1 - slot].clone().transpose()
    }
    fn vjp_symbolic(&self, slot: usize, x: &[Expr], g: &Expr) -> Expr {
        if slot == 0 {
            g.clone().matmul(x[1].clone().transpose())
        } else {
            x[0].clone().transpose().matmul(g.clone())
        }
    }
}

/// `A·Bᵀ` for `A` of shape `[m, k]` and `B` of shape `[n, k]`, computed on a transposed view of
/// `B` (no copy): what [`Linear`](crate::nn::Linear) records for `x·Wᵀ`.
///
/// ∂L/∂A = ∂L/∂Y · B and ∂L/∂B = (∂L/∂Y)ᵀ · A; the formula is `A·Bᵀ`, as a
/// [`Transpose`](super::Transpose) followed by a [`MatMul`] would print it.
#[derive(Debug, Clone, Copy)]
pub struct MatMulT;

impl<T: Float> Op<T> for MatMulT {
    fn name(&self) -> &'static str {
        "matmul"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let (a, b) = (x[0].shape(), x[1].shape());
        if a.len() != 2 || b.len() != 2 {
            return Err(Error::shape(
                "matmul",
                a,
                b,
                "both operands of A·Bᵀ must be 2-D matrices",
            ));
        }
        if a[1] != b[1] {
            return Err(Error::shape(
                "matmul",
                a,
                b,
                format!(
                    "inner dimensions of A·Bᵀ differ ({} columns vs {} columns)",
                    a[1], b[1]
                ),
            ));
        }
        checked_len::<T>("matmul", &[a[0], b[0]])?;
        Ok(product(matrix(x[0]), matrix(x[1]).t()))
    }
    fn vjp(&self, slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        if slot == 0 {
            product(matrix(g), matrix(x[1]))
        } else {
            product(matrix(g).t(), matrix(x[0]))
        }
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().matmul(x[1].clone().transpose())
    }
    fn local_derivative(&self, slot: usize, x: &[Expr]) -> Expr {
        if slot == 0 {
            x[1].clone()
        } else {
            x[0].clone().transpose()
        }
    }
    fn vjp_symbolic(&self, slot: usize, x: &[Expr], g: &Expr) -> Expr {
        if slot == 0 {
            g.clone().matmul(x[1].clone())
        } else {
            g.clone().transpose().matmul(x[0].clone())
        }
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// The matrix product `self · rhsᵀ` of 2-D tensors, without forming `rhsᵀ`: equal to
    /// `self.matmul(rhs.transpose())` in value and gradient, recorded as one node.
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
    /// let w = tape.var("W", Tensor::from_vec(vec![1.0, 0.0, 3.0, 4.0], &[2, 2]));
    /// let y = x.matmul_t(w); // [1·1 + 2·0, 1·3 + 2·4]
    /// assert_eq!(y.value().to_vec(), vec![1.0, 11.0]);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not fit, with the op, both shapes and the layer; see
    /// [`Var::try_matmul_t`].
    pub fn matmul_t(self, rhs: Var<'t, T>) -> Self {
        self.tape().apply(MatMulT, &[self, rhs])
    }

    /// [`Var::matmul_t`], returning the shape error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] unless `self` is `[m, k]` and `rhs` is `[n, k]`.
    pub fn try_matmul_t(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(MatMulT, &[self, rhs])
    }

    /// The matrix product `self · rhs` of 2-D tensors.
    ///
    /// # Panics
    /// When the shapes do not fit, with the op, both shapes and the layer; see
    /// [`Var::try_matmul`].
    pub fn matmul(self, rhs: Var<'t, T>) -> Self {
        self.tape().apply(MatMul, &[self, rhs])
    }

    /// The matrix product, returning the shape error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] unless `self` is `[m, k]` and `rhs` is `[k, n]`.
    pub fn try_matmul(self, rhs: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(MatMul, &[self, rhs])
    }
}
