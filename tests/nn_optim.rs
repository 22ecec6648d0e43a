//! Optimisers against PyTorch's update rules, written out as scalar loops.
//!
//! The loss is `L(w) = Σ cₖ·wₖ² + Σ dₖ·wₖ`, whose gradient `gₖ = 2cₖwₖ + dₖ` is known in
//! closed form, so the expected trajectory needs no autodiff at all.

// The reference loops mirror the subscripts of the formulas they implement.
#![allow(clippy::needless_range_loop)]

use chaintrace::nn::{ParamId, ParamStore};
use chaintrace::optim::{Adam, Optimizer, Sgd};
use chaintrace::{Tape, Tensor};

const W0: [f64; 3] = [0.5, -1.0, 2.0];
const C: [f64; 3] = [1.0, 0.5, 2.0];
const D: [f64; 3] = [0.3, -0.2, 0.1];
const STEPS: usize = 5;

fn gradient(w: &[f64]) -> Vec<f64> {
    (0..3).map(|k| 2.0 * C[k] * w[k] + D[k]).collect()
}

/// A store holding `w` (used by the loss) and `unused` (never bound to a tape).
fn store() -> (ParamStore<f64>, ParamId, ParamId) {
    let mut store = ParamStore::new(0);
    let w = store.add("w", Tensor::from_vec(W0.to_vec(), &[3]));
    let unused = store.add("unused", Tensor::from_vec(vec![1.0, 2.0], &[2]));
    (store, w, unused)
}

/// One engine step: records the loss, optionally rescales the gradient in place (as clipping
/// does), then lets the optimiser update the store.
fn engine_step(opt: &mut impl Optimizer<f64>, store: &mut ParamStore<f64>, w: ParamId, scale: f64) {
    let tape = Tape::new();
    let p = store.bind(&tape);
    let wv = p.var(w);
    let c = tape.constant(Tensor::from_vec(C.to_vec(), &[3]));
    let d = tape.constant(Tensor::from_vec(D.to_vec(), &[3]));
    let loss = (c * wv.square() + d * wv).sum();
    let mut grads = loss.backward();
    let g = grads.get_mut(wv.id()).unwrap();
    *g = g.map(|v| v * scale);
    opt.step(store, &p, &grads);
}

fn assert_close(actual: &[f64], expected: &[f64]) {
    for (a, e) in actual.iter().zip(expected) {
        assert!(
            (a - e).abs() < 1e-14,
            "got {actual:?}, expected {expected:?}"
        );
    }
}

/// torch.optim.SGD(lr, momentum=μ, weight_decay=wd):
/// d = g + wd·p; buf = d (first step) or μ·buf + d; p −= lr·buf.
fn sgd_reference(lr: f64, mu: f64, wd: f64, steps: usize) -> Vec<Vec<f64>> {
    let mut w = W0.to_vec();
    let mut buf: Option<Vec<f64>> = None;
    let mut trajectory = Vec::new();
    for _ in 0..steps {
        let g = gradient(&w);
        let d: Vec<f64> = (0..3).map(|k| g[k] + wd * w[k]).collect();
        let b = match buf {
            None => d,
            Some(b) => (0..3).map(|k| mu * b[k] + d[k]).collect(),
        };
        for k in 0..3 {
            w[k] -= lr * b[k];
        }
        buf = Some(b);
        trajectory.push(w.clone());
    }
    trajectory
}

#[test]
fn sgd_with_momentum_and_weight_decay_follows_pytorch() {
    let (mut store, w, unused) = store();
    let mut opt = Sgd::new(0.1).with_momentum(0.9).with_weight_decay(0.01);
    let expected = sgd_reference(0.1, 0.9, 0.01, STEPS);
    // Step 1 by hand: g₀ = 2·1·0.5 + 0.3 = 1.3, d = 1.3 + 0.01·0.5 = 1.305,
    // w₀ = 0.5 − 0.1·1.305 = 0.3695.
    assert!((expected[0][0] - 0.3695).abs() < 1e-15);
    for want in &expected {
        engine_step(&mut opt, &mut store, w, 1.0);
        assert_close(&store.get(w).to_vec(), want);
    }
    assert!(opt.momentum_buffer(w).is_some());
    // A parameter that never entered a tape has no gradient: untouched, even by weight decay.
    assert_eq!(store.get(unused).to_vec(), vec![1.0, 2.0]);
    assert!(opt.momentum_buffer(unused).is_none());
}

#[test]
fn plain_sgd_sees_gradients_rescaled_in_place() {
    let (mut store, w, _) = store();
    let mut opt = Sgd::new(0.1);
    engine_step(&mut opt, &mut store, w, 0.5);
    // p −= lr·(0.5·g): the optimiser read the modified gradient.
    let g = gradient(&W0);
    let want: Vec<f64> = (0..3).map(|k| W0[k] - 0.1 * 0.5 * g[k]).collect();
    assert_close(&store.get(w).to_vec(), &want);
}

/// torch.optim.Adam(lr, betas=(β₁, β₂), eps, weight_decay=wd), step t = 1, 2, …:
/// g += wd·p; m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
/// p −= (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + eps).
fn adam_reference(lr: f64, wd: f64, steps: usize) -> Vec<Vec<f64>> {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let mut w = W0.to_vec();
    let (mut m, mut v) = (vec![0.0; 3], vec![0.0; 3]);
    let mut trajectory = Vec::new();
    for t in 1..=steps as i32 {
        let g = gradient(&w);
        for k in 0..3 {
            let gk = g[k] + wd * w[k];
            m[k] = b1 * m[k] + (1.0 - b1) * gk;
            v[k] = b2 * v[k] + (1.0 - b2) * gk * gk;
            let step_size = lr / (1.0 - b1.powi(t));
            let denom = v[k].sqrt() / (1.0 - b2.powi(t)).sqrt() + eps;
            w[k] -= step_size * m[k] / denom;
        }
        trajectory.push(w.clone());
    }
    trajectory
}

#[test]
fn adam_follows_pytorch() {
    let (mut store, w, unused) = store();
    let mut opt = Adam::new(0.1);
    assert_eq!(
        (opt.betas, opt.eps, opt.weight_decay),
        ((0.9, 0.999), 1e-8, 0.0)
    );
    let expected = adam_reference(0.1, 0.0, STEPS);
    // Step 1: the bias corrections make the update lr·g/(|g| + eps), about lr·sign(g).
    let g = gradient(&W0);
    for k in 0..3 {
        let first = W0[k] - 0.1 * g[k] / (g[k].abs() + 1e-8);
        assert!((expected[0][k] - first).abs() < 1e-12);
    }
    for want in &expected {
        engine_step(&mut opt, &mut store, w, 1.0);
        assert_close(&store.get(w).to_vec(), want);
    }
    assert_eq!(opt.steps(w), STEPS);
    assert_eq!(opt.steps(unused), 0);
    assert_eq!(store.get(unused).to_vec(), vec![1.0, 2.0]);
}

#[test]
fn adam_with_weight_decay_follows_pytorch() {
    let (mut store, w, _) = store();
    let mut opt = Adam::new(0.05).with_weight_decay(0.1);
    for want in &adam_reference(0.05, 0.1, STEPS) {
        engine_step(&mut opt, &mut store, w, 1.0);
        assert_close(&store.get(w).to_vec(), want);
    }
}

/// Global-norm clipping composes with the optimisers: with w₀ = (0.5, −1, 2) the gradient is
/// g = 2c⊙w + d = (1.3, −1.2, 8.1), ‖g‖ = √(1.69 + 1.44 + 65.61) = √68.74; after
/// `clip_grad_norm(…, 1.0)` plain SGD (lr 0.1) moves w by −0.1·g/(‖g‖ + 1e-6).
#[test]
fn sgd_steps_along_the_clipped_gradient() {
    use chaintrace::hooks::clip_grad_norm;
    let (mut store, w, _) = store();
    let tape = Tape::new();
    let p = store.bind(&tape);
    let wv = p.var(w);
    let c = tape.constant(Tensor::from_vec(C.to_vec(), &[3]));
    let d = tape.constant(Tensor::from_vec(D.to_vec(), &[3]));
    let loss = (c * wv.square() + d * wv).sum();
    let mut grads = loss.backward();
    let total = clip_grad_norm(&mut grads, &p.vars(), 1.0).unwrap();
    assert!((total - 68.74f64.sqrt()).abs() < 1e-12);
    Sgd::new(0.1).step(&mut store, &p, &grads);
    let g = gradient(&W0);
    let factor = 1.0 / (68.74f64.sqrt() + 1e-6);
    for (k, got) in store.get(w).to_vec().iter().enumerate() {
        let want = W0[k] - 0.1 * g[k] * factor;
        assert!((got - want).abs() < 1e-12, "w[{k}] = {got}, want {want}");
    }
}
