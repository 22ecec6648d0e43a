//! The gradient store a sweep returns, keyed by node and tied to the tape it came from.

use super::slots::Slots;
use super::{NodeId, Tape, TapeIdentity, Var};
use crate::error::{Error, Result};
use crate::tensor::{Float, Tensor};

/// Gradients of one output with respect to every node on a path to it, keyed by node.
///
/// Returned by [`Var::backward`]; nothing is stored on the tape, so there is no `zero_grad`.
///
/// The store remembers the tape (and the recording: a [`Tape::reset`] starts a new one) it
/// came from, and answers only for vars of that tape: [`Gradients::wrt`] of a var of another
/// tape is `None`, not the gradient of whichever node has the same index there.
///
/// # Example
/// ```
/// use chaintrace::Tape;
/// let (tape, other) = (Tape::<f64>::new(), Tape::<f64>::new());
/// let x = tape.var("x", 3.0);
/// let grads = x.square().backward();
/// assert_eq!(grads.wrt(x).unwrap().item(), Some(6.0));
/// let stranger = other.var("x", 3.0); // node 0 as well, but of another tape
/// assert!(grads.wrt(stranger).is_none());
/// ```
#[derive(Clone, Debug)]
pub struct Gradients<T: Float> {
    grads: Slots<T>,
    /// The recording the gradients belong to.
    tape: TapeIdentity,
}

/// An empty store that belongs to no tape (every lookup is `None`): the store a training loop
/// starts with and hands to [`Var::backward_into`] each step.
impl<T: Float> Default for Gradients<T> {
    fn default() -> Self {
        Gradients {
            grads: Slots::default(),
            tape: TapeIdentity::new(),
        }
    }
}

impl<T: Float> Gradients<T> {
    /// The store of a sweep over `tape`: one slot per node up to the output.
    pub(crate) fn new(tape: &Tape<T>, grads: Slots<T>) -> Self {
        Gradients {
            grads,
            tape: tape.identity().clone(),
        }
    }

    /// The slots' memory, for the next sweep to reuse ([`Var::backward_into`]).
    pub(crate) fn into_buffer(self) -> Slots<T> {
        self.grads
    }

    /// `∂output/∂var`: `Some` for any leaf or intermediate node on a path to the output,
    /// `None` for constants, nodes the output does not depend on, and vars of another tape
    /// (or recorded after a [`Tape::reset`] that followed the sweep).
    #[inline]
    pub fn wrt(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        match self.is_from(var.tape()) {
            true => self.get(var.id()),
            false => None,
        }
    }

    /// `∂output/∂var` as a number, for a scalar `var` (one element, as [`Var::item`]).
    ///
    /// # Errors
    /// Each case its own error, naming the var:
    /// - [`Error::ForeignVar`] (op `Gradients::scalar`) when `var` is of another tape, or of
    ///   this tape after a [`Tape::reset`] that followed the sweep;
    /// - [`Error::Invalid`] when `var` is not on a path to the output, so it has no gradient:
    ///   a constant, a node the output does not depend on, or one recorded after the output;
    /// - [`Error::Shape`] with `var`'s shape when it is not a scalar (read the tensor with
    ///   [`Gradients::wrt`]).
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tape;
    /// # fn main() -> chaintrace::Result<()> {
    /// let tape = Tape::<f64>::new();
    /// let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    /// let y = (w * x).tanh();
    /// let grads = y.backward();
    /// // ∂y/∂x = w·(1 − tanh²(w·x))
    /// let expected = 1.5 * (1.0 - (3.0f64).tanh().powi(2));
    /// assert!((grads.scalar(x)? - expected).abs() < 1e-15);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scalar(&self, var: Var<'_, T>) -> Result<T> {
        const OP: &str = "Gradients::scalar";
        if !self.is_from(var.tape()) {
            return Err(Error::ForeignVar { op: OP });
        }
        let Some(grad) = self.get(var.id()) else {
            let why = if var.id().0 >= self.grads.len() {
                "was recorded after the output"
            } else if !var.tape().nodes().node(var.id().0).requires_grad() {
                "is a constant, or computed from constants only"
            } else {
                "is not on a path to the output: the output does not depend on it"
            };
            return Err(Error::invalid(
                OP,
                format!("{} {why}, so it has no gradient", var.describe()),
            ));
        };
        grad.item().ok_or_else(|| {
            Error::shape(
                OP,
                grad.shape(),
                &[],
                format!(
                    "{} has {} elements, not one: read its gradient tensor with `wrt`",
                    var.describe(),
                    grad.len()
                ),
            )
        })
    }

    /// [`Gradients::wrt`], mutable (clipping rescales gradients in place); `None` in the
    /// same cases.
    pub fn wrt_mut(&mut self, var: Var<'_, T>) -> Option<&mut Tensor<T>> {
        match self.is_from(var.tape()) {
            true => self.get_mut(var.id()),
            false => None,
        }
    }

    /// True when these gradients come from a sweep over `tape` in its current recording
    /// (not from another tape, nor from before its last [`Tape::reset`]).
    #[inline]
    pub fn is_from(&self, tape: &Tape<T>) -> bool {
        self.tape.is(tape.identity())
    }

    /// The gradient of a node by id; `None` for an id past the output. A [`NodeId`] is a bare
    /// index: prefer [`Gradients::wrt`], which also checks the tape.
    pub fn get(&self, id: NodeId) -> Option<&Tensor<T>> {
        self.grads.get(id.0)
    }

    /// Mutable access to a node's gradient by id (see [`Gradients::get`]).
    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Tensor<T>> {
        self.grads.get_mut(id.0)
    }

    /// Every stored gradient with its node, in tape order.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Tensor<T>)> {
        self.grads.iter().map(|(i, g)| (NodeId(i), g))
    }

    /// Builds a gradient store from one slot per node, for tests. It belongs to no tape:
    /// [`Gradients::wrt`] answers `None` for every var; [`Gradients::get`] reads the slots.
    pub fn from_slots(grads: Vec<Option<Tensor<T>>>) -> Self {
        Gradients {
            grads: Slots::from_options(grads),
            tape: TapeIdentity::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A training loop's store: once its slots fit the tape, later sweeps write into the same
    /// memory (a shorter tape too), so a reset tape maps no new pages for its gradients.
    #[test]
    fn backward_into_reuses_the_slots() {
        let mut tape = Tape::<f64>::new();
        let mut store = Gradients::default();
        let mut chain = |levels: usize| {
            tape.reset();
            let mut y = tape.var("x", 1.0);
            for _ in 0..levels {
                y = tape.var("w", 1.0001) * y;
            }
            y.backward_into(&mut store);
            (store.grads.values_ptr(), store.grads.len())
        };
        let (first, len) = chain(1000);
        assert_eq!(len, 2001);
        assert_eq!(chain(1000), (first, 2001));
        assert_eq!(chain(10), (first, 21), "a shorter chain fits too");
    }
}
