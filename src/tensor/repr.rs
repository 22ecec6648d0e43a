//! A tensor's two cases (a number inline, or a shared array), borrowed: what `Tensor`'s
//! methods match on. The tensor itself stores them as two plain fields, not as this enum
//! (see `Tensor`'s fields for why).

use ndarray::ArrayD;
use std::sync::Arc;

use super::Tensor;

/// A tensor's two cases, borrowed: what the methods match on.
pub(super) enum Repr<'a, T> {
    /// Rank 0.
    Scalar(&'a T),
    /// Rank 1 or more.
    Array(&'a Arc<ArrayD<T>>),
}

/// [`Repr`], mutable.
pub(super) enum ReprMut<'a, T> {
    Scalar(&'a mut T),
    Array(&'a mut Arc<ArrayD<T>>),
}

impl<T> Tensor<T> {
    #[inline]
    pub(super) fn repr(&self) -> Repr<'_, T> {
        match &self.array {
            None => Repr::Scalar(&self.scalar),
            Some(a) => Repr::Array(a),
        }
    }

    #[inline]
    pub(super) fn repr_mut(&mut self) -> ReprMut<'_, T> {
        match &mut self.array {
            None => ReprMut::Scalar(&mut self.scalar),
            Some(a) => ReprMut::Array(a),
        }
    }
}
