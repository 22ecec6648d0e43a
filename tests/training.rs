//! The engine in `f32`, and the shape of a training loop: parameters live outside the tape, a
//! reset (or new) tape records each step, and nothing grows from step to step.

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::{Float, Tape, Tensor};

/// The contract example `L = Σ tanh(W·(x·s) + b)²` computed in `T`: (loss, ∂L/∂W, ∂L/∂s).
fn contract_example<T: Float>() -> (f64, Vec<f64>, f64) {
    let t = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let tape = Tape::<T>::new();
    let s = tape.var("s", T::from_f64(2.0));
    let x = tape.var("x", Tensor::from_vec(t(&[1.0, -2.0]), &[2, 1]));
    let w = tape.var("w", Tensor::from_vec(t(&[0.5, 0.3, 1.5, 0.2]), &[2, 2]));
    let b = tape.constant(Tensor::from_vec(t(&[0.1, 0.2]), &[2, 1]));
    let h = tape.layer("hidden", || (w.matmul(x * s) + b).tanh());
    let loss = h.square().sum();
    let grads = loss.backward();
    let f64s = |t: &Tensor<T>| {
        t.to_vec()
            .into_iter()
            .map(Float::as_f64)
            .collect::<Vec<_>>()
    };
    (
        loss.value().item().unwrap().as_f64(),
        f64s(grads.wrt(w).unwrap()),
        grads.wrt(s).unwrap().item().unwrap().as_f64(),
    )
}

/// The f32 engine agrees with the f64 one to f32 precision.
#[test]
fn f32_agrees_with_f64() {
    let (loss32, gw32, gs32) = contract_example::<f32>();
    let (loss64, gw64, gs64) = contract_example::<f64>();
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-5 * (1.0 + b.abs());
    assert!(near(loss32, loss64), "{loss32} vs {loss64}");
    assert!(near(gs32, gs64), "{gs32} vs {gs64}");
    for (a, b) in gw32.iter().zip(&gw64) {
        assert!(near(*a, *b), "{gw32:?} vs {gw64:?}");
    }
    // Neither unit saturates (u = W·(2x) + b = [0.5·2 + 0.3·(−4) + 0.1, 1.5·2 + 0.2·(−4) + 0.2]
    // = [−0.1, 2.4]), so no gradient is trivially zero.
    assert!(gw64.iter().all(|g| g.abs() > 1e-3), "{gw64:?}");
}

/// Finite differences in f32 need a larger step and looser tolerances, but still check.
#[test]
fn f32_gradcheck_with_f32_tolerances() {
    let x = Tensor::from_vec(vec![0.3f32, -1.2, 0.8, 2.0, -0.5, 1.1], &[2, 3]);
    let w = Tensor::from_vec(vec![0.5f32, -0.7, 1.1], &[3]);
    let options = GradcheckOptions {
        eps: 1e-2,
        atol: 1e-3,
        rtol: 1e-2,
    };
    let report = gradcheck(
        &[x, w],
        |_, v| {
            (v[0] * v[1])
                .tanh()
                .softmax()
                .log_softmax()
                .sum_axis(0)
                .square()
                .sum()
        },
        options,
    );
    assert!(report.passed(), "{report}");
    assert_eq!(report.checked, 9);
}

/// Fixed data for a least-squares fit `y ≈ x·W + b`: 8 samples, 3 features, 2 outputs.
fn data() -> (Tensor<f64>, Tensor<f64>) {
    let x: Vec<f64> = (0..24).map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0).collect();
    let true_w = [0.5, -1.0, 2.0, 0.3, -0.4, 1.5];
    let y: Vec<f64> = (0..8)
        .flat_map(|n| {
            let row = &x[3 * n..3 * n + 3];
            (0..2).map(move |j| (0..3).map(|k| row[k] * true_w[2 * k + j]).sum::<f64>() + 0.25)
        })
        .collect();
    (Tensor::from_vec(x, &[8, 3]), Tensor::from_vec(y, &[8, 2]))
}

/// Parameters held outside any tape.
struct Params {
    w: Tensor<f64>,
    b: Tensor<f64>,
}

/// `p ← p − lr·g`, in place of an optimiser.
fn sgd(p: &Tensor<f64>, g: &Tensor<f64>, lr: f64) -> Tensor<f64> {
    p.zip_map(g, "sgd", |p, g| p - lr * g).unwrap()
}

/// One step on `tape`: records the forward pass, backpropagates, updates `params`, and returns
/// the loss and the tape's length after the step.
fn step(tape: &Tape<f64>, params: &mut Params, x: &Tensor<f64>, y: &Tensor<f64>) -> (f64, usize) {
    let w = tape.var("w", params.w.clone());
    let b = tape.var("b", params.b.clone());
    let input = tape.constant(x.clone());
    let target = tape.constant(y.clone());
    let loss = tape.layer("linear", || input.matmul(w) + b).mse(target);
    let grads = loss.backward();
    params.w = sgd(&params.w, grads.wrt(w).unwrap(), 0.5);
    params.b = sgd(&params.b, grads.wrt(b).unwrap(), 0.5);
    (loss.value().item().unwrap(), tape.len())
}

fn fresh_params() -> Params {
    Params {
        w: Tensor::zeros(&[3, 2]),
        b: Tensor::zeros(&[2]),
    }
}

/// One tape, reset before every step: its length is the same at every step (nothing
/// accumulates), while the parameters outside it keep learning.
#[test]
fn reset_tape_keeps_its_length_and_parameters_persist() {
    let (x, y) = data();
    let mut params = fresh_params();
    let mut tape = Tape::new();
    let mut losses = Vec::new();
    let mut lengths = Vec::new();
    for _ in 0..60 {
        tape.reset();
        let (loss, len) = step(&tape, &mut params, &x, &y);
        losses.push(loss);
        lengths.push(len);
    }
    // w, b, x, y, matmul, add, mse: seven nodes every step.
    assert!(lengths.iter().all(|&n| n == 7), "{lengths:?}");
    assert_eq!(
        tape.layer_names(),
        vec!["".to_string(), "linear".to_string()]
    );
    assert!(
        losses[59] < 0.01 * losses[0],
        "loss {} → {}",
        losses[0],
        losses[59]
    );
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
}

/// A new tape per step behaves exactly like a reset one: the same losses, bit for bit.
#[test]
fn new_tape_per_step_matches_reset_tape() {
    let (x, y) = data();
    let (mut fresh, mut reused) = (fresh_params(), fresh_params());
    let mut tape = Tape::new();
    for _ in 0..10 {
        let (loss_new, len_new) = step(&Tape::new(), &mut fresh, &x, &y);
        tape.reset();
        let (loss_reset, len_reset) = step(&tape, &mut reused, &x, &y);
        assert_eq!(loss_new, loss_reset);
        assert_eq!(len_new, len_reset);
    }
    assert_eq!(fresh.w, reused.w);
}
