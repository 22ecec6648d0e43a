//! Shapes from outside the program: every `try_` form returns `Err` rather than panicking,
//! for any shape (huge sizes, zeros, products that overflow `usize`, wrong lengths) and any
//! axis, index or range; when it returns `Ok`, the result has the shape the op promises.
//!
//! A result that is valid but too large to allocate (an empty `[0, 2³⁰, 2³⁰]` summed over
//! axis 0 asks for 2⁶⁰ zeros) is not called for: each case predicts the result's size first
//! and skips the call when it exceeds `LIMIT` elements.

use chaintrace::tensor::checked_len;
use chaintrace::{Tape, Tensor, Var};
use proptest::collection::vec;
use proptest::prelude::*;

/// The most elements a predicted result may have for the call to be made.
const LIMIT: usize = 1 << 16;
/// The most elements an input tensor is built with.
const INPUT: usize = 64;

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 0usize..4,
        1 => Just(1usize << 32),
        1 => Just(usize::MAX),
        1 => (1usize << 20)..(1usize << 40),
    ]
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    vec(dim(), 0..4)
}

fn index() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..5, 1 => Just(usize::MAX), 1 => any::<usize>()]
}

/// The element count of `shape`, if a tensor of it can exist.
fn len(shape: &[usize]) -> Option<usize> {
    checked_len::<f64>("test", shape).ok()
}

/// A tensor of `shape` with distinct values, when it exists and is small.
fn tensor(shape: &[usize]) -> Option<Tensor<f64>> {
    let n = len(shape).filter(|&n| n <= INPUT)?;
    let data = (0..n).map(|i| 0.25 * i as f64 - 1.0).collect();
    Some(Tensor::from_vec(data, shape))
}

/// numpy's broadcast of two shapes, computed here independently of the crate.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// `shape` without `axis`.
fn without(shape: &[usize], axis: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    s.remove(axis);
    s
}

/// Whether a result of `shape` is small enough to be built: refused shapes count as small
/// (the op must refuse them).
fn buildable(shape: &[usize]) -> bool {
    len(shape).is_none_or(|n| n <= LIMIT)
}

/// Checks a result: `Ok` with shape `expected` when that is `Some`, `Err` when `None`.
fn check(result: chaintrace::Result<Var<'_, f64>>, expected: Option<Vec<usize>>, op: &str) {
    match (result, expected) {
        (Ok(v), Some(shape)) => assert_eq!(v.value().shape(), shape.as_slice(), "{op}"),
        (Err(_), None) => {}
        (Ok(v), None) => panic!("{op}: expected an error, got shape {:?}", v.value().shape()),
        (Err(e), Some(shape)) => panic!("{op}: expected shape {shape:?}, got {e}"),
    }
}

/// Checks a result whose success this test does not predict: `Ok` has shape `expected`.
fn check_shape_if_ok(result: chaintrace::Result<Var<'_, f64>>, expected: &[usize], op: &str) {
    if let Ok(v) = result {
        assert_eq!(v.value().shape(), expected, "{op}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tensor_constructors_refuse_impossible_shapes(
        s in shape(),
        data_len in prop_oneof![0usize..10, Just(usize::MAX)],
    ) {
        // The exact length when it is small, else a short wrong one.
        let n = match len(&s) {
            Some(n) if n <= INPUT && data_len == usize::MAX => n,
            _ => data_len % 10,
        };
        let result = Tensor::<f64>::try_from_vec(vec![0.5; n], &s);
        match result {
            Ok(t) => {
                prop_assert_eq!(len(&s), Some(n));
                prop_assert_eq!(t.shape(), s.as_slice());
            }
            Err(_) => prop_assert_ne!(len(&s), Some(n)),
        }
        if buildable(&s) {
            let full = Tensor::<f64>::try_full(&s, 2.0);
            prop_assert_eq!(full.is_ok(), len(&s).is_some());
            if let Ok(t) = full {
                prop_assert_eq!(t.shape(), s.as_slice());
                prop_assert!(t.to_vec().iter().all(|&x| x == 2.0));
            }
        }
    }

    #[test]
    fn try_forms_return_errors_not_panics(
        (sa, sb, sc) in (shape(), shape(), shape()),
        new_shape in shape(),
        (axis, start, end, at) in (index(), index(), index(), index()),
        targets in vec(index(), 0..4),
        parts in 0usize..4,
    ) {
        let tape = Tape::<f64>::new();
        let Some(ta) = tensor(&sa) else { return Ok(()) };
        let a = tape.var("a", ta.clone());
        let rank = sa.len();

        // reshape: the same number of elements, in a shape that can exist.
        let ok = (len(&new_shape) == Some(ta.len())).then(|| new_shape.clone());
        check(a.try_reshape(&new_shape), ok, "reshape");

        // slice and select: the axis exists and the range or index fits it.
        let ok = (axis < rank && start <= end && end <= sa[axis]).then(|| {
            let mut s = sa.clone();
            s[axis] = end - start;
            s
        });
        check(a.try_slice(axis, start, end), ok, "slice");
        let ok = (axis < rank && at < sa[axis]).then(|| without(&sa, axis));
        check(a.try_select(axis, at), ok, "select");

        // sum and mean along an axis remove it (an empty axis can leave a large result).
        if axis >= rank {
            check(a.try_sum_axis(axis), None, "sum_axis");
            check(a.try_mean_axis(axis), None, "mean_axis");
        } else if buildable(&without(&sa, axis)) {
            check(a.try_sum_axis(axis), Some(without(&sa, axis)), "sum_axis");
            check_shape_if_ok(a.try_mean_axis(axis), &without(&sa, axis), "mean_axis");
        }

        // softmax and its log keep the shape; cross-entropy and mse give a scalar.
        check_shape_if_ok(a.try_softmax(), &sa, "softmax");
        check_shape_if_ok(a.try_log_softmax(), &sa, "log_softmax");
        check_shape_if_ok(a.try_cross_entropy(&targets), &[], "cross_entropy");
        if rank > 0 && buildable(&without(&sa, 0)) {
            let summed = a.try_sum_axis(0).and_then(Var::try_softmax);
            check_shape_if_ok(summed, &without(&sa, 0), "sum then softmax");
        }

        let Some(tb) = tensor(&sb) else { return Ok(()) };
        let b = tape.var("b", tb);
        // mse is a mean: equal shapes with at least one element (a mean over nothing is 0/0).
        let ok = (sa == sb && len(&sa).is_some_and(|n| n > 0)).then(Vec::new);
        check(a.try_mse(b), ok, "mse");

        // Elementwise arithmetic broadcasts; the residual adds x to f(x) = xᵀ.
        let both = broadcast(&sa, &sb);
        if both.as_deref().is_none_or(buildable) {
            let ok = both.filter(|s| len(s).is_some());
            check(a.try_add(b), ok.clone(), "add");
            check(a.try_sub(b), ok.clone(), "sub");
            check(a.try_mul(b), ok.clone(), "mul");
            check(a.try_div(b), ok, "div");
        }
        let reversed: Vec<usize> = sa.iter().rev().copied().collect();
        let with_transpose = broadcast(&sa, &reversed);
        if with_transpose.as_deref().is_none_or(buildable) {
            let ok = with_transpose.filter(|s| len(s).is_some());
            check(tape.try_residual(a, |x| x.transpose()), ok, "residual");
        }

        // matmul: two matrices whose inner sizes agree.
        let product = (sa.len() == 2 && sb.len() == 2 && sa[1] == sb[0]).then(|| vec![sa[0], sb[1]]);
        if product.as_deref().is_none_or(buildable) {
            check(a.try_matmul(b), product.filter(|s| len(s).is_some()), "matmul");
        }

        // concat: the same rank, agreeing off the axis, at least one part.
        let Some(tc) = tensor(&sc) else { return Ok(()) };
        let c = tape.var("c", tc);
        let all = [a, b, c];
        let chosen = &all[..parts];
        let shapes = [&sa, &sb, &sc];
        let fits = parts > 0
            && axis < rank
            && shapes[..parts].iter().all(|s| {
                s.len() == rank && (0..rank).all(|i| i == axis || s[i] == sa[i])
            });
        let ok = fits
            .then(|| {
                let total = shapes[..parts]
                    .iter()
                    .try_fold(0usize, |n, s| n.checked_add(s[axis]))?;
                let mut s = sa.clone();
                s[axis] = total;
                len(&s).map(|_| s)
            })
            .flatten();
        check(Var::try_concat(chosen, axis), ok, "concat");

        // sum_to: the target must broadcast to the tensor's shape.
        if !buildable(&sc) {
            return Ok(());
        }
        let target_ok = broadcast(&sc, &sa).is_some_and(|s| s == sa);
        let summed = ta.try_sum_to(&sc);
        prop_assert_eq!(summed.is_ok(), target_ok, "sum_to {:?} to {:?}", sa, sc);
        if let Ok(t) = summed {
            prop_assert_eq!(t.shape(), sc.as_slice());
            prop_assert!((t.sum() - ta.sum()).abs() < 1e-9);
        }
    }
}

/// The cases of the issue: element counts that wrap around `usize` are refused, not passed
/// to ndarray (which panicked with "length checked above").
#[test]
fn products_that_wrap_are_errors() {
    let huge = [1usize << 32, 1 << 32];
    let err = Tensor::<f64>::try_from_vec(vec![], &huge).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `Tensor::from_vec`: shape [4294967296, 4294967296] has too many \
         elements (more than 9223372036854775807 bytes)"
    );
    let tape = Tape::<f64>::new();
    let x = tape.var("x", Tensor::from_vec(vec![], &[0]));
    let err = x.try_reshape(&huge).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid argument to `reshape`"),
        "{err}"
    );
    // Empty tensors with huge sizes exist; what they would combine into does not.
    let a = tape.var("a", Tensor::from_vec(vec![], &[0, 1 << 33, 1]));
    let b = tape.var("b", Tensor::from_vec(vec![], &[0, 1, 1 << 33]));
    let err = a.try_add(b).unwrap_err();
    assert!(err.to_string().contains("too many elements"), "{err}");
    let a = tape.var("a", Tensor::from_vec(vec![], &[1 << 33, 0]));
    let b = tape.var("b", Tensor::from_vec(vec![], &[0, 1 << 33]));
    let err = a.try_matmul(b).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid argument to `matmul`"),
        "{err}"
    );
    let wide = tape.var("w", Tensor::from_vec(vec![], &[0, 1 << 59]));
    let err = Var::try_concat(&[wide; 40], 1).unwrap_err();
    assert!(err.to_string().contains("add up past"), "{err}");
}

#[test]
#[should_panic(expected = "invalid argument to `Tensor::full`: shape [4294967296, 4294967296]")]
fn zeros_of_an_impossible_shape_panics_with_the_message() {
    Tensor::<f32>::zeros(&[1 << 32, 1 << 32]);
}

#[test]
#[should_panic(expected = "shape mismatch in `sum_to`: [2, 3] and [1, 1, 1]")]
fn sum_to_a_shape_that_does_not_broadcast_panics_with_the_message() {
    Tensor::<f64>::zeros(&[2, 3]).sum_to(&[1, 1, 1]);
}

/// A product with an empty inner or outer side is zeros at once, however long the other side:
/// matrixmultiply walked the 2⁴⁰ rows of an `[2⁴⁰, 0]` result (a case the property above
/// drew once, and ran for minutes on).
#[test]
fn empty_products_do_not_walk_their_long_side() {
    let tape = Tape::<f64>::new();
    let long = 1usize << 40;
    let a = tape.var("a", Tensor::from_vec(vec![], &[long, 0]));
    let b = tape.var("b", Tensor::from_vec(vec![], &[0, 0]));
    assert_eq!(a.matmul(b).shape().as_slice(), &[long, 0]);
    // Inner size 0 with a result that has elements: every entry is an empty sum.
    let c = tape.var("c", Tensor::from_vec(vec![], &[2, 0]));
    let d = tape.var("d", Tensor::from_vec(vec![], &[0, 3]));
    let y = c.matmul(d);
    assert_eq!(y.value().to_vec(), vec![0.0; 6]);
    let grads = y.sum().backward();
    assert_eq!(grads.wrt(c).unwrap().shape(), &[2, 0]);
}
