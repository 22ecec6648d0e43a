//! The tensor-structured ops' gradients against central finite differences (f64): matrix
//! product, shape ops, reductions, softmax and the losses. Shared strategies and the check:
//! tests/ops_common.

use chaintrace::ops::{BroadcastTo, Pad, Place, SumTo};
use chaintrace::{Tensor, Var};
use proptest::prelude::*;

mod ops_common;

use ops_common::*;

// ---------------------------------------------------------------------------------------------
// Matrix product, shape ops, reductions
// ---------------------------------------------------------------------------------------------

/// `[m, k]` and `[k, n]` matrices.
fn matmul_operands() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    (1usize..=4, 1usize..=4, 1usize..=4).prop_flat_map(|(m, k, n)| {
        (
            tensor_of(vec![m, k], -2.0..2.0),
            tensor_of(vec![k, n], -2.0..2.0),
        )
    })
}

/// A tensor and a valid axis of it.
fn tensor_and_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(3).prop_flat_map(|s| {
        let rank = s.len();
        (tensor_of(s, -2.0..2.0), 0..rank)
    })
}

/// Parts that agree on every axis but `axis`, for concatenation.
fn concat_parts() -> impl Strategy<Value = (Vec<Tensor<f64>>, usize)> {
    (shape(3), 2usize..=3).prop_flat_map(|(base, parts)| {
        let rank = base.len();
        (
            Just(base),
            prop::collection::vec(1usize..=3, parts),
            0..rank,
        )
            .prop_flat_map(|(base, sizes, axis)| {
                let tensors: Vec<_> = sizes
                    .iter()
                    .map(|&size| {
                        let mut s = base.clone();
                        s[axis] = size;
                        tensor_of(s, -2.0..2.0)
                    })
                    .collect();
                (tensors, Just(axis))
            })
    })
}

/// A tensor, an axis, and a range `start..end` (non-empty) within that axis.
fn slice_args() -> impl Strategy<Value = (Tensor<f64>, usize, usize, usize)> {
    tensor_and_axis().prop_flat_map(|(t, axis)| {
        let size = t.shape()[axis];
        (Just(t), Just(axis), 0..size).prop_flat_map(move |(t, axis, start)| {
            (Just(t), Just(axis), Just(start), start + 1..=size)
        })
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matmul((a, b) in matmul_operands()) {
        check(&[a, b], |_, v| v[0].matmul(v[1]))?;
    }

    #[test]
    fn transpose(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].transpose())?;
    }

    /// Reshape to the reversed sizes, to one flat axis, and to a leading axis of 1.
    #[test]
    fn reshape(x in tensor(-2.0, 2.0)) {
        let reversed: Vec<usize> = x.shape().iter().rev().copied().collect();
        let n = x.len();
        let x = [x];
        check(&x, move |_, v| v[0].reshape(&reversed))?;
        check(&x, move |_, v| v[0].reshape(&[n]))?;
        check(&x, move |_, v| v[0].reshape(&[1, n]))?;
    }

    #[test]
    fn concat((parts, axis) in concat_parts()) {
        check(&parts, move |_, v| Var::concat(v, axis))?;
    }

    #[test]
    fn select(((x, axis), index) in tensor_and_axis().prop_flat_map(|(x, axis)| {
        let size = x.shape()[axis];
        (Just((x, axis)), 0..size)
    })) {
        check(&[x], move |_, v| v[0].select(axis, index))?;
    }

    #[test]
    fn slice((x, axis, start, end) in slice_args()) {
        check(&[x], move |_, v| v[0].slice(axis, start, end))?;
    }

    /// The adjoints `grad` records: each undoes an op above, so its inputs come from there.
    #[test]
    fn sum_to_and_broadcast((x, axis) in tensor_and_axis()) {
        let mut reduced = x.shape().to_vec();
        reduced[axis] = 1;
        let full = x.shape().to_vec();
        check(std::slice::from_ref(&x), move |t, v| t.apply(SumTo(reduced.clone()), &[v[0]]))?;
        let small = x.sum_axes(&[axis], true);
        check(&[small], move |t, v| t.apply(BroadcastTo(full.clone()), &[v[0]]))?;
    }

    #[test]
    fn pad_and_place((x, axis, start, end) in slice_args()) {
        let piece = x.view().slice_axis(ndarray::Axis(axis), (start..end).into()).to_owned();
        let shape = x.shape().to_vec();
        let pad = Pad { shape: shape.clone(), axis, start };
        check(&[Tensor::from_array(piece)], move |t, v| t.apply(pad.clone(), &[v[0]]))?;
        let lane = x.view().index_axis(ndarray::Axis(axis), start).to_owned();
        let place = Place { shape, axis, index: start };
        check(&[Tensor::from_array(lane)], move |t, v| t.apply(place.clone(), &[v[0]]))?;
    }

    #[test]
    fn sum(x in tensor(-2.0, 2.0)) {
        // The scalar output still goes through the weighting: `sum` is checked with weight c₀.
        check(&[x], |_, v| v[0].sum())?;
    }

    #[test]
    fn mean(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].mean())?;
    }

    #[test]
    fn sum_axis((x, axis) in tensor_and_axis()) {
        check(&[x], move |_, v| v[0].sum_axis(axis))?;
    }

    #[test]
    fn mean_axis((x, axis) in tensor_and_axis()) {
        check(&[x], move |_, v| v[0].mean_axis(axis))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Softmax and the losses
// ---------------------------------------------------------------------------------------------

/// Logits `[n, c]` (or `[c]` with one target) and `n` class indices below `c`.
fn logits_and_targets() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>)> {
    (1usize..=4, 2usize..=5, any::<bool>()).prop_flat_map(|(n, c, flat)| {
        let shape = if flat { vec![c] } else { vec![n, c] };
        let rows = if flat { 1 } else { n };
        (
            tensor_of(shape, -3.0..3.0),
            prop::collection::vec(0..c, rows),
        )
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn softmax(x in tensor_with_axes(-3.0, 3.0)) {
        check(&[x], |_, v| v[0].softmax())?;
    }

    #[test]
    fn log_softmax(x in tensor_with_axes(-3.0, 3.0)) {
        check(&[x], |_, v| v[0].log_softmax())?;
    }

    #[test]
    fn cross_entropy((logits, targets) in logits_and_targets()) {
        check(&[logits], move |_, v| v[0].cross_entropy(&targets))?;
    }

    #[test]
    fn mse((a, b) in shape(3).prop_flat_map(|s| {
        (tensor_of(s.clone(), -2.0..2.0), tensor_of(s, -2.0..2.0))
    })) {
        check(&[a, b], |_, v| v[0].mse(v[1]))?;
    }

    /// `x + f(x)` with the identity edge marked residual differentiates like `x + f(x)`.
    #[test]
    fn residual(x in tensor(-2.0, 2.0)) {
        check(&[x], |tape, v| tape.residual(v[0], |h| h.tanh() * 0.5))?;
    }

    /// A small network end to end: `cross_entropy(tanh(x·W + b)·V)` with the bias broadcast
    /// over the batch.
    #[test]
    fn small_network(
        (x, w, b, v, targets) in (1usize..=3, 1usize..=3, 1usize..=3, 2usize..=3)
            .prop_flat_map(|(n, d, h, c)| (
                tensor_of(vec![n, d], -1.0..1.0),
                tensor_of(vec![d, h], -1.0..1.0),
                tensor_of(vec![h], -1.0..1.0),
                tensor_of(vec![h, c], -1.0..1.0),
                prop::collection::vec(0..c, n),
            ))
    ) {
        check(&[x, w, b, v], move |_, p| {
            (p[0].matmul(p[1]) + p[2]).tanh().matmul(p[3]).cross_entropy(&targets)
        })?;
    }
}
