//! The recorded nodes, and [`Node`], the read-only view of one.
//!
//! Every node is one fixed-size row: its value, its inputs as `u32` tape indices, and, for a
//! scalar op, the local derivatives the reverse sweep multiplies by. What varies in size or
//! repeats (ops, names, the inputs of a concatenation) lives once in side tables the row points
//! into. A row owns nothing but its value, so recording one is a short copy, the sweep reads a
//! dense array, and resetting the tape drops a scalar node for the price of a tag check: the
//! closer to a plain `Vec` of numbers, the faster a long scalar chain runs (docs/performance.md,
//! benchmark 1).

use std::any::TypeId;

use super::names::Names;
use super::{EdgeKind, LayerId, NodeId, Var};
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

/// The ops of a tape's nodes. A stateless op (a zero-sized type such as `Mul`) is stored once
/// and shared by every node that applies it; an op with parameters (`SumAxis(1)`) once per node.
pub(super) struct Ops<T: Float> {
    list: Vec<Box<dyn Op<T>>>,
    /// Where each stateless op type is in `list`.
    stateless: Vec<(TypeId, u32)>,
}

impl<T: Float> Default for Ops<T> {
    fn default() -> Self {
        Ops {
            list: Vec::new(),
            stateless: Vec::new(),
        }
    }
}

impl<T: Float> Ops<T> {
    /// The index of `op` in the table, adding it if needed.
    #[inline]
    pub(super) fn intern<O: Op<T>>(&mut self, op: O) -> u32 {
        if size_of::<O>() != 0 {
            return self.push(Box::new(op));
        }
        let type_id = TypeId::of::<O>();
        match self.stateless.iter().find(|(t, _)| *t == type_id) {
            Some(&(_, index)) => index,
            None => {
                let index = self.push(Box::new(op));
                self.stateless.push((type_id, index));
                index
            }
        }
    }

    fn push(&mut self, op: Box<dyn Op<T>>) -> u32 {
        self.list.push(op);
        (self.list.len() - 1) as u32
    }

    #[inline]
    pub(super) fn get(&self, index: u32) -> &dyn Op<T> {
        self.list[index as usize].as_ref()
    }

    fn clear(&mut self) {
        self.list.clear();
        self.stateless.clear();
    }
}

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
    nodes: &'a Nodes<T>,
    i: usize,
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
        row.has(flags::OP).then_some(row.op as usize)
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
            residual_slots: self.row().residual_slots,
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
            kind: edge_kind(self.row().residual_slots, slot),
        }
    }

    /// The user's name for a leaf or constant (`None` for op nodes).
    pub fn name(self) -> Option<&'a str> {
        self.nodes.names.get(self.row().name)
    }

    /// The layer the node was recorded in (see [`Tape::layer_name`](super::Tape::layer_name)).
    pub fn layer(self) -> LayerId {
        self.row().layer
    }

    /// True when the node depends on some leaf, so a gradient can flow to it.
    pub fn requires_grad(self) -> bool {
        self.row().has(flags::REQUIRES_GRAD)
    }

    /// The local derivative `∂value/∂input` of each input, as numbers, for a scalar op node
    /// whose op has a scalar rule ([`Op::scalar_derivative`]) and that a gradient can reach:
    /// the tape works them out when it records the node, and the reverse sweep multiplies the
    /// node's gradient by them.
    pub fn scalar_derivatives(self) -> Option<&'a [T]> {
        self.row().scalar_derivatives()
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
pub(super) fn edge_kind(residual_slots: u8, slot: usize) -> EdgeKind {
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

/// The first nodes of a tape, up to and including some node (the output of a traced backward
/// pass): [`Nodes::up_to`]. The same reading methods as [`Nodes`].
#[derive(Clone, Copy)]
pub struct NodeSpan<'a, T: Float> {
    nodes: &'a Nodes<T>,
    len: usize,
}

impl<'a, T: Float> NodeSpan<'a, T> {
    /// The number of nodes in the span.
    pub fn len(self) -> usize {
        self.len
    }

    /// The size of the tape's op table (see [`Node::op_index`]).
    pub(crate) fn op_count(self) -> usize {
        self.nodes.ops.list.len()
    }

    /// True for an empty span.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// Node `i`.
    ///
    /// # Panics
    /// If `i` is not in the span.
    #[inline]
    pub fn node(self, i: usize) -> Node<'a, T> {
        assert!(i < self.len, "node {i} is not in this span of the tape");
        Node {
            nodes: self.nodes,
            i,
        }
    }

    /// Node `i`, if it is in the span.
    pub fn get(self, i: usize) -> Option<Node<'a, T>> {
        (i < self.len).then_some(Node {
            nodes: self.nodes,
            i,
        })
    }

    /// The last node of the span.
    pub fn last(self) -> Option<Node<'a, T>> {
        self.len.checked_sub(1).map(|i| Node {
            nodes: self.nodes,
            i,
        })
    }

    /// Every node of the span in creation order.
    pub fn iter(self) -> impl DoubleEndedIterator<Item = Node<'a, T>> + ExactSizeIterator {
        let nodes = self.nodes;
        (0..self.len).map(move |i| Node { nodes, i })
    }
}

impl<'a, T: Float> From<&'a Nodes<T>> for NodeSpan<'a, T> {
    fn from(nodes: &'a Nodes<T>) -> Self {
        NodeSpan {
            nodes,
            len: nodes.len(),
        }
    }
}
