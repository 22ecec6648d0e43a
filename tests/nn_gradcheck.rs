//! Every layer's gradients — with respect to its input and to each of its parameters — against
//! central finite differences, in f64, on small sizes (`chaintrace::check::gradcheck`).
//!
//! The loss is `L = Σ c ⊙ layer(x)` with distinct probe weights `c` (see `nn_common::probe`),
//! so no error can cancel out.

mod nn_common;

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::nn::{
    BatchNorm1d, Gru, Init, Layer, LayerNorm, Linear, Lstm, ParamStore, Relu, Residual, Rnn,
    Sequential, Sigmoid, Tanh,
};
use chaintrace::{Tape, Tensor, Var};
use nn_common::probe;

/// An input whose elements vary in size and sign: `x[k] = sin(0.9·k + 0.3)·scale`.
fn input(shape: &[usize], scale: f64) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let data = (1..=n)
        .map(|k| (0.9 * k as f64 + 0.3).sin() * scale)
        .collect();
    Tensor::from_vec(data, shape)
}

/// Gradient-checks `layer` on input `x`, over the input and every parameter in `store`.
fn check_layer(layer: &dyn Layer<f64>, store: &ParamStore<f64>, x: Tensor<f64>) {
    let mut inputs = vec![x];
    inputs.extend(store.tensors());
    let report = gradcheck(
        &inputs,
        |tape: &Tape<f64>, v: &[Var<'_, f64>]| {
            let p = store.bind_vars(tape, &v[1..]);
            probe(tape, layer.forward(tape, &p, v[0]))
        },
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{}: {report}", layer.name());
}

#[test]
fn linear() {
    let mut store = ParamStore::new(1);
    let fc = Linear::new(&mut store, "fc", 3, 4, Init::Torch);
    check_layer(&fc, &store, input(&[5, 3], 1.0));
}

#[test]
fn activations() {
    let store = ParamStore::new(0);
    let x = input(&[3, 4], 2.0); // no element is within 0.1 of relu's kink at 0
    assert!(x.to_vec().iter().all(|v| v.abs() > 0.1));
    check_layer(&Tanh::new("tanh"), &store, x.clone());
    check_layer(&Relu::new("relu"), &store, x.clone());
    check_layer(&Sigmoid::new("sigmoid"), &store, x);
}

#[test]
fn sequential_mlp() {
    let mut store = ParamStore::new(2);
    let mlp = Sequential::new("mlp")
        .with(Linear::new(
            &mut store,
            "fc1",
            2,
            5,
            Init::XavierNormal(5.0 / 3.0),
        ))
        .with(Tanh::new("act1"))
        .with(Linear::new(&mut store, "fc2", 5, 3, Init::Torch))
        .with(Sigmoid::new("act2"));
    check_layer(&mlp, &store, input(&[4, 2], 1.0));
}

#[test]
fn residual_block() {
    let mut store = ParamStore::new(3);
    let inner = Sequential::new("f")
        .with(Linear::new(&mut store, "fc", 3, 3, Init::Torch))
        .with(Tanh::new("act"));
    check_layer(&Residual::new("block", inner), &store, input(&[4, 3], 1.0));
}

#[test]
fn batch_norm_training() {
    let mut store = ParamStore::new(4);
    let bn = BatchNorm1d::new(&mut store, "bn", 3);
    // γ and β away from 1 and 0 so their gradients are not special cases.
    *store.get_mut(bn.weight()) = Tensor::from_vec(vec![1.5, -0.7, 0.3], &[3]);
    *store.get_mut(bn.bias()) = Tensor::from_vec(vec![0.1, 0.2, -0.3], &[3]);
    check_layer(&bn, &store, input(&[5, 3], 1.0));
}

#[test]
fn batch_norm_evaluation() {
    let mut store = ParamStore::new(5);
    let mut bn = BatchNorm1d::new(&mut store, "bn", 3);
    *store.get_mut(bn.weight()) = Tensor::from_vec(vec![1.5, -0.7, 0.3], &[3]);
    // A few training batches move the running estimates off their starting values.
    for scale in [1.0, 2.0, 0.5] {
        let tape = Tape::new();
        let p = store.bind(&tape);
        bn.forward(&tape, &p, tape.constant(input(&[6, 3], scale)));
    }
    bn.set_training(false);
    check_layer(&bn, &store, input(&[2, 3], 1.0));
}

#[test]
fn layer_norm() {
    let mut store = ParamStore::new(6);
    let ln = LayerNorm::new(&mut store, "ln", 4);
    *store.get_mut(ln.weight()) = Tensor::from_vec(vec![1.2, 0.8, -0.5, 2.0], &[4]);
    *store.get_mut(ln.bias()) = Tensor::from_vec(vec![0.0, 0.1, 0.2, 0.3], &[4]);
    check_layer(&ln, &store, input(&[3, 4], 1.0));
    check_layer(&ln, &store, input(&[2, 3, 4], 1.0));
}

#[test]
fn rnn_over_five_steps() {
    let mut store = ParamStore::new(7);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    check_layer(&rnn, &store, input(&[5, 2, 2], 1.0));
}

#[test]
fn lstm_over_four_steps() {
    let mut store = ParamStore::new(8);
    let lstm = Lstm::new(&mut store, "lstm", 2, 3, Init::Torch);
    check_layer(&lstm, &store, input(&[4, 2, 2], 1.0));
}

#[test]
fn gru_over_four_steps() {
    let mut store = ParamStore::new(9);
    let gru = Gru::new(&mut store, "gru", 2, 3, Init::Torch);
    check_layer(&gru, &store, input(&[4, 2, 2], 1.0));
}

/// The gradient also reaches a given initial state, through every step.
#[test]
fn recurrent_initial_states() {
    let mut store = ParamStore::new(10);
    let lstm = Lstm::new(&mut store, "lstm", 2, 3, Init::Torch);
    let gru = Gru::new(&mut store, "gru", 2, 3, Init::Torch);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    let x = input(&[3, 2, 2], 1.0);
    let h0 = input(&[2, 3], 0.5);
    let c0 = input(&[2, 3], 0.8);
    let mut inputs = vec![x, h0, c0];
    inputs.extend(store.tensors());
    let report = gradcheck(
        &inputs,
        |tape: &Tape<f64>, v: &[Var<'_, f64>]| {
            let p = store.bind_vars(tape, &v[3..]);
            let a = lstm.run(tape, &p, v[0], Some((v[1], v[2]))).last();
            let b = gru.run(tape, &p, v[0], Some(v[1])).last();
            let c = rnn.run(tape, &p, v[0], Some(v[1])).last();
            probe(tape, a * b + c)
        },
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{report}");
}
