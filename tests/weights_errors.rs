//! What `ParamStore::load` refuses, each with `Error::Weights` naming the file and the tensor,
//! leaving the store unchanged: a missing name, an extra name (unless `LoadOptions` allows
//! them), a shape mismatch, another dtype, a value not finite in the store's type, a counter
//! that is not a non-negative `I64`, and a file that cannot be read.

use std::path::{Path, PathBuf};

use chaintrace::nn::{BatchNorm1d, Init, Linear, LoadOptions, Lstm, ParamStore};
use chaintrace::{Error, Float, Tensor};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A temporary path unique to this test process and `tag`.
fn temp(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "chaintrace-{}-{tag}.safetensors",
        std::process::id()
    ))
}

/// The fixture's model, built as in PyTorch before loading: `fc`, `lstm`, `bn`.
fn net<T: Float>(store: &mut ParamStore<T>) -> (Linear, Lstm, BatchNorm1d<T>) {
    (
        Linear::new(store, "fc", 4, 3, Init::Torch),
        Lstm::new(store, "lstm", 2, 3, Init::Torch),
        BatchNorm1d::new(store, "bn", 3),
    )
}

/// The error `load_with` returns on `file` into the store `build` makes (which it must not
/// change).
fn load_error(file: &Path, options: LoadOptions, build: impl Fn(&mut ParamStore<f64>)) -> Error {
    let mut store = ParamStore::<f64>::new(0);
    build(&mut store);
    let before: Vec<Tensor<f64>> = store.tensors();
    let err = store.load_with(file, options).unwrap_err();
    assert_eq!(
        store.tensors(),
        before,
        "a failed load leaves the store unchanged"
    );
    err
}

fn weights_parts(e: &Error) -> (Option<String>, String) {
    match e {
        Error::Weights { tensor, reason, .. } => (tensor.clone(), reason.clone()),
        other => panic!("expected Error::Weights, got {other:?}"),
    }
}

#[test]
fn a_name_the_file_lacks_is_refused_unless_allowed() {
    let file = fixture("weights_f64.safetensors");
    let build = |s: &mut ParamStore<f64>| {
        net(s);
        Linear::new(s, "head", 3, 1, Init::Torch);
    };
    let err = load_error(&file, LoadOptions::default(), build);
    let (tensor, reason) = weights_parts(&err);
    assert_eq!(tensor.as_deref(), Some("head.weight"));
    assert!(
        reason.contains("2 missing: `head.weight`, `head.bias`"),
        "{err}"
    );
    assert!(err.to_string().starts_with("weights file `"), "{err}");
    assert!(
        err.to_string()
            .contains("weights_f64.safetensors`, tensor `head.weight`"),
        "{err}"
    );

    // Allowed: the file's tensors load, the store's own `head` keeps its value.
    let mut store = ParamStore::<f64>::new(0);
    let (fc, _, _) = net(&mut store);
    let head = Linear::new(&mut store, "head", 3, 1, Init::Torch);
    let head_before = store.get(head.weight()).clone();
    let options = LoadOptions {
        allow_missing: true,
        ..LoadOptions::default()
    };
    store.load_with(&file, options).unwrap();
    assert_eq!(store.get(head.weight()), &head_before);
    // fc.weight[0] = 0.8·sin(0.1) in the script.
    assert!((store.get(fc.weight()).to_vec()[0] - 0.8 * 0.1f64.sin()).abs() < 1e-15);
}

#[test]
fn a_name_the_store_lacks_is_refused_unless_allowed() {
    let file = fixture("weights_f64.safetensors");
    // A store with the Linear layer only: the file's lstm.* and bn.* are extra.
    let err = load_error(&file, LoadOptions::default(), |s| {
        Linear::new(s, "fc", 4, 3, Init::Torch);
    });
    let (tensor, reason) = weights_parts(&err);
    assert_eq!(
        tensor.as_deref(),
        Some("bn.bias"),
        "the first extra name, sorted"
    );
    assert!(
        reason.starts_with("in the file but not in the store (9 extra: `bn.bias`"),
        "{err}"
    );
    assert!(reason.contains("allow_extra"), "{err}");

    let mut store = ParamStore::<f64>::new(0);
    let fc = Linear::new(&mut store, "fc", 4, 3, Init::Torch);
    let options = LoadOptions {
        allow_extra: true,
        ..LoadOptions::default()
    };
    store.load_with(&file, options).unwrap();
    assert_eq!(store.get(fc.weight()).shape(), &[3, 4]);
    assert!((store.get(fc.weight()).to_vec()[0] - 0.8 * 0.1f64.sin()).abs() < 1e-15);
}

#[test]
fn a_shape_mismatch_names_the_tensor_and_both_shapes() {
    let file = fixture("weights_f64.safetensors");
    let err = load_error(&file, LoadOptions::default(), |s| {
        Linear::new(s, "fc", 5, 3, Init::Torch);
        Lstm::new(s, "lstm", 2, 3, Init::Torch);
        BatchNorm1d::new(s, "bn", 3);
    });
    let (tensor, reason) = weights_parts(&err);
    assert_eq!(tensor.as_deref(), Some("fc.weight"));
    assert_eq!(reason, "shape [3, 4] in the file, [3, 5] in the store");
}

#[test]
fn another_dtype_is_refused_with_the_tensor_named() {
    use safetensors::Dtype;
    use safetensors::tensor::TensorView;
    // A file with fc.weight in F16 (as a half-precision checkpoint) and fc.bias in I64.
    let path = temp("dtype");
    let half = vec![0u8; 3 * 4 * 2];
    let ints = vec![0u8; 3 * 8];
    let f64s: Vec<u8> = [0.5f64, 1.5, 2.5]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let write = |weight: TensorView<'_>, bias: TensorView<'_>| {
        safetensors::serialize_to_file([("fc.weight", weight), ("fc.bias", bias)], None, &path)
            .unwrap();
    };
    let linear = |s: &mut ParamStore<f64>| {
        Linear::new(s, "fc", 4, 3, Init::Torch);
    };
    write(
        TensorView::new(Dtype::F16, vec![3, 4], &half).unwrap(),
        TensorView::new(Dtype::F64, vec![3], &f64s).unwrap(),
    );
    let err = load_error(&path, LoadOptions::default(), linear);
    assert_eq!(weights_parts(&err).0.as_deref(), Some("fc.weight"));
    assert!(
        err.to_string().contains("dtype F16 is not supported"),
        "{err}"
    );

    let f64_weight: Vec<u8> = (0..12).flat_map(|k| (k as f64).to_le_bytes()).collect();
    write(
        TensorView::new(Dtype::F64, vec![3, 4], &f64_weight).unwrap(),
        TensorView::new(Dtype::I64, vec![3], &ints).unwrap(),
    );
    let err = load_error(&path, LoadOptions::default(), linear);
    assert_eq!(weights_parts(&err).0.as_deref(), Some("fc.bias"));
    assert!(
        err.to_string()
            .contains("dtype I64 is not supported: a parameter must be F32 or F64"),
        "{err}"
    );

    // A value that does not fit the store's type: 1e300 as f32 is infinite.
    let big: Vec<u8> = [1.0f64, 1e300, 0.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write(
        TensorView::new(Dtype::F64, vec![3, 4], &f64_weight).unwrap(),
        TensorView::new(Dtype::F64, vec![3], &big).unwrap(),
    );
    let mut store = ParamStore::<f32>::new(0);
    Linear::new(&mut store, "fc", 4, 3, Init::Torch);
    let err = store.load(&path).unwrap_err();
    assert!(
        err.to_string()
            .contains("tensor `fc.bias`: element 1, 1e300 in the file, is not finite as f32"),
        "{err}"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_missing_or_broken_file_is_an_error_naming_it() {
    let mut store = ParamStore::<f64>::new(0);
    Linear::new(&mut store, "fc", 4, 3, Init::Torch);
    let err = store.load("no/such/file.safetensors").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("weights file `no/such/file.safetensors`: cannot read it:"),
        "{err}"
    );
    let path = temp("broken");
    std::fs::write(&path, b"not a safetensors file at all").unwrap();
    let err = store.load(&path).unwrap_err();
    assert!(err.to_string().contains("not a safetensors file"), "{err}");
    assert_eq!(weights_parts(&err).0, None);
    std::fs::remove_file(&path).unwrap();
    let err = store.save("no/such/dir/out.safetensors").unwrap_err();
    assert!(err.to_string().contains("cannot write it"), "{err}");
}

#[test]
fn a_counter_must_be_a_non_negative_i64() {
    use safetensors::Dtype;
    use safetensors::tensor::TensorView;
    let path = temp("counter");
    let ones: Vec<u8> = [1.0f64; 3].iter().flat_map(|x| x.to_le_bytes()).collect();
    let count = |dtype: Dtype, bytes: &[u8]| {
        let mut entries: Vec<(String, TensorView<'_>)> =
            ["weight", "bias", "running_mean", "running_var"]
                .iter()
                .map(|n| {
                    (
                        format!("bn.{n}"),
                        TensorView::new(Dtype::F64, vec![3], &ones).unwrap(),
                    )
                })
                .collect();
        entries.push((
            "bn.num_batches_tracked".into(),
            TensorView::new(dtype, vec![], bytes).unwrap(),
        ));
        safetensors::serialize_to_file(entries, None, &path).unwrap();
        let mut store = ParamStore::<f64>::new(0);
        let bn = BatchNorm1d::new(&mut store, "bn", 3);
        store.load(&path).map(|()| bn.num_batches_tracked())
    };
    assert_eq!(count(Dtype::I64, &12i64.to_le_bytes()).unwrap(), 12);
    let err = count(Dtype::F64, &12f64.to_le_bytes()).unwrap_err();
    assert!(
        err.to_string().contains(
            "tensor `bn.num_batches_tracked`: dtype F64 is not supported: a counter must be I64"
        ),
        "{err}"
    );
    let err = count(Dtype::I64, &(-1i64).to_le_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("a count of -1 is negative"),
        "{err}"
    );
    std::fs::remove_file(&path).unwrap();
}
