//! The ops a recorded backward pass needs that a forward pass rarely writes by hand: the
//! adjoints of broadcasting, slicing and selecting, and `detach`.
//!
//! [`grad`](crate::grad) records them when it runs a VJP on vars: `SumTo` undoes a broadcast
//! (what the reverse sweep does for every op), `BroadcastTo` spreads a reduced gradient back,
//! `Pad` and `Place` put a gradient back where a slice or a selected element came from. Each
//! is the adjoint of another, so their own VJPs are one line.

use super::{Op, Operand};
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor, broadcast_shape};

/// Sums a broadcast tensor back to `shape` (the adjoint of broadcasting).
#[derive(Debug, Clone)]
pub struct SumTo(pub Vec<usize>);

impl<T: Float> Op<T> for SumTo {
    fn name(&self) -> &'static str {
        "sum_to"
    }
    fn label(&self) -> String {
        format!("sum_to({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        match broadcast_shape("sum_to", x[0].shape(), &self.0) {
            Ok(s) if s == x[0].shape() => Ok(x[0].sum_to(&self.0)),
            _ => Err(Error::shape(
                "sum_to",
                x[0].shape(),
                &self.0,
                "the target shape must broadcast to the input's",
            )),
        }
    }
    fn vjp(&self, _: usize, x: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        g.spread(x[0].shape(), None, T::one())
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        x: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(g.spread(&x[0].dims(), None, T::one()))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("sum_to", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// Repeats a tensor along the axes where `shape` is larger (numpy broadcasting).
#[derive(Debug, Clone)]
pub struct BroadcastTo(pub Vec<usize>);

impl<T: Float> Op<T> for BroadcastTo {
    fn name(&self) -> &'static str {
        "broadcast"
    }
    fn label(&self) -> String {
        format!("broadcast({:?})", self.0)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        match broadcast_shape("broadcast", x[0].shape(), &self.0) {
            Ok(s) if s == self.0 => Ok(x[0].spread(&self.0, None, T::one())),
            _ => Err(Error::shape(
                "broadcast",
                x[0].shape(),
                &self.0,
                "the input must broadcast to the target shape",
            )),
        }
    }
    // The gradient in the broadcast shape: the sweep sums it back to the input's.
    fn vjp(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        g.clone()
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        _: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(g)
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("broadcast", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// Places a tensor at `start..` along `axis` of zeros of `shape` (the adjoint of
/// [`Slice`](super::Slice)).
#[derive(Debug, Clone)]
pub struct Pad {
    /// The shape of the result.
    pub shape: Vec<usize>,
    /// The axis along which the input is placed.
    pub axis: usize,
    /// Where along it the input starts.
    pub start: usize,
}

impl<T: Float> Op<T> for Pad {
    fn name(&self) -> &'static str {
        "pad"
    }
    fn label(&self) -> String {
        format!("pad({}, {}..)", self.axis, self.start)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let s = x[0].shape();
        let fits = s.len() == self.shape.len()
            && (0..s.len()).all(|a| match a == self.axis {
                true => self.start + s[a] <= self.shape[a],
                false => s[a] == self.shape[a],
            });
        if !fits {
            return Err(Error::shape(
                "pad",
                s,
                &self.shape,
                "the input does not fit",
            ));
        }
        Ok(x[0].padded(&self.shape, self.axis, self.start))
    }
    fn vjp(&self, _: usize, x: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        g.sliced(self.axis, self.start, self.start + x[0].shape()[self.axis])
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        x: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        let end = self.start + x[0].dims()[self.axis];
        Ok(g.sliced(self.axis, self.start, end))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("pad", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// Places a tensor at `index` of `axis` (a new axis) in zeros of `shape` (the adjoint of
/// [`Select`](super::Select)).
#[derive(Debug, Clone)]
pub struct Place {
    /// The shape of the result.
    pub shape: Vec<usize>,
    /// The axis the input becomes one element of.
    pub axis: usize,
    /// Which element.
    pub index: usize,
}

impl<T: Float> Op<T> for Place {
    fn name(&self) -> &'static str {
        "place"
    }
    fn label(&self) -> String {
        format!("place({}, {})", self.axis, self.index)
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let mut lane = self.shape.clone();
        let fits = self.axis < lane.len() && self.index < lane[self.axis] && {
            lane.remove(self.axis);
            lane == x[0].shape()
        };
        if !fits {
            let s = x[0].shape();
            return Err(Error::shape(
                "place",
                s,
                &self.shape,
                "the input does not fit",
            ));
        }
        Ok(x[0].placed(&self.shape, self.axis, self.index))
    }
    fn vjp(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        g.selected(self.axis, self.index)
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        _: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(g.selected(self.axis, self.index))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("place", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::one()
    }
}

/// The identity with no gradient through it: what [`Var::detach`] records. The tape never
/// asks for its VJP (the node carries no gradient); it is zero.
#[derive(Debug, Clone, Copy)]
pub struct Detach;

impl<T: Float> Op<T> for Detach {
    fn name(&self) -> &'static str {
        "detach"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(x[0].clone())
    }
    fn vjp(&self, _: usize, x: &[&Tensor<T>], _: &Tensor<T>, _: &Tensor<T>) -> Tensor<T> {
        Tensor::zeros(x[0].shape())
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        x: &[Var<'t, T>],
        _: Var<'t, T>,
        _: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        Ok(x[0].tape().constant(Tensor::zeros(&x[0].dims())))
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("stop_gradient", x[0].clone())
    }
    fn local_derivative(&self, _: usize, _: &[Expr]) -> Expr {
        Expr::zero()
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// The same value, with no gradient flowing through it (`jax.lax.stop_gradient`,
    /// PyTorch's `tensor.detach()`): whatever is computed from the result treats it as a
    /// constant, in [`backward`](Var::backward) and in [`grad`](crate::grad).
    ///
    /// ```
    /// use chaintrace::Tape;
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 3.0);
    /// let y = x * x.detach(); // 3x in value, but only one factor carries a gradient
    /// assert_eq!(y.item().unwrap(), 9.0);
    /// assert_eq!(y.backward().scalar(x).unwrap(), 3.0);
    /// ```
    pub fn detach(self) -> Var<'t, T> {
        self.tape().no_grad(|| self.tape().apply(Detach, &[self]))
    }
}
