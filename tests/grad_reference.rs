//! Second derivatives against an independent system: JAX in float64 (the values and the script
//! that made them are in tests/fixtures/grad_reference/). Hessians and Hessian-vector products
//! through a matrix product, softmax with cross-entropy, one LSTM step and batch normalisation
//! in training mode, each within 1e-10 relative of JAX.
//!
//! Every input is the formula `sin(a·k + b)·s` over the row-major index `k`, written in the
//! script and here; the test first checks that the inputs the file records are the ones it means
//! (to the last bits of a `sin`), then uses the recorded ones.

use std::collections::HashMap;

use chaintrace::nn::{BatchNorm1d, Init, Layer, Lstm, ParamStore};
use chaintrace::{Tape, Tensor, Var, grad};

const FILE: &str = include_str!("fixtures/grad_reference/reference.txt");

/// The fixture file: name → (dims, values).
fn fixtures() -> HashMap<String, (Vec<usize>, Vec<f64>)> {
    let mut map = HashMap::new();
    for line in FILE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut words = line.split(' ');
        let name = words.next().unwrap().to_string();
        let dims = match words.next().unwrap() {
            "-" => Vec::new(),
            d => d.split('x').map(|s| s.parse().unwrap()).collect(),
        };
        let values = words.map(|w| w.parse().unwrap()).collect();
        map.insert(name, (dims, values));
    }
    map
}

struct Reference(HashMap<String, (Vec<usize>, Vec<f64>)>);

impl Reference {
    fn load() -> Self {
        Reference(fixtures())
    }

    fn get(&self, name: &str) -> &(Vec<usize>, Vec<f64>) {
        self.0.get(name).unwrap_or_else(|| panic!("{name} missing"))
    }

    /// An input recorded in the file, checked against the formula `sin(a·k + b)·s`.
    fn input(&self, name: &str, shape: &[usize], (a, b, s): (f64, f64, f64)) -> Tensor<f64> {
        let (dims, values) = self.get(name);
        assert_eq!(dims, shape, "{name}: shape");
        for (k, v) in values.iter().enumerate() {
            let mine = (a * k as f64 + b).sin() * s;
            assert!((v - mine).abs() <= 1e-15, "{name}[{k}]: {v} vs {mine}");
        }
        Tensor::from_vec(values.clone(), shape)
    }

    /// An input given as literal values in the script.
    fn literal(&self, name: &str, values: &[f64]) -> Tensor<f64> {
        let (dims, recorded) = self.get(name);
        assert_eq!(recorded, values, "{name}");
        Tensor::from_vec(values.to_vec(), dims)
    }

    /// Asserts `actual` equals the reference `name` within 1e-10 relative: each entry within
    /// 1e-10 of its own magnitude, or of 1e-3 of the largest for an entry near 0, where JAX's
    /// and our rounding differ by a few ulps of the terms that cancelled.
    fn assert_matches(&self, name: &str, actual: &Tensor<f64>) {
        let (dims, expected) = self.get(name);
        let got = actual.to_vec();
        assert_eq!(
            got.len(),
            expected.len(),
            "{name}: {:?} vs {dims:?}",
            actual.shape()
        );
        let scale = expected.iter().fold(0.0f64, |m, e| m.max(e.abs()));
        for (k, (a, e)) in got.iter().zip(expected).enumerate() {
            let tol = 1e-10 * e.abs().max(1e-3 * scale);
            assert!(
                (a - e).abs() <= tol,
                "{name}[{k}]: got {a:.17e}, JAX {e:.17e}"
            );
        }
    }
}

/// `H·v` of `loss` with respect to `params` against `dirs`: `∂(Σᵢ ∂loss/∂pᵢ ⊙ vᵢ)/∂p`.
fn hvp<'t>(loss: Var<'t, f64>, params: &[Var<'t, f64>], dirs: &[Var<'t, f64>]) -> Vec<Tensor<f64>> {
    let g = grad(loss, params).unwrap();
    let dot = g
        .iter()
        .zip(dirs)
        .map(|(g, d)| (*g * *d).sum())
        .reduce(|a, b| a + b)
        .unwrap();
    grad(dot, params)
        .unwrap()
        .iter()
        .map(|h| h.value())
        .collect()
}

/// The full Hessian of the scalar `loss` with respect to `x`, `[n, n]` over `x` row-major:
/// row `i` is the gradient of `∂loss/∂x[i]`.
fn hessian<'t>(loss: Var<'t, f64>, x: Var<'t, f64>) -> Tensor<f64> {
    let n = x.value().len();
    let g = grad(loss, &[x]).unwrap()[0].reshape(&[n]);
    let rows: Vec<f64> = (0..n)
        .flat_map(|i| grad(g.select(0, i), &[x]).unwrap()[0].value().to_vec())
        .collect();
    Tensor::from_vec(rows, &[n, n])
}

#[test]
fn tanh_of_a_matrix_product_squared() {
    let r = Reference::load();
    let a = r.input("tanh_matmul.A", &[3, 4], (0.7, 0.1, 0.9));
    let x = r.input("tanh_matmul.x", &[4, 1], (1.3, 0.2, 0.8));
    let v = r.input("tanh_matmul.V", &[3, 4], (0.5, 0.3, 1.0));

    // f(x) = (Σ tanh(A·x))², its Hessian with respect to x.
    let tape = Tape::<f64>::new();
    let (av, xv) = (tape.constant(a.clone()), tape.var("x", x.clone()));
    let f = av.matmul(xv).tanh().sum().square();
    r.assert_matches("tanh_matmul.value", &f.value());
    r.assert_matches("tanh_matmul.hessian_x", &hessian(f, xv));

    // f(W) = (Σ tanh(W·x))², its Hessian times V.
    let tape = Tape::<f64>::new();
    let (w, xc, dir) = (tape.var("W", a), tape.constant(x), tape.constant(v));
    let f = w.matmul(xc).tanh().sum().square();
    r.assert_matches("tanh_matmul.hvp_w", &hvp(f, &[w], &[dir])[0]);
}

#[test]
fn softmax_with_cross_entropy() {
    let r = Reference::load();
    let x = r.input("softmax_ce.X", &[4, 3], (0.9, 0.4, 1.1));
    let w = r.input("softmax_ce.W", &[3, 5], (0.6, 0.7, 0.8));
    let v = r.input("softmax_ce.V", &[3, 5], (1.1, 0.5, 1.0));
    let targets = [1, 4, 0, 2];

    // The Hessian of the mean cross-entropy with respect to the logits Z = X·W.
    let tape = Tape::<f64>::new();
    let z = tape
        .constant(x.clone())
        .matmul(tape.constant(w.clone()))
        .value();
    let zv = tape.var("Z", z);
    let loss = zv.cross_entropy(&targets);
    r.assert_matches("softmax_ce.value", &loss.value());
    r.assert_matches("softmax_ce.hessian_z", &hessian(loss, zv));

    // Its Hessian with respect to W, times V.
    let tape = Tape::<f64>::new();
    let wv = tape.var("W", w);
    let loss = tape.constant(x).matmul(wv).cross_entropy(&targets);
    r.assert_matches(
        "softmax_ce.hvp_w",
        &hvp(loss, &[wv], &[tape.constant(v)])[0],
    );
}

#[test]
fn one_lstm_step() {
    let r = Reference::load();
    let (i, h) = (2, 3);
    let mut store = ParamStore::<f64>::new(0);
    let lstm = Lstm::new(&mut store, "lstm", i, h, Init::Torch);
    let ids = [
        lstm.weight_ih(),
        lstm.weight_hh(),
        lstm.bias_ih(),
        lstm.bias_hh(),
    ];
    let names = ["w_ih", "w_hh", "b_ih", "b_hh"];
    let shapes: [&[usize]; 4] = [&[4 * h, i], &[4 * h, h], &[4 * h], &[4 * h]];
    let formulas = [
        (0.8, 0.1, 0.6),
        (1.2, 0.3, 0.5),
        (0.7, 0.9, 0.3),
        (1.9, 0.2, 0.3),
    ];
    let directions = [
        (0.45, 0.6, 1.0),
        (0.35, 1.1, 1.0),
        (0.55, 0.2, 1.0),
        (0.65, 1.4, 1.0),
    ];
    let mut dirs = Vec::new();
    for k in 0..4 {
        let name = format!("lstm_step.{}", names[k]);
        *store.get_mut(ids[k]) = r.input(&name, shapes[k], formulas[k]);
        let name = format!("lstm_step.dir_{}", names[k]);
        dirs.push(r.input(&name, shapes[k], directions[k]));
    }
    let x = r.input("lstm_step.x", &[1, 2, i], (1.7, 0.3, 1.0));
    let h0 = r.input("lstm_step.h0", &[2, h], (0.9, 0.8, 0.5));
    let c0 = r.input("lstm_step.c0", &[2, h], (1.4, 0.5, 0.8));
    let p = r.input("lstm_step.p", &[2, h], (1.3, 0.4, 1.0));
    let q = r.input("lstm_step.q", &[2, h], (0.8, 1.2, 1.0));

    let tape = Tape::new();
    let params = store.bind(&tape);
    let state = (tape.constant(h0), tape.constant(c0));
    let out = lstm.run(&tape, &params, tape.constant(x), Some(state));
    let (h1, c1) = (out.hidden[0], out.cells[0]);
    let loss = (h1 * tape.constant(p)).sum() + (c1 * tape.constant(q)).sum();
    r.assert_matches("lstm_step.value", &loss.value());
    let weights: Vec<_> = ids.iter().map(|&id| params.var(id)).collect();
    let dirs: Vec<_> = dirs.into_iter().map(|d| tape.constant(d)).collect();
    for (k, hv) in hvp(loss, &weights, &dirs).iter().enumerate() {
        r.assert_matches(&format!("lstm_step.hvp_{}", names[k]), hv);
    }
}

#[test]
fn batch_norm_in_training_mode() {
    let r = Reference::load();
    let x = r.input("batch_norm.X", &[4, 3], (1.1, 0.2, 1.2));
    let gamma = r.literal("batch_norm.gamma", &[1.5, -0.7, 0.3]);
    let beta = r.literal("batch_norm.beta", &[0.1, 0.2, -0.3]);
    let p = r.input("batch_norm.p", &[4, 3], (1.3, 0.4, 1.0));
    let v = r.input("batch_norm.V", &[4, 3], (0.7, 0.9, 1.0));
    let u = r.input("batch_norm.u", &[3], (0.9, 0.1, 1.0));
    let w = r.input("batch_norm.w", &[3], (1.6, 0.6, 1.0));
    let mut store = ParamStore::<f64>::new(0);
    let bn = BatchNorm1d::new(&mut store, "bn", 3);
    assert!(bn.is_training());
    *store.get_mut(bn.weight()) = gamma;
    *store.get_mut(bn.bias()) = beta;

    let tape = Tape::new();
    let params = store.bind(&tape);
    let xv = tape.var("x", x);
    let loss = (bn.forward(&tape, &params, xv).tanh() * tape.constant(p)).sum();
    r.assert_matches("batch_norm.value", &loss.value());
    let only_x = hvp(loss, &[xv], &[tape.constant(v.clone())]);
    r.assert_matches("batch_norm.hvp_x", &only_x[0]);

    let all = [xv, params.var(bn.weight()), params.var(bn.bias())];
    let dirs = [v, u, w].map(|d| tape.constant(d));
    let joint = hvp(loss, &all, &dirs);
    r.assert_matches("batch_norm.hvp_joint_x", &joint[0]);
    r.assert_matches("batch_norm.hvp_joint_gamma", &joint[1]);
    r.assert_matches("batch_norm.hvp_joint_beta", &joint[2]);
}
