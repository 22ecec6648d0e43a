//! Rnn against its reference loops: tanh of the two affine maps, backward through time.

use chaintrace::nn::{Init, ParamStore, Rnn};

use crate::matrix;
use crate::recurrent::*;

// Rnn: h_t = tanh(a + u), a = x_t·W_ihᵀ + b_ih, u = h_{t−1}·W_hhᵀ + b_hh.
// Backward through time, t = T−1 … 0: g = c_t + (carry from t+1); da = du = g ⊙ (1 − h_t²);
// carry to t−1: Σ_r du[r]·W_hh[r][k]; ∂L/∂x_t[j] = Σ_r da[r]·W_ih[r][j].
#[test]
fn rnn_reference() {
    let (w, x, c) = (weights(1), inputs(), probes());
    let mut h = vec![matrix(B, H, |_, _| 0.0); T + 1]; // h[0] is h₀ = 0; h[t+1] is step t
    for t in 0..T {
        for b in 0..B {
            let a = affine(&w.w_ih, &w.b_ih, &x[t][b]);
            let u = affine(&w.w_hh, &w.b_hh, &h[t][b]);
            h[t + 1][b] = (0..H).map(|i| (a[i] + u[i]).tanh()).collect();
        }
    }
    let mut g = WeightGrads::zeros(1);
    let mut dx = vec![matrix(B, I, |_, _| 0.0); T];
    let mut carry = matrix(B, H, |_, _| 0.0);
    for t in (0..T).rev() {
        for b in 0..B {
            let dpre: Vec<f64> = (0..H)
                .map(|i| (c[t][b][i] + carry[b][i]) * (1.0 - h[t + 1][b][i].powi(2)))
                .collect();
            g.add(&dpre, &dpre, &x[t][b], &h[t][b]);
            dx[t][b] = (0..I).map(|j| back(&w.w_ih, &dpre, j)).collect();
            carry[b] = (0..H).map(|k| back(&w.w_hh, &dpre, k)).collect();
        }
    }
    // Pinned (plain Python; see the file's doc).
    assert!(
        (h[1][0][0] - 0.180_815_206_726_957).abs() < 1e-14,
        "{}",
        h[1][0][0]
    );
    assert_pinned_gradients(
        &g,
        [-0.081_002_765_959, 0.114_148_106_722, 0.081_899_930_227],
    );

    let mut store = ParamStore::new(0);
    let rnn = Rnn::new(&mut store, "rnn", I, H, Init::Constant(0.0));
    let ids = [
        rnn.weight_ih(),
        rnn.weight_hh(),
        rnn.bias_ih(),
        rnn.bias_hh(),
    ];
    set_weights(&mut store, ids, &w);
    compare_recurrent(&rnn, &store, ids, &h[1..], &g, &dx);
}
