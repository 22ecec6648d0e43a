//! Shape ops: transpose, reshape, concatenation, and picking out part of an axis.
//!
//! They move elements without changing them, so each vector-Jacobian product moves the
//! gradient back: transpose it back, reshape it back, cut it into the concatenated pieces, or
//! place it into zeros where the selected part came from.

use ndarray::Axis;

use super::{Op, Operand};
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor, checked_len};

/// Reverses the order of the axes (for a matrix: `Aᵀ`).
#[derive(Debug, Clone, Copy)]
pub struct Transpose;

impl<T: Float> Op<T> for Transpose {
    fn name(&self) -> &'static str {
        "transpose"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(x[0].reversed_axes())
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().transpose()
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
    fn vjp_symbolic(&self, _slot: usize, _x: &[Expr], g: &Expr) -> Expr {
        g.clone().transpose()
    }
}

/// Gives the elements a new shape with the same number of elements (row-major order).
#[derive(Debug, Clone)]
pub struct Reshape(pub Vec<usize>);

impl<T: Float> Op<T> for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }
    fn label(&self) -> String {
        format!("reshape({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        checked_len::<T>("reshape", &self.0)?;
        Tensor::try_from_vec(x[0].to_vec(), &self.0)
            .map_err(|_| Error::shape("reshape", x[0].shape(), &self.0, "element counts differ"))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("reshape", x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
    fn vjp_symbolic(&self, _slot: usize, _x: &[Expr], g: &Expr) -> Expr {
        Expr::call1("reshape", g.clone())
    }
}

/// Joins its inputs along an existing axis.
#[derive(Debug, Clone, Copy)]
pub struct Concat(pub usize);

impl<T: Float> Op<T> for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }
    fn label(&self) -> String {
        format!("concat({})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let first = x
            .first()
            .ok_or_else(|| Error::invalid("concat", "no inputs"))?;
        for t in x {
            let compatible = t.ndim() == first.ndim()
                && self.0 < t.ndim()
                && (0..t.ndim()).all(|a| a == self.0 || t.shape()[a] == first.shape()[a]);
            if !compatible {
                return Err(Error::shape(
                    "concat",
                    first.shape(),
                    t.shape(),
                    format!("shapes must agree on every axis except axis {}", self.0),
                ));
            }
        }
        let mut shape = first.shape().to_vec();
        let joined = x
            .iter()
            .try_fold(0usize, |n, t| n.checked_add(t.shape()[self.0]));
        shape[self.0] = joined.unwrap_or(usize::MAX);
        if joined.is_none() {
            return Err(Error::invalid(
                "concat",
                format!("the sizes on axis {} add up past usize::MAX", self.0),
            ));
        }
        checked_len::<T>("concat", &shape)?;
        let views: Vec<_> = x.iter().map(|t| t.view()).collect();
        let joined = ndarray::concatenate(Axis(self.0), &views).expect("shapes checked");
        Ok(Tensor::from_array(joined))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call("concat", x.to_vec())
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
    fn vjp_symbolic(&self, slot: usize, _x: &[Expr], g: &Expr) -> Expr {
        Expr::call(format!("piece{slot}"), vec![g.clone()])
    }
}

/// Elements `start..end` along `axis` (the axis is kept).
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    /// The axis sliced.
    pub axis: usize,
    /// The first index kept.
    pub start: usize,
    /// One past the last index kept.
    pub end: usize,
}

impl<T: Float> Op<T> for Slice {
    fn name(&self) -> &'static str {
        "slice"
    }
    fn label(&self) -> String {
        format!("slice({}, {}..{})", self.axis, self.start, self.end)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let shape = x[0].shape();
        if self.axis >= shape.len() || self.start > self.end || self.end > shape[self.axis] {
            return Err(Error::shape(
                "slice",
                shape,
                &[self.axis, self.start, self.end],
                format!(
                    "range {}..{} does not fit axis {} of the input",
                    self.start, self.end, self.axis
                ),
            ));
        }
        Ok(x[0].sliced(self.axis, self.start, self.end))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call(self.label_expr(), vec![x[0].clone()])
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
    fn vjp_symbolic(&self, _slot: usize, _x: &[Expr], g: &Expr) -> Expr {
        Expr::call(format!("pad_{}", self.label_expr()), vec![g.clone()])
    }
}

impl Slice {
    fn label_expr(&self) -> String {
        format!("slice[{}:{}..{}]", self.axis, self.start, self.end)
    }
}

/// Element `index` along `axis`; the axis is removed (`x.select(0, t)` is time step `t`).
#[derive(Debug, Clone, Copy)]
pub struct Select {
    /// The axis indexed.
    pub axis: usize,
    /// The index taken.
    pub index: usize,
}

impl<T: Float> Op<T> for Select {
    fn name(&self) -> &'static str {
        "select"
    }
    fn label(&self) -> String {
        format!("select({}, {})", self.axis, self.index)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let shape = x[0].shape();
        if self.axis >= shape.len() || self.index >= shape[self.axis] {
            return Err(Error::shape(
                "select",
                shape,
                &[self.axis, self.index],
                format!("index {} does not exist on axis {}", self.index, self.axis),
            ));
        }
        Ok(x[0].selected(self.axis, self.index))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call(
            format!("select[{}:{}]", self.axis, self.index),
            vec![x[0].clone()],
        )
    }
    fn local_derivative(&self, _slot: usize, _x: &[Expr]) -> Expr {
        Expr::one()
    }
    fn vjp_symbolic(&self, _slot: usize, _x: &[Expr], g: &Expr) -> Expr {
        Expr::call(
            format!("place[{}:{}]", self.axis, self.index),
            vec![g.clone()],
        )
    }
}

// Each VJP moves the gradient back where the elements came from, written once for tensors
// and vars.

impl Transpose {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, _: &[&V], _: &V, g: &V) -> V {
        g.reversed_axes()
    }
}

impl Reshape {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        g.reshaped(&x[0].dims())
    }
}

impl Concat {
    /// Input `slot`'s piece of the gradient.
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], _: &V, g: &V) -> V {
        let start: usize = x[..slot].iter().map(|t| t.dims()[self.0]).sum();
        g.sliced(self.0, start, start + x[slot].dims()[self.0])
    }
}

impl Slice {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        g.padded(&x[0].dims(), self.axis, self.start)
    }
}

impl Select {
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        g.placed(&x[0].dims(), self.axis, self.index)
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// The transpose (axes reversed).
    pub fn transpose(self) -> Self {
        self.unary(Transpose)
    }

    /// The same elements in a new shape.
    ///
    /// # Panics
    /// If the element counts differ; see [`Var::try_reshape`].
    pub fn reshape(self, shape: &[usize]) -> Self {
        self.unary(Reshape(shape.to_vec()))
    }

    /// [`Var::reshape`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if the element counts differ.
    pub fn try_reshape(self, shape: &[usize]) -> Result<Self> {
        self.tape().try_apply(Reshape(shape.to_vec()), &[self])
    }

    /// Elements `start..end` along `axis`.
    ///
    /// # Panics
    /// If the range does not fit; see [`Var::try_slice`].
    pub fn slice(self, axis: usize, start: usize, end: usize) -> Self {
        self.unary(Slice { axis, start, end })
    }

    /// [`Var::slice`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if the axis or range does not fit.
    pub fn try_slice(self, axis: usize, start: usize, end: usize) -> Result<Self> {
        self.tape().try_apply(Slice { axis, start, end }, &[self])
    }

    /// Element `index` along `axis`, removing the axis.
    ///
    /// # Panics
    /// If the index does not exist; see [`Var::try_select`].
    pub fn select(self, axis: usize, index: usize) -> Self {
        self.unary(Select { axis, index })
    }

    /// [`Var::select`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] if the axis or index does not exist.
    pub fn try_select(self, axis: usize, index: usize) -> Result<Self> {
        self.tape().try_apply(Select { axis, index }, &[self])
    }

    /// Joins `parts` along `axis`.
    ///
    /// # Panics
    /// If the shapes disagree off the axis or `parts` is empty; see [`Var::try_concat`].
    pub fn concat(parts: &[Var<'t, T>], axis: usize) -> Self {
        Self::try_concat(parts, axis).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Var::concat`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Invalid`] for no parts; [`Error::Shape`] when shapes disagree off the axis.
    pub fn try_concat(parts: &[Var<'t, T>], axis: usize) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid("concat", "no inputs"))?;
        first.tape().try_apply(Concat(axis), parts)
    }
}
