//! One node of the traced graph: its value and gradient, and indices into the side tables.

use super::stored::{Stored, bit, pack, unpack};

/// One node: its value and gradient, and indices into the graph's side tables.
///
/// Plain numbers only, each [`Stored`] as an `f64` and a flag bit, so that writing a row is a
/// handful of stores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NodeRow {
    value: f64,
    grad: f64,
    /// Index into [`Graph::ops`].
    pub op: u32,
    /// Index into [`Trace::layers`].
    pub layer: u32,
    /// Index into [`Graph::names`], or [`NO_NAME`] for an op node (called `uᵢ`).
    pub name: u32,
    /// The row of the node's first input edge in [`Graph::edges`].
    pub first_edge: u32,
    /// `VALUE_TENSOR`, `GRAD_TENSOR`, `HAS_GRAD`.
    bits: u8,
}

/// [`NodeRow::name`] of an op node.
pub(crate) const NO_NAME: u32 = u32::MAX;

const VALUE_TENSOR: u8 = 1;
const GRAD_TENSOR: u8 = 2;
const HAS_GRAD: u8 = 4;

impl NodeRow {
    /// A row for a node whose first input edge will be in row `first_edge`.
    #[inline]
    pub(crate) fn new(
        value: Stored,
        grad: Option<Stored>,
        [op, layer, name, first_edge]: [u32; 4],
    ) -> Self {
        let (value, value_tensor) = pack(value);
        let (grad, grad_bits) = match grad.map(pack) {
            Some((grad, tensor)) => (grad, HAS_GRAD | bit(tensor, GRAD_TENSOR)),
            None => (0.0, 0),
        };
        NodeRow {
            value,
            grad,
            op,
            layer,
            name,
            first_edge,
            bits: bit(value_tensor, VALUE_TENSOR) | grad_bits,
        }
    }

    /// A row for a scalar node with a gradient.
    #[inline]
    pub(crate) fn scalar(value: f64, grad: f64, indices: [u32; 4]) -> Self {
        NodeRow::new(Stored::Scalar(value), Some(Stored::Scalar(grad)), indices)
    }

    pub(crate) fn value(&self) -> Stored {
        unpack(self.value, self.bits & VALUE_TENSOR != 0)
    }

    pub(crate) fn grad(&self) -> Option<Stored> {
        (self.bits & HAS_GRAD != 0).then(|| unpack(self.grad, self.bits & GRAD_TENSOR != 0))
    }
}
