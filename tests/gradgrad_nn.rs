//! Second derivatives of the nn layers' forward passes (`check::gradgradcheck`, f64): Linear,
//! one step of an RNN, an LSTM and a GRU (from a given state), BatchNorm1d in training mode and
//! LayerNorm, each differentiated twice with respect to its input, its state and every
//! parameter, with parameters drawn from a random seed and inputs drawn at random.

use chaintrace::check::{GradcheckOptions, gradgradcheck};
use chaintrace::nn::{BatchNorm1d, Gru, Init, Layer, LayerNorm, Linear, Lstm, ParamStore, Rnn};
use chaintrace::{Tape, Tensor, Var};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

mod ops_common;

use ops_common::tensor_of;

/// Each case checks up to ~60 gradient elements against as many perturbed inputs; 8 cases
/// keep each layer to a second or two.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(8)
}

/// Gradgradchecks `f(tape, [inputs…, parameters…])`, the parameters of `store` appended.
fn check(
    mut inputs: Vec<Tensor<f64>>,
    store: &ParamStore<f64>,
    f: impl for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
) -> Result<(), TestCaseError> {
    inputs.extend(store.tensors());
    let report = gradgradcheck(&inputs, f, GradcheckOptions::default());
    prop_assert!(report.passed(), "{}", report);
    Ok(())
}

/// `[batch, I]` inputs and a seed for the parameters.
fn batch(rows: usize, cols: usize) -> impl Strategy<Value = (Tensor<f64>, u64)> {
    (tensor_of(vec![rows, cols], -1.5..1.5), any::<u64>())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn linear((x, seed) in batch(3, 3)) {
        let mut store = ParamStore::new(seed);
        let fc = Linear::new(&mut store, "fc", 3, 2, Init::Torch);
        check(vec![x], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[1..]);
            fc.forward(tape, &p, v[0]).tanh()
        })?;
    }

    #[test]
    fn rnn_step((x, seed) in batch(2, 2), h0 in tensor_of(vec![2, 3], -1.0..1.0)) {
        let mut store = ParamStore::new(seed);
        let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
        check(vec![x, h0], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[2..]);
            rnn.run(tape, &p, v[0].reshape(&[1, 2, 2]), Some(v[1])).last()
        })?;
    }

    #[test]
    fn lstm_step(
        (x, seed) in batch(2, 2),
        h0 in tensor_of(vec![2, 2], -1.0..1.0),
        c0 in tensor_of(vec![2, 2], -1.0..1.0),
    ) {
        let mut store = ParamStore::new(seed);
        let lstm = Lstm::new(&mut store, "lstm", 2, 2, Init::Torch);
        check(vec![x, h0, c0], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[3..]);
            let out = lstm.run(tape, &p, v[0].reshape(&[1, 2, 2]), Some((v[1], v[2])));
            // The hidden and the cell state, side by side.
            Var::concat(&[out.hidden[0], out.cells[0]], 1)
        })?;
    }

    #[test]
    fn gru_step((x, seed) in batch(2, 2), h0 in tensor_of(vec![2, 2], -1.0..1.0)) {
        let mut store = ParamStore::new(seed);
        let gru = Gru::new(&mut store, "gru", 2, 2, Init::Torch);
        check(vec![x, h0], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[2..]);
            gru.run(tape, &p, v[0].reshape(&[1, 2, 2]), Some(v[1])).last()
        })?;
    }

    #[test]
    fn batch_norm_training(
        (x, _) in batch(4, 3),
        gamma in tensor_of(vec![3], -1.5..1.5),
        beta in tensor_of(vec![3], -0.5..0.5),
    ) {
        let mut store = ParamStore::new(0);
        let bn = BatchNorm1d::new(&mut store, "bn", 3);
        *store.get_mut(bn.weight()) = gamma;
        *store.get_mut(bn.bias()) = beta;
        check(vec![x], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[1..]);
            bn.forward(tape, &p, v[0])
        })?;
    }

    #[test]
    fn layer_norm(
        (x, _) in batch(2, 4),
        gamma in tensor_of(vec![4], -1.5..1.5),
        beta in tensor_of(vec![4], -0.5..0.5),
    ) {
        let mut store = ParamStore::new(0);
        let ln = LayerNorm::new(&mut store, "ln", 4);
        *store.get_mut(ln.weight()) = gamma;
        *store.get_mut(ln.bias()) = beta;
        check(vec![x], &store, |tape, v| {
            let p = store.bind_vars(tape, &v[1..]);
            ln.forward(tape, &p, v[0])
        })?;
    }
}
