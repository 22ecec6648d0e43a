//! What the recurrent references share: the formula weights and inputs, the probe weights per
//! step, the gradient sums of a step's two affine maps, and one comparison of a layer's output
//! and every gradient against the reference; and the parameter layouts, PyTorch's.

use chaintrace::nn::{Gru, Init, Layer, Lstm, ParamId, ParamStore, Rnn};
use chaintrace::{Tape, Tensor};

use crate::nn_common::{assert_close, probe, probe_weight};
use crate::{Matrix, TOL, flat, grad_of, matrix, set, tensor};

// ---------------------------------------------------------------------------------------------
// Recurrent layers: T = 3 steps, batch 2, input 2, hidden 3, zero initial state.
// Weights: W_ih[r][j] = 0.4·sin(1 + r + 0.7j), W_hh[r][k] = 0.5·cos(2 + 1.3r − 0.4k),
// b_ih[r] = 0.1·sin(3r), b_hh[r] = 0.05·cos(r), for every stacked row r (gates stacked in
// PyTorch's order). Inputs: x[t][b][j] = 0.1(t + 1) − 0.2b + 0.15j·(−1)^t.
// The output is every hidden state stacked, [T, batch, hidden]; ∂L/∂h_t = c_t.
// ---------------------------------------------------------------------------------------------

pub(crate) const T: usize = 3;
pub(crate) const B: usize = 2;
pub(crate) const I: usize = 2;
pub(crate) const H: usize = 3;

pub(crate) struct Weights {
    pub(crate) w_ih: Matrix,
    pub(crate) w_hh: Matrix,
    pub(crate) b_ih: Vec<f64>,
    pub(crate) b_hh: Vec<f64>,
}

pub(crate) fn weights(gates: usize) -> Weights {
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

pub(crate) fn inputs() -> Vec<Matrix> {
    (0..T)
        .map(|t| {
            let sign = if t % 2 == 0 { 1.0 } else { -1.0 };
            matrix(B, I, |b, j| {
                0.1 * (t + 1) as f64 - 0.2 * b as f64 + 0.15 * j as f64 * sign
            })
        })
        .collect()
}

pub(crate) fn probes() -> Vec<Matrix> {
    (0..T)
        .map(|t| matrix(B, H, |b, i| probe_weight((t * B + b) * H + i)))
        .collect()
}

/// `x·Wᵀ + b` for one example: the pre-activations of every stacked row.
pub(crate) fn affine(w: &Matrix, b: &[f64], x: &[f64]) -> Vec<f64> {
    w.iter()
        .zip(b)
        .map(|(row, bias)| bias + row.iter().zip(x).map(|(a, v)| a * v).sum::<f64>())
        .collect()
}

/// Gradient sums of the two affine maps of a recurrent step.
pub(crate) struct WeightGrads {
    pub(crate) w_ih: Matrix,
    pub(crate) w_hh: Matrix,
    pub(crate) b_ih: Vec<f64>,
    pub(crate) b_hh: Vec<f64>,
}

impl WeightGrads {
    pub(crate) fn zeros(gates: usize) -> Self {
        let rows = gates * H;
        WeightGrads {
            w_ih: matrix(rows, I, |_, _| 0.0),
            w_hh: matrix(rows, H, |_, _| 0.0),
            b_ih: vec![0.0; rows],
            b_hh: vec![0.0; rows],
        }
    }

    /// Accumulates `da` (∂L/∂(x·W_ihᵀ + b_ih)) and `du` (∂L/∂(h·W_hhᵀ + b_hh)) for one example.
    pub(crate) fn add(&mut self, da: &[f64], du: &[f64], x: &[f64], h_prev: &[f64]) {
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
pub(crate) fn back(w: &Matrix, v: &[f64], k: usize) -> f64 {
    v.iter().zip(w).map(|(g, row)| g * row[k]).sum()
}

/// Checks the scalar reference against values pinned from plain Python (see the file's doc):
/// `[∂L/∂W_hh[0][0], ∂L/∂W_ih[last row][1], ∂L/∂b_hh[1]]`, by central differences.
pub(crate) fn assert_pinned_gradients(g: &WeightGrads, pinned: [f64; 3]) {
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
pub(crate) fn set_weights(store: &mut ParamStore<f64>, ids: [ParamId; 4], w: &Weights) {
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
pub(crate) fn compare_recurrent(
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
