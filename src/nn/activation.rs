//! The activations as layers, so a [`Sequential`](super::Sequential) can hold them and traces
//! show them as their own scope.

use super::{Layer, ParamId, Params};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

macro_rules! activation_layer {
    ($(#[$doc:meta])* $Layer:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $Layer {
            name: String,
        }

        impl $Layer {
            /// The activation as a layer called `name` (its scope on the tape).
            pub fn new(name: &str) -> Self {
                $Layer { name: name.to_string() }
            }

            /// The layer's name, its scope on the tape (the same as [`Layer::name`], callable
            /// without naming the float type).
            pub fn name(&self) -> &str {
                &self.name
            }

            /// No parameters (the same as [`Layer::params`], callable without naming the
            /// float type).
            pub fn params(&self) -> Vec<ParamId> {
                Vec::new()
            }
        }

        impl<T: Float> Layer<T> for $Layer {
            fn name(&self) -> &str {
                $Layer::name(self)
            }

            fn params(&self) -> Vec<ParamId> {
                $Layer::params(self)
            }

            fn compute<'t>(&self, _tape: &'t Tape<T>, _p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
                x.$method()
            }
        }
    };
}

activation_layer! {
    /// `tanh`, elementwise; derivative `1 − tanh²`, at most 1 and near 0 once saturated.
    Tanh, tanh
}

activation_layer! {
    /// `max(x, 0)`, elementwise; derivative the step `[x > 0]`.
    Relu, relu
}

activation_layer! {
    /// The logistic sigmoid, elementwise; derivative `σ(1 − σ)`, at most 1/4.
    Sigmoid, sigmoid
}
