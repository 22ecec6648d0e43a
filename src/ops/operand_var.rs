//! [`Operand`] on vars: each step of a VJP recorded as ops on the tape, so the gradient
//! [`grad`](crate::grad) returns is an ordinary var that can be differentiated again.

use super::adjoint::{BroadcastTo, Pad, Place};
use super::{ElementwiseFn, Operand};
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

impl<T: Float> Operand<T> for Var<'_, T> {
    fn dims(&self) -> Vec<usize> {
        self.shape().as_slice().to_vec()
    }
    fn plus(&self, rhs: &Self) -> Self {
        *self + *rhs
    }
    fn minus(&self, rhs: &Self) -> Self {
        *self - *rhs
    }
    fn times(&self, rhs: &Self) -> Self {
        *self * *rhs
    }
    fn divided(&self, rhs: &Self) -> Self {
        *self / *rhs
    }
    fn recip(&self) -> Self {
        self.tape().constant(T::one()) / *self
    }
    fn negated(&self) -> Self {
        -*self
    }
    fn scaled(&self, c: T) -> Self {
        *self * c
    }
    fn powi_scaled(&self, p: f64, c: T) -> Self {
        self.powf(p) * c
    }
    fn apply(&self, f: &'static ElementwiseFn) -> Self {
        self.apply_fn(f)
    }
    fn softmax_last(&self) -> Self {
        self.softmax()
    }
    fn mm(&self, rhs: &Self) -> Self {
        self.matmul(*rhs)
    }
    fn mm_t(&self, rhs: &Self) -> Self {
        self.matmul_t(*rhs)
    }
    fn t_mm(&self, rhs: &Self) -> Self {
        self.transpose().matmul(*rhs)
    }
    fn reversed_axes(&self) -> Self {
        self.transpose()
    }
    fn reshaped(&self, shape: &[usize]) -> Self {
        self.reshape(shape)
    }
    fn spread(&self, shape: &[usize], axis: Option<usize>, scale: T) -> Self {
        let mut g = *self;
        if let Some(a) = axis {
            let mut kept = g.dims();
            kept.insert(a, 1);
            g = g.reshape(&kept);
        }
        if g.dims() != shape {
            g = self.tape().apply(BroadcastTo(shape.to_vec()), &[g]);
        }
        if scale == T::one() { g } else { g * scale }
    }
    fn sum_last_keep(&self) -> Self {
        let mut kept = self.dims();
        let last = kept.len() - 1;
        kept[last] = 1;
        self.sum_axis(last).reshape(&kept)
    }
    fn sliced(&self, axis: usize, start: usize, end: usize) -> Self {
        self.slice(axis, start, end)
    }
    fn selected(&self, axis: usize, index: usize) -> Self {
        self.select(axis, index)
    }
    fn padded(&self, shape: &[usize], axis: usize, start: usize) -> Self {
        let pad = Pad {
            shape: shape.to_vec(),
            axis,
            start,
        };
        self.tape().apply(pad, &[*self])
    }
    fn placed(&self, shape: &[usize], axis: usize, index: usize) -> Self {
        let place = Place {
            shape: shape.to_vec(),
            axis,
            index,
        };
        self.tape().apply(place, &[*self])
    }
    fn constant(&self, value: Tensor<T>) -> Self {
        self.tape().constant(value)
    }
}
