//! Reductions: sum and mean, over everything or along one axis.
//!
//! Each spreads the upstream gradient back over the reduced elements: `∂sum/∂uᵢ = 1`,
//! `∂mean/∂uᵢ = 1/n`.

use ndarray::Axis;

use super::{Op, Operand};
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

fn check_axis<T: Float>(op: &'static str, x: &Tensor<T>, axis: usize) -> Result<()> {
    if axis < x.ndim() {
        Ok(())
    } else {
        Err(Error::shape(
            op,
            x.shape(),
            &[axis],
            format!("axis {axis} is out of range for rank {}", x.ndim()),
        ))
    }
}

/// The sum along `axis` (in range). An empty input gives zeros at once: ndarray would visit
/// each of the `2⁴⁰` empty slices of a `[2⁴⁰, 0]` summed along axis 0.
fn sum_along<T: Float>(x: &Tensor<T>, axis: usize) -> Result<Tensor<T>> {
    if x.is_empty() {
        let mut shape = x.shape().to_vec();
        shape.remove(axis);
        return Tensor::try_full(&shape, T::zero());
    }
    Ok(Tensor::from_array(x.view().sum_axis(Axis(axis))))
}

fn count<T: Float>(n: usize) -> T {
    T::from_f64(n as f64)
}

/// A mean over `n` elements: an error for none, whose mean would be 0/0 = NaN. `rhs` is the
/// axis, if there is one.
fn check_not_empty(
    op: &'static str,
    x: &[usize],
    rhs: &[usize],
    n: usize,
    what: &str,
) -> Result<()> {
    if n > 0 {
        Ok(())
    } else {
        Err(Error::shape(
            op,
            x,
            rhs,
            format!("{what} has no elements, and a mean over nothing is undefined (0/0)"),
        ))
    }
}

/// The sum of all elements (a scalar).
#[derive(Debug, Clone, Copy)]
pub struct Sum;

impl<T: Float> Op<T> for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(Tensor::scalar(x[0].sum()))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("sum", x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// The mean of all elements (a scalar).
#[derive(Debug, Clone, Copy)]
pub struct Mean;

impl<T: Float> Op<T> for Mean {
    fn name(&self) -> &'static str {
        "mean"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        check_not_empty("mean", x[0].shape(), &[], x[0].len(), "the tensor")?;
        Ok(Tensor::scalar(x[0].sum() / count(x[0].len())))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("mean", x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::sym("n").powf(-1.0)
    }
}

/// The sum along one axis, which is removed.
#[derive(Debug, Clone, Copy)]
pub struct SumAxis(pub usize);

impl<T: Float> Op<T> for SumAxis {
    fn name(&self) -> &'static str {
        "sum_axis"
    }
    fn label(&self) -> String {
        format!("sum_axis({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        check_axis("sum_axis", x[0], self.0)?;
        sum_along(x[0], self.0)
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call(format!("sum_axis{}", self.0), vec![x[0].clone()])
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// The mean along one axis, which is removed.
#[derive(Debug, Clone, Copy)]
pub struct MeanAxis(pub usize);

impl<T: Float> Op<T> for MeanAxis {
    fn name(&self) -> &'static str {
        "mean_axis"
    }
    fn label(&self) -> String {
        format!("mean_axis({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        check_axis("mean_axis", x[0], self.0)?;
        let len = x[0].shape()[self.0];
        let axis = format!("axis {}", self.0);
        check_not_empty("mean_axis", x[0].shape(), &[self.0], len, &axis)?;
        let n = count::<T>(len);
        Ok(sum_along(x[0], self.0)?.map(|s| s / n))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call(format!("mean_axis{}", self.0), vec![x[0].clone()])
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::sym("n").powf(-1.0)
    }
}

// Each reduction's VJP spreads the gradient back over the reduced elements (times 1/n for a
// mean), written once for tensors and vars.

impl Sum {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        g.spread(&x[0].dims(), None, T::one())
    }
}

impl Mean {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        let dims = x[0].dims();
        g.spread(&dims, None, T::one() / count(dims.iter().product()))
    }
}

impl SumAxis {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        g.spread(&x[0].dims(), Some(self.0), T::one())
    }
}

impl MeanAxis {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        let dims = x[0].dims();
        g.spread(&dims, Some(self.0), T::one() / count(dims[self.0]))
    }
}

impl<T: Float> Var<'_, T> {
    /// The sum of all elements, a scalar; `∂sum/∂uᵢ = 1`.
    pub fn sum(self) -> Self {
        self.unary(Sum)
    }

    /// The mean of all elements, a scalar; `∂mean/∂uᵢ = 1/n`.
    ///
    /// # Panics
    /// On a tensor with no elements (the mean would be 0/0); see [`Var::try_mean`].
    pub fn mean(self) -> Self {
        self.unary(Mean)
    }

    /// [`Var::mean`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if the tensor has no elements.
    pub fn try_mean(self) -> Result<Self> {
        self.tape().try_apply(Mean, &[self])
    }

    /// The sum along `axis`, which is removed from the shape.
    ///
    /// # Panics
    /// If `axis` is out of range; see [`Var::try_sum_axis`].
    pub fn sum_axis(self, axis: usize) -> Self {
        self.unary(SumAxis(axis))
    }

    /// [`Var::sum_axis`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if `axis` is not less than the rank.
    pub fn try_sum_axis(self, axis: usize) -> Result<Self> {
        self.tape().try_apply(SumAxis(axis), &[self])
    }

    /// The mean along `axis`, which is removed from the shape.
    ///
    /// # Panics
    /// If `axis` is out of range or has length 0; see [`Var::try_mean_axis`].
    pub fn mean_axis(self, axis: usize) -> Self {
        self.unary(MeanAxis(axis))
    }

    /// [`Var::mean_axis`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if `axis` is not less than the rank, or if it has length 0 (a mean
    /// over nothing would be 0/0).
    pub fn try_mean_axis(self, axis: usize) -> Result<Self> {
        self.tape().try_apply(MeanAxis(axis), &[self])
    }
}
