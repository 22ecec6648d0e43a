//! Layers, their parameters and initialisers: the standard pieces, numerically as PyTorch.
//!
//! A model is built once: each layer adds its named parameters to a [`ParamStore`], drawn by
//! an [`Init`] from the store's seeded generator. Each training step then records a fresh tape:
//!
//! ```
//! use chaintrace::nn::{init, Init, Layer, Linear, ParamStore, Sequential, Tanh};
//! use chaintrace::optim::{Adam, Optimizer};
//! use chaintrace::{Tape, Tensor};
//!
//! let mut store = ParamStore::<f64>::new(42);
//! let xavier = Init::XavierUniform(init::gain(init::Activation::Tanh));
//! let model = Sequential::new("mlp")
//!     .with(Linear::new(&mut store, "fc1", 2, 8, xavier))
//!     .with(Tanh::new("act1"))
//!     .with(Linear::new(&mut store, "fc2", 8, 2, Init::XavierUniform(1.0)));
//! let mut opt = Adam::new(0.01);
//! let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]);
//! let labels = [1, 0];
//!
//! let tape = Tape::new();
//! let p = store.bind(&tape);                     // parameters become leaves as layers use them
//! let logits = model.forward(&tape, &p, tape.constant(x));
//! let loss = logits.cross_entropy(&labels);
//! let grads = loss.backward();
//! opt.step(&mut store, &p, &grads);              // the store now holds the updated weights
//!
//! // Every node knows its layer, and each parameter is a leaf named after it.
//! assert!(tape.layer_names().contains(&"mlp/fc1".to_string()));
//! assert_eq!(p.get("fc1.weight").unwrap().name().as_deref(), Some("fc1.weight"));
//! ```
//!
//! Writing a layer means implementing [`Layer`]: say which parameters it owns and what it
//! computes; [`Layer::forward`] runs that computation inside `tape.layer(name, …)`, so traces
//! group by layer without further work (example `01_custom_layer`).

mod activation;
mod buffers;
mod gru;
pub mod init;
mod linear;
mod lstm;
mod norm;
mod params;
mod residual;
mod rnn;
mod sequential;
#[cfg(feature = "safetensors")]
mod weights;

pub use activation::{Relu, Sigmoid, Tanh};
pub use buffers::{Buffer, Counter};
pub use gru::Gru;
pub use init::Init;
pub use linear::Linear;
pub use lstm::Lstm;
pub use norm::{BatchNorm1d, LayerNorm};
pub use params::{ParamId, ParamStore, Params};
pub use residual::Residual;
pub use rnn::{RecurrentOutput, Rnn};
pub use sequential::Sequential;
#[cfg(feature = "safetensors")]
pub use weights::LoadOptions;

use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A layer: named parameters in a [`ParamStore`] and a computation on the tape.
///
/// Implement [`name`](Layer::name), [`params`](Layer::params) and
/// [`compute`](Layer::compute); call [`forward`](Layer::forward), which records the computation
/// inside the layer's scope (`tape.layer(name, …)`), nested in any scope already open.
///
/// # Example: a layer of your own
/// ```
/// use chaintrace::nn::{Layer, ParamId, ParamStore, Params};
/// use chaintrace::{Float, Tape, Tensor, Var};
///
/// /// y = x ⊙ s: one learnable scale per feature.
/// struct Scale { name: String, s: ParamId }
///
/// impl Scale {
///     fn new<T: Float>(store: &mut ParamStore<T>, name: &str, features: usize) -> Self {
///         let s = store.add(&format!("{name}.scale"), Tensor::ones(&[features]));
///         Scale { name: name.to_string(), s }
///     }
/// }
///
/// impl<T: Float> Layer<T> for Scale {
///     fn name(&self) -> &str { &self.name }
///     fn params(&self) -> Vec<ParamId> { vec![self.s] }
///     fn compute<'t>(&self, _tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
///         x * p.var(self.s)
///     }
/// }
///
/// let mut store = ParamStore::<f64>::new(0);
/// let layer = Scale::new(&mut store, "scale", 3);
/// let tape = Tape::new();
/// let p = store.bind(&tape);
/// let y = layer.forward(&tape, &p, tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3])));
/// assert_eq!(y.value().to_vec(), vec![1.0, 2.0, 3.0]);
/// let mul = tape.nodes().last().unwrap().layer();
/// assert_eq!(tape.layer_name(mul), "scale");
/// ```
pub trait Layer<T: Float> {
    /// The layer's name: its scope on the tape and the prefix of its parameters' names.
    fn name(&self) -> &str;

    /// The parameters this layer owns (those of its sublayers included), in a fixed order.
    fn params(&self) -> Vec<ParamId>;

    /// What the layer computes, recorded on `tape`, with its parameters taken from `p`
    /// ([`Params::var`]). Called by [`Layer::forward`] inside the layer's scope.
    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T>;

    /// Records the layer on `tape` inside its own scope (`tape.layer(self.name(), …)`).
    ///
    /// # Panics
    /// When the input does not fit the layer, with the op, both shapes and the layer's path.
    fn forward<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        tape.layer(self.name(), || self.compute(tape, p, x))
    }

    /// Switches between training and evaluation behaviour (batch normalisation uses batch
    /// statistics when training, running estimates when evaluating). Layers that behave the
    /// same in both ignore it; containers pass it on.
    fn set_training(&mut self, _training: bool) {}

    /// The names of [`Layer::params`] in `store`.
    fn param_names(&self, store: &ParamStore<T>) -> Vec<String> {
        self.params()
            .into_iter()
            .map(|id| store.name(id).to_string())
            .collect()
    }
}
