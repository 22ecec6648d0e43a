//! Reference values for Linear, BatchNorm1d (training), Rnn, Lstm and Gru.
//!
//! Weights and inputs are defined by formulas (stated at each test). The expected forward
//! outputs and gradients are computed by direct scalar loops written below from the published
//! equations (PyTorch's documentation of `nn.Linear`, `nn.BatchNorm1d`, `nn.RNN`, `nn.LSTM`,
//! `nn.GRU`) and their hand-derived backward passes — no part of the engine is used for them.
//! The loss is always `L = Σ c ⊙ y` with the probe weights `c[k] = cos(1.3k + 0.4)` over the
//! row-major index `k` of the output, so `∂L/∂y = c`.
//!
//! A few values are also pinned as numbers, evaluated independently in plain Python: the
//! forward values by floating-point loops over the same formulas, the gradients by central
//! differences (step 1e-5, so good to about 1e-9) of that Python forward pass — so the
//! hand-derived backward passes below are checked against something that involves no
//! derivation at all.

// The reference loops mirror the subscripts of the formulas they implement.
#![allow(clippy::needless_range_loop)]

mod nn_common;

use chaintrace::nn::{BatchNorm1d, Gru, Init, Layer, Linear, Lstm, ParamId, ParamStore, Rnn};
use chaintrace::{Gradients, Tape, Tensor};
use nn_common::{assert_close, formula, probe, probe_weight};

const TOL: f64 = 1e-12;

type Matrix = Vec<Vec<f64>>;

fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Matrix {
    (0..rows)
        .map(|i| (0..cols).map(|j| f(i, j)).collect())
        .collect()
}

fn tensor(m: &Matrix) -> Tensor<f64> {
    let (r, c) = (m.len(), m[0].len());
    Tensor::from_vec(m.concat(), &[r, c])
}

fn flat(m: &Matrix) -> Vec<f64> {
    m.concat()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Sets a parameter to a formula-defined value.
fn set(store: &mut ParamStore<f64>, id: ParamId, value: Tensor<f64>) {
    assert_eq!(store.get(id).shape(), value.shape());
    *store.get_mut(id) = value;
}

/// The engine's gradient of a parameter, flattened.
fn grad_of(grads: &Gradients<f64>, p: &chaintrace::nn::Params<'_, f64>, id: ParamId) -> Vec<f64> {
    grads.wrt(p.var(id)).expect("parameter gradient").to_vec()
}

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

// ---------------------------------------------------------------------------------------------
// BatchNorm1d, training mode, N = 4, C = 3, eps = 1e-5, momentum 0.1.
// x[n][c] = 0.3n² − 0.5c + 0.1nc, γ[c] = 1 + 0.1c, β[c] = 0.05c − 0.02.
// μ = (1/N)Σₙ x, σ² = (1/N)Σₙ (x − μ)² (biased), x̂ = (x − μ)/√(σ² + eps), y = γx̂ + β.
// Backward: ∂L/∂β = Σₙ c, ∂L/∂γ = Σₙ c·x̂,
// ∂L/∂x = γ/(N√(σ² + eps)) · (N·c − Σₙ c − x̂·Σₙ c·x̂).
// Running estimates after one batch: mean = 0.9·0 + 0.1·μ, var = 0.9·1 + 0.1·σ²·N/(N − 1).
// ---------------------------------------------------------------------------------------------

#[test]
fn batch_norm_training_reference() {
    let (n, ch, eps) = (4, 3, 1e-5);
    let x = matrix(n, ch, |i, c| {
        0.3 * (i * i) as f64 - 0.5 * c as f64 + 0.1 * (i * c) as f64
    });
    let gamma: Vec<f64> = (0..ch).map(|c| 1.0 + 0.1 * c as f64).collect();
    let beta: Vec<f64> = (0..ch).map(|c| 0.05 * c as f64 - 0.02).collect();
    let dy = matrix(n, ch, |i, c| probe_weight(i * ch + c));

    let nf = n as f64;
    let mean: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| x[i][c]).sum::<f64>() / nf)
        .collect();
    let var: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| (x[i][c] - mean[c]).powi(2)).sum::<f64>() / nf)
        .collect();
    let std: Vec<f64> = var.iter().map(|v| (v + eps).sqrt()).collect();
    let xhat = matrix(n, ch, |i, c| (x[i][c] - mean[c]) / std[c]);
    let y = matrix(n, ch, |i, c| gamma[c] * xhat[i][c] + beta[c]);
    let dbeta: Vec<f64> = (0..ch).map(|c| (0..n).map(|i| dy[i][c]).sum()).collect();
    let dgamma: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| dy[i][c] * xhat[i][c]).sum())
        .collect();
    let dx = matrix(n, ch, |i, c| {
        gamma[c] / (nf * std[c]) * (nf * dy[i][c] - dbeta[c] - xhat[i][c] * dgamma[c])
    });
    let running_mean: Vec<f64> = mean.iter().map(|m| 0.1 * m).collect();
    let running_var: Vec<f64> = var
        .iter()
        .map(|v| 0.9 + 0.1 * v * nf / (nf - 1.0))
        .collect();

    // Channel 0 by hand: x = [0, 0.3, 1.2, 2.7], μ = 1.05, σ² = (1.1025 + 0.5625 + 0.0225 +
    // 2.7225)/4 = 1.1025, running_var = 0.9 + 0.1·1.1025·4/3 = 1.047.
    assert!((mean[0] - 1.05).abs() < TOL && (var[0] - 1.1025).abs() < TOL);
    assert!((running_var[0] - 1.047).abs() < TOL);

    let mut store = ParamStore::new(0);
    let bn = BatchNorm1d::new(&mut store, "bn", ch);
    set(&mut store, bn.weight(), Tensor::from_vec(gamma, &[ch]));
    set(&mut store, bn.bias(), Tensor::from_vec(beta, &[ch]));
    let tape = Tape::new();
    let p = store.bind(&tape);
    let xv = tape.var("x", tensor(&x));
    let yv = bn.forward(&tape, &p, xv);
    let grads = probe(&tape, yv).backward();

    assert_close("y", &yv.value().to_vec(), &flat(&y), TOL);
    assert_close("dγ", &grad_of(&grads, &p, bn.weight()), &dgamma, TOL);
    assert_close("dβ", &grad_of(&grads, &p, bn.bias()), &dbeta, TOL);
    // dx involves cancellation between terms of size ~1; 1e-10 is still ~6 digits below them.
    assert_close("dx", &grads.wrt(xv).unwrap().to_vec(), &flat(&dx), 1e-10);
    assert_close(
        "running_mean",
        &bn.running_mean().to_vec(),
        &running_mean,
        TOL,
    );
    assert_close("running_var", &bn.running_var().to_vec(), &running_var, TOL);
    assert_eq!(bn.num_batches_tracked(), 1);
}

// ---------------------------------------------------------------------------------------------
// Recurrent layers: T = 3 steps, batch 2, input 2, hidden 3, zero initial state.
// Weights: W_ih[r][j] = 0.4·sin(1 + r + 0.7j), W_hh[r][k] = 0.5·cos(2 + 1.3r − 0.4k),
// b_ih[r] = 0.1·sin(3r), b_hh[r] = 0.05·cos(r), for every stacked row r (gates stacked in
// PyTorch's order). Inputs: x[t][b][j] = 0.1(t + 1) − 0.2b + 0.15j·(−1)^t.
// The output is every hidden state stacked, [T, batch, hidden]; ∂L/∂h_t = c_t.
// ---------------------------------------------------------------------------------------------

const T: usize = 3;
const B: usize = 2;
const I: usize = 2;
const H: usize = 3;

struct Weights {
    w_ih: Matrix,
    w_hh: Matrix,
    b_ih: Vec<f64>,
    b_hh: Vec<f64>,
}

fn weights(gates: usize) -> Weights {
    let rows = gates * H;
    Weights {
        w_ih: matrix(rows, I, |r, j| {
            0.4 * (1.0 + r as f64 + 0.7 * j as f64).sin()
        }),
        w_hh: matrix(rows, H, |r, k| {
            0.5 * (2.0 + 1.3 * r as f64 - 0.4 * k as f64).cos()
        }),
        b_ih: (0..rows).map(|r| 0.1 * (3.0 * r as f64).sin()).collect(),
        b_hh: (0..rows).map(|r| 0.05 * (r as f64).cos()).collect(),
    }
}

fn inputs() -> Vec<Matrix> {
    (0..T)
        .map(|t| {
            let sign = if t % 2 == 0 { 1.0 } else { -1.0 };
            matrix(B, I, |b, j| {
                0.1 * (t + 1) as f64 - 0.2 * b as f64 + 0.15 * j as f64 * sign
            })
        })
        .collect()
}

fn probes() -> Vec<Matrix> {
    (0..T)
        .map(|t| matrix(B, H, |b, i| probe_weight((t * B + b) * H + i)))
        .collect()
}

/// `x·Wᵀ + b` for one example: the pre-activations of every stacked row.
fn affine(w: &Matrix, b: &[f64], x: &[f64]) -> Vec<f64> {
    w.iter()
        .zip(b)
        .map(|(row, bias)| bias + row.iter().zip(x).map(|(a, v)| a * v).sum::<f64>())
        .collect()
}

/// Gradient sums of the two affine maps of a recurrent step.
struct WeightGrads {
    w_ih: Matrix,
    w_hh: Matrix,
    b_ih: Vec<f64>,
    b_hh: Vec<f64>,
}

impl WeightGrads {
    fn zeros(gates: usize) -> Self {
        let rows = gates * H;
        WeightGrads {
            w_ih: matrix(rows, I, |_, _| 0.0),
            w_hh: matrix(rows, H, |_, _| 0.0),
            b_ih: vec![0.0; rows],
            b_hh: vec![0.0; rows],
        }
    }

    /// Accumulates `da` (∂L/∂(x·W_ihᵀ + b_ih)) and `du` (∂L/∂(h·W_hhᵀ + b_hh)) for one example.
    fn add(&mut self, da: &[f64], du: &[f64], x: &[f64], h_prev: &[f64]) {
        for r in 0..da.len() {
            self.b_ih[r] += da[r];
            self.b_hh[r] += du[r];
            for j in 0..I {
                self.w_ih[r][j] += da[r] * x[j];
            }
            for k in 0..H {
                self.w_hh[r][k] += du[r] * h_prev[k];
            }
        }
    }
}

/// `Σ_r v[r]·W[r][k]`: pulls a gradient back through `x·Wᵀ`.
fn back(w: &Matrix, v: &[f64], k: usize) -> f64 {
    v.iter().zip(w).map(|(g, row)| g * row[k]).sum()
}

/// Checks the scalar reference against values pinned from plain Python (see the file's doc):
/// `[∂L/∂W_hh[0][0], ∂L/∂W_ih[last row][1], ∂L/∂b_hh[1]]`, by central differences.
fn assert_pinned_gradients(g: &WeightGrads, pinned: [f64; 3]) {
    let last = g.w_ih.len() - 1;
    let ours = [g.w_hh[0][0], g.w_ih[last][1], g.b_hh[1]];
    for (o, p) in ours.iter().zip(pinned) {
        assert!(
            (o - p).abs() < 1e-8,
            "scalar reference {o:.12} vs pinned {p:.12}"
        );
    }
}

/// Sets the four recurrent parameters to the formula weights.
fn set_weights(store: &mut ParamStore<f64>, ids: [ParamId; 4], w: &Weights) {
    set(store, ids[0], tensor(&w.w_ih));
    set(store, ids[1], tensor(&w.w_hh));
    set(
        store,
        ids[2],
        Tensor::from_vec(w.b_ih.clone(), &[w.b_ih.len()]),
    );
    set(
        store,
        ids[3],
        Tensor::from_vec(w.b_hh.clone(), &[w.b_hh.len()]),
    );
}

/// Runs `layer` on the formula inputs and compares output and every gradient.
fn compare_recurrent(
    layer: &dyn Layer<f64>,
    store: &ParamStore<f64>,
    ids: [ParamId; 4],
    h: &[Matrix],
    grads_ref: &WeightGrads,
    dx: &[Matrix],
) {
    let x = inputs();
    let x_tensor = Tensor::from_vec(x.iter().flat_map(|m| m.concat()).collect(), &[T, B, I]);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let xv = tape.var("x", x_tensor);
    let out = layer.forward(&tape, &p, xv);
    let grads = probe(&tape, out).backward();
    let h_flat: Vec<f64> = h.iter().flat_map(|m| m.concat()).collect();
    assert_close("h", &out.value().to_vec(), &h_flat, TOL);
    assert_close(
        "dW_ih",
        &grad_of(&grads, &p, ids[0]),
        &flat(&grads_ref.w_ih),
        TOL,
    );
    assert_close(
        "dW_hh",
        &grad_of(&grads, &p, ids[1]),
        &flat(&grads_ref.w_hh),
        TOL,
    );
    assert_close("db_ih", &grad_of(&grads, &p, ids[2]), &grads_ref.b_ih, TOL);
    assert_close("db_hh", &grad_of(&grads, &p, ids[3]), &grads_ref.b_hh, TOL);
    let dx_flat: Vec<f64> = dx.iter().flat_map(|m| m.concat()).collect();
    assert_close("dx", &grads.wrt(xv).unwrap().to_vec(), &dx_flat, TOL);
}

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

/// The layout is PyTorch's: the rows of `W_ih` for gate `q` are `q·H .. (q+1)·H`, so the
/// formula weights above mean the same network in both libraries.
#[test]
fn recurrent_shapes_are_pytorch_layouts() {
    let mut store = ParamStore::<f64>::new(0);
    let rnn = Rnn::new(&mut store, "rnn", I, H, Init::Torch);
    let lstm = Lstm::new(&mut store, "lstm", I, H, Init::Torch);
    let gru = Gru::new(&mut store, "gru", I, H, Init::Torch);
    for (layer, gates) in [(&rnn as &dyn Layer<f64>, 1), (&lstm, 4), (&gru, 3)] {
        let shapes: Vec<Vec<usize>> = layer
            .params()
            .into_iter()
            .map(|id| store.get(id).shape().to_vec())
            .collect();
        assert_eq!(
            shapes,
            vec![
                vec![gates * H, I],
                vec![gates * H, H],
                vec![gates * H],
                vec![gates * H]
            ]
        );
    }
    let names = Layer::<f64>::param_names(&lstm, &store);
    assert_eq!(
        names,
        [
            "lstm.weight_ih_l0",
            "lstm.weight_hh_l0",
            "lstm.bias_ih_l0",
            "lstm.bias_hh_l0"
        ]
    );
    // PyTorch's default draws everything from U(±1/√H).
    let bound = 1.0 / (H as f64).sqrt();
    for id in Layer::<f64>::params(&gru) {
        assert!(store.get(id).to_vec().iter().all(|v| v.abs() <= bound));
    }
}

#[test]
fn formula_helper_is_row_major() {
    let t: Tensor<f64> = formula(&[2, 3], |ix| (10 * ix[0] + ix[1]) as f64);
    assert_eq!(t.to_vec(), vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
}
