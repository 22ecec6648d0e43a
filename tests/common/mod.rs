//! Graphs the trace tests share, each small enough to check by hand, and two helpers for
//! reading their numbers.

#![allow(dead_code)]

use chaintrace::trace::Summary;
use chaintrace::{Tape, Tensor, Var};

/// The expression from micrograd's README: g(a = −4, b = 2) = 24.7041, ∂g/∂a = 138.8338,
/// ∂g/∂b = 645.5773 (the numbers its README prints).
pub fn micrograd(tape: &Tape<f64>) -> Var<'_, f64> {
    let a = tape.var("a", -4.0);
    let b = tape.var("b", 2.0);
    let mut c = a + b;
    let mut d = a * b + b.powf(3.0);
    c = c + (c + 1.0);
    c = c + (1.0 + c + (-a));
    d = d + (d * 2.0 + (b + a).relu());
    d = d + (3.0 * d + (b - a).relu());
    let e = c - d;
    let f = e.powf(2.0);
    let mut g = f / 2.0;
    g = g + 10.0 / f;
    g
}

/// y = w·(w·(…(w·x))) fifty times, each multiply in its own layer `layer{k}`: w is node 0,
/// x node 1, and ∂y/∂x = w⁵⁰.
pub fn chain(tape: &Tape<f64>, w: f64) -> Var<'_, f64> {
    let w = tape.var("w", w);
    let mut y = tape.var("x", 1.0);
    for k in 0..50 {
        y = tape.layer(&format!("layer{k}"), || w * y);
    }
    y
}

/// A two-layer tanh MLP on one input column, weights created inside their layers:
/// h₁ = tanh(W₁·x + b₁) (3 units), h₂ = tanh(W₂·h₁ + b₂) (1 unit), L = Σ h₂².
pub fn mlp(tape: &Tape<f64>) -> Var<'_, f64> {
    let x = tape.var("x", Tensor::from_vec(vec![1.0, -2.0], &[2, 1]));
    let h1 = tape.layer("layer0", || {
        let w = tape.var(
            "W1",
            Tensor::from_vec(vec![0.5, -0.3, 0.8, 0.2, -0.6, 0.4], &[3, 2]),
        );
        let b = tape.var("b1", Tensor::from_vec(vec![0.1, -0.1, 0.2], &[3, 1]));
        (w.matmul(x) + b).tanh()
    });
    let h2 = tape.layer("layer1", || {
        let w = tape.var("W2", Tensor::from_vec(vec![1.0, -0.5, 0.7], &[1, 3]));
        let b = tape.var("b2", Tensor::from_vec(vec![0.05], &[1, 1]));
        (w.matmul(h1) + b).tanh()
    });
    h2.square().sum()
}

/// One residual block h = x + tanh(W·x) with W inside layer `block`, and L = Σ h².
pub fn residual(tape: &Tape<f64>) -> Var<'_, f64> {
    let x = tape.var("x", Tensor::from_vec(vec![0.5, -1.0], &[2, 1]));
    let h = tape.residual(x, |x| {
        tape.layer("block", || {
            let w = tape.var("W", Tensor::from_vec(vec![0.9, -0.4, 0.3, 1.2], &[2, 2]));
            w.matmul(x).tanh()
        })
    });
    h.square().sum()
}

/// The number a scalar summary holds.
pub fn scalar(s: &Summary) -> f64 {
    s.as_scalar().expect("a scalar")
}

/// True when `got` is within `rel` of `want`, relatively.
pub fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-300)
}
