//! Every op's gradient against central finite differences (`chaintrace::check::gradcheck`, f64),
//! over random shapes and values that respect the op's domain, plus the identities every
//! reverse-mode engine must satisfy (linearity, broadcasting, fan-out accumulation).
//!
//! Non-scalar outputs are reduced through a fixed pseudo-random weighting `Σ y ⊙ c`, so every
//! output element carries a different weight and a wrong gradient in any element shows (an
//! unweighted sum would, for instance, hide any error in softmax, whose outputs sum to 1).

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::ops::Op;
use chaintrace::symbolic::Expr;
use chaintrace::{Float, Tape, Tensor, Var};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Cases per property. Each case runs two forward passes per input element, on tensors of at
/// most 27 elements, so 64 cases keep the whole file to a few seconds.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// A shape of rank `1..=max_rank` with every size in `1..=3`.
fn shape(max_rank: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=3, 1..=max_rank)
}

/// A tensor of the given shape with elements drawn from `values`.
fn tensor_of(
    shape: Vec<usize>,
    values: impl Strategy<Value = f64>,
) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(values, n).prop_map(move |v| Tensor::from_vec(v, &shape))
}

/// A tensor of random shape (rank 0, the inline scalar, to 3) with elements in `lo..hi`.
fn tensor(lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec(1usize..=3, 0..=3).prop_flat_map(move |s| tensor_of(s, lo..hi))
}

/// A tensor of rank 1 to 3 (for ops that act along an axis) with elements in `lo..hi`.
fn tensor_with_axes(lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    shape(3).prop_flat_map(move |s| tensor_of(s, lo..hi))
}

/// Magnitudes in `lo..hi` with a random sign: values kept away from 0 (relu's and abs's kink,
/// a division's pole).
fn away_from_zero(lo: f64, hi: f64) -> impl Strategy<Value = f64> + Clone {
    (lo..hi, any::<bool>()).prop_map(|(m, negative)| if negative { -m } else { m })
}

/// A tensor of random shape (rank 0 to 3) with elements away from zero.
fn tensor_away_from_zero() -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec(1usize..=3, 0..=3)
        .prop_flat_map(|s| tensor_of(s, away_from_zero(0.1, 2.0)))
}

/// Two shapes that broadcast together: the named cases first (`[2,3]+[3]`, `[2,1]*[1,3]`,
/// scalar with tensor), then random pairs where the second shape is a suffix of the first with
/// some sizes replaced by 1, in either order.
fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    let named = prop::sample::select(vec![
        (vec![2, 3], vec![3]),
        (vec![3], vec![2, 3]),
        (vec![2, 1], vec![1, 3]),
        (vec![], vec![2, 3]),
        (vec![2, 3], vec![]),
        (vec![], vec![]),
        (vec![2, 3, 2], vec![3, 1]),
        (vec![2, 3], vec![2, 3]),
    ]);
    let random = (
        shape(3),
        any::<prop::sample::Index>(),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(|(full, cut, ones, swap)| {
            let keep = cut.index(full.len() + 1);
            let suffix: Vec<usize> = full[full.len() - keep..]
                .iter()
                .enumerate()
                .map(|(i, &d)| if ones >> i & 1 == 1 { 1 } else { d })
                .collect();
            if swap { (suffix, full) } else { (full, suffix) }
        });
    prop_oneof![named, random]
}

/// A pair of tensors with broadcastable shapes; the second drawn from `denominator`.
fn broadcast_operands(
    denominator: impl Strategy<Value = f64> + Clone + 'static,
) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair()
        .prop_flat_map(move |(a, b)| (tensor_of(a, -2.0..2.0), tensor_of(b, denominator.clone())))
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/// A fixed weight in ±[0.5, 1.5] for each element index (splitmix64 of the index): the same on
/// every evaluation, different from element to element.
fn weights(shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let w = (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let magnitude = 0.5 + (z >> 11) as f64 / (1u64 << 53) as f64;
            if z & 1 == 1 { -magnitude } else { magnitude }
        })
        .collect();
    Tensor::from_vec(w, shape)
}

/// `Σ y ⊙ c` for the fixed weighting `c` of `y`'s shape.
fn weighted<'t>(tape: &'t Tape<f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    let c = tape.constant(weights(&y.shape()));
    (y * c).sum()
}

/// Gradchecks `f` (through the weighting) at `inputs` with the default f64 tolerances.
fn check(
    inputs: &[Tensor<f64>],
    f: impl for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
) -> Result<(), TestCaseError> {
    let report = gradcheck(
        inputs,
        |tape, v| weighted(tape, f(tape, v)),
        GradcheckOptions::default(),
    );
    let elements: usize = inputs.iter().map(Tensor::len).sum();
    prop_assert_eq!(report.checked, elements);
    prop_assert!(report.passed(), "{}", report);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Arithmetic, with broadcasting
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn add((a, b) in broadcast_operands(-2.0..2.0)) {
        check(&[a, b], |_, v| v[0] + v[1])?;
    }

    #[test]
    fn sub((a, b) in broadcast_operands(-2.0..2.0)) {
        check(&[a, b], |_, v| v[0] - v[1])?;
    }

    #[test]
    fn mul((a, b) in broadcast_operands(-2.0..2.0)) {
        check(&[a, b], |_, v| v[0] * v[1])?;
    }

    #[test]
    fn div((a, b) in broadcast_operands(away_from_zero(0.5, 2.0))) {
        check(&[a, b], |_, v| v[0] / v[1])?;
    }

    #[test]
    fn neg(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| -v[0])?;
    }

    /// Plain numbers on either side become constants: `2.5·x`, `x/3`, `10/x`, `x − 1`, `1 − x`.
    #[test]
    fn number_operands(x in tensor_away_from_zero(), k in away_from_zero(0.5, 3.0)) {
        let x = [x];
        check(&x, move |_, v| k * v[0])?;
        check(&x, move |_, v| v[0] / k)?;
        check(&x, move |_, v| k / v[0])?;
        check(&x, move |_, v| v[0] - k)?;
        check(&x, move |_, v| k - v[0] + 1.0)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Elementwise functions
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tanh(x in tensor(-3.0, 3.0)) {
        check(&[x], |_, v| v[0].tanh())?;
    }

    #[test]
    fn sigmoid(x in tensor(-4.0, 4.0)) {
        check(&[x], |_, v| v[0].sigmoid())?;
    }

    #[test]
    fn relu(x in tensor_away_from_zero()) {
        check(&[x], |_, v| v[0].relu())?;
    }

    #[test]
    fn exp(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].exp())?;
    }

    #[test]
    fn ln(x in tensor(0.2, 3.0)) {
        check(&[x], |_, v| v[0].ln())?;
    }

    #[test]
    fn sqrt(x in tensor(0.2, 3.0)) {
        check(&[x], |_, v| v[0].sqrt())?;
    }

    #[test]
    fn square(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].square())?;
    }

    #[test]
    fn abs(x in tensor_away_from_zero()) {
        check(&[x], |_, v| v[0].abs())?;
    }

    #[test]
    fn powf(x in tensor(0.2, 3.0), p in -2.5f64..3.0) {
        check(&[x], move |_, v| v[0].powf(p))?;
    }
}

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

// ---------------------------------------------------------------------------------------------
// The checker can fail
// ---------------------------------------------------------------------------------------------

/// `y = u³` with a deliberately wrong derivative (`2u²` instead of `3u²`).
#[derive(Debug)]
struct WrongCube;

impl<T: Float> Op<T> for WrongCube {
    fn name(&self) -> &'static str {
        "wrong_cube"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> chaintrace::Result<Tensor<T>> {
        Ok(x[0].map(|u| u * u * u))
    }
    fn vjp(&self, _slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        let two = T::from_f64(2.0);
        g.zip_map(&x[0].map(|u| two * u * u), "wrong_cube", |g, d| g * d)
            .unwrap()
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().powf(3.0)
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        Expr::constant(2.0) * x[0].clone().powf(2.0)
    }
}

/// The property tests above are only worth something if gradcheck rejects a wrong rule.
#[test]
fn gradcheck_rejects_a_wrong_derivative() {
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0], &[3]);
    let report = gradcheck(
        &[x],
        |tape, v| weighted(tape, tape.apply(WrongCube, &[v[0]])),
        GradcheckOptions::default(),
    );
    assert!(!report.passed(), "{report}");
    // The worst element is u = 2: analytic 2u²·c₂ against numeric 3u²·c₂, off by 4·|c₂|.
    let worst = report.worst.expect("three elements were compared");
    assert_eq!(worst.element, 2);
    let c2 = weights(&[3]).to_vec()[2];
    assert!((worst.analytic - 8.0 * c2).abs() < 1e-12);
    assert!((worst.numeric - 12.0 * c2).abs() < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------------------------

/// The gradient of `f(x)` (reduced through the weighting) at `x`, as a flat vector.
fn grad_of(
    x: &Tensor<f64>,
    f: impl for<'t> Fn(&'t Tape<f64>, Var<'t, f64>) -> Var<'t, f64>,
) -> Vec<f64> {
    let tape = Tape::new();
    let v = tape.var("x", x.clone());
    let y = weighted(&tape, f(&tape, v));
    y.backward().wrt(v).expect("x is on a path").to_vec()
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())))
}

/// The flat index of the element of an operand of shape `small` that element `flat` of the
/// broadcast result (shape `full`) was taken from: numpy's rule, walked by hand so it is
/// independent of the engine's `broadcast`/`sum_to`.
fn source_index(flat: usize, full: &[usize], small: &[usize]) -> usize {
    let mut rest = flat;
    let mut index = vec![0; full.len()];
    for axis in (0..full.len()).rev() {
        index[axis] = rest % full[axis];
        rest /= full[axis];
    }
    let offset = full.len() - small.len();
    small.iter().enumerate().fold(0, |target, (axis, &size)| {
        let i = if size == 1 { 0 } else { index[axis + offset] };
        target * size + i
    })
}

/// `small` copied out to the shape `full`.
fn explicit_broadcast(small: &Tensor<f64>, full: &[usize]) -> Tensor<f64> {
    let values = small.to_vec();
    let n = full.iter().product();
    let out = (0..n)
        .map(|flat| values[source_index(flat, full, small.shape())])
        .collect();
    Tensor::from_vec(out, full)
}

/// `full` (of shape `full_shape`) summed down to `small` over the broadcast copies.
fn explicit_sum_to(full: &[f64], full_shape: &[usize], small: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; small.iter().product()];
    for (flat, value) in full.iter().enumerate() {
        out[source_index(flat, full_shape, small)] += value;
    }
    out
}

fn arith<'t>(which: usize, x: Var<'t, f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    match which {
        0 => x + y,
        1 => x - y,
        2 => x * y,
        _ => x / y,
    }
}

fn f_part(x: Var<'_, f64>) -> Var<'_, f64> {
    (x.tanh() * x).sigmoid()
}

fn g_part(x: Var<'_, f64>) -> Var<'_, f64> {
    x.ln().square() + x.sqrt()
}

proptest! {
    #![proptest_config(config())]

    /// ∇(f + g) = ∇f + ∇g.
    #[test]
    fn gradient_of_a_sum_is_the_sum_of_gradients(x in tensor(0.2, 2.0)) {
        let gf = grad_of(&x, |_, x| f_part(x));
        let gg = grad_of(&x, |_, x| g_part(x));
        let both = grad_of(&x, |_, x| f_part(x) + g_part(x));
        let sum: Vec<f64> = gf.iter().zip(&gg).map(|(a, b)| a + b).collect();
        prop_assert!(close(&both, &sum, 1e-12), "{:?} vs {:?}", both, sum);
    }

    /// The gradient of a broadcast operand comes back in that operand's shape and equals the
    /// gradient of the explicitly broadcast (materialised) operand summed over the copies.
    #[test]
    fn broadcast_gradient_is_the_explicit_sum(
        (a, b) in broadcast_operands(away_from_zero(0.5, 2.0)),
        which in 0usize..4,
    ) {
        let full_shape = chaintrace::tensor::broadcast_shape("test", a.shape(), b.shape())
            .expect("the strategy yields broadcastable shapes");
        let b_full = explicit_broadcast(&b, &full_shape);
        let tape = Tape::new();
        let (va, vb, vb_full) = (tape.var("a", a.clone()), tape.var("b", b.clone()), tape.var("bf", b_full));
        let broadcast = weighted(&tape, arith(which, va, vb)).backward();
        let explicit = weighted(&tape, arith(which, va, vb_full)).backward();
        let gb = broadcast.wrt(vb).expect("b is on a path");
        prop_assert_eq!(gb.shape(), b.shape());
        let g_full = explicit.wrt(vb_full).expect("b_full is on a path");
        prop_assert_eq!(g_full.shape(), &full_shape[..]);
        let summed = explicit_sum_to(&g_full.to_vec(), &full_shape, b.shape());
        prop_assert!(close(&gb.to_vec(), &summed, 1e-12), "{:?} vs {:?}", gb, summed);
        // And the same for `a`, which may be the broadcast one.
        let ga = broadcast.wrt(va).expect("a is on a path");
        prop_assert_eq!(ga.shape(), a.shape());
    }

    /// Using a node twice accumulates: ∂(x·x)/∂x = 2x, ∂(a + a + a)/∂a = 3.
    #[test]
    fn reusing_a_node_accumulates(x in tensor(-2.0, 2.0)) {
        let tape = Tape::new();
        let v = tape.var("x", x.clone());
        let grads = (v * v).sum().backward();
        let twice: Vec<f64> = x.to_vec().iter().map(|u| 2.0 * u).collect();
        prop_assert_eq!(grads.wrt(v).unwrap().to_vec(), twice);

        let grads = (v + v + v).sum().backward();
        prop_assert_eq!(grads.wrt(v).unwrap().to_vec(), vec![3.0; x.len()]);
    }
}
