//! Lstm against its reference loops: four gates, the cell state, backward through time.

use chaintrace::nn::{Init, Lstm, ParamStore};

use crate::recurrent::*;
use crate::{matrix, sigmoid};

// Lstm, rows stacked i, f, g, o (each H rows): pre = a + u;
// i = σ(pre_i), f = σ(pre_f), g = tanh(pre_g), o = σ(pre_o); c_t = f·c_{t−1} + i·g;
// h_t = o·tanh(c_t).
// Backward: dh = c_t + carry_h; dc = carry_c + dh·o·(1 − tanh²c_t);
// dpre_i = dc·g·i(1 − i), dpre_f = dc·c_{t−1}·f(1 − f), dpre_g = dc·i·(1 − g²),
// dpre_o = dh·tanh(c_t)·o(1 − o); carry_c = dc·f; carry_h[k] = Σ_r dpre[r]·W_hh[r][k].
#[test]
fn lstm_reference() {
    let (w, x, c) = (weights(4), inputs(), probes());
    let zero = || matrix(B, H, |_, _| 0.0);
    let (mut h, mut cell) = (vec![zero(); T + 1], vec![zero(); T + 1]);
    let mut gates = vec![vec![vec![0.0; 4 * H]; B]; T]; // i, f, g, o after their nonlinearity
    for t in 0..T {
        for b in 0..B {
            let a = affine(&w.w_ih, &w.b_ih, &x[t][b]);
            let u = affine(&w.w_hh, &w.b_hh, &h[t][b]);
            for r in 0..4 * H {
                let pre = a[r] + u[r];
                gates[t][b][r] = if r / H == 2 { pre.tanh() } else { sigmoid(pre) };
            }
            for k in 0..H {
                let [i, f, g, o] = [0, 1, 2, 3].map(|q| gates[t][b][q * H + k]);
                cell[t + 1][b][k] = f * cell[t][b][k] + i * g;
                h[t + 1][b][k] = o * cell[t + 1][b][k].tanh();
            }
        }
    }
    let mut grads = WeightGrads::zeros(4);
    let mut dx = vec![matrix(B, I, |_, _| 0.0); T];
    let (mut carry_h, mut carry_c) = (zero(), zero());
    for t in (0..T).rev() {
        for b in 0..B {
            let mut dpre = vec![0.0; 4 * H];
            for k in 0..H {
                let [i, f, g, o] = [0, 1, 2, 3].map(|q| gates[t][b][q * H + k]);
                let tc = cell[t + 1][b][k].tanh();
                let dh = c[t][b][k] + carry_h[b][k];
                let dc = carry_c[b][k] + dh * o * (1.0 - tc * tc);
                dpre[k] = dc * g * i * (1.0 - i);
                dpre[H + k] = dc * cell[t][b][k] * f * (1.0 - f);
                dpre[2 * H + k] = dc * i * (1.0 - g * g);
                dpre[3 * H + k] = dh * tc * o * (1.0 - o);
                carry_c[b][k] = dc * f;
            }
            grads.add(&dpre, &dpre, &x[t][b], &h[t][b]);
            dx[t][b] = (0..I).map(|j| back(&w.w_ih, &dpre, j)).collect();
            carry_h[b] = (0..H).map(|k| back(&w.w_hh, &dpre, k)).collect();
        }
    }
    // Pinned (plain Python; see the file's doc).
    assert!(
        (h[T][1][2] + 0.049_383_205_790_526).abs() < 1e-14,
        "{}",
        h[T][1][2]
    );
    let pinned = [-0.000_480_967_755, -0.000_249_483_269, -0.032_244_924_118];
    assert_pinned_gradients(&grads, pinned);

    let mut store = ParamStore::new(0);
    let lstm = Lstm::new(&mut store, "lstm", I, H, Init::Constant(0.0));
    let ids = [
        lstm.weight_ih(),
        lstm.weight_hh(),
        lstm.bias_ih(),
        lstm.bias_hh(),
    ];
    set_weights(&mut store, ids, &w);
    compare_recurrent(&lstm, &store, ids, &h[1..], &grads, &dx);
}
