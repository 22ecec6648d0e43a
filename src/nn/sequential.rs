//! `Sequential`: layers applied one after another.

use super::{Layer, ParamId, Params};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// Layers applied in order, inside one scope: a `Sequential` named `mlp` holding `fc1` records
/// `fc1`'s nodes under `mlp/fc1`.
pub struct Sequential<T: Float> {
    name: String,
    layers: Vec<Box<dyn Layer<T>>>,
}

impl<T: Float> Sequential<T> {
    /// An empty sequence called `name`.
    pub fn new(name: &str) -> Self {
        Sequential {
            name: name.to_string(),
            layers: Vec::new(),
        }
    }

    /// Appends a layer (builder style).
    pub fn with(mut self, layer: impl Layer<T> + 'static) -> Self {
        self.push(layer);
        self
    }

    /// Appends a layer.
    pub fn push(&mut self, layer: impl Layer<T> + 'static) {
        self.layers.push(Box::new(layer));
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer<T>>] {
        &self.layers
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when there are no layers (the sequence is the identity).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Runs the layers in the sequence's scope and returns every layer's output, in order:
    /// `grads.wrt(outputs[i])` is then `∂L/∂(output of layer i)`, the per-layer gradient.
    pub fn forward_each<'t>(
        &self,
        tape: &'t Tape<T>,
        p: &Params<'t, T>,
        x: Var<'t, T>,
    ) -> Vec<Var<'t, T>> {
        tape.layer(&self.name, || {
            let mut outputs = Vec::with_capacity(self.layers.len());
            let mut h = x;
            for layer in &self.layers {
                h = layer.forward(tape, p, h);
                outputs.push(h);
            }
            outputs
        })
    }
}

impl<T: Float> Layer<T> for Sequential<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<ParamId> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.layers
            .iter()
            .fold(x, |h, layer| layer.forward(tape, p, h))
    }

    fn set_training(&mut self, training: bool) {
        for layer in &mut self.layers {
            layer.set_training(training);
        }
    }
}
