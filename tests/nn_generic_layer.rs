//! A layer generic over the float type can hold the crate's layers and call their `params()`
//! and `name()` directly (`self.lin.params()`), without `Layer::<T>::params(&self.lin)`:
//! before the layers had inherent `params`/`name`, this file did not compile (E0283,
//! "cannot satisfy `_: Float`"), because `Linear` implements `Layer<T>` for every `T`.

use chaintrace::nn::{
    BatchNorm1d, Gru, Init, Layer, LayerNorm, Linear, Lstm, ParamId, ParamStore, Params, Relu,
    Residual, Rnn, Sequential, Sigmoid, Tanh,
};
use chaintrace::{Float, Tape, Tensor, Var};

/// y = tanh(x·Wᵀ + b) · s: a generic layer holding a `Linear`.
struct Scaled<T: Float> {
    name: String,
    lin: Linear,
    scale: ParamId,
    _t: std::marker::PhantomData<T>,
}

impl<T: Float> Scaled<T> {
    fn new(store: &mut ParamStore<T>, name: &str) -> Self {
        let lin = Linear::new(store, &format!("{name}.lin"), 2, 2, Init::Constant(0.5));
        let scale = store.add(
            &format!("{name}.scale"),
            Tensor::full(&[2], T::from_f64(2.0)),
        );
        Scaled {
            name: name.to_string(),
            lin,
            scale,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: Float> Layer<T> for Scaled<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<ParamId> {
        let mut ids = self.lin.params(); // E0283 before the fix
        ids.push(self.scale);
        ids
    }

    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        assert!(self.lin.name().ends_with(".lin")); // E0283 before the fix too
        self.lin.forward(tape, p, x).tanh() * p.var(self.scale)
    }
}

#[test]
fn a_generic_layer_calls_params_on_its_linear() {
    let mut store = ParamStore::<f64>::new(0);
    let layer = Scaled::new(&mut store, "block");
    assert_eq!(
        layer.param_names(&store),
        vec!["block.lin.weight", "block.lin.bias", "block.scale"]
    );
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = layer.forward(
        &tape,
        &p,
        tape.constant(Tensor::from_vec(vec![1.0, 1.0], &[1, 2])),
    );
    // x·Wᵀ = [0.5 + 0.5, 0.5 + 0.5] = [1, 1], plus the zero bias; 2·tanh(1).
    let expected = 2.0 * 1.0f64.tanh();
    assert_eq!(y.value().to_vec(), vec![expected, expected]);
}

#[test]
fn every_layer_has_inherent_params_and_name() {
    let mut store = ParamStore::<f32>::new(0);
    let init = Init::Constant(0.1);
    let lin = Linear::new(&mut store, "fc", 2, 3, init);
    let rnn = Rnn::new(&mut store, "rnn", 2, 3, init);
    let lstm = Lstm::new(&mut store, "lstm", 2, 3, init);
    let gru = Gru::new(&mut store, "gru", 2, 3, init);
    let ln = LayerNorm::new(&mut store, "ln", 3);
    let bn = BatchNorm1d::new(&mut store, "bn", 3);
    // No `Layer::<f32>::` anywhere: method calls resolve without knowing T.
    assert_eq!(lin.params(), vec![lin.weight(), lin.bias()]);
    assert_eq!(lin.name(), "fc");
    assert_eq!(rnn.params().len(), 4);
    assert_eq!(rnn.name(), "rnn");
    assert_eq!(lstm.params().len(), 4);
    assert_eq!(lstm.name(), "lstm");
    assert_eq!(gru.params().len(), 4);
    assert_eq!(gru.name(), "gru");
    assert_eq!(ln.params(), vec![ln.weight(), ln.bias()]);
    assert_eq!(ln.name(), "ln");
    assert_eq!(bn.params().len(), 2);
    assert_eq!(bn.name(), "bn");
    assert!(Tanh::new("t").params().is_empty());
    assert_eq!(Relu::new("r").name(), "r");
    assert_eq!(Sigmoid::new("s").name(), "s");
    let res = Residual::<f32>::new("res", lin.clone());
    assert_eq!(res.params(), lin.params());
    assert_eq!(res.name(), "res");
    let seq = Sequential::<f32>::new("seq")
        .with(lin.clone())
        .with(Tanh::new("act"));
    assert_eq!(seq.params(), lin.params());
    assert_eq!(seq.name(), "seq");
    // The trait agrees with the inherent methods.
    assert_eq!(Layer::<f32>::params(&lin), lin.params());
    assert_eq!(Layer::<f32>::name(&gru), gru.name());
}
