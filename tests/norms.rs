//! Norms that do not overflow, and clipping that works on the exploding gradients it exists
//! for (issue 12, item 1; the limits of item 3 are in tests/clip_limits.rs).
//!
//! Every computed norm is compared against a reference taken independently in f64 with
//! `f64::hypot` (which never overflows on the way), over gradients of magnitudes 1e-30…1e30 in
//! f32 and 1e-300…1e300 in f64. The guarantee checked (docs/errors.md, "Norms and clipping"):
//! any finite gradient is clipped to a finite gradient of norm ≤ max_norm·(1 + 1e-6), and a
//! returned norm is finite whenever the true norm is representable.

use chaintrace::hooks::{ClipNorm, GradHook, Normalize, clip_grad_norm};
use chaintrace::{Float, Tape, Tensor, TraceOptions};
use proptest::prelude::*;

/// ‖xs‖ in f64 by `hypot`, independent of the crate's scaled norm.
fn reference(xs: &[f64]) -> f64 {
    xs.iter().fold(0.0, |n, &x| n.hypot(x))
}

fn as_f64<T: Float>(xs: &[T]) -> Vec<f64> {
    xs.iter().map(|x| x.as_f64()).collect()
}

/// The gradient `g` as it reaches leaf `x` through `L = Σ x·g` with `x = 1` (so `∂L/∂x = g`
/// exactly), after `hook` ran on it.
fn hooked<T: Float>(g: &[T], hook: impl GradHook<T> + 'static) -> chaintrace::Result<Vec<T>> {
    let tape = Tape::<T>::new();
    let x = tape.var("x", Tensor::ones(&[g.len()]));
    let c = tape.constant(Tensor::from_vec(g.to_vec(), &[g.len()]));
    let loss = (x * c).sum();
    tape.hook(x, hook);
    let grads = loss.try_backward()?;
    Ok(grads.wrt(x).unwrap().to_vec())
}

/// `m · 10^e` per element, with the exponent `top − drop` kept at or above `lowest`: whole
/// vectors at one scale, with some smaller elements mixed in.
fn magnitudes(lowest: i32, highest: i32) -> impl Strategy<Value = Vec<f64>> {
    (
        lowest..=highest,
        prop::collection::vec((-1.0f64..1.0, 0i32..8), 1..8),
    )
        .prop_map(move |(top, parts)| {
            parts
                .into_iter()
                .map(|(m, drop)| m * 10f64.powi((top - drop).max(lowest)))
                .collect()
        })
}

fn f32_gradients() -> impl Strategy<Value = Vec<f32>> {
    magnitudes(-30, 30).prop_map(|v| v.into_iter().map(|x| x as f32).collect())
}

fn f64_gradients() -> impl Strategy<Value = Vec<f64>> {
    magnitudes(-300, 300)
}

/// The relative accuracy of a norm in `T`: a few roundings of `T`.
fn tolerance<T: Float>() -> f64 {
    if T::NAME == "f32" { 1e-6 } else { 1e-12 }
}

/// `norm` (computed in `T`) against the reference: finite when the reference is
/// representable in `T`, and equal to it within `T`'s rounding.
fn check_norm<T: Float>(norm: T, xs: &[f64]) -> Result<(), TestCaseError> {
    let want = reference(xs);
    let got = norm.as_f64();
    prop_assert!(got.is_finite(), "norm {got} of {xs:?}, true norm {want}");
    prop_assert!(
        (got - want).abs() <= tolerance::<T>() * want,
        "norm {got}, true norm {want}"
    );
    Ok(())
}

/// The hook's result against `g · factor`, elementwise, within `tol` (absolute: elements
/// far below the norm may round to zero in `T`).
fn check_direction(
    after: &[f64],
    g: &[f64],
    factor: impl Fn(f64) -> f64,
    tol: f64,
) -> Result<(), TestCaseError> {
    for (a, &x) in after.iter().zip(g) {
        prop_assert!(
            (a - factor(x)).abs() <= tol,
            "{a} vs {} from {x}",
            factor(x)
        );
    }
    Ok(())
}

fn clip_norm_keeps_the_guarantee<T: Float>(g: &[T], max: f64) -> Result<(), TestCaseError> {
    let before = as_f64(g);
    check_norm(Tensor::from_vec(g.to_vec(), &[g.len()]).norm(), &before)?;
    let after = as_f64(&hooked(g, ClipNorm(max)).unwrap());
    prop_assert!(after.iter().all(|x| x.is_finite()));
    let (want_before, got_after) = (reference(&before), reference(&after));
    prop_assert!(
        got_after <= max * (1.0 + 1e-6),
        "norm {got_after} after ClipNorm({max})"
    );
    if want_before > max {
        prop_assert!(
            got_after >= max * (1.0 - 1e-6),
            "norm {got_after} after ClipNorm({max})"
        );
        check_direction(&after, &before, |x| x / want_before * max, 1e-6 * max)?;
    } else {
        prop_assert_eq!(after, before);
    }
    Ok(())
}

fn normalize_keeps_the_guarantee<T: Float>(g: &[T]) -> Result<(), TestCaseError> {
    let eps = 1e-12;
    let before = as_f64(g);
    let after = as_f64(&hooked(g, Normalize { eps }).unwrap());
    prop_assert!(after.iter().all(|x| x.is_finite()));
    let n = reference(&before);
    let want = n / (n + eps);
    let got = reference(&after);
    prop_assert!(
        got <= 1.0 + 1e-6 && (got - want).abs() <= 1e-6,
        "norm {got}, want {want}"
    );
    check_direction(&after, &before, |x| x / (n + eps), 1e-6)
}

/// Two parameters with gradients `a` and `b`; `clip_grad_norm(max)` returns their global norm
/// and leaves finite gradients of global norm ≤ max·(1 + 1e-6), in the same direction.
fn clip_grad_norm_keeps_the_guarantee<T: Float>(
    a: &[T],
    b: &[T],
    max: f64,
) -> Result<(), TestCaseError> {
    let tape = Tape::<T>::new();
    let pa = tape.var("a", Tensor::ones(&[a.len()]));
    let pb = tape.var("b", Tensor::ones(&[b.len()]));
    let ca = tape.constant(Tensor::from_vec(a.to_vec(), &[a.len()]));
    let cb = tape.constant(Tensor::from_vec(b.to_vec(), &[b.len()]));
    let loss = (pa * ca).sum() + (pb * cb).sum();
    let mut grads = loss.backward();
    let total = clip_grad_norm(&mut grads, &[pa, pb], max).unwrap();
    let before: Vec<f64> = as_f64(a).into_iter().chain(as_f64(b)).collect();
    check_norm(total, &before)?;
    let after: Vec<f64> = [pa, pb]
        .iter()
        .flat_map(|p| as_f64(&grads.wrt(*p).unwrap().to_vec()))
        .collect();
    prop_assert!(after.iter().all(|x| x.is_finite()));
    let got = reference(&after);
    prop_assert!(
        got <= max * (1.0 + 1e-6),
        "global norm {got} after clipping to {max}"
    );
    let n = reference(&before);
    if max < n + 1e-6 {
        check_direction(&after, &before, |x| x / (n + 1e-6) * max, 1e-6 * max)?;
    } else {
        prop_assert_eq!(after, before);
    }
    Ok(())
}

/// A layer `first` with two outputs whose gradients are `a` and `b` (and two leaf inputs and
/// two parameters with the same gradients): every norm of its ledger row against the reference.
fn ledger_norms_are_right<T: Float>(a: &[T], b: &[T]) -> Result<(), TestCaseError> {
    let tape = Tape::<T>::new();
    let (na, nb) = (a.len(), b.len());
    let x1 = tape.var("x1", Tensor::ones(&[na]));
    let x2 = tape.var("x2", Tensor::ones(&[nb]));
    let (h1, h2) = tape.layer("first", || {
        let u1 = tape.var("u1", Tensor::ones(&[na]));
        let u2 = tape.var("u2", Tensor::ones(&[nb]));
        (x1 * u1, x2 * u2)
    });
    let loss = tape.layer("loss", || {
        let ca = tape.constant(Tensor::from_vec(a.to_vec(), &[na]));
        let cb = tape.constant(Tensor::from_vec(b.to_vec(), &[nb]));
        (h1 * ca).sum() + (h2 * cb).sum()
    });
    let (_, trace) = loss.backward_traced(TraceOptions::ledger_only());
    let row = trace
        .ledger()
        .iter()
        .find(|r| r.layer == "first")
        .expect("a row for the layer");
    let (a, b) = (as_f64(a), as_f64(b));
    let both: Vec<f64> = a.iter().chain(&b).copied().collect();
    let close = |got: f64, xs: &[f64]| {
        let want = reference(xs);
        got.is_finite() && (got - want).abs() <= 1e-12 * want
    };
    for nodes in [&row.outputs, &row.inputs, &row.params] {
        prop_assert_eq!(nodes.len(), 2);
        prop_assert!(
            close(nodes[0].norm, &a),
            "{} vs ‖a‖ {}",
            nodes[0].norm,
            reference(&a)
        );
        prop_assert!(
            close(nodes[1].norm, &b),
            "{} vs ‖b‖ {}",
            nodes[1].norm,
            reference(&b)
        );
    }
    prop_assert!(
        close(row.output_norm, &both),
        "{} vs {}",
        row.output_norm,
        reference(&both)
    );
    prop_assert!(close(row.input_norm.unwrap(), &both));
    prop_assert!(!row.non_finite);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn clip_norm_f32(g in f32_gradients(), e in -3i32..=3) {
        clip_norm_keeps_the_guarantee(&g, 10f64.powi(e))?;
    }

    #[test]
    fn clip_norm_f64(g in f64_gradients(), e in -3i32..=3) {
        clip_norm_keeps_the_guarantee(&g, 10f64.powi(e))?;
    }

    #[test]
    fn normalize_f32(g in f32_gradients()) {
        normalize_keeps_the_guarantee(&g)?;
    }

    #[test]
    fn normalize_f64(g in f64_gradients()) {
        normalize_keeps_the_guarantee(&g)?;
    }

    #[test]
    fn clip_grad_norm_f32(a in f32_gradients(), b in f32_gradients(), e in -3i32..=3) {
        clip_grad_norm_keeps_the_guarantee(&a, &b, 10f64.powi(e))?;
    }

    #[test]
    fn clip_grad_norm_f64(a in f64_gradients(), b in f64_gradients(), e in -3i32..=3) {
        clip_grad_norm_keeps_the_guarantee(&a, &b, 10f64.powi(e))?;
    }

    #[test]
    fn ledger_norms_f32(a in f32_gradients(), b in f32_gradients()) {
        ledger_norms_are_right(&a, &b)?;
    }

    #[test]
    fn ledger_norms_f64(a in f64_gradients(), b in f64_gradients()) {
        ledger_norms_are_right(&a, &b)?;
    }
}

// The cases of the issue, one by one.

#[test]
fn f32_norm_of_1e20_pair_is_finite() {
    let t = Tensor::from_vec(vec![1e20f32, 1e20], &[2]);
    assert_eq!(t.norm(), 1.414_213_6e20);
}

#[test]
fn clip_norm_clips_an_f32_gradient_whose_squares_overflow() {
    // Was left unchanged: the norm came out inf, and an infinite norm clipped nothing.
    let after = hooked(&[1e20f32, 1e20], ClipNorm(1.0)).unwrap();
    assert_eq!(after, vec![std::f32::consts::FRAC_1_SQRT_2; 2]);
}

#[test]
fn normalize_gives_an_f32_gradient_whose_squares_overflow_unit_norm() {
    // Was [0, 0]: 1 / (inf + eps) = 0.
    let after = hooked(&[1e20f32, -1e20], Normalize::default()).unwrap();
    let h = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(after, vec![h, -h]);
}

#[test]
fn clip_grad_norm_returns_the_finite_f32_total_and_clips() {
    // Was Ok(inf), with every gradient set to 0.
    let tape = Tape::<f32>::new();
    let a = tape.var("a", Tensor::ones(&[2]));
    let c = tape.constant(Tensor::from_vec(vec![1e20f32, 1e20], &[2]));
    let mut grads = (a * c).sum().backward();
    let total = clip_grad_norm(&mut grads, &[a], 1.0).unwrap();
    assert_eq!(total, 1.414_213_6e20);
    let g = grads.wrt(a).unwrap().to_vec();
    assert_eq!(g, vec![std::f32::consts::FRAC_1_SQRT_2; 2]);
}

#[test]
fn f64_global_norm_of_huge_tensors_is_right() {
    // Each tensor's norm was squared again: the total overflowed from about 1.3e154.
    for scale in [1e154, 1e200, 1e300] {
        let tape = Tape::<f64>::new();
        let a = tape.var("a", Tensor::ones(&[2]));
        let b = tape.var("b", 1.0);
        let ca = tape.constant(Tensor::from_vec(vec![3.0 * scale, 0.0], &[2]));
        let mut grads = ((a * ca).sum() + b * (4.0 * scale)).backward();
        let total = clip_grad_norm(&mut grads, &[a, b], 1.0).unwrap();
        assert!((total / (5.0 * scale) - 1.0).abs() < 1e-15, "{total}");
        assert!((grads.wrt(a).unwrap().to_vec()[0] - 0.6).abs() < 1e-15);
        assert!((grads.wrt(b).unwrap().item().unwrap() - 0.8).abs() < 1e-15);
    }
}

#[test]
fn f64_gradient_whose_squares_overflow_is_clipped() {
    // ‖(1e308, 1e308)‖ = 1.41e308 is below f64::MAX (1.8e308), though 1e308² is not.
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::ones(&[2]));
    let c = tape.constant(Tensor::from_vec(vec![1e308, 1e308], &[2]));
    let mut grads = (a * c).sum().backward();
    let total = clip_grad_norm(&mut grads, &[a], 1.0).unwrap();
    assert_eq!(total, 1.414_213_562_373_095_1e308);
    let g = grads.wrt(a).unwrap().to_vec();
    assert!(g.iter().all(|&x| (x - h).abs() < 1e-15), "{g:?}");
    let after = hooked(&[1e308f64, 1e308], ClipNorm(1.0)).unwrap();
    assert!(after.iter().all(|&x| (x - h).abs() < 1e-15), "{after:?}");
}

#[test]
fn f64_gradient_with_an_unrepresentable_norm_is_still_clipped() {
    // ‖(1.5e308, 1.5e308)‖ = 2.1e308 > f64::MAX: the norm is inf, the clipped gradient finite.
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let after = hooked(&[1.5e308f64, 1.5e308], ClipNorm(1.0)).unwrap();
    assert!(after.iter().all(|&x| (x - h).abs() < 1e-15), "{after:?}");
    let after = hooked(&[1.5e308f64, 1.5e308], Normalize::default()).unwrap();
    assert!(after.iter().all(|&x| (x - h).abs() < 1e-15), "{after:?}");
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::ones(&[2]));
    let c = tape.constant(Tensor::from_vec(vec![1.5e308, -1.5e308], &[2]));
    let mut grads = (a * c).sum().backward();
    assert_eq!(
        clip_grad_norm(&mut grads, &[a], 2.0).unwrap(),
        f64::INFINITY
    );
    let g = grads.wrt(a).unwrap().to_vec();
    assert!(
        (g[0] - 2.0 * h).abs() < 1e-15 && (g[1] + 2.0 * h).abs() < 1e-15,
        "{g:?}"
    );
}
