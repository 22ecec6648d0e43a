//! The computation graph as a petgraph graph, built on demand for users who want petgraph's
//! algorithms (dominators, reachability, their own exporters) on a recording. Nothing in the
//! crate reads it: the tape's rows are already a topologically ordered adjacency list, so the
//! sweep, the tracer, path analysis and the renderers loop over them (or over a trace's
//! tables) directly.

use petgraph::graph::{DiGraph, NodeIndex};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::{NodeId, Tape};
use crate::tensor::Float;

/// The kind of an edge from an op's input to the op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EdgeKind {
    /// An ordinary dependency.
    Normal,
    /// The identity edge of a residual block `x + f(x)` (see [`Tape::residual`]).
    Residual,
}

/// An edge of [`Graph`]: from an input node to the op node that consumes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Which input of the op this edge feeds (0 for the first argument).
    pub slot: usize,
    /// Ordinary or residual.
    pub kind: EdgeKind,
}

/// The recorded computation: node weight = tape index, node index = tape index.
pub type Graph = DiGraph<NodeId, Edge>;

impl<T: Float> Tape<T> {
    /// The computation recorded so far as a petgraph [`DiGraph`]: node `i` is tape node `i`, and
    /// each op has one edge from each input (in slot order), so a node used twice has two
    /// edges to the same op.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tape;
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var("a", 3.0);
    /// let _b = a * a;
    /// let g = tape.graph();
    /// assert_eq!((g.node_count(), g.edge_count()), (2, 2));
    /// assert!(petgraph::algo::is_cyclic_directed(&g) == false);
    /// ```
    pub fn graph(&self) -> Graph {
        let nodes = self.nodes();
        let edges: usize = nodes.iter().map(|n| n.arity()).sum();
        let mut graph = Graph::with_capacity(nodes.len(), edges);
        for i in 0..nodes.len() {
            graph.add_node(NodeId(i));
        }
        for (i, node) in nodes.iter().enumerate() {
            for (slot, input) in node.inputs().enumerate() {
                graph.add_edge(
                    NodeIndex::new(input.node.0),
                    NodeIndex::new(i),
                    Edge {
                        slot,
                        kind: input.kind,
                    },
                );
            }
        }
        graph
    }
}

impl From<NodeId> for NodeIndex {
    /// A tape node's index in [`Tape::graph`] (they are the same number).
    fn from(id: NodeId) -> NodeIndex {
        NodeIndex::new(id.0)
    }
}
