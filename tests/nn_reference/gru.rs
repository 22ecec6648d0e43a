//! Gru against its reference loops: reset and update gates, backward through time.

use chaintrace::nn::{Gru, Init, ParamStore};

use crate::recurrent::*;
use crate::{matrix, sigmoid};

// Gru, rows stacked r, z, n: r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r·u_n),
// h_t = (1 − z)·n + z·h_{t−1}.
// Backward: dh = c_t + carry; dn = dh(1 − z); dz = dh(h_{t−1} − n); dpre_n = dn(1 − n²);
// da_n = dpre_n, du_n = dpre_n·r; dpre_r = dpre_n·u_n·r(1 − r), da_r = du_r = dpre_r;
// dpre_z = dz·z(1 − z), da_z = du_z = dpre_z;
// carry[k] = dh[k]·z[k] + Σ_r du[r]·W_hh[r][k].
#[test]
fn gru_reference() {
    let (w, x, c) = (weights(3), inputs(), probes());
    let zero = || matrix(B, H, |_, _| 0.0);
    let mut h = vec![zero(); T + 1];
    // Per step and example: (r, z, n, u) with u the hidden pre-activations.
    let mut saved = vec![vec![(vec![], vec![], vec![], vec![]); B]; T];
    for t in 0..T {
        for b in 0..B {
            let a = affine(&w.w_ih, &w.b_ih, &x[t][b]);
            let u = affine(&w.w_hh, &w.b_hh, &h[t][b]);
            let r: Vec<f64> = (0..H).map(|k| sigmoid(a[k] + u[k])).collect();
            let z: Vec<f64> = (0..H).map(|k| sigmoid(a[H + k] + u[H + k])).collect();
            let n: Vec<f64> = (0..H)
                .map(|k| (a[2 * H + k] + r[k] * u[2 * H + k]).tanh())
                .collect();
            h[t + 1][b] = (0..H)
                .map(|k| (1.0 - z[k]) * n[k] + z[k] * h[t][b][k])
                .collect();
            saved[t][b] = (r, z, n, u);
        }
    }
    let mut grads = WeightGrads::zeros(3);
    let mut dx = vec![matrix(B, I, |_, _| 0.0); T];
    let mut carry = zero();
    for t in (0..T).rev() {
        for b in 0..B {
            let (r, z, n, u) = &saved[t][b];
            let (mut da, mut du) = (vec![0.0; 3 * H], vec![0.0; 3 * H]);
            let mut direct = [0.0; H];
            for k in 0..H {
                let dh = c[t][b][k] + carry[b][k];
                let dn = dh * (1.0 - z[k]);
                let dz = dh * (h[t][b][k] - n[k]);
                let dpre_n = dn * (1.0 - n[k] * n[k]);
                da[2 * H + k] = dpre_n;
                du[2 * H + k] = dpre_n * r[k];
                let dpre_r = dpre_n * u[2 * H + k] * r[k] * (1.0 - r[k]);
                da[k] = dpre_r;
                du[k] = dpre_r;
                let dpre_z = dz * z[k] * (1.0 - z[k]);
                da[H + k] = dpre_z;
                du[H + k] = dpre_z;
                direct[k] = dh * z[k];
            }
            grads.add(&da, &du, &x[t][b], &h[t][b]);
            dx[t][b] = (0..I).map(|j| back(&w.w_ih, &da, j)).collect();
            carry[b] = (0..H).map(|k| direct[k] + back(&w.w_hh, &du, k)).collect();
        }
    }
    // Pinned (plain Python; see the file's doc).
    assert!(
        (h[T][0][1] - 0.251_425_602_348_998).abs() < 1e-14,
        "{}",
        h[T][0][1]
    );
    let pinned = [-0.000_516_009_055, 0.130_066_489_248, -0.004_992_277_285];
    assert_pinned_gradients(&grads, pinned);

    let mut store = ParamStore::new(0);
    let gru = Gru::new(&mut store, "gru", I, H, Init::Constant(0.0));
    let ids = [
        gru.weight_ih(),
        gru.weight_hh(),
        gru.bias_ih(),
        gru.bias_hh(),
    ];
    set_weights(&mut store, ids, &w);
    compare_recurrent(&gru, &store, ids, &h[1..], &grads, &dx);
}
