//! One edge of the traced graph: which input feeds which op, and the multiplication that
//! crossed it.

use super::stored::{Stored, bit, pack, unpack};
use crate::tape::{EdgeKind, NodeId};
use crate::trace::Summary;

/// One edge, input `from` feeding argument `slot` of op node `to`, and what crossed it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct EdgeRow {
    pub from: u32,
    pub to: u32,
    pub slot: u32,
    pub kind: EdgeKind,
    /// Which fields hold something, and how (`LOCAL`, `CROSSED`, `NORM_ONLY`,
    /// `CONTRIBUTION_TENSOR`, `ACCUMULATED_TENSOR`).
    bits: u8,
    local: f64,
    /// `∂L/∂to · ∂to/∂from`; with `NORM_ONLY`, just its magnitude.
    contribution: f64,
    /// `∂L/∂from` after adding the contribution (when `CROSSED` without `NORM_ONLY`).
    accumulated: f64,
}

/// [`EdgeRow`] bits: `local` holds the local derivative.
const LOCAL: u8 = 1;
/// A contribution crossed the edge.
const CROSSED: u8 = 2;
/// Only the contribution's magnitude was kept (events off).
const NORM_ONLY: u8 = 4;
const CONTRIBUTION_TENSOR: u8 = 8;
const ACCUMULATED_TENSOR: u8 = 16;

impl EdgeRow {
    #[inline]
    pub(crate) fn new(from: usize, to: usize, slot: usize, kind: EdgeKind) -> Self {
        EdgeRow {
            from: from as u32,
            to: to as u32,
            slot: slot as u32,
            kind,
            bits: 0,
            local: 0.0,
            contribution: 0.0,
            accumulated: 0.0,
        }
    }

    #[inline]
    pub(crate) fn with_local(mut self, local: Option<f64>) -> Self {
        if let Some(local) = local {
            self.local = local;
            self.bits |= LOCAL;
        }
        self
    }

    /// A multiplication crossed the edge: its contribution and the input's gradient after it.
    #[inline]
    pub(crate) fn cross(&mut self, contribution: Stored, accumulated: Stored) {
        let (contribution, contribution_tensor) = pack(contribution);
        let (accumulated, accumulated_tensor) = pack(accumulated);
        self.contribution = contribution;
        self.accumulated = accumulated;
        self.bits |= CROSSED
            | bit(contribution_tensor, CONTRIBUTION_TENSOR)
            | bit(accumulated_tensor, ACCUMULATED_TENSOR);
    }

    /// A scalar multiplication crossed the edge: its contribution and the input's gradient
    /// after it.
    #[inline]
    pub(crate) fn cross_scalars(&mut self, contribution: f64, accumulated: f64) {
        self.contribution = contribution;
        self.accumulated = accumulated;
        self.bits |= CROSSED;
    }

    /// A contribution of magnitude `norm` crossed the edge (events off: nothing else kept).
    #[inline]
    pub(crate) fn cross_norm(&mut self, norm: f64) {
        self.contribution = norm;
        self.bits |= CROSSED | NORM_ONLY;
    }

    /// The input's gradient after the multiplication, when it arrives after the contribution
    /// (tensor steps report them one at a time).
    pub(crate) fn set_accumulated(&mut self, accumulated: Stored) {
        let (accumulated, tensor) = pack(accumulated);
        self.accumulated = accumulated;
        self.bits = (self.bits & !ACCUMULATED_TENSOR) | bit(tensor, ACCUMULATED_TENSOR);
    }

    pub(crate) fn from(&self) -> NodeId {
        NodeId(self.from as usize)
    }

    pub(crate) fn to(&self) -> NodeId {
        NodeId(self.to as usize)
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot as usize
    }

    pub(crate) fn local(&self) -> Option<f64> {
        (self.bits & LOCAL != 0).then_some(self.local)
    }

    /// The contribution, for an edge an event crossed.
    pub(crate) fn contribution(&self) -> Stored {
        unpack(self.contribution, self.has(CONTRIBUTION_TENSOR))
    }

    /// The accumulated gradient, for an edge an event crossed.
    pub(crate) fn accumulated(&self) -> Stored {
        unpack(self.accumulated, self.has(ACCUMULATED_TENSOR))
    }

    /// The magnitude of what crossed the edge, if anything did.
    pub(super) fn flow(&self, tensors: &[Summary]) -> Option<f64> {
        if !self.has(CROSSED) {
            return None;
        }
        Some(match self.has(NORM_ONLY) {
            true => self.contribution,
            false => self.contribution().get(tensors).norm(),
        })
    }

    /// True when an event crossed the edge (a multiplication recorded whole, not only its
    /// magnitude).
    pub(crate) fn has_event(&self) -> bool {
        self.has(CROSSED) && !self.has(NORM_ONLY)
    }

    fn has(&self, bit: u8) -> bool {
        self.bits & bit != 0
    }
}
