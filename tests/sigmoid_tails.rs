//! `σ(u)` where `e^−u` overflows: below u ≈ −88.7 in f32 (−709.8 in f64) the textbook
//! `1/(1 + e^−u)` gives 0, while `σ(u) ≈ e^u` is still a representable (subnormal) number; the
//! built-in computes `e^u/(1 + e^u)` there. And the bound `examples/exp_sigmoid_ulps.rs`
//! measured over every `f32` (2 ulps), on a sample of inputs spread over all bit patterns.

use chaintrace::check::ulps_apart;
use chaintrace::ops::SIGMOID;
use chaintrace::{Tape, Tensor};

#[test]
fn the_far_negative_tail_is_e_to_the_u_not_zero() {
    for u in [-88.8f32, -95.0, -100.0, -103.0] {
        let y = SIGMOID.value(u);
        let exact = f64::from(u).exp() as f32; // σ(u) = e^u to f32 precision this far out
        assert!(y > 0.0, "σ({u}) = {y}");
        assert!(ulps_apart(y, exact) <= 1, "σ({u}) = {y:e}, e^u = {exact:e}");
    }
    let y = SIGMOID.value(-720.0f64);
    assert!(
        y > 0.0 && (y - (-720.0f64).exp()).abs() <= f64::from_bits(1),
        "σ(−720) = {y:e}"
    );
    // Beyond the smallest subnormal, 0 is the correctly rounded answer.
    assert_eq!(SIGMOID.value(-110.0f32), 0.0);
}

#[test]
fn the_tape_and_its_gradient_see_the_tail() {
    let tape = Tape::<f32>::new();
    let x = tape.var("x", Tensor::from_vec(vec![-95.0, 0.0, 95.0], &[3]));
    let y = x.sigmoid();
    let values = y.value().to_vec();
    assert!(
        values[0] > 0.0 && values[1] == 0.5 && values[2] == 1.0,
        "{values:?}"
    );
    let grads = y.sum().backward();
    let dx = grads.wrt(x).expect("x is on the tape").to_vec();
    // dσ/du = σ(1 − σ): e^−95 at the left, 1/4 at 0, 0 at the right (σ = 1 exactly in f32).
    assert!(dx[0] > 0.0 && dx[1] == 0.25 && dx[2] == 0.0, "{dx:?}");
}

#[test]
fn within_two_ulps_on_a_spread_of_every_f32() {
    let mut worst = (0, 0.0f32);
    for k in 0..100_003u64 {
        let u = f32::from_bits((k * ((1u64 << 32) / 100_003)) as u32);
        if !u.is_finite() {
            continue;
        }
        let exact = SIGMOID.value(f64::from(u)) as f32;
        let d = ulps_apart(SIGMOID.value(u), exact);
        if d > worst.0 {
            worst = (d, u);
        }
    }
    assert!(worst.0 <= 2, "{} ulps at u = {:e}", worst.0, worst.1);
}
