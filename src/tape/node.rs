//! A recorded node, kept compact: the reverse sweep and the reset walk every node, so the
//! fewer bytes and the less drop work each one carries, the closer a scalar tape runs to a
//! plain `Vec` of numbers (docs/performance.md, benchmark 1).

use std::rc::Rc;

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

/// A recorded node: its value, how it was made, its name and its layer. Read it through
/// [`Tape::nodes`](super::Tape::nodes).
pub struct Node<T: Float> {
    pub(super) value: Tensor<T>,
    pub(super) op: OpSlot<T>,
    pub(super) inputs: InputIds,
    pub(super) name: Option<Rc<str>>,
    pub(super) layer: LayerId,
    pub(super) flags: Flags,
    /// `∂value/∂input` per slot, worked out when the node was recorded, when
    /// `flags.scalar_derivatives` (see [`Node::scalar_derivatives`]).
    pub(super) derivatives: [T; 2],
}

/// Where a node keeps its op. A stateless op (a zero-sized type such as `Mul`) is leaked into
/// a `&'static` reference, which allocates nothing and leaves nothing to drop: the common case
/// costs no heap traffic when recording and nothing when the tape is reset.
pub(super) enum OpSlot<T: Float> {
    /// A leaf or a constant.
    None,
    /// A zero-sized op.
    Static(&'static dyn Op<T>),
    /// An op with parameters (`SumAxis { axis }`, `Powf { p }`, …).
    Boxed(Box<dyn Op<T>>),
}

impl<T: Float> OpSlot<T> {
    /// The slot for `op`: `Static` when it is zero-sized.
    #[inline]
    pub(super) fn new<O: Op<T>>(op: O) -> Self {
        if std::mem::size_of::<O>() == 0 {
            // Leaking a zero-sized value frees nothing later because it allocated nothing.
            OpSlot::Static(Box::leak(Box::new(op)))
        } else {
            OpSlot::Boxed(Box::new(op))
        }
    }

    #[inline]
    pub(super) fn get(&self) -> Option<&dyn Op<T>> {
        match self {
            OpSlot::None => None,
            OpSlot::Static(op) => Some(*op),
            OpSlot::Boxed(op) => Some(op.as_ref()),
        }
    }
}

/// A node's input indices in call order: one or two inline (every op but concatenation, whose
/// inputs go on the heap).
pub(super) enum InputIds {
    /// `flags.arity` of these are inputs (0 for a leaf or constant).
    Two([u32; 2]),
    Many(Box<[u32]>),
}

impl InputIds {
    /// The ids of `vars`' nodes.
    #[inline]
    pub(super) fn of<T: Float>(vars: &[super::Var<'_, T>]) -> (Self, u8) {
        let id = |v: &super::Var<'_, T>| v.id().0 as u32;
        match vars {
            [] => (InputIds::Two([0, 0]), 0),
            [a] => (InputIds::Two([id(a), 0]), 1),
            [a, b] => (InputIds::Two([id(a), id(b)]), 2),
            _ => (InputIds::Many(vars.iter().map(id).collect()), 0),
        }
    }

    /// The ids, given the node's `arity` flag.
    #[inline]
    pub(super) fn as_slice(&self, arity: u8) -> &[u32] {
        match self {
            InputIds::Two(ids) => &ids[..usize::from(arity)],
            InputIds::Many(ids) => ids,
        }
    }
}

/// A node's one-bit facts, and which of its first eight input edges are residual edges (only
/// [`Tape::residual`](super::Tape::residual) makes one, on slot 0).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Flags {
    pub(super) requires_grad: bool,
    pub(super) constant: bool,
    pub(super) scalar_derivatives: bool,
    /// The number of inputs when they are inline.
    pub(super) arity: u8,
    pub(super) residual_slots: u8,
}

impl<T: Float> Node<T> {
    /// The forward value.
    #[inline]
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// Leaf, constant or op.
    #[inline]
    pub fn kind(&self) -> NodeKind<'_, T> {
        match self.op.get() {
            Some(op) => NodeKind::Op(op),
            None if self.flags.constant => NodeKind::Constant,
            None => NodeKind::Leaf,
        }
    }

    /// The op, for op nodes.
    #[inline]
    pub fn op(&self) -> Option<&dyn Op<T>> {
        self.op.get()
    }

    /// True for a leaf made by [`Tape::var`](super::Tape::var).
    pub fn is_leaf(&self) -> bool {
        matches!(self.op, OpSlot::None) && !self.flags.constant
    }

    /// The label traces print for the node: the op's label, or `leaf`/`const`.
    pub fn op_label(&self) -> String {
        match self.kind() {
            NodeKind::Leaf => "leaf".to_string(),
            NodeKind::Constant => "const".to_string(),
            NodeKind::Op(op) => op.label(),
        }
    }

    /// The op's inputs in call order (none for leaves and constants).
    #[inline]
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            ids: self.input_ids(),
            next: 0,
            residual_slots: self.flags.residual_slots,
        }
    }

    /// The tape indices of the inputs.
    #[inline]
    pub(super) fn input_ids(&self) -> &[u32] {
        self.inputs.as_slice(self.flags.arity)
    }

    /// The number of inputs.
    #[inline]
    pub fn arity(&self) -> usize {
        self.input_ids().len()
    }

    /// Input `slot`.
    ///
    /// # Panics
    /// If the node has no input `slot`.
    #[inline]
    pub fn input(&self, slot: usize) -> Input {
        Input {
            node: NodeId(self.input_ids()[slot] as usize),
            kind: edge_kind(self.flags.residual_slots, slot),
        }
    }

    /// The user's name for a leaf or constant (`None` for op nodes).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The layer the node was recorded in (see [`Tape::layer_name`](super::Tape::layer_name)).
    #[inline]
    pub fn layer(&self) -> LayerId {
        self.layer
    }

    /// The local derivative `∂value/∂input` of each input, as numbers, for a scalar op node
    /// whose op has a scalar rule ([`Op::scalar_derivative`]) and that a gradient can reach:
    /// the tape works them out when it records the node, and the reverse sweep multiplies the
    /// node's gradient by them.
    #[inline]
    pub fn scalar_derivatives(&self) -> Option<&[T]> {
        self.flags
            .scalar_derivatives
            .then(|| &self.derivatives[..self.flags.arity as usize])
    }

    /// True when the node depends on some leaf, so a gradient can flow to it.
    #[inline]
    pub fn requires_grad(&self) -> bool {
        self.flags.requires_grad
    }
}

impl<T: Float> std::fmt::Debug for Node<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("kind", &self.kind())
            .field("inputs", &self.inputs().collect::<Vec<_>>())
            .field("name", &self.name)
            .field("layer", &self.layer)
            .field("value", &self.value)
            .finish()
    }
}

fn edge_kind(residual_slots: u8, slot: usize) -> EdgeKind {
    if slot < 8 && residual_slots & (1 << slot) != 0 {
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
    residual_slots: u8,
}

impl Iterator for Inputs<'_> {
    type Item = Input;

    #[inline]
    fn next(&mut self) -> Option<Input> {
        let id = *self.ids.get(self.next)?;
        let input = Input {
            node: NodeId(id as usize),
            kind: edge_kind(self.residual_slots, self.next),
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
