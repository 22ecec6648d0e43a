//! `Linear`: the affine map `y = x·Wᵀ + b`, with PyTorch's weight layout `[out, in]`.

use super::{Init, Layer, ParamId, ParamStore, Params};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A fully connected layer: `y = x·Wᵀ + b` for `x` of shape `[batch, in]`, `W` of shape
/// `[out, in]` (as PyTorch), `b` of shape `[out]`; parameters `{name}.weight`, `{name}.bias`.
///
/// Gradients: `∂L/∂W = (∂L/∂y)ᵀ·x`, `∂L/∂b = Σ_batch ∂L/∂y`, `∂L/∂x = ∂L/∂y·W`.
///
/// `x·Wᵀ` is recorded as one `matmul` node on the weight itself ([`Var::matmul_t`]), computed
/// on a transposed view of `W`: no transposed copy of the weight, or of its gradient, is made.
#[derive(Clone, Debug)]
pub struct Linear {
    name: String,
    weight: ParamId,
    bias: ParamId,
    in_features: usize,
    out_features: usize,
}

impl Linear {
    /// Adds `{name}.weight` (drawn by `init`, fan-in `in_features`) and `{name}.bias` (zeros,
    /// or PyTorch's `U(±1/√in)` with [`Init::Torch`]) to `store`.
    ///
    /// # Panics
    /// If the names are taken in `store`.
    pub fn new<T: Float>(
        store: &mut ParamStore<T>,
        name: &str,
        in_features: usize,
        out_features: usize,
        init: Init,
    ) -> Self {
        let weight = store.add_init(
            &format!("{name}.weight"),
            &[out_features, in_features],
            init,
        );
        let bias = store.add_init(
            &format!("{name}.bias"),
            &[out_features],
            init.bias(in_features),
        );
        Linear {
            name: name.to_string(),
            weight,
            bias,
            in_features,
            out_features,
        }
    }

    /// The weight `[out, in]`.
    pub fn weight(&self) -> ParamId {
        self.weight
    }

    /// The bias `[out]`.
    pub fn bias(&self) -> ParamId {
        self.bias
    }

    /// The number of input features.
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// The number of output features.
    pub fn out_features(&self) -> usize {
        self.out_features
    }

    /// The layer's name: its scope on the tape and the prefix of its parameters' names (the
    /// same as [`Layer::name`], callable without naming the float type).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters this layer owns, in a fixed order (the same as [`Layer::params`],
    /// callable without naming the float type: this layer is a layer for every `T`, so
    /// `Layer::params` alone could not tell which).
    pub fn params(&self) -> Vec<ParamId> {
        vec![self.weight, self.bias]
    }
}

impl<T: Float> Layer<T> for Linear {
    fn name(&self) -> &str {
        Linear::name(self)
    }

    fn params(&self) -> Vec<ParamId> {
        Linear::params(self)
    }

    fn compute<'t>(&self, _tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        x.matmul_t(p.var(self.weight)) + p.var(self.bias)
    }
}
