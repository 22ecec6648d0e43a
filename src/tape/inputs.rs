//! An op node's inputs, as edges when recording and as values when an op runs.

use smallvec::SmallVec;

use super::{EdgeKind, Input, Node, Var};
use crate::tensor::{Float, Tensor};

/// The ordinary edges from `vars` to the op they feed.
pub(super) fn edges<T: Float>(vars: &[Var<'_, T>]) -> SmallVec<[Input; 2]> {
    let edge = |v: &Var<'_, T>| Input {
        node: v.id(),
        kind: EdgeKind::Normal,
    };
    // Built from a full array for the usual one or two inputs: SmallVec's general `collect`
    // costs more than the rest of recording a scalar op.
    match vars {
        [a] => SmallVec::from_buf_and_len([edge(a), edge(a)], 1),
        [a, b] => SmallVec::from_buf([edge(a), edge(b)]),
        _ => vars.iter().map(edge).collect(),
    }
}

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
    /// The values of `inputs`, looked up on `nodes`.
    pub(crate) fn gather(nodes: &'a [Node<T>], inputs: &[Input]) -> Self {
        let value = |i: &Input| &nodes[i.node.0].value;
        match inputs {
            [a] => InputValues::Few([value(a), value(a)], 1),
            [a, b] => InputValues::Few([value(a), value(b)], 2),
            _ => InputValues::Many(inputs.iter().map(value).collect()),
        }
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
/// [`Op::scalar`](crate::ops::Op::scalar) and [`Op::scalar_vjp`](crate::ops::Op::scalar_vjp).
#[derive(Clone, Copy)]
pub(crate) struct ScalarValues<T> {
    values: [T; 2],
    len: usize,
}

impl<T: Float> ScalarValues<T> {
    /// The scalar values of `inputs`, or `None` when one is an array or there are more than two.
    #[inline]
    pub(crate) fn gather(nodes: &[Node<T>], inputs: &[Input]) -> Option<Self> {
        let value = |i: &Input| nodes[i.node.0].value.as_scalar();
        match inputs {
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
