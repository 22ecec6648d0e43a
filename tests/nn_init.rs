//! Initialisers: over many draws the sample mean and variance match the formulas, the same
//! seed gives the same weights, and orthogonal matrices are orthogonal.
//!
//! Tolerances: with n = 60 000 draws the sample variance of a normal has relative standard
//! error √(2/n) ≈ 0.58% (a uniform's, √(0.8/n) ≈ 0.37%); we allow 3%, more than 5 standard
//! errors. The sample mean has standard error σ/√n; we allow 5σ/√n. The draws are seeded, so
//! each check is deterministic; the margins only say that any seed would pass.

use chaintrace::Tensor;
use chaintrace::nn::init::{self, Activation, Init};
use chaintrace::nn::{Gru, Layer, Linear, ParamStore, Rnn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SHAPE: [usize; 2] = [300, 200]; // fan_out 300, fan_in 200: 60 000 draws
const FAN_IN: f64 = 200.0;
const FAN_OUT: f64 = 300.0;
const REL_TOL: f64 = 0.03;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn mean_and_variance(t: &Tensor<f64>) -> (f64, f64) {
    let v = t.to_vec();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

fn assert_moments(what: &str, t: &Tensor<f64>, mean: f64, var: f64) {
    let (m, v) = mean_and_variance(t);
    let n = t.len() as f64;
    assert!(
        (m - mean).abs() <= 5.0 * (var / n).sqrt(),
        "{what}: sample mean {m} vs {mean}"
    );
    assert!(
        (v / var - 1.0).abs() <= REL_TOL,
        "{what}: sample variance {v} vs formula {var} (ratio {})",
        v / var
    );
}

#[test]
fn gains_are_the_usual_values() {
    assert_eq!(init::gain(Activation::Linear), 1.0);
    assert_eq!(init::gain(Activation::Sigmoid), 1.0);
    assert_eq!(init::gain(Activation::Tanh), 5.0 / 3.0);
    assert_eq!(init::gain(Activation::Relu), 2f64.sqrt());
    // Leaky ReLU with slope 0.01: √(2/1.0001).
    assert!((init::gain(Activation::LeakyRelu(0.01)) - (2.0 / 1.0001f64).sqrt()).abs() < 1e-15);
}

#[test]
fn fans_follow_pytorch() {
    assert_eq!(init::fans(&[300, 200]).unwrap(), (200, 300));
    // A convolution-shaped weight [out, in, k]: the receptive field multiplies both fans.
    assert_eq!(init::fans(&[8, 4, 3]).unwrap(), (12, 24));
    let err = init::fans(&[5]).unwrap_err().to_string();
    assert!(err.contains("rank 2") && err.contains("[5]"), "{err}");
}

#[test]
fn xavier_uniform_bound_and_variance() {
    let g = init::gain(Activation::Tanh);
    let w = init::xavier_uniform::<f64>(&SHAPE, g, &mut rng(1));
    let bound = g * (6.0 / (FAN_IN + FAN_OUT)).sqrt();
    assert!(w.to_vec().iter().all(|x| x.abs() <= bound));
    assert!(w.max() > 0.99 * bound && w.min() < -0.99 * bound);
    // U(−a, a) has variance a²/3 = gain²·2/(fan_in + fan_out).
    assert_moments("xavier_uniform", &w, 0.0, g * g * 2.0 / (FAN_IN + FAN_OUT));
}

#[test]
fn xavier_normal_variance() {
    let w = init::xavier_normal::<f64>(&SHAPE, 1.0, &mut rng(2));
    assert_moments("xavier_normal", &w, 0.0, 2.0 / (FAN_IN + FAN_OUT));
}

#[test]
fn he_normal_and_uniform_variance() {
    let g = init::gain(Activation::Relu);
    let normal = init::he_normal::<f64>(&SHAPE, g, &mut rng(3));
    // std = gain/√fan_in: variance 2/fan_in for ReLU.
    assert_moments("he_normal", &normal, 0.0, 2.0 / FAN_IN);
    let uniform = init::he_uniform::<f64>(&SHAPE, g, &mut rng(4));
    let bound = g * (3.0 / FAN_IN).sqrt();
    assert!(uniform.to_vec().iter().all(|x| x.abs() <= bound));
    assert_moments("he_uniform", &uniform, 0.0, 2.0 / FAN_IN);
}

#[test]
fn plain_distributions() {
    let n = init::normal::<f64>(&SHAPE, 0.01, &mut rng(5));
    assert_moments("normal(0.01)", &n, 0.0, 1e-4);
    let u = init::uniform::<f64>(&SHAPE, -1.0, 3.0, &mut rng(6));
    assert!(u.min() >= -1.0 && u.max() < 3.0);
    // U(a, b): mean (a + b)/2 = 1, variance (b − a)²/12 = 4/3.
    assert_moments("uniform(-1, 3)", &u, 1.0, 16.0 / 12.0);
    let c = init::constant::<f64>(&[2, 3], 0.25);
    assert_eq!(c.to_vec(), vec![0.25; 6]);
}

/// `M·Mᵀ` for a row-major `[rows, cols]` matrix.
fn gram(m: &Tensor<f64>, rows: usize, cols: usize) -> Vec<f64> {
    let v = m.to_vec();
    let mut out = vec![0.0; rows * rows];
    for i in 0..rows {
        for j in 0..rows {
            out[i * rows + j] = (0..cols).map(|k| v[i * cols + k] * v[j * cols + k]).sum();
        }
    }
    out
}

fn transpose(m: &Tensor<f64>, rows: usize, cols: usize) -> Tensor<f64> {
    let v = m.to_vec();
    let data = (0..rows * cols)
        .map(|k| v[(k % rows) * cols + k / rows])
        .collect();
    Tensor::from_vec(data, &[cols, rows])
}

fn assert_scaled_identity(g: &[f64], n: usize, scale: f64) {
    for i in 0..n {
        for j in 0..n {
            let expected = if i == j { scale } else { 0.0 };
            assert!(
                (g[i * n + j] - expected).abs() < 1e-12,
                "[{i}][{j}] = {}",
                g[i * n + j]
            );
        }
    }
}

#[test]
fn orthogonal_rows_or_columns_are_orthonormal() {
    let gain = 1.5;
    // Square and wide: W·Wᵀ = gain²·I (orthonormal rows).
    for (rows, cols) in [(4, 4), (3, 7)] {
        let w = init::orthogonal::<f64>(&[rows, cols], gain, &mut rng(7));
        assert_scaled_identity(&gram(&w, rows, cols), rows, gain * gain);
    }
    // Tall: Wᵀ·W = gain²·I (orthonormal columns).
    let w = init::orthogonal::<f64>(&[6, 2], gain, &mut rng(8));
    assert_scaled_identity(&gram(&transpose(&w, 6, 2), 2, 6), 2, gain * gain);
    // Rank 3 flattens to [shape[0], rest].
    let w = init::orthogonal::<f64>(&[2, 2, 3], 1.0, &mut rng(9));
    assert_eq!(w.shape(), &[2, 2, 3]);
    assert_scaled_identity(&gram(&w, 2, 6), 2, 1.0);
}

#[test]
fn same_seed_same_weights_and_f32_matches_f64() {
    let a = init::he_normal::<f64>(&[5, 4], 1.0, &mut rng(42));
    let b = init::he_normal::<f64>(&[5, 4], 1.0, &mut rng(42));
    let c = init::he_normal::<f64>(&[5, 4], 1.0, &mut rng(43));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let single = init::he_normal::<f32>(&[5, 4], 1.0, &mut rng(42));
    assert_eq!(single, a.cast::<f32>());
}

fn build(seed: u64) -> ParamStore<f64> {
    let mut store = ParamStore::new(seed);
    Linear::new(&mut store, "fc1", 3, 8, Init::HeUniform(2f64.sqrt()));
    Linear::new(&mut store, "fc2", 8, 2, Init::XavierNormal(1.0));
    Rnn::new(&mut store, "rnn", 2, 4, Init::Orthogonal(1.0));
    store
}

#[test]
fn a_model_built_twice_from_one_seed_is_the_same_model() {
    let (a, b, c) = (build(11), build(11), build(12));
    assert_eq!(a.tensors(), b.tensors());
    assert_ne!(a.tensors(), c.tensors());
    let names: Vec<&str> = a.iter().map(|(_, name, _)| name).collect();
    assert_eq!(
        names,
        [
            "fc1.weight",
            "fc1.bias",
            "fc2.weight",
            "fc2.bias",
            "rnn.weight_ih_l0",
            "rnn.weight_hh_l0",
            "rnn.bias_ih_l0",
            "rnn.bias_hh_l0"
        ]
    );
    // Biases start at zero unless the PyTorch default is asked for.
    assert_eq!(a.get(a.id("fc1.bias").unwrap()).to_vec(), vec![0.0; 8]);
}

#[test]
fn torch_default_and_reinit() {
    let mut store = ParamStore::<f64>::new(3);
    let fc = Linear::new(&mut store, "fc", 16, 4, Init::Torch);
    // PyTorch's Linear: weight and bias both U(±1/√in) = U(±0.25).
    for id in Layer::<f64>::params(&fc) {
        let v = store.get(id).to_vec();
        assert!(v.iter().all(|x| x.abs() <= 0.25));
        assert!(v.iter().any(|x| *x != 0.0));
    }
    let gru = Gru::new(&mut store, "gru", 3, 5, Init::XavierUniform(1.0));
    let before = store.get(gru.weight_hh()).clone();
    store.reinit(gru.weight_hh(), Init::Orthogonal(1.0));
    let after = store.get(gru.weight_hh());
    assert_eq!(after.shape(), &[15, 5]);
    assert_ne!(&before, after);
    // [15, 5] is tall: its 5 columns are orthonormal.
    assert_scaled_identity(&gram(&transpose(after, 15, 5), 5, 15), 5, 1.0);
}
