//! `Var`: a small `Copy` handle to a node on a tape.

use std::fmt;

use super::{Gradients, NodeId, Shape, Tape};
use crate::tensor::{Float, Tensor};

/// A handle to a node on a [`Tape`]: a leaf, a constant or an op's result.
///
/// `Var` is `Copy`, so one value can be used many times (`w * w`); the ops are its methods
/// (`x.tanh()`, `w.matmul(x)`) and the arithmetic operators, defined beside each op in
/// [`crate::ops`].
pub struct Var<'t, T: Float> {
    tape: &'t Tape<T>,
    id: NodeId,
}

impl<T: Float> Clone for Var<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Float> Copy for Var<'_, T> {}

impl<'t, T: Float> Var<'t, T> {
    pub(super) fn new(tape: &'t Tape<T>, id: NodeId) -> Self {
        Var { tape, id }
    }

    /// The node's index on its tape.
    pub fn id(self) -> NodeId {
        self.id
    }

    /// The tape the var lives on.
    pub fn tape(self) -> &'t Tape<T> {
        self.tape
    }

    /// The forward value. Not a copy: the tensor shares its storage with the tape (a scalar
    /// is a number held inline; an array is reference-counted, copied only if one holder
    /// later changes it in place).
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
    /// assert_eq!(x.value().to_vec(), [1.0, 2.0, 3.0]);
    /// ```
    pub fn value(self) -> Tensor<T> {
        self.tape.nodes().node(self.id.0).value().clone()
    }

    /// The value of a scalar var as a number: the loss, a single weight.
    ///
    /// A scalar is a var of one element, whatever its rank (`[]`, `[1]`, `[1, 1]`), as for
    /// [`Tensor::item`]. For a tensor's elements, read [`Var::value`].
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) with op `Var::item` and the var's shape when it
    /// has more or fewer than one element (`[2, 3]`, or an empty `[0]`).
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tape;
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 3.0);
    /// assert_eq!(x.square().item(), Ok(9.0));
    /// let v = tape.constant(chaintrace::Tensor::from_vec(vec![1.0, 2.0], &[2]));
    /// assert!(v.item().is_err());
    /// ```
    pub fn item(&self) -> crate::Result<T> {
        let nodes = self.tape.nodes();
        let node = nodes.node(self.id.0);
        let value = node.value();
        match value.item() {
            Some(x) => Ok(x),
            None => Err(crate::Error::shape(
                "Var::item",
                value.shape(),
                &[],
                format!(
                    "{} has {} elements, not one: read its tensor with `value()`",
                    self.describe(),
                    value.len()
                ),
            )
            .in_layer(&self.tape.layer_name(node.layer()))),
        }
    }

    /// How messages name this var: "`x` (node 1)" for a leaf or constant with a name,
    /// "node 4 (tanh)" for an op's result.
    pub(crate) fn describe(self) -> String {
        let nodes = self.tape.nodes();
        let node = nodes.node(self.id.0);
        match node.name() {
            Some(name) => format!("`{name}` (node {})", self.id.0),
            None if node.op().is_some() => format!("node {} ({})", self.id.0, node.op_label()),
            None => format!("node {}", self.id.0),
        }
    }

    /// The value's shape, copied without allocating (see [`Shape`]): no borrow of the tape
    /// outlives the call, so recording can go on while it is held.
    pub fn shape(self) -> Shape {
        Shape::new(self.tape.nodes().node(self.id.0).value().shape())
    }

    /// The name given to a leaf or constant.
    pub fn name(self) -> Option<String> {
        self.tape.nodes().node(self.id.0).name().map(str::to_string)
    }

    /// Reverse-mode gradients of this var with respect to every node on a path to it.
    ///
    /// The seed is a tensor of ones in this var's shape (for a scalar loss: `∂L/∂L = 1`).
    /// One loop over the tape in reverse; no recursion, so a chain of a million nodes works.
    ///
    /// # Panics
    /// If a hook attached to the tape returns an error (see [`Var::try_backward`]).
    ///
    /// # Complexity
    /// One vector-Jacobian product per edge on a path to this var.
    pub fn backward(self) -> Gradients<T> {
        self.try_backward().unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Var::backward`], returning a hook's error instead of panicking.
    ///
    /// # Errors
    /// The first error a [hook](crate::hooks) returns (for example [`NanGuard`] meeting a
    /// non-finite gradient); the sweep stops there.
    ///
    /// [`NanGuard`]: crate::hooks::NanGuard
    pub fn try_backward(self) -> crate::Result<Gradients<T>> {
        super::backward::sweep(self.tape, self.id, &mut ())
    }

    /// [`Var::backward`] into `store`, reusing its memory: the gradients of an earlier step
    /// are dropped and `store` holds this sweep's. In a training loop on a [reset](Tape::reset)
    /// tape this keeps the gradient slots allocated across steps, as the tape keeps its nodes.
    ///
    /// # Panics
    /// As [`Var::backward`].
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Gradients, Tape};
    /// let mut tape = Tape::<f64>::new();
    /// let mut grads = Gradients::default(); // empty: belongs to no tape
    /// for step in 0..3 {
    ///     tape.reset();
    ///     let x = tape.var("x", f64::from(step));
    ///     x.square().backward_into(&mut grads);
    ///     assert_eq!(grads.scalar(x).unwrap(), 2.0 * f64::from(step));
    /// }
    /// ```
    pub fn backward_into(self, store: &mut Gradients<T>) {
        self.try_backward_into(store)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Var::backward_into`], returning a hook's error instead of panicking.
    ///
    /// # Errors
    /// As [`Var::try_backward`]; `store` is then left empty.
    pub fn try_backward_into(self, store: &mut Gradients<T>) -> crate::Result<()> {
        let buffer = std::mem::take(store).into_buffer();
        *store = super::backward::sweep_into(self.tape, self.id, &mut (), buffer)?;
        Ok(())
    }

    /// Records `op` with this var as its only input (for unary ops).
    pub(crate) fn unary(self, op: impl crate::ops::Op<T>) -> Self {
        self.tape.apply(op, &[self])
    }
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Var(#{}, {:?})", self.id.0, self.value())
    }
}
