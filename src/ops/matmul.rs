//! The matrix product `Y = A·B` of 2-D tensors: in `f32` on x86-64 with AVX2 the kernel of
//! `src/tensor/gemm/`, otherwise ndarray's `dot` (matrixmultiply).
//!
//! ∂L/∂A = ∂L/∂Y · Bᵀ and ∂L/∂B = Aᵀ · ∂L/∂Y.
//!
//! Also `Y = A·Bᵀ` ([`MatMulT`]), the product a layer with PyTorch's weight layout `[out, in]`
//! computes, on a transposed view of `B`: no transposed copy is made, forward or backward.

use super::{Op, Operand};
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor, checked_len};

/// `A·B` for `A` of shape `[m, k]` and `B` of shape `[k, n]`.
#[derive(Debug, Clone, Copy)]
pub struct MatMul;

/// Which product the operands are for: `A·B` or `A·Bᵀ` (B stored as `[n, k]`).
#[derive(Clone, Copy)]
enum Layout {
    AB,
    ABt,
}

/// The one shape check of both products: 2-D operands, matching inner dimensions, and an
/// output whose length fits (errors name both shapes).
fn check_operands<T: Float>(a: &[usize], b: &[usize], layout: Layout) -> Result<()> {
    let (of, b_inner, b_outer, b_axis) = match layout {
        Layout::AB => ("", 0, 1, "rows"),
        Layout::ABt => (" of A·Bᵀ", 1, 0, "columns"),
    };
    if a.len() != 2 || b.len() != 2 {
        let why = format!("both operands{of} must be 2-D matrices");
        return Err(Error::shape("matmul", a, b, why));
    }
    if a[1] != b[b_inner] {
        let why = format!(
            "inner dimensions{of} differ ({} columns vs {} {b_axis})",
            a[1], b[b_inner]
        );
        return Err(Error::shape("matmul", a, b, why));
    }
    checked_len::<T>("matmul", &[a[0], b[b_outer]])?;
    Ok(())
}

impl<T: Float> Op<T> for MatMul {
    fn name(&self) -> &'static str {
        "matmul"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        check_operands::<T>(x[0].shape(), x[1].shape(), Layout::AB)?;
        Ok(x[0].mm(x[1]))
    }
    vjp_from_rule!();
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
        check_operands::<T>(x[0].shape(), x[1].shape(), Layout::ABt)?;
        Ok(x[0].mm_t(x[1]))
    }
    vjp_from_rule!();
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

impl MatMul {
    /// `∂L/∂A = G·Bᵀ`, `∂L/∂B = Aᵀ·G`, written once for tensors and vars.
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], _: &V, g: &V) -> V {
        if slot == 0 {
            g.mm_t(x[1])
        } else {
            x[0].t_mm(g)
        }
    }
}

impl MatMulT {
    /// `∂L/∂A = G·B`, `∂L/∂B = Gᵀ·A` (for `Y = A·Bᵀ`), written once for tensors and vars.
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], _: &V, g: &V) -> V {
        if slot == 0 { g.mm(x[1]) } else { g.t_mm(x[0]) }
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
