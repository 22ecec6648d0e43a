//! How layers appear on the tape (scopes, named parameter leaves, one scope per time step),
//! how parameters bind, and the errors bad input gets.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chaintrace::nn::{
    BatchNorm1d, Init, Layer, LayerNorm, Linear, Lstm, ParamStore, Relu, Residual, Rnn, Sequential,
    Tanh,
};
use chaintrace::tape::EdgeKind;
use chaintrace::{Tape, Tensor};

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("should panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The layer path of the node recorded for `name`d leaf.
fn layer_of_leaf(tape: &Tape<f64>, name: &str) -> String {
    let nodes = tape.nodes();
    let node = nodes
        .iter()
        .find(|n| n.name() == Some(name))
        .unwrap_or_else(|| panic!("no leaf {name}"));
    tape.layer_name(node.layer())
}

#[test]
fn layers_record_inside_their_scopes_and_parameters_are_named_leaves() {
    let mut store = ParamStore::new(0);
    let model = Sequential::new("mlp")
        .with(Linear::new(&mut store, "fc1", 2, 3, Init::Torch))
        .with(Tanh::new("act1"))
        .with(Residual::new(
            "block",
            Sequential::new("f")
                .with(Linear::new(&mut store, "fc2", 3, 3, Init::Torch))
                .with(Relu::new("act2")),
        ));
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = model.forward(&tape, &p, tape.constant(Tensor::ones(&[4, 2])));
    let names = tape.layer_names();
    for path in ["mlp", "mlp/fc1", "mlp/act1", "mlp/block", "mlp/block/f/fc2"] {
        assert!(
            names.contains(&path.to_string()),
            "{path} missing from {names:?}"
        );
    }
    assert_eq!(layer_of_leaf(&tape, "fc1.weight"), "mlp/fc1");
    assert_eq!(layer_of_leaf(&tape, "fc2.bias"), "mlp/block/f/fc2");
    // The residual's skip edge is marked.
    let nodes = tape.nodes();
    let last = nodes.node(y.id().index());
    assert_eq!(last.input(0).kind, EdgeKind::Residual);
    assert_eq!(tape.layer_name(last.layer()), "mlp/block");
    assert_eq!(
        model.param_names(&store),
        ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    );
}

#[test]
fn recurrent_layers_open_one_scope_per_time_step() {
    let mut store = ParamStore::new(0);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    let lstm = Lstm::new(&mut store, "lstm", 3, 2, Init::Torch);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.constant(Tensor::ones(&[18, 1, 2]));
    let h = rnn.forward(&tape, &p, x);
    assert_eq!(h.shape(), [18, 1, 3]);
    let out = lstm.run(&tape, &p, h, None);
    assert_eq!(out.hidden.len(), 18);
    assert_eq!(out.cells.len(), 18);
    assert_eq!(out.last().shape(), [1, 2]);
    let names = tape.layer_names();
    assert!(names.contains(&"rnn/t=17".to_string()));
    assert!(names.contains(&"lstm/t=0".to_string()));
    assert!(!names.contains(&"rnn/t=18".to_string()));
    // The weights enter once, in the layer's scope, not in a time step's.
    assert_eq!(layer_of_leaf(&tape, "rnn.weight_hh_l0"), "rnn");
    // h_17 (the output of the last step) was recorded in its step's scope.
    let nodes = tape.nodes();
    assert_eq!(
        tape.layer_name(nodes.node(out.hidden[17].id().index()).layer()),
        "lstm/t=17"
    );
}

#[test]
fn a_parameter_binds_once_and_unused_ones_stay_off_the_tape() {
    let mut store = ParamStore::<f64>::new(0);
    let shared = Linear::new(&mut store, "shared", 2, 2, Init::Torch);
    let unused = Linear::new(&mut store, "unused", 2, 2, Init::Torch);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.constant(Tensor::ones(&[1, 2]));
    // The same layer twice: one leaf per parameter, gradients from both uses accumulate.
    let y = shared.forward(&tape, &p, shared.forward(&tape, &p, x));
    let leaves = tape.nodes().iter().filter(|n| n.name().is_some()).count();
    assert_eq!(leaves, 2);
    assert_eq!(
        p.var(shared.weight()).id(),
        p.get("shared.weight").unwrap().id()
    );
    assert!(p.node(unused.weight()).is_none());
    assert_eq!(p.bound().len(), 2);
    let grads = y.sum().backward();
    assert!(grads.wrt(p.var(shared.weight())).is_some());
}

#[test]
fn duplicate_parameter_names_are_refused() {
    let mut store = ParamStore::<f64>::new(0);
    Linear::new(&mut store, "fc", 2, 2, Init::Torch);
    let err = store.try_add("fc.weight", Tensor::zeros(&[1])).unwrap_err();
    assert!(
        err.to_string().contains("`fc.weight` already exists"),
        "{err}"
    );
    let msg = panic_message(|| {
        Linear::new(&mut store, "fc", 2, 2, Init::Torch);
    });
    assert!(msg.contains("unique name"), "{msg}");
}

#[test]
fn shape_errors_name_the_op_the_shapes_and_the_layer() {
    let mut store = ParamStore::<f64>::new(0);
    let model = Sequential::new("mlp").with(Linear::new(&mut store, "fc1", 3, 2, Init::Torch));
    let bn = BatchNorm1d::new(&mut store, "bn", 4);
    let ln = LayerNorm::new(&mut store, "ln", 4);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.constant(Tensor::ones(&[5, 4]));

    let msg = panic_message(|| {
        model.forward(&tape, &p, x);
    });
    // `Linear` records `x·Wᵀ` on the weight as stored, `[out, in]` (`matmul_t`).
    assert!(
        msg.contains("matmul") && msg.contains("[5, 4]") && msg.contains("[2, 3]"),
        "{msg}"
    );
    assert!(msg.contains("mlp/fc1"), "{msg}");

    let msg = panic_message(|| {
        bn.forward(&tape, &p, tape.constant(Tensor::ones(&[5, 3])));
    });
    assert!(
        msg.contains("batch_norm1d") && msg.contains("[5, 3]") && msg.contains("`bn`"),
        "{msg}"
    );
    let msg = panic_message(|| {
        bn.forward(&tape, &p, tape.constant(Tensor::ones(&[1, 4])));
    });
    assert!(msg.contains("more than one example"), "{msg}");

    let msg = panic_message(|| {
        ln.forward(&tape, &p, tape.constant(Tensor::ones(&[2, 3])));
    });
    assert!(msg.contains("layer_norm") && msg.contains("`ln`"), "{msg}");

    let msg = panic_message(|| {
        rnn.forward(&tape, &p, x);
    });
    assert!(
        msg.contains("rnn") && msg.contains("[5, 4]") && msg.contains("[steps"),
        "{msg}"
    );
}

#[test]
fn batch_norm_evaluation_uses_the_running_estimates() {
    let mut store = ParamStore::<f64>::new(0);
    let mut model = Sequential::new("net").with(BatchNorm1d::new(&mut store, "bn", 1));
    let batch = Tensor::from_vec(vec![1.0, 3.0], &[2, 1]);
    let tape = Tape::new();
    let p = store.bind(&tape);
    // Training: the batch is normalised by its own statistics (mean 2, biased variance 1).
    let y = model.forward(&tape, &p, tape.constant(batch.clone()));
    let s = 1.0 / (1.0 + 1e-5f64).sqrt();
    assert!((y.value().to_vec()[0] + s).abs() < 1e-12);
    // Running: mean 0.9·0 + 0.1·2 = 0.2; variance 0.9·1 + 0.1·(2/1) = 1.1 (unbiased: 2).
    model.set_training(false);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = model.forward(&tape, &p, tape.constant(batch));
    let expected = [
        (1.0 - 0.2) / (1.1f64 + 1e-5).sqrt(),
        (3.0 - 0.2) / (1.1f64 + 1e-5).sqrt(),
    ];
    for (a, e) in y.value().to_vec().iter().zip(expected) {
        assert!((a - e).abs() < 1e-12, "{a} vs {e}");
    }
    // The running estimates enter the tape as named constants.
    assert!(
        tape.nodes()
            .iter()
            .any(|n| n.name() == Some("bn.running_var"))
    );
}

/// The layers are generic over the element type: the same seed builds the same model in f32,
/// and its outputs agree with f64 to single precision.
#[test]
fn models_run_in_f32_too() {
    fn build<T: chaintrace::Float>() -> (ParamStore<T>, Sequential<T>, Lstm) {
        let mut store = ParamStore::new(5);
        let mlp = Sequential::new("mlp")
            .with(Linear::new(&mut store, "fc", 3, 4, Init::Torch))
            .with(BatchNorm1d::new(&mut store, "bn", 4))
            .with(Tanh::new("act"))
            .with(LayerNorm::new(&mut store, "ln", 4));
        let lstm = Lstm::new(&mut store, "lstm", 4, 2, Init::Torch);
        (store, mlp, lstm)
    }
    fn run<T: chaintrace::Float>() -> Vec<f64> {
        let (store, mlp, lstm) = build::<T>();
        let tape = Tape::new();
        let p = store.bind(&tape);
        let data: Vec<T> = (0..15)
            .map(|k| T::from_f64((k as f64 * 0.7).sin()))
            .collect();
        let h = mlp.forward(&tape, &p, tape.constant(Tensor::from_vec(data, &[5, 3])));
        let out = lstm.run(&tape, &p, h.reshape(&[5, 1, 4]), None).last();
        out.value().to_vec().iter().map(|v| v.as_f64()).collect()
    }
    let (single, double) = (run::<f32>(), run::<f64>());
    for (s, d) in single.iter().zip(&double) {
        assert!((s - d).abs() < 1e-5, "f32 {s} vs f64 {d}");
    }
}

/// The per-time-step ledger of an unrolled RNN: step t's only input is h_(t−1), so its gain is
/// ‖∂L/∂h_(t−1)‖ / ‖∂L/∂h_t‖ exactly (the weights are leaves shared by every step).
#[test]
fn rnn_ledger_gains_are_time_step_ratios() {
    use chaintrace::nn::{Init, ParamStore, Rnn};
    use chaintrace::{Tape, Tensor, TraceOptions};
    let mut store = ParamStore::<f64>::new(0);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let data: Vec<f64> = (0..20).map(|i| (i as f64 * 0.37).sin()).collect();
    let x = tape.constant(Tensor::from_vec(data, &[5, 2, 2]));
    let out = rnn.run(&tape, &p, x, None);
    let loss = out.last().square().sum();
    let (grads, trace) = loss.backward_traced(TraceOptions::ledger_only());
    let norm = |t: usize| grads.wrt(out.hidden[t]).unwrap().norm();
    let rows = trace.ledger();
    let steps: Vec<&str> = rows.iter().map(|r| r.layer.as_str()).collect();
    assert_eq!(
        steps,
        ["rnn/t=4", "rnn/t=3", "rnn/t=2", "rnn/t=1", "rnn/t=0"]
    );
    for (row, t) in rows.iter().zip((1..=4).rev()) {
        let want = norm(t - 1) / norm(t);
        let got = row.gain.unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "{}: {got} vs {want}",
            row.layer
        );
    }
}

/// The recurrent layers multiply by `Wᵀ` through `matmul_t` (a transposed view): no step
/// records a `transpose` node, which would copy `W_ih` and `W_hh` (and their gradients) every
/// step. The gradients are the same as through `matmul(transpose)`.
#[test]
fn recurrent_layers_record_no_transposed_copies() {
    use chaintrace::nn::Gru;
    let mut store = ParamStore::<f64>::new(3);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, Init::Torch);
    let lstm = Lstm::new(&mut store, "lstm", 2, 3, Init::Torch);
    let gru = Gru::new(&mut store, "gru", 2, 3, Init::Torch);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let data: Vec<f64> = (0..12).map(|i| (i as f64 * 0.61).cos()).collect();
    let x = tape.constant(Tensor::from_vec(data, &[3, 2, 2]));
    let outs = [
        rnn.run(&tape, &p, x, None).last(),
        lstm.run(&tape, &p, x, None).last(),
        gru.run(&tape, &p, x, None).last(),
    ];
    let labels: Vec<String> = tape.nodes().iter().map(|n| n.op_label()).collect();
    assert!(!labels.iter().any(|l| l == "transpose"), "{labels:?}");
    // Two products per step (input and hidden) in each of the three layers, 3 steps.
    assert_eq!(labels.iter().filter(|l| *l == "matmul").count(), 3 * 2 * 3);
    // ∂L/∂W_hh of the RNN by hand through the same products written with `transpose`.
    let loss = outs[0].sum();
    let w_hh = p.var(rnn.weight_hh());
    let grads = loss.backward();
    let tape2 = Tape::new();
    let p2 = store.bind(&tape2);
    let (w_ih2, w_hh2) = (p2.var(rnn.weight_ih()), p2.var(rnn.weight_hh()));
    let (b_ih2, b_hh2) = (p2.var(rnn.bias_ih()), p2.var(rnn.bias_hh()));
    let x2 = tape2.constant(x.value().clone());
    let mut h = tape2.constant(Tensor::zeros(&[2, 3]));
    for t in 0..3 {
        let a = x2.select(0, t).matmul(w_ih2.transpose()) + b_ih2;
        h = (a + (h.matmul(w_hh2.transpose()) + b_hh2)).tanh();
    }
    let want = h.sum().backward().wrt(w_hh2).unwrap().to_vec();
    let got = grads.wrt(w_hh).unwrap().to_vec();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-14 * (1.0 + w.abs()), "{g} vs {w}");
    }
}
