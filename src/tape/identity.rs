//! Which tape a handle belongs to: the identity a tape gives its vars, gradients and traces.
//!
//! A [`Var`] borrows its tape, so "same tape" for two vars is `std::ptr::eq` on the tapes.
//! [`Gradients`](super::Gradients) and [`Trace`](crate::Trace) outlive the sweep that made
//! them and hold no borrow; an address alone cannot name their tape, because a later tape may
//! be allocated at the same address, and [`Tape::reset`] keeps the address while the node ids
//! it gave out start again from 0. So a tape owns a [`TapeIdentity`], a small shared
//! allocation that it replaces on `reset`; whatever outlives the sweep keeps a clone, which
//! keeps the allocation (and so its address) from being reused while the clone lives, and
//! compares with [`Arc::ptr_eq`]. No counter, nothing process-wide.

use std::fmt;
use std::sync::Arc;

use super::{NodeId, Tape, Var};
use crate::tensor::Float;

/// The identity of one recording of a tape (from its creation or its last reset): equal only
/// to clones of itself.
///
/// An `Arc`, not an `Rc`, so that [`Gradients`](super::Gradients) and [`Trace`](crate::Trace)
/// stay `Send` and `Sync`; cloning it is one atomic increment, once per sweep.
#[derive(Clone)]
pub(crate) struct TapeIdentity(Arc<Token>);

/// The shared allocation; its address is the identity.
struct Token;

impl TapeIdentity {
    /// A new identity, equal to no other.
    pub(crate) fn new() -> Self {
        TapeIdentity(Arc::new(Token))
    }

    /// True when `self` and `other` are the same identity.
    #[inline]
    pub(crate) fn is(&self, other: &TapeIdentity) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The identity for the tape's next recording, after a reset: a new one when anything
    /// still holds this one (a `Gradients` or `Trace` of the previous step), else this one,
    /// which nothing can tell from a new one (so a reused tape does not allocate).
    pub(crate) fn renew(&mut self) {
        if Arc::get_mut(&mut self.0).is_none() {
            *self = TapeIdentity::new();
        }
    }
}

/// Without the address, so that `{:?}` of gradients and traces stays deterministic.
impl fmt::Debug for TapeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TapeIdentity")
    }
}

impl<T: Float> Tape<T> {
    /// True when `var` was recorded on this tape (by this tape's current recording: a var
    /// cannot outlive a [`reset`](Tape::reset)).
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tape;
    /// let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    /// let x = a.var("x", 1.0);
    /// assert!(a.owns(x) && !b.owns(x));
    /// ```
    #[inline]
    pub fn owns(&self, var: Var<'_, T>) -> bool {
        std::ptr::eq(var.tape(), self)
    }

    /// The identity of this recording, which its gradients and traces keep.
    #[inline]
    pub(crate) fn identity(&self) -> &TapeIdentity {
        &self.identity
    }
}

/// The tape a value was recorded from, if any: a trace read back from JSON has none.
///
/// Not part of the value's content: two origins always compare equal, so a trace equals its
/// own JSON round trip (which cannot carry a tape).
#[derive(Clone, Debug, Default)]
pub(crate) struct Origin(Option<TapeIdentity>);

impl Origin {
    /// The origin of a value recorded from `tape`.
    pub(crate) fn of<T: Float>(tape: &Tape<T>) -> Self {
        Origin(Some(tape.identity().clone()))
    }

    /// No tape: every var is foreign to it.
    pub(crate) fn none() -> Self {
        Origin(None)
    }

    /// True when the value was recorded from `tape` in its current recording.
    #[inline]
    pub(crate) fn is<T: Float>(&self, tape: &Tape<T>) -> bool {
        self.0.as_ref().is_some_and(|id| id.is(tape.identity()))
    }

    /// True when the value and `node` come from the same recording; a bare [`NodeId`] carries
    /// no tape and is taken on trust.
    pub(crate) fn admits(&self, node: &NodeRef) -> bool {
        match &node.tape {
            None => true,
            Some(tape) => self.0.as_ref().is_some_and(|id| id.is(tape)),
        }
    }
}

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A node given to [`Trace::paths`](crate::Trace::paths) and its kin: a [`Var`], which
/// carries its tape (so a var of another tape is refused), or a bare [`NodeId`] (an index,
/// checked only against the trace's bounds).
///
/// Built by `From`, so those functions take either: `trace.paths(x, y, 3)` or
/// `trace.paths(NodeId(0), NodeId(4), 3)`.
#[derive(Clone, Debug)]
pub struct NodeRef {
    id: NodeId,
    tape: Option<TapeIdentity>,
}

impl NodeRef {
    /// The node's index.
    pub fn id(&self) -> NodeId {
        self.id
    }
}

impl From<NodeId> for NodeRef {
    fn from(id: NodeId) -> Self {
        NodeRef { id, tape: None }
    }
}

impl<T: Float> From<Var<'_, T>> for NodeRef {
    fn from(var: Var<'_, T>) -> Self {
        NodeRef {
            id: var.id(),
            tape: Some(var.tape().identity().clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_equal_only_to_their_clones() {
        let a = TapeIdentity::new();
        let b = TapeIdentity::new();
        assert!(a.is(&a.clone()));
        assert!(!a.is(&b));
    }

    /// A reset renews the identity only when something still holds the old one.
    #[test]
    fn renew_keeps_an_unshared_identity() {
        let mut id = TapeIdentity::new();
        let before = Arc::as_ptr(&id.0);
        id.renew();
        assert_eq!(Arc::as_ptr(&id.0), before);
        let held = id.clone();
        id.renew();
        assert!(!id.is(&held));
    }

    #[test]
    fn origins_compare_equal_and_none_admits_no_var() {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", 1.0);
        assert_eq!(Origin::none(), Origin::of(&tape));
        assert!(!Origin::none().is(&tape));
        assert!(Origin::of(&tape).is(&tape));
        assert!(!Origin::none().admits(&x.into()));
        assert!(Origin::none().admits(&NodeId(0).into()));
        assert!(Origin::of(&tape).admits(&x.into()));
    }
}
