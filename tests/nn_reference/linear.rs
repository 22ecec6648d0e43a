//! Linear against its reference loops.

use chaintrace::nn::{Init, Layer, Linear, ParamStore};
use chaintrace::{Tape, Tensor};

use crate::nn_common::{assert_close, probe, probe_weight};
use crate::{TOL, flat, grad_of, matrix, set, tensor};

// ---------------------------------------------------------------------------------------------
// Linear: y = x·Wᵀ + b.
// W[i][j] = 0.1(i+1) − 0.05j (out 2, in 3), b[i] = 0.01(i+1), x[n][j] = 0.5 − 0.3n + 0.25j.
// Backward with ∂L/∂y = c: ∂L/∂W[i][j] = Σₙ c[n][i]·x[n][j], ∂L/∂b[i] = Σₙ c[n][i],
// ∂L/∂x[n][j] = Σᵢ c[n][i]·W[i][j].
// ---------------------------------------------------------------------------------------------

#[test]
fn linear_reference() {
    let (batch, inp, out) = (2, 3, 2);
    let w = matrix(out, inp, |i, j| 0.1 * (i + 1) as f64 - 0.05 * j as f64);
    let b: Vec<f64> = (0..out).map(|i| 0.01 * (i + 1) as f64).collect();
    let x = matrix(batch, inp, |n, j| 0.5 - 0.3 * n as f64 + 0.25 * j as f64);
    let c = matrix(batch, out, |n, i| probe_weight(n * out + i));

    let y = matrix(batch, out, |n, i| {
        b[i] + (0..inp).map(|j| x[n][j] * w[i][j]).sum::<f64>()
    });
    let dw = matrix(out, inp, |i, j| (0..batch).map(|n| c[n][i] * x[n][j]).sum());
    let db: Vec<f64> = (0..out)
        .map(|i| (0..batch).map(|n| c[n][i]).sum())
        .collect();
    let dx = matrix(batch, inp, |n, j| (0..out).map(|i| c[n][i] * w[i][j]).sum());

    // By hand: y[0][0] = 0.01 + 0.5·0.1 + 0.75·0.05 + 1.0·0 = 0.0975;
    // y[1][1] = 0.02 + 0.2·0.2 + 0.45·0.15 + 0.7·0.1 = 0.1975.
    assert!((y[0][0] - 0.0975).abs() < TOL && (y[1][1] - 0.1975).abs() < TOL);

    let mut store = ParamStore::new(0);
    let fc = Linear::new(&mut store, "fc", inp, out, Init::Constant(0.0));
    set(&mut store, fc.weight(), tensor(&w));
    set(&mut store, fc.bias(), Tensor::from_vec(b, &[out]));
    let tape = Tape::new();
    let p = store.bind(&tape);
    let xv = tape.var("x", tensor(&x));
    let yv = fc.forward(&tape, &p, xv);
    let grads = probe(&tape, yv).backward();

    assert_close("y", &yv.value().to_vec(), &flat(&y), TOL);
    assert_close("dW", &grad_of(&grads, &p, fc.weight()), &flat(&dw), TOL);
    assert_close("db", &grad_of(&grads, &p, fc.bias()), &db, TOL);
    assert_close("dx", &grads.wrt(xv).unwrap().to_vec(), &flat(&dx), TOL);
}
