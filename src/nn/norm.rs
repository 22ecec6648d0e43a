//! Normalisation layers: `BatchNorm1d` (statistics over the batch) and `LayerNorm`
//! (statistics over the features of each example), both built from primitive ops, so their
//! gradients — including the paths through the mean and the variance — come from the tape.

use super::{Buffer, Counter, Layer, ParamId, ParamStore, Params};
use crate::error::Error;
use crate::tape::{Tape, Var};
use crate::tensor::{Float, Tensor};

/// Batch normalisation over a `[batch, features]` input, as PyTorch's `BatchNorm1d`.
///
/// Training: `y = γ ⊙ (x − μ_B)/√(σ²_B + eps) + β` with the batch mean `μ_B` and the **biased**
/// batch variance `σ²_B = (1/N) Σ (x − μ_B)²`; then the running estimates move towards the
/// batch: `running_mean ← (1 − m)·running_mean + m·μ_B` and
/// `running_var ← (1 − m)·running_var + m·σ²_B·N/(N − 1)` (the **unbiased** variance).
/// Evaluation ([`Layer::set_training`]`(false)`): the running estimates replace the batch
/// statistics, entering the tape as named constants.
///
/// Defaults as PyTorch: momentum `m = 0.1`, `eps = 1e-5`, `γ = 1`, `β = 0`, running mean 0 and
/// variance 1; parameters `{name}.weight` (γ) and `{name}.bias` (β). The running estimates
/// are buffers in the store, `{name}.running_mean`, `{name}.running_var` and the counter
/// `{name}.num_batches_tracked` (PyTorch's `state_dict` keys), so
/// [`ParamStore::save`] and [`ParamStore::load`] carry them.
#[derive(Clone, Debug)]
pub struct BatchNorm1d<T: Float> {
    name: String,
    weight: ParamId,
    bias: ParamId,
    features: usize,
    momentum: f64,
    eps: f64,
    training: bool,
    running_mean: Buffer<T>,
    running_var: Buffer<T>,
    batches: Counter,
}

impl<T: Float> BatchNorm1d<T> {
    /// Batch normalisation of `features` channels, in training mode.
    ///
    /// # Panics
    /// If the parameter or buffer names are taken in `store`.
    pub fn new(store: &mut ParamStore<T>, name: &str, features: usize) -> Self {
        BatchNorm1d {
            name: name.to_string(),
            weight: store.add(&format!("{name}.weight"), Tensor::ones(&[features])),
            bias: store.add(&format!("{name}.bias"), Tensor::zeros(&[features])),
            features,
            momentum: 0.1,
            eps: 1e-5,
            training: true,
            running_mean: store
                .add_buffer(&format!("{name}.running_mean"), Tensor::zeros(&[features])),
            running_var: store
                .add_buffer(&format!("{name}.running_var"), Tensor::ones(&[features])),
            batches: store.add_counter(&format!("{name}.num_batches_tracked")),
        }
    }

    /// Sets the momentum of the running estimates (default 0.1).
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Sets the `eps` added to the variance (default 1e-5).
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// The running mean (what evaluation subtracts).
    pub fn running_mean(&self) -> Tensor<T> {
        self.running_mean.get()
    }

    /// The running (unbiased) variance estimate.
    pub fn running_var(&self) -> Tensor<T> {
        self.running_var.get()
    }

    /// How many training batches have updated the running estimates.
    pub fn num_batches_tracked(&self) -> usize {
        usize::try_from(self.batches.get()).unwrap_or(usize::MAX)
    }

    /// True in training mode.
    pub fn is_training(&self) -> bool {
        self.training
    }

    /// γ, `[features]`.
    pub fn weight(&self) -> ParamId {
        self.weight
    }

    /// β, `[features]`.
    pub fn bias(&self) -> ParamId {
        self.bias
    }

    fn check_input(&self, shape: &[usize]) {
        let fits = shape.len() == 2 && shape[1] == self.features;
        if !fits {
            let e = Error::shape(
                "batch_norm1d",
                shape,
                &[self.features],
                format!("input must be [batch, {}]", self.features),
            );
            panic!("{}", e.in_layer(&self.name));
        }
        if self.training && shape[0] < 2 {
            let e = Error::invalid(
                "batch_norm1d",
                format!("training needs more than one example per batch; got shape {shape:?}"),
            );
            panic!("{}", e.in_layer(&self.name));
        }
    }

    fn update_running(&self, mean: &Tensor<T>, var: &Tensor<T>, n: usize) {
        let m = T::from_f64(self.momentum);
        let keep = T::one() - m;
        let unbias = T::from_f64(n as f64 / (n as f64 - 1.0));
        let running_mean = self.running_mean.get();
        let running_var = self.running_var.get();
        self.running_mean
            .set(running_mean.zip(mean, |r, b| keep * r + m * b));
        self.running_var
            .set(running_var.zip(var, |r, b| keep * r + m * b * unbias));
        self.batches.increment();
    }

    fn eps(&self) -> T {
        T::from_f64(self.eps)
    }
}

impl<T: Float> Layer<T> for BatchNorm1d<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<ParamId> {
        vec![self.weight, self.bias]
    }

    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.check_input(&x.shape());
        let (gamma, beta) = (p.var(self.weight), p.var(self.bias));
        let normalised = if self.training {
            let mean = x.mean_axis(0);
            let centered = x - mean;
            let var = centered.square().mean_axis(0);
            self.update_running(&mean.value(), &var.value(), x.shape()[0]);
            centered / (var + self.eps()).sqrt()
        } else {
            let mean = tape.named_constant(
                &format!("{}.running_mean", self.name),
                self.running_mean.get(),
            );
            let var = tape.named_constant(
                &format!("{}.running_var", self.name),
                self.running_var.get(),
            );
            (x - mean) / (var + self.eps()).sqrt()
        };
        normalised * gamma + beta
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

/// Layer normalisation over the last axis, as PyTorch's `LayerNorm(features)`:
/// `y = γ ⊙ (x − μ)/√(σ² + eps) + β` with the mean `μ` and the biased variance `σ²` of each
/// example's `features` values. The same in training and evaluation. Defaults `eps = 1e-5`,
/// `γ = 1`, `β = 0`; parameters `{name}.weight` and `{name}.bias`.
#[derive(Clone, Debug)]
pub struct LayerNorm {
    name: String,
    weight: ParamId,
    bias: ParamId,
    features: usize,
    eps: f64,
}

impl LayerNorm {
    /// Layer normalisation over a last axis of size `features`.
    ///
    /// # Panics
    /// If the parameter names are taken in `store`.
    pub fn new<T: Float>(store: &mut ParamStore<T>, name: &str, features: usize) -> Self {
        LayerNorm {
            name: name.to_string(),
            weight: store.add(&format!("{name}.weight"), Tensor::ones(&[features])),
            bias: store.add(&format!("{name}.bias"), Tensor::zeros(&[features])),
            features,
            eps: 1e-5,
        }
    }

    /// Sets the `eps` added to the variance (default 1e-5).
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// γ, `[features]`.
    pub fn weight(&self) -> ParamId {
        self.weight
    }

    /// β, `[features]`.
    pub fn bias(&self) -> ParamId {
        self.bias
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

impl<T: Float> Layer<T> for LayerNorm {
    fn name(&self) -> &str {
        LayerNorm::name(self)
    }

    fn params(&self) -> Vec<ParamId> {
        LayerNorm::params(self)
    }

    fn compute<'t>(&self, _tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        if shape.last() != Some(&self.features) {
            let e = Error::shape(
                "layer_norm",
                &shape,
                &[self.features],
                format!("the last axis must have {} features", self.features),
            );
            panic!("{}", e.in_layer(&self.name));
        }
        // Statistics along the last axis, reshaped to keep it (size 1) so they broadcast back.
        let last = shape.len() - 1;
        let mut kept = shape.clone();
        kept[last] = 1;
        let mean = x.mean_axis(last).reshape(&kept);
        let centered = x - mean;
        let var = centered.square().mean_axis(last).reshape(&kept);
        let normalised = centered / (var + T::from_f64(self.eps)).sqrt();
        normalised * p.var(self.weight) + p.var(self.bias)
    }
}
