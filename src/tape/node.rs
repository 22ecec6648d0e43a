//! The recorded nodes: [`Nodes`], the store, as rows and side tables.
//!
//! Every node is one fixed-size row: its value, its inputs as `u32` tape indices, and, for a
//! scalar op, the local derivatives the reverse sweep multiplies by. What varies in size or
//! repeats (ops, names, the inputs of a concatenation) lives once in side tables the row points
//! into. A row owns nothing but its value, so recording one is a short copy, the sweep reads a
//! dense array, and resetting the tape drops a scalar node for the price of a tag check: the
//! closer to a plain `Vec` of numbers, the faster a long scalar chain runs (docs/performance.md,
//! benchmark 1).

use super::names::Names;
use super::node_ops::Ops;
use super::node_view::Node;
use super::{LayerId, NodeId, NodeSpan, Var};
use crate::ops::Op;
use crate::tensor::{Float, Tensor};

/// Every node recorded on a [`Tape`](super::Tape), in creation (topological) order:
/// [`Tape::nodes`](super::Tape::nodes).
///
/// # Example
/// ```
/// use chaintrace::Tape;
/// use chaintrace::tape::NodeKind;
/// let tape = Tape::<f64>::new();
/// let x = tape.var("x", 3.0);
/// let _y = x.tanh();
/// let nodes = tape.nodes();
/// assert_eq!(nodes.len(), 2);
/// assert_eq!(nodes.node(0).name(), Some("x"));
/// assert!(matches!(nodes.node(1).kind(), NodeKind::Op(op) if op.name() == "tanh"));
/// ```
pub struct Nodes<T: Float> {
    pub(super) rows: Vec<Row<T>>,
    pub(super) ops: Ops<T>,
    pub(super) names: Names,
    /// The inputs of nodes with more than two, back to back.
    pub(super) spilled: Vec<u32>,
}

/// One node as stored.
pub(super) struct Row<T: Float> {
    pub(super) value: Tensor<T>,
    /// `∂value/∂input` per input, when `flags & SCALAR_DERIVATIVES`.
    pub(super) derivatives: [T; 2],
    /// The input indices; with `SPILLED`, where they start in `Nodes::spilled` and how many.
    pub(super) inputs: [u32; 2],
    /// Index into `Nodes::ops`, for an op node.
    pub(super) op: u32,
    /// Index into `Nodes::names`, [`Names::NONE`] for none.
    pub(super) name: u32,
    pub(super) layer: LayerId,
    pub(super) flags: u8,
    /// The number of inline inputs (0 for a leaf or constant, or when `SPILLED`).
    pub(super) arity: u8,
    /// Which of the first eight input edges are residual edges (only
    /// [`Tape::residual`](super::Tape::residual) makes one, on slot 0).
    pub(super) residual_slots: u8,
}

/// `Row::flags` bits.
pub(super) mod flags {
    /// An op node (else a leaf or a constant).
    pub const OP: u8 = 1;
    /// A constant.
    pub const CONSTANT: u8 = 1 << 1;
    /// The node depends on some leaf, so a gradient can flow to it.
    pub const REQUIRES_GRAD: u8 = 1 << 2;
    /// `Row::derivatives` holds the local derivatives.
    pub const SCALAR_DERIVATIVES: u8 = 1 << 3;
    /// The inputs are in `Nodes::spilled`.
    pub const SPILLED: u8 = 1 << 4;
}

impl<T: Float> Row<T> {
    #[inline]
    pub(super) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The local derivatives of a scalar op node, one per input.
    #[inline]
    pub(super) fn scalar_derivatives(&self) -> Option<&[T]> {
        self.has(flags::SCALAR_DERIVATIVES)
            .then(|| &self.derivatives[..usize::from(self.arity)])
    }
}

impl<T: Float> Nodes<T> {
    pub(super) fn new() -> Self {
        Nodes {
            rows: Vec::new(),
            ops: Ops::default(),
            names: Names::default(),
            spilled: Vec::new(),
        }
    }

    /// Forgets every node, keeping the storage for the next step.
    pub(super) fn clear(&mut self) {
        self.rows.clear();
        self.ops.clear();
        self.names.clear();
        self.spilled.clear();
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Node `i`.
    ///
    /// # Panics
    /// If there is no node `i`.
    #[inline]
    pub fn node(&self, i: usize) -> Node<'_, T> {
        self.span().node(i)
    }

    /// Node `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<Node<'_, T>> {
        self.span().get(i)
    }

    /// The last node recorded.
    pub fn last(&self) -> Option<Node<'_, T>> {
        self.span().last()
    }

    /// Every node in creation order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Node<'_, T>> + ExactSizeIterator {
        self.span().iter()
    }

    /// The nodes from the first to `last`, inclusive.
    ///
    /// # Panics
    /// If `last` is not on the tape.
    pub fn up_to(&self, last: NodeId) -> NodeSpan<'_, T> {
        assert!(last.0 < self.len(), "node {} is not on this tape", last.0);
        NodeSpan {
            nodes: self,
            len: last.0 + 1,
        }
    }

    /// Every node, as a span.
    pub fn span(&self) -> NodeSpan<'_, T> {
        NodeSpan::from(self)
    }

    /// The input indices of node `i`.
    #[inline]
    pub(super) fn input_ids(&self, i: usize) -> &[u32] {
        let row = &self.rows[i];
        if row.has(flags::SPILLED) {
            let [start, len] = row.inputs.map(|x| x as usize);
            &self.spilled[start..start + len]
        } else {
            &row.inputs[..usize::from(row.arity)]
        }
    }

    /// The op of node `i`, for an op node.
    #[inline]
    pub(super) fn op(&self, i: usize) -> Option<&dyn Op<T>> {
        let row = &self.rows[i];
        row.has(flags::OP).then(|| self.ops.get(row.op))
    }

    /// A shared handle to the op of node `i` (for an op node), which stays usable while the
    /// tape records more nodes.
    pub(super) fn shared_op(&self, i: usize) -> Option<std::rc::Rc<dyn Op<T>>> {
        let row = &self.rows[i];
        row.has(flags::OP).then(|| self.ops.shared(row.op))
    }

    /// Where `vars`' indices go in a new row: inline for one or two, else in `spilled`.
    #[inline]
    pub(super) fn place_inputs(&mut self, vars: &[Var<'_, T>]) -> ([u32; 2], u8, u8) {
        let id = |v: &Var<'_, T>| v.id().0 as u32;
        match vars {
            [a] => ([id(a), 0], 1, 0),
            [a, b] => ([id(a), id(b)], 2, 0),
            _ => {
                let start = self.spilled.len() as u32;
                self.spilled.extend(vars.iter().map(id));
                ([start, vars.len() as u32], 0, flags::SPILLED)
            }
        }
    }
}
