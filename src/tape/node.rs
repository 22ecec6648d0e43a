//! The recorded nodes: [`Nodes`], the store, as rows and side tables.
//!
//! Every node is one fixed-size row: its value and its inputs as `u32` tape indices. What
//! varies in size or repeats (ops, names, the inputs of a concatenation) lives once in side
//! tables the row points into; a scalar op's local derivatives are not stored at all, but
//! worked out from the recorded values when the sweep reaches the node. A row owns nothing
//! but its value, so recording one is a short copy, the sweep reads a dense array, and
//! resetting a tape of scalars does not visit its rows at all: the closer to a plain `Vec` of
//! numbers, the faster a long scalar chain runs (docs/performance.md, section 1).

use super::names::Names;
use super::node_ops::{Ops, ScalarRule};
use super::node_view::Node;
use super::{LayerId, NodeId, NodeSpan, Var};
use crate::ops::Op;
use crate::tensor::{Float, Tensor};
use std::mem::ManuallyDrop;

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
    /// Some row holds an array (else clearing the rows need not visit them).
    arrays: bool,
}

/// One node as stored: 32 bytes for `f64` and `f32`.
///
/// No local derivatives: a scalar op node's are worked out again in the reverse sweep
/// ([`Nodes::scalar_derivatives`]) from the values its row and its inputs' rows hold, by the
/// same rule, so they come out the same bit for bit. Storing them made a row 48 bytes, and the
/// tape half again as large as it needs to be (docs/performance.md, section 1).
pub(super) struct Row<T: Float> {
    /// Released by [`Nodes`] (`clear` and `Drop`), never by the row: see [`Row::release`].
    pub(super) value: ManuallyDrop<Tensor<T>>,
    /// The input indices; with `SPILLED`, where they start in `Nodes::spilled` and how many.
    pub(super) inputs: [u32; 2],
    /// What the node is (flags, arity, label, layer), packed: see [`Meta`].
    pub(super) meta: Meta,
}

/// A row's small fields in one `u64`: the label in the low 32 bits (an index into
/// `Nodes::ops` for an op node, into `Nodes::names` for a leaf or constant, [`Names::NONE`]
/// for none: only leaves have names), the layer in the next 24, and a byte of bits: the
/// [`flags`] and, in the top two, the number of inline inputs (0 for a leaf or constant, or
/// when `SPILLED`).
///
/// One word, and the row without holes, because of how a row is recorded: it is assembled on
/// the stack, then copied into the node vector in 8- and 16-byte moves. As separate `u32` and
/// `u8` fields, each move's load spanned several narrower stores, which the processor cannot
/// forward to a load, so every new row waited for them to reach the cache: most of the scalar
/// chain's recording time (docs/performance.md, section 1).
#[derive(Clone, Copy)]
pub(super) struct Meta(u64);

impl Meta {
    /// The most layer paths a tape holds (24 bits of the word).
    pub(super) const LAYERS: u32 = 1 << 24;
    const ARITY_SHIFT: u32 = 6;

    #[inline]
    pub(super) fn new(label: u32, layer: LayerId, flags: u8, arity: u8) -> Self {
        debug_assert!(layer.0 < Self::LAYERS && flags < 1 << Self::ARITY_SHIFT && arity <= 2);
        let bits = flags | arity << Self::ARITY_SHIFT;
        Meta(u64::from(label) | u64::from(layer.0) << 32 | u64::from(bits) << 56)
    }

    #[inline]
    pub(super) fn label(self) -> u32 {
        self.0 as u32
    }

    #[inline]
    pub(super) fn layer(self) -> LayerId {
        LayerId((self.0 >> 32) as u32 & (Self::LAYERS - 1))
    }

    #[inline]
    fn bits(self) -> u8 {
        (self.0 >> 56) as u8
    }

    #[inline]
    pub(super) fn arity(self) -> u8 {
        self.bits() >> Self::ARITY_SHIFT
    }
}

/// `Row::meta` flag bits.
pub(super) mod flags {
    /// An op node (else a leaf or a constant).
    pub const OP: u8 = 1;
    /// A constant.
    pub const CONSTANT: u8 = 1 << 1;
    /// The node depends on some leaf, so a gradient can flow to it.
    pub const REQUIRES_GRAD: u8 = 1 << 2;
    /// A scalar op node: one or two inline inputs, each a number, and the value the op's
    /// scalar rule ([`Op::scalar`](crate::ops::Op::scalar)) gave.
    pub const SCALAR: u8 = 1 << 3;
    /// The inputs are in `Nodes::spilled`.
    pub const SPILLED: u8 = 1 << 4;
    /// Input slot 0 is a residual edge (only [`Tape::residual`](crate::Tape::residual) makes
    /// one, on slot 0).
    pub const RESIDUAL: u8 = 1 << 5;
}

impl<T: Float> Drop for Nodes<T> {
    fn drop(&mut self) {
        if self.arrays {
            self.rows.iter_mut().for_each(Row::release);
        }
    }
}

impl<T: Float> Row<T> {
    /// Drops the row's value (a tensor's array; a scalar holds nothing to drop).
    ///
    /// A row has no drop code of its own on purpose. With it, a row under construction has to
    /// be dropped if growing the node vector panics, so the compiler keeps it in memory and
    /// copies it into the vector in 16-byte moves over narrower stores, a stall per row that
    /// was most of the scalar chain's recording time (docs/performance.md, section 1).
    #[inline]
    fn release(&mut self) {
        if self.value.as_scalar().is_none() {
            *self.value = Tensor::scalar(T::zero());
        }
    }

    #[inline]
    pub(super) fn has(&self, flag: u8) -> bool {
        self.meta.bits() & flag != 0
    }
}

impl<T: Float> Nodes<T> {
    pub(super) fn new() -> Self {
        Nodes {
            rows: Vec::new(),
            ops: Ops::default(),
            names: Names::default(),
            spilled: Vec::new(),
            arrays: false,
        }
    }

    /// Forgets every node, keeping the storage for the next step.
    pub(super) fn clear(&mut self) {
        if std::mem::take(&mut self.arrays) {
            self.rows.iter_mut().for_each(Row::release);
        }
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
            &row.inputs[..usize::from(row.meta.arity())]
        }
    }

    /// The op of node `i`, for an op node.
    #[inline]
    pub(super) fn op(&self, i: usize) -> Option<&dyn Op<T>> {
        let row = &self.rows[i];
        row.has(flags::OP).then(|| self.ops.get(row.meta.label()))
    }

    /// A shared handle to the op of node `i` (for an op node), which stays usable while the
    /// tape records more nodes.
    pub(super) fn shared_op(&self, i: usize) -> Option<std::rc::Rc<dyn Op<T>>> {
        let row = &self.rows[i];
        row.has(flags::OP)
            .then(|| self.ops.shared(row.meta.label()))
    }

    /// The local derivatives `∂value/∂input` of node `i`, one per input (a second, unused,
    /// is zero for one input), when it is a scalar op node whose op has a scalar derivative
    /// rule ([`Op::scalar_derivative`]): the rule applied to the values the rows hold. The
    /// sweep asks once per node; the inputs' rows are the ones it reads anyway.
    #[inline(always)]
    pub(super) fn scalar_derivatives(&self, i: usize) -> Option<[T; 2]> {
        let row = &self.rows[i];
        match row.has(flags::SCALAR) && self.ops.rule(row.meta.label()) == ScalarRule::Op {
            true => self.op_scalar_derivatives(row),
            false => self.inline_derivatives(i),
        }
    }

    /// [`Nodes::scalar_derivatives`] for the ops with an inline rule (add, sub, mul: all
    /// binary), `None` for any other: the unwatched sweep's fast path, with no call on any
    /// branch.
    #[inline(always)]
    pub(super) fn inline_derivatives(&self, i: usize) -> Option<[T; 2]> {
        let row = &self.rows[i];
        if !row.has(flags::SCALAR) {
            return None;
        }
        let input = |slot: usize| self.rows[row.inputs[slot] as usize].value.as_scalar();
        match self.ops.rule(row.meta.label()) {
            ScalarRule::Add => Some([T::one(), T::one()]),
            ScalarRule::Sub => Some([T::one(), -T::one()]),
            ScalarRule::Mul => Some([input(1)?, input(0)?]),
            ScalarRule::Op => None,
        }
    }

    /// [`Nodes::scalar_derivatives`] through the op's own rule.
    #[inline(never)]
    fn op_scalar_derivatives(&self, row: &Row<T>) -> Option<[T; 2]> {
        let unary = row.meta.arity() == 1;
        let [a, b] = row
            .inputs
            .map(|input| self.rows[input as usize].value.as_scalar());
        let x = [a?, if unary { T::zero() } else { b? }];
        let x = &x[..2 - usize::from(unary)];
        let (op, y) = (self.ops.get(row.meta.label()), row.value.as_scalar()?);
        let first = op.scalar_derivative(0, x, y)?;
        let second = match unary {
            true => T::zero(),
            false => op.scalar_derivative(1, x, y)?,
        };
        Some([first, second])
    }

    /// Appends a row.
    #[inline]
    pub(super) fn push(&mut self, row: Row<T>) {
        self.arrays |= row.value.as_scalar().is_none();
        self.rows.push(row);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes docs/performance.md and ARCHITECTURE.md quote; a new field shows up here.
    #[test]
    fn a_row_is_32_bytes() {
        assert_eq!(size_of::<Tensor<f64>>(), 16);
        assert_eq!(size_of::<Row<f64>>(), 32);
        assert_eq!(size_of::<Row<f32>>(), 32);
    }

    #[test]
    fn meta_keeps_each_field_apart() {
        let layer = LayerId(Meta::LAYERS - 1);
        let all = flags::OP | flags::RESIDUAL | flags::SPILLED | flags::REQUIRES_GRAD;
        let meta = Meta::new(u32::MAX, layer, all, 2);
        assert_eq!(meta.label(), u32::MAX);
        assert_eq!(meta.layer(), layer);
        assert_eq!(meta.arity(), 2);
        assert_eq!(meta.bits() & 0b11_1111, all);
        let none = Meta::new(0, LayerId(0), 0, 0);
        assert_eq!(
            (none.label(), none.layer(), none.arity(), none.bits()),
            (0, LayerId(0), 0, 0)
        );
    }

    /// Rows have no drop code: `clear` (a tape reset) and dropping the tape release the
    /// arrays they hold.
    #[test]
    fn reset_and_drop_release_the_values() {
        let mut t = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]);
        let mut tape = crate::Tape::new();
        let _ = tape.var("x", t.clone()).tanh();
        assert!(t.array_mut().is_none(), "the tape shares the array");
        tape.reset();
        assert!(t.array_mut().is_some(), "reset released it");
        let tape = crate::Tape::new();
        let _ = tape.var("x", t.clone());
        drop(tape);
        assert!(t.array_mut().is_some(), "dropping the tape released it");
    }
}
