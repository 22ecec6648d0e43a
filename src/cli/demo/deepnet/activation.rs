//! The nonlinearity of every block of a [`DeepNet`](super::DeepNet): its value on the tape
//! and the square of its derivative, read from its output.

use clap::ValueEnum;
use serde::Serialize;

use chaintrace::{Float, Var};

/// The nonlinearity of every block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// tanh: derivative 1 − tanh², at most 1.
    Tanh,
    /// ReLU: derivative 0 or 1; halves the second moment.
    Relu,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "ReLU",
        }
    }

    pub(super) fn apply<T: Float>(self, z: Var<'_, T>) -> Var<'_, T> {
        match self {
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.relu(),
        }
    }

    /// f′(z)², from the activation's output a = f(z): (1 − a²)² for tanh, [a > 0] for ReLU.
    pub(super) fn deriv_sq_from_output(self, a: f64) -> f64 {
        match self {
            Activation::Tanh => (1.0 - a * a).powi(2),
            Activation::Relu => f64::from(u8::from(a > 0.0)),
        }
    }
}
