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
//!
//! The files: this one holds the helpers every reference shares; `linear.rs` and
//! `batch_norm.rs` check those layers; `recurrent.rs` holds the recurrent layers' formula
//! weights, inputs and comparison, and checks their parameter layouts; `rnn.rs`, `lstm.rs` and
//! `gru.rs` check one cell each.

// The reference loops mirror the subscripts of the formulas they implement.
#![allow(clippy::needless_range_loop)]

#[path = "../nn_common/mod.rs"]
mod nn_common;

mod batch_norm;
mod gru;
mod linear;
mod lstm;
mod recurrent;
mod rnn;

use chaintrace::nn::{ParamId, ParamStore};
use chaintrace::{Gradients, Tensor};
use nn_common::formula;

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

#[test]
fn formula_helper_is_row_major() {
    let t: Tensor<f64> = formula(&[2, 3], |ix| (10 * ix[0] + ix[1]) as f64);
    assert_eq!(t.to_vec(), vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
}
