//! Weights in and out: `ParamStore::save` / `load` in the safetensors format.
//!
//! The fixtures in tests/fixtures were written by Python's `safetensors.numpy` (the script,
//! `make_weights.py`, is beside them) under PyTorch's `state_dict` names; `expected.json`
//! holds forward values and gradients computed there independently, in numpy float64.

use std::path::{Path, PathBuf};

use chaintrace::nn::{BatchNorm1d, Init, Layer, Linear, Lstm, ParamStore};
use chaintrace::{Float, Tape, Tensor};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A `{"shape": […], "data": […]}` entry as a tensor.
fn tensor<T: Float>(v: &Value) -> Tensor<T> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .collect();
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| T::from_f64(x.as_f64().unwrap()))
        .collect();
    Tensor::from_vec(data, &shape)
}

fn assert_close<T: Float>(what: &str, got: &Tensor<T>, want: &Value, tol: f64) {
    let want = tensor::<f64>(want);
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (k, (g, w)) in got.to_vec().iter().zip(want.to_vec()).enumerate() {
        let err = (g.as_f64() - w).abs();
        assert!(
            err <= tol * (1.0 + w.abs()),
            "{what}[{k}]: {g} vs {w} (|diff| {err:.3e})"
        );
    }
}

/// The fixture's model, built as in PyTorch before loading: `fc`, `lstm`, `bn`.
struct Net {
    fc: Linear,
    lstm: Lstm,
    bn: BatchNorm1d<f64>,
}

fn net<T: Float>(store: &mut ParamStore<T>) -> (Linear, Lstm, BatchNorm1d<T>) {
    (
        Linear::new(store, "fc", 4, 3, Init::Torch),
        Lstm::new(store, "lstm", 2, 3, Init::Torch),
        BatchNorm1d::new(store, "bn", 3),
    )
}

/// Loads `file` into a store of type `T` and checks the Linear layer and the LSTM step against
/// the numpy values to `tol`.
fn check_against_numpy<T: Float>(file: &str, tol: f64) {
    let mut store = ParamStore::<T>::new(0);
    let (fc, lstm, mut bn) = net(&mut store);
    store.load(fixture(file)).unwrap();
    let e = expected();

    // Linear: y = x·Wᵀ + b, L = Σ g ⊙ y.
    let lin = &e["linear"];
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.var("x", tensor::<T>(&lin["x"]));
    let y = fc.forward(&tape, &p, x);
    assert_close("linear y", &y.value(), &lin["y"], tol);
    let grads = (y * tape.constant(tensor::<T>(&lin["upstream"])))
        .sum()
        .backward();
    let g = &lin["grads"];
    assert_close(
        "fc.weight",
        grads.wrt(p.var(fc.weight())).unwrap(),
        &g["fc.weight"],
        tol,
    );
    assert_close(
        "fc.bias",
        grads.wrt(p.var(fc.bias())).unwrap(),
        &g["fc.bias"],
        tol,
    );
    assert_close("linear x", grads.wrt(x).unwrap(), &g["x"], tol);

    // One LSTM step from (h0, c0), L = Σ gh ⊙ h1 + Σ gc ⊙ c1.
    let l = &e["lstm"];
    let tape = Tape::new();
    let p = store.bind(&tape);
    let x = tape.var("x", tensor::<T>(&l["x"]));
    let h0 = tape.var("h0", tensor::<T>(&l["h0"]));
    let c0 = tape.var("c0", tensor::<T>(&l["c0"]));
    let out = lstm.run(&tape, &p, x, Some((h0, c0)));
    let (h1, c1) = (out.hidden[0], out.cells[0]);
    assert_close("lstm h1", &h1.value(), &l["h1"], tol);
    assert_close("lstm c1", &c1.value(), &l["c1"], tol);
    let loss = (h1 * tape.constant(tensor::<T>(&l["upstream_h"]))).sum()
        + (c1 * tape.constant(tensor::<T>(&l["upstream_c"]))).sum();
    let grads = loss.backward();
    let g = &l["grads"];
    for (name, id) in [
        ("lstm.weight_ih_l0", lstm.weight_ih()),
        ("lstm.weight_hh_l0", lstm.weight_hh()),
        ("lstm.bias_ih_l0", lstm.bias_ih()),
        ("lstm.bias_hh_l0", lstm.bias_hh()),
    ] {
        assert_close(name, grads.wrt(p.var(id)).unwrap(), &g[name], tol);
    }
    assert_close("lstm x", grads.wrt(x).unwrap(), &g["x"], tol);
    assert_close("lstm h0", grads.wrt(h0).unwrap(), &g["h0"], tol);
    assert_close("lstm c0", grads.wrt(c0).unwrap(), &g["c0"], tol);

    // Batch norm's running statistics came in with the weights: evaluation uses them.
    let b = &e["batch_norm_eval"];
    assert_eq!(bn.num_batches_tracked(), 7);
    bn.set_training(false);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = bn.forward(&tape, &p, tape.constant(tensor::<T>(&b["x"])));
    assert_close("batch norm y", &y.value(), &b["y"], tol);
}

#[test]
fn an_f64_file_from_python_into_an_f64_model_matches_numpy_to_1e_12() {
    check_against_numpy::<f64>("weights_f64.safetensors", 1e-12);
}

#[test]
fn an_f64_file_into_an_f32_model_matches_to_1e_5() {
    check_against_numpy::<f32>("weights_f64.safetensors", 1e-5);
}

#[test]
fn an_f32_file_into_an_f64_model_matches_to_1e_5() {
    check_against_numpy::<f64>("weights_f32.safetensors", 1e-5);
    // The store holds the file's f32 values, widened exactly.
    let mut store = ParamStore::<f64>::new(0);
    let (fc, _, _) = net(&mut store);
    store.load(fixture("weights_f32.safetensors")).unwrap();
    let w = store.get(fc.weight()).to_vec();
    assert!(w.iter().all(|x| (*x as f32) as f64 == *x), "{w:?}");
    // fc.weight[0] = sin(0.1)·0.8 in the script, rounded to f32 there.
    assert_eq!(w[0], f64::from((0.1f64.sin() * 0.8) as f32));
}

/// A temporary path unique to this test process and `tag`.
fn temp(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "chaintrace-{}-{tag}.safetensors",
        std::process::id()
    ))
}

fn trained_store() -> (ParamStore<f64>, Net) {
    let mut store = ParamStore::<f64>::new(3);
    let (fc, lstm, bn) = net(&mut store);
    // Two training batches move the running statistics and the counter off their defaults.
    for scale in [1.0, 2.5] {
        let tape = Tape::new();
        let p = store.bind(&tape);
        let x = Tensor::from_vec(
            (0..12).map(|k| (k as f64 * 0.7).sin() * scale).collect(),
            &[4, 3],
        );
        bn.forward(&tape, &p, tape.constant(x));
    }
    (store, Net { fc, lstm, bn })
}

#[test]
fn save_then_load_gives_the_same_store_parameters_and_buffers() {
    let (store, net_a) = trained_store();
    let path = temp("roundtrip");
    store.save(&path).unwrap();

    let mut fresh = ParamStore::<f64>::new(77);
    let (fc, lstm, bn) = net(&mut fresh);
    assert_ne!(fresh.get(fc.weight()), store.get(net_a.fc.weight()));
    fresh.load(&path).unwrap();
    for ((_, name, a), (_, _, b)) in store.iter().zip(fresh.iter()) {
        assert_eq!(a, b, "{name}");
    }
    assert_eq!(
        fresh.get(lstm.weight_hh()),
        store.get(net_a.lstm.weight_hh())
    );
    assert_eq!(bn.running_mean(), net_a.bn.running_mean());
    assert_eq!(bn.running_var(), net_a.bn.running_var());
    assert_eq!(bn.num_batches_tracked(), 2);
    assert_ne!(bn.running_mean(), Tensor::zeros(&[3]));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn an_f32_store_round_trips_exactly_and_loads_into_f64() {
    let mut store = ParamStore::<f32>::new(5);
    let fc = Linear::new(&mut store, "fc", 3, 2, Init::Torch);
    let path = temp("f32");
    store.save(&path).unwrap();
    let mut again = ParamStore::<f32>::new(6);
    let fc2 = Linear::new(&mut again, "fc", 3, 2, Init::Torch);
    again.load(&path).unwrap();
    assert_eq!(again.get(fc2.weight()), store.get(fc.weight()));
    let mut wide = ParamStore::<f64>::new(6);
    let fc3 = Linear::new(&mut wide, "fc", 3, 2, Init::Torch);
    wide.load(&path).unwrap();
    assert_eq!(
        wide.get(fc3.weight()).cast::<f32>(),
        *store.get(fc.weight())
    );
    std::fs::remove_file(&path).unwrap();
}
