//! Second derivatives of every op of the crate against central differences of its gradient
//! (`check::gradgradcheck`, f64): every built-in elementwise function (iterating over
//! `BUILTIN_FUNCTIONS`, away from the kinks of relu, abs, step and sign), arithmetic with
//! broadcasting, powf, the matrix products, the shape ops, the reductions, softmax and the
//! losses. Each check differentiates the recorded gradient by the inputs and by the cotangent,
//! so even a linear op's recorded VJP is checked; the linear ops are also checked inside a
//! nonlinear function (`sin(op(x))`), where their VJP carries a gradient that depends on `x`.

use chaintrace::check::{GradcheckOptions, gradgradcheck};
use chaintrace::ops::BUILTIN_FUNCTIONS;
use chaintrace::{Tape, Tensor, Var};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

mod ops_common;

use ops_common::{away_from_zero, broadcast_operands, shape, tensor, tensor_of, tensor_with_axes};

/// Each case differentiates a recorded gradient over every input and output element; 24 cases
/// on tensors of at most 27 elements keep each property to about a second.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(24)
}

/// Gradgradchecks `f` at `inputs` with the default f64 tolerances.
fn check(
    inputs: &[Tensor<f64>],
    f: impl for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
) -> Result<(), TestCaseError> {
    let report = gradgradcheck(inputs, f, GradcheckOptions::default());
    prop_assert!(report.passed(), "{}", report);
    Ok(())
}

/// `f` alone, then inside `sin`.
fn check_linear(
    inputs: &[Tensor<f64>],
    f: impl for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64> + Copy,
) -> Result<(), TestCaseError> {
    check(inputs, f)?;
    check(inputs, move |tape, v| f(tape, v).sin())
}

/// Two tensors that agree on every axis but `axis`, and that axis.
fn concat_pair() -> impl Strategy<Value = (Vec<Tensor<f64>>, usize)> {
    (shape(3), 1usize..=3, 1usize..=3).prop_flat_map(|(base, p, q)| {
        let rank = base.len();
        (Just(base), Just(p), Just(q), 0..rank).prop_flat_map(|(base, p, q, axis)| {
            let (mut s, mut t) = (base.clone(), base);
            s[axis] = p;
            t[axis] = q;
            let parts = (tensor_of(s, -2.0..2.0), tensor_of(t, -2.0..2.0));
            (parts.prop_map(|(a, b)| vec![a, b]), Just(axis))
        })
    })
}

proptest! {
    #![proptest_config(config())]

    /// Every built-in function, on positive inputs and, where it is defined there, negative
    /// ones: all are twice differentiable away from 0 (relu, abs, step and sign have their
    /// kink or jump at 0; ln and sqrt are undefined below it).
    #[test]
    fn every_builtin_function(
        positive in tensor(0.2, 3.0),
        negative in tensor(-3.0, -0.2),
    ) {
        for f in BUILTIN_FUNCTIONS {
            check(std::slice::from_ref(&positive), |_, v| v[0].apply_fn(f))?;
            if f.value(-1.0f64).is_finite() {
                check(std::slice::from_ref(&negative), |_, v| v[0].apply_fn(f))?;
            }
        }
    }

    #[test]
    fn add_sub_mul_with_broadcasting((a, b) in broadcast_operands(-2.0..2.0)) {
        let ab = [a, b];
        check(&ab, |_, v| v[0] + v[1])?;
        check(&ab, |_, v| v[0] - v[1])?;
        check(&ab, |_, v| v[0] * v[1])?;
        // Nonlinear around the op, so its recorded VJP carries an x-dependent gradient.
        check(&ab, |_, v| (v[0] + v[1]).sin() * (v[0] - v[1]))?;
    }

    #[test]
    fn div_with_broadcasting((a, b) in broadcast_operands(away_from_zero(0.3, 2.0))) {
        check(&[a, b], |_, v| v[0] / v[1])?;
    }

    #[test]
    fn neg_and_numbers_on_either_side(x in tensor(-2.0, 2.0)) {
        check(std::slice::from_ref(&x), |_, v| (-v[0]).sin())?;
        check(std::slice::from_ref(&x), |_, v| (v[0] * 2.5 - 1.0).tanh() + 0.5)?;
        check(std::slice::from_ref(&x), |_, v| (1.5 - v[0] * v[0]) * 0.5)?;
    }

    #[test]
    fn numbers_divided_by_a_var(x in tensor_of(vec![2, 3], away_from_zero(0.3, 2.0))) {
        check(&[x], |_, v| 2.0 / v[0])?;
    }

    #[test]
    fn powf(
        x in tensor(0.3, 2.0),
        p in prop::sample::select(vec![2.0, 3.0, -1.0, 0.5, 1.5, -2.5]),
    ) {
        check(&[x], move |_, v| v[0].powf(p))?;
    }

    #[test]
    fn matmul(
        (a, b) in (1usize..=3, 1usize..=3, 1usize..=3).prop_flat_map(|(m, k, n)| {
            (tensor_of(vec![m, k], -2.0..2.0), tensor_of(vec![k, n], -2.0..2.0))
        })
    ) {
        check_linear(&[a, b], |_, v| v[0].matmul(v[1]))?;
    }

    #[test]
    fn matmul_t(
        (a, b) in (1usize..=3, 1usize..=3, 1usize..=3).prop_flat_map(|(m, k, n)| {
            (tensor_of(vec![m, k], -2.0..2.0), tensor_of(vec![n, k], -2.0..2.0))
        })
    ) {
        check_linear(&[a, b], |_, v| v[0].matmul_t(v[1]))?;
    }

    #[test]
    fn transpose(x in tensor(-2.0, 2.0)) {
        check_linear(&[x], |_, v| v[0].transpose())?;
    }

    #[test]
    fn reshape(x in tensor(-2.0, 2.0)) {
        let n = x.len();
        check_linear(&[x], move |_, v| v[0].reshape(&[1, n]))?;
    }

    #[test]
    fn concat((parts, axis) in concat_pair()) {
        check_linear(&parts, move |_, v| Var::concat(v, axis))?;
    }

    #[test]
    fn slice_and_select(
        (x, axis, start, end) in shape(3).prop_flat_map(|s| {
            let rank = s.len();
            (tensor_of(s, -2.0..2.0), 0..rank)
        }).prop_flat_map(|(x, axis)| {
            let size = x.shape()[axis];
            (Just(x), Just(axis), 0..size)
        }).prop_flat_map(|(x, axis, start)| {
            let size = x.shape()[axis];
            (Just(x), Just(axis), Just(start), start + 1..=size)
        })
    ) {
        let x = [x];
        check_linear(&x, move |_, v| v[0].slice(axis, start, end))?;
        check_linear(&x, move |_, v| v[0].select(axis, start))?;
    }

    #[test]
    fn sum_and_mean(x in tensor(-2.0, 2.0)) {
        let x = [x];
        check_linear(&x, |_, v| v[0].sum())?;
        check_linear(&x, |_, v| v[0].mean())?;
    }

    #[test]
    fn sum_axis_and_mean_axis(
        (x, axis) in shape(3).prop_flat_map(|s| {
            let rank = s.len();
            (tensor_of(s, -2.0..2.0), 0..rank)
        })
    ) {
        let x = [x];
        check_linear(&x, move |_, v| v[0].sum_axis(axis))?;
        check_linear(&x, move |_, v| v[0].mean_axis(axis))?;
    }

    #[test]
    fn softmax_and_log_softmax(x in tensor_with_axes(-3.0, 3.0)) {
        let x = [x];
        check(&x, |_, v| v[0].softmax())?;
        check(&x, |_, v| v[0].log_softmax())?;
    }

    #[test]
    fn cross_entropy(
        (logits, targets) in (1usize..=3, 2usize..=4, any::<bool>()).prop_flat_map(|(n, c, flat)| {
            let shape = if flat { vec![c] } else { vec![n, c] };
            let rows = if flat { 1 } else { n };
            (tensor_of(shape, -3.0..3.0), prop::collection::vec(0..c, rows))
        })
    ) {
        check(&[logits], move |_, v| v[0].cross_entropy(&targets))?;
    }

    #[test]
    fn mse((a, b) in shape(3).prop_flat_map(|s| {
        (tensor_of(s.clone(), -2.0..2.0), tensor_of(s, -2.0..2.0))
    })) {
        check(&[a, b], |_, v| v[0].mse(v[1]))?;
    }
}
