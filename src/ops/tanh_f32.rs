//! `tanh` in `f32` without libm: a branch-free rational function that the compiler vectorises
//! when it runs over a tensor (the f32 value of [`TANH`](super::TANH)).

// The coefficients below are those of Eigen's `generic_fast_tanh_float`
// (Eigen/src/Core/MathFunctionsImpl.h, Eigen 3.3–3.4), which XLA emits for `tanh` on f32
// (`EmitFastTanh`, xla/service/llvm_ir/math_ops.cc) and hence JAX runs: a 13/6-degree odd/even
// rational interpolant `x·p(x²) / q(x²)`, with `tanh(x) = x` for |x| < 0.0004. They are written
// with the fewest digits that give the same `f32`. The clamp is Eigen 3.4's value for builds
// without FMA: the smallest `f32` at which this evaluation gives exactly 1.0 (past it the
// rational function rises above 1, to 1.000001 near 10.4; clamping keeps |tanh| ≤ 1, so
// `1 − y²` is never negative).

/// Inputs are clamped to `[−CLAMP, CLAMP]`; the kernel gives exactly ±1 there.
const CLAMP: f32 = 7.905_311;
/// Below this magnitude the kernel returns its input (`tanh(x) = x − x³/3 + …` is `x` to within
/// an ulp; the rational function would lose subnormals' bits).
const TINY: f32 = 4e-4;
/// Numerator coefficients of `x¹³ … x¹`, highest first.
const ALPHA: [f32; 7] = [
    -2.760_768_4e-16,
    2.000_188e-13,
    -8.604_672e-11,
    5.122_297_3e-8,
    1.485_722_35e-5,
    6.372_619_5e-4,
    4.893_524_6e-3,
];
/// Denominator coefficients of `x⁶ … x⁰`, highest first.
const BETA: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_7e-3, 4.893_525e-3];

/// `tanh(x)` in `f32`: the rational approximation XLA (and so JAX) uses, at most **7 ulps**
/// from the correctly rounded `tanh` over every finite `f32`.
///
/// It is what [`TANH`](super::TANH) computes in `f32`, on a tensor and on a scalar alike (the
/// scalar fast path of `Var::tanh` calls this same function), so a value never depends on how
/// it was recorded; `f64` stays on libm's `tanh` (gradient checks run in `f64`). The derivative
/// `1 − y²` reads the output, so it follows this value.
///
/// **Accuracy**, measured over all 2³² bit patterns by `cargo run --release --example
/// tanh_ulps` (docs/performance.md, section 3): the largest distance from `(x as f64).tanh()
/// as f32` is 7 ulps (near |x| = 5.7, where `tanh` is within 2·10⁻⁵ of 1 and an ulp is
/// 6·10⁻⁸: an absolute error of 4·10⁻⁷); |result| ≤ 1 for every input; `tanh(−x) = −tanh(x)`
/// bit for bit; ±0 and subnormals come back unchanged, ±∞ gives ±1, NaN gives NaN.
/// `tests/tanh_f32.rs` checks the bound on a fixed sample of 10⁵ inputs in `cargo test`.
///
/// **Determinism.** No branches on the data (the clamp and the small-input case are selects)
/// and no fused multiply-add: Rust never contracts `a·b + c` into an FMA unless asked, so the
/// same rounding happens in every SIMD lane as in scalar code, and the result is the same bit
/// for bit with any vector width, element by element or over a whole tensor, run after run.
///
/// ```
/// use chaintrace::ops::tanh_f32;
/// assert_eq!(tanh_f32(0.0), 0.0);
/// assert_eq!(tanh_f32(f32::INFINITY), 1.0);
/// assert_eq!(tanh_f32(-20.0), -1.0);
/// assert!((tanh_f32(0.5) - 0.5f32.tanh()).abs() <= 2.0 * f32::EPSILON);
/// assert!(tanh_f32(f32::NAN).is_nan());
/// ```
#[inline]
pub fn tanh_f32(x: f32) -> f32 {
    // Comparisons, not `f32::min`/`max`, which would turn a NaN into the bound: a NaN fails
    // both tests and flows through to the result.
    let c = if x > CLAMP { CLAMP } else { x };
    let c = if c < -CLAMP { -CLAMP } else { c };
    let c2 = c * c;
    let mut p = ALPHA[0];
    for a in &ALPHA[1..] {
        p = p * c2 + a;
    }
    let mut q = BETA[0];
    for b in &BETA[1..] {
        q = q * c2 + b;
    }
    let y = c * p / q;
    if x.abs() < TINY { x } else { y }
}
