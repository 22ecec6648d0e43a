//! What the op gradient checks share: strategies for shapes and values, and the check itself.
//!
//! Non-scalar outputs are reduced through a fixed pseudo-random weighting `Σ y ⊙ c`, so every
//! output element carries a different weight and a wrong gradient in any element shows (an
//! unweighted sum would, for instance, hide any error in softmax, whose outputs sum to 1).

#![allow(dead_code)]

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::{Tape, Tensor, Var};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Cases per property. Each case runs two forward passes per input element, on tensors of at
/// most 27 elements, so 64 cases keep the whole file to a few seconds.
pub fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// A shape of rank `1..=max_rank` with every size in `1..=3`.
pub fn shape(max_rank: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=3, 1..=max_rank)
}

/// A tensor of the given shape with elements drawn from `values`.
pub fn tensor_of(
    shape: Vec<usize>,
    values: impl Strategy<Value = f64>,
) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(values, n).prop_map(move |v| Tensor::from_vec(v, &shape))
}

/// A tensor of random shape (rank 0, the inline scalar, to 3) with elements in `lo..hi`.
pub fn tensor(lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec(1usize..=3, 0..=3).prop_flat_map(move |s| tensor_of(s, lo..hi))
}

/// A tensor of rank 1 to 3 (for ops that act along an axis) with elements in `lo..hi`.
pub fn tensor_with_axes(lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    shape(3).prop_flat_map(move |s| tensor_of(s, lo..hi))
}

/// Magnitudes in `lo..hi` with a random sign: values kept away from 0 (relu's and abs's kink,
/// a division's pole).
pub fn away_from_zero(lo: f64, hi: f64) -> impl Strategy<Value = f64> + Clone {
    (lo..hi, any::<bool>()).prop_map(|(m, negative)| if negative { -m } else { m })
}

/// A tensor of random shape (rank 0 to 3) with elements away from zero.
pub fn tensor_away_from_zero() -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec(1usize..=3, 0..=3)
        .prop_flat_map(|s| tensor_of(s, away_from_zero(0.1, 2.0)))
}

/// Two shapes that broadcast together: the named cases first (`[2,3]+[3]`, `[2,1]*[1,3]`,
/// scalar with tensor), then random pairs where the second shape is a suffix of the first with
/// some sizes replaced by 1, in either order.
pub fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
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
pub fn broadcast_operands(
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
pub fn weights(shape: &[usize]) -> Tensor<f64> {
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
pub fn weighted<'t>(tape: &'t Tape<f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    let c = tape.constant(weights(&y.shape()));
    (y * c).sum()
}

/// Gradchecks `f` (through the weighting) at `inputs` with the default f64 tolerances.
pub fn check(
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
