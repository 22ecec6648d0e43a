//! The arithmetic ops' gradients against central finite differences (f64), with
//! broadcasting, and the identities every reverse-mode engine must satisfy (linearity,
//! broadcasting, fan-out accumulation). Shared strategies and the check: tests/ops_common.

use chaintrace::{Tape, Tensor, Var};
use proptest::prelude::*;

mod ops_common;

use ops_common::*;

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
