//! `Residual`: `x + f(x)` with the skip edge marked, so the tracer can tell the paths apart.

use super::{Layer, ParamId, Params};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A residual block `y = x + f(x)` around an inner layer `f`, built on
/// [`Tape::residual`]: the identity edge is recorded as a residual edge.
///
/// The gradient is `∂L/∂x = ∂L/∂y + ∂L/∂y·∂f/∂x`: the first term reaches `x` undiminished
/// however small `∂f/∂x` becomes, which is why deep residual networks do not vanish.
pub struct Residual<T: Float> {
    name: String,
    inner: Box<dyn Layer<T>>,
}

impl<T: Float> Residual<T> {
    /// `x + inner(x)`, in a scope called `name` (the inner layer nests inside it).
    pub fn new(name: &str, inner: impl Layer<T> + 'static) -> Self {
        Residual {
            name: name.to_string(),
            inner: Box::new(inner),
        }
    }

    /// The block's inner layer `f`.
    pub fn inner(&self) -> &dyn Layer<T> {
        self.inner.as_ref()
    }
}

impl<T: Float> Layer<T> for Residual<T> {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> Vec<ParamId> {
        self.inner.params()
    }

    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        tape.residual(x, |x| self.inner.forward(tape, p, x))
    }

    fn set_training(&mut self, training: bool) {
        self.inner.set_training(training);
    }
}
