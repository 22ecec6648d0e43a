//! Node and layer ids: indices into one tape, handed out by the tape and never made up.

#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer};

/// The index of a node on its tape; also its `NodeIndex` in [`Tape::graph`](super::Tape::graph).
///
/// Only the crate makes one: read it from a var ([`Var::id`](super::Var::id)), a node
/// ([`Node::id`](super::Node::id)) or a trace's records, and read its number with
/// [`NodeId::index`]. An id from a number would name whatever node happens to sit there:
///
/// ```compile_fail
/// let id = chaintrace::NodeId(3);
/// ```
///
/// For "node `k`" by position, ask the tape: `tape.nodes().node(k).id()`.
///
/// It is written to JSON as its number; a trace file's ids are read back by the trace
/// loader, which checks each one against the file's tables ([`NodeId`] itself does not
/// implement `Deserialize`).
///
/// # Example
/// ```
/// use chaintrace::Tape;
/// let tape = Tape::<f64>::new();
/// let (a, b) = (tape.var("a", 2.0), tape.var("b", 3.0));
/// let y = a * b;
/// assert_eq!((a.id().index(), b.id().index(), y.id().index()), (0, 1, 2));
/// assert_eq!(tape.nodes().node(2).id(), y.id());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The node's position on its tape (0 for the first node recorded): the number traces
    /// print as `#k`.
    #[inline]
    pub fn index(self) -> usize {
        self.0
    }
}

/// Reads a node id written as its number. Crate-private (for `deserialize_with`): the records
/// that hold ids are read from trace files, whose loader checks every id against the file.
#[cfg(feature = "serde")]
pub(crate) fn deserialize_id<'de, D: Deserializer<'de>>(d: D) -> Result<NodeId, D::Error> {
    usize::deserialize(d).map(NodeId)
}

/// [`deserialize_id`] for a hook context's `edge`: an input slot and the input node.
#[cfg(feature = "serde")]
pub(crate) fn deserialize_edge<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<(usize, NodeId)>, D::Error> {
    Option::<(usize, usize)>::deserialize(d).map(|e| e.map(|(slot, id)| (slot, NodeId(id))))
}

/// The index of a layer name on its tape; 0 is the top level (`""`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LayerId(pub u32);
