//! [`NodeSpan`]: the nodes of a tape up to some node, read like the whole store.

use super::node::Nodes;
use super::node_view::Node;
use crate::tensor::Float;

/// The first nodes of a tape, up to and including some node (the output of a traced backward
/// pass): [`Nodes::up_to`]. The same reading methods as [`Nodes`].
#[derive(Clone, Copy)]
pub struct NodeSpan<'a, T: Float> {
    pub(super) nodes: &'a Nodes<T>,
    pub(super) len: usize,
}

impl<'a, T: Float> NodeSpan<'a, T> {
    /// The number of nodes in the span.
    pub fn len(self) -> usize {
        self.len
    }

    /// The size of the tape's op table (see [`Node::op_index`]).
    pub(crate) fn op_count(self) -> usize {
        self.nodes.ops.len()
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
