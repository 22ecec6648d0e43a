//! [`Node`], the read-only view of one recorded node, and its inputs.

use super::node::{Nodes, Row, flags};
use super::{EdgeKind, LayerId, NodeId};
use crate::ops::Op;
use crate::tensor::{Float, Tensor};

/// What a node is, as [`Node::kind`] reports it.
#[derive(Clone, Copy)]
pub enum NodeKind<'a, T: Float> {
    /// A differentiable leaf created by [`Tape::var`](super::Tape::var).
    Leaf,
    /// A constant created by [`Tape::constant`](super::Tape::constant) (or a plain number in
    /// an expression).
    Constant,
    /// The result of this op on earlier nodes.
    Op(&'a dyn Op<T>),
}

impl<T: Float> std::fmt::Debug for NodeKind<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeKind::Leaf => f.write_str("Leaf"),
            NodeKind::Constant => f.write_str("Constant"),
            NodeKind::Op(op) => write!(f, "Op({})", op.label()),
        }
    }
}

/// One input of an op node: which node, and whether the edge is a residual (skip) edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input {
    /// The input node.
    pub node: NodeId,
    /// The kind of the edge from the input to the op.
    pub kind: EdgeKind,
}

/// A recorded node: its value, how it was made, its name and its layer. A small `Copy` view
/// into [`Nodes`].
#[derive(Clone, Copy)]
pub struct Node<'a, T: Float> {
    pub(super) nodes: &'a Nodes<T>,
    pub(super) i: usize,
}

impl<'a, T: Float> Node<'a, T> {
    fn row(self) -> &'a Row<T> {
        &self.nodes.rows[self.i]
    }

    /// The node's index on its tape.
    pub fn id(self) -> NodeId {
        NodeId(self.i)
    }

    /// The forward value.
    #[inline]
    pub fn value(self) -> &'a Tensor<T> {
        &self.row().value
    }

    /// Leaf, constant or op.
    pub fn kind(self) -> NodeKind<'a, T> {
        match self.op() {
            Some(op) => NodeKind::Op(op),
            None if self.row().has(flags::CONSTANT) => NodeKind::Constant,
            None => NodeKind::Leaf,
        }
    }

    /// The op, for op nodes.
    #[inline]
    pub fn op(self) -> Option<&'a dyn Op<T>> {
        self.nodes.op(self.i)
    }

    /// The op's index in the tape's op table (stateless ops are stored once per tape, so
    /// equal indices mean the same op), for op nodes.
    #[inline]
    pub(crate) fn op_index(self) -> Option<usize> {
        let row = self.row();
        row.has(flags::OP).then_some(row.meta.label() as usize)
    }

    /// True for a constant.
    #[inline]
    pub(crate) fn is_constant(self) -> bool {
        self.row().has(flags::CONSTANT)
    }

    /// True for a leaf made by [`Tape::var`](super::Tape::var).
    pub fn is_leaf(self) -> bool {
        matches!(self.kind(), NodeKind::Leaf)
    }

    /// The label traces print for the node: the op's label, or `leaf`/`const`.
    pub fn op_label(self) -> String {
        match self.kind() {
            NodeKind::Leaf => "leaf".to_string(),
            NodeKind::Constant => "const".to_string(),
            NodeKind::Op(op) => op.label(),
        }
    }

    /// The op's inputs in call order (none for leaves and constants).
    pub fn inputs(self) -> Inputs<'a> {
        Inputs {
            ids: self.nodes.input_ids(self.i),
            next: 0,
            residual: self.row().has(flags::RESIDUAL),
        }
    }

    /// The number of inputs.
    pub fn arity(self) -> usize {
        self.nodes.input_ids(self.i).len()
    }

    /// Input `slot`.
    ///
    /// # Panics
    /// If the node has no input `slot`.
    pub fn input(self, slot: usize) -> Input {
        Input {
            node: NodeId(self.nodes.input_ids(self.i)[slot] as usize),
            kind: edge_kind(self.row().has(flags::RESIDUAL), slot),
        }
    }

    /// The user's name for a leaf or constant (`None` for op nodes).
    pub fn name(self) -> Option<&'a str> {
        let row = self.row();
        match row.has(flags::OP) {
            true => None,
            false => self.nodes.names.get(row.meta.label()),
        }
    }

    /// The layer the node was recorded in (see [`Tape::layer_name`](super::Tape::layer_name)).
    pub fn layer(self) -> LayerId {
        self.row().meta.layer()
    }

    /// True when the node depends on some leaf, so a gradient can flow to it.
    pub fn requires_grad(self) -> bool {
        self.row().has(flags::REQUIRES_GRAD)
    }

    /// The local derivative `∂value/∂input` of input `slot`, as a number, for a scalar op
    /// node whose op has a scalar rule ([`Op::scalar_derivative`]): the number the reverse
    /// sweep multiplies the node's gradient by. Worked out from the recorded values when
    /// asked, as the sweep does (a tape does not store it).
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tape;
    /// let tape = Tape::<f64>::new();
    /// let (w, x) = (tape.var("w", 3.0), tape.var("x", 2.0));
    /// let y = w * x;
    /// let nodes = tape.nodes();
    /// let node = nodes.node(y.id().index());
    /// // ∂(w·x)/∂w = x and ∂(w·x)/∂x = w
    /// assert_eq!((node.scalar_derivative(0), node.scalar_derivative(1)), (Some(2.0), Some(3.0)));
    /// assert_eq!(node.scalar_derivative(2), None); // no third input
    /// ```
    pub fn scalar_derivative(self, slot: usize) -> Option<T> {
        match slot < self.arity() {
            true => self.scalar_derivatives().map(|d| d[slot]),
            false => None,
        }
    }

    /// Every input's local derivative (see [`Node::scalar_derivative`]); the second is zero
    /// for one input.
    pub(crate) fn scalar_derivatives(self) -> Option<[T; 2]> {
        self.nodes.scalar_derivatives(self.i)
    }
}

impl<T: Float> std::fmt::Debug for Node<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.i)
            .field("kind", &self.kind())
            .field("inputs", &self.inputs().collect::<Vec<_>>())
            .field("name", &self.name())
            .field("layer", &self.layer())
            .field("value", self.value())
            .finish()
    }
}

#[inline]
pub(super) fn edge_kind(residual: bool, slot: usize) -> EdgeKind {
    if residual && slot == 0 {
        EdgeKind::Residual
    } else {
        EdgeKind::Normal
    }
}

/// The inputs of a node, in call order: [`Node::inputs`].
#[derive(Clone)]
pub struct Inputs<'a> {
    ids: &'a [u32],
    next: usize,
    /// Slot 0 is a residual edge.
    residual: bool,
}

impl Iterator for Inputs<'_> {
    type Item = Input;

    #[inline]
    fn next(&mut self) -> Option<Input> {
        let id = *self.ids.get(self.next)?;
        let input = Input {
            node: NodeId(id as usize),
            kind: edge_kind(self.residual, self.next),
        };
        self.next += 1;
        Some(input)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.ids.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Inputs<'_> {}
