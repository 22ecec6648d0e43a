//! An op node's input values, gathered for the op's rules.

use super::{Nodes, node::Row};
use crate::tensor::{Float, Tensor};

/// The values of an op's inputs, as the `&[&Tensor]` that `Op::forward` and `Op::vjp`
/// take, gathered without a heap allocation or a general-purpose collection for the usual one
/// or two inputs (this runs once per node in both directions).
pub(crate) enum InputValues<'a, T: Float> {
    /// One or two inputs, in a fixed array (`len` of them are meaningful).
    Few([&'a Tensor<T>; 2], usize),
    /// Three or more (concatenation).
    Many(Vec<&'a Tensor<T>>),
}

impl<'a, T: Float> InputValues<'a, T> {
    /// The values of the nodes `ids`, looked up on `nodes`.
    pub(super) fn gather(rows: &'a [Row<T>], ids: &[u32]) -> Self {
        let value = |&i: &u32| &*rows[i as usize].value;
        match ids {
            [a] => InputValues::Few([value(a), value(a)], 1),
            [a, b] => InputValues::Few([value(a), value(b)], 2),
            _ => InputValues::Many(ids.iter().map(value).collect()),
        }
    }

    /// The values of node `i`'s inputs.
    pub(super) fn of(nodes: &'a Nodes<T>, i: usize) -> Self {
        Self::gather(&nodes.rows, nodes.input_ids(i))
    }

    /// The values as a slice, in input order.
    pub(crate) fn as_slice(&self) -> &[&'a Tensor<T>] {
        match self {
            InputValues::Few(values, len) => &values[..*len],
            InputValues::Many(values) => values,
        }
    }
}

/// The values of an op's one or two inputs when every one is a scalar: the arguments of
/// [`Op::scalar`](crate::ops::Op::scalar) and
/// [`Op::scalar_derivative`](crate::ops::Op::scalar_derivative).
#[derive(Clone, Copy)]
pub(crate) struct ScalarValues<T> {
    values: [T; 2],
    len: usize,
}

impl<T: Float> ScalarValues<T> {
    /// The scalar values of the nodes `ids`, or `None` when one is an array or there are more
    /// than two.
    #[inline]
    pub(super) fn gather(rows: &[Row<T>], ids: &[u32]) -> Option<Self> {
        let value = |&i: &u32| rows[i as usize].value.as_scalar();
        match ids {
            [a] => value(a).map(|a| ScalarValues {
                values: [a, a],
                len: 1,
            }),
            [a, b] => Some(ScalarValues {
                values: [value(a)?, value(b)?],
                len: 2,
            }),
            _ => None,
        }
    }

    /// The values in input order.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.values[..self.len]
    }
}
