//! The graph as the trace keeps it: owned node and edge tables, so a trace read back from JSON
//! can be rendered and its paths listed without the tape.
//!
//! The tables are written during the reverse sweep itself (see `capture/`), one node row and
//! its input edges at a time, so they are stored in sweep order: from the output back to node
//! 0, each op node's input edges in slot order, with each edge holding the multiplication
//! that crossed it. Rows own nothing (numbers and `u32` indices; tensor summaries, op labels,
//! names and formulas live in side tables), so a traced chain of a million levels writes two
//! short rows per level and clearing a trace is free.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Graph`], the tables, and how tape order maps to sweep-order rows |
//! | `stored.rs` | [`Stored`]: a value or gradient as a row keeps it (a number, or a tensor summary's index) |
//! | `node_row.rs` | [`NodeRow`], one node |
//! | `edge_row.rs` | [`EdgeRow`], one edge and the multiplication that crossed it |
//! | `events.rs` | [`EventRows`], the edges the multiplications crossed, in sweep order |
//! | `views.rs` | [`NodeRecord`] and [`EdgeRecord`], the public views of one row each, numbered in tape order |

mod edge_row;
mod events;
mod node_row;
mod stored;
mod views;

pub(crate) use edge_row::EdgeRow;
pub(crate) use events::EventRows;
pub(crate) use node_row::{NO_NAME, NodeRow};
pub(crate) use stored::Stored;
pub use views::{EdgeRecord, NodeRecord};

use super::summary::Summary;

/// The traced graph: one row per node up to the output and one per edge.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Graph {
    /// Node rows in sweep order: node `i` of `n` is row `n − 1 − i`.
    pub nodes: Vec<NodeRow>,
    /// Edge rows in sweep order: op nodes from the last back, each's inputs in slot order.
    pub edges: Vec<EdgeRow>,
    /// The edge rows the multiplications crossed, in sweep order (when events are recorded).
    pub events: EventRows,
    /// The tensor summaries rows point to.
    pub tensors: Vec<Summary>,
    /// Op labels, each once: `"leaf"`, `"const"`, then in order of first use in the sweep.
    pub ops: Vec<String>,
    /// The names of the leaves and constants, in sweep order.
    pub names: Vec<String>,
    /// Each node's forward formula by node id (`None` for leaves), when formulas were
    /// recorded.
    pub node_formulas: Vec<Option<String>>,
    /// Each edge's local derivative formula in tape order, when formulas were recorded.
    pub edge_formulas: Vec<Option<String>>,
}

impl Graph {
    /// Empties every table, keeping their memory (rows own nothing, so this is free).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.edges.clear();
        self.events.clear();
        self.tensors.clear();
        self.ops.clear();
        self.names.clear();
        self.node_formulas.clear();
        self.edge_formulas.clear();
    }

    /// The op label table with `"leaf"` and `"const"` in their places.
    pub(crate) fn new_ops() -> Vec<String> {
        vec!["leaf".into(), "const".into()]
    }

    /// The number of events.
    pub(crate) fn event_count(&self) -> usize {
        self.events.count(self.edges.len())
    }

    /// The edge row of event `k` (`k` < [`Graph::event_count`]).
    #[inline]
    pub(crate) fn event_row(&self, k: usize) -> usize {
        self.events.row(k)
    }

    /// The row of node `id`.
    #[inline]
    pub(crate) fn node(&self, id: usize) -> &NodeRow {
        &self.nodes[self.nodes.len() - 1 - id]
    }

    /// The rows of node `id`'s input edges in [`Graph::edges`].
    pub(crate) fn edges_into(&self, id: usize) -> std::ops::Range<usize> {
        let first = self.node(id).first_edge as usize;
        first..self.edges_after(id)
    }

    /// Where the edges of the nodes before `id` start in [`Graph::edges`] (the end of
    /// `id`'s own, as the sweep visits `id` first).
    fn edges_after(&self, id: usize) -> usize {
        match id {
            0 => self.edges.len(),
            _ => self.node(id - 1).first_edge as usize,
        }
    }

    /// The tape-order index of node `id`'s first input edge.
    fn tape_first_edge(&self, id: usize) -> usize {
        self.edges.len() - self.edges_after(id)
    }

    /// The tape-order index of the edge in row `row`.
    pub(crate) fn tape_index(&self, row: usize) -> usize {
        let edge = &self.edges[row];
        self.tape_first_edge(edge.to as usize) + edge.slot as usize
    }

    /// The row of the edge with tape-order index `index`.
    pub(crate) fn edge_row(&self, index: usize) -> usize {
        // The last node whose first edge is at or before `index`: its successor starts
        // past `index`, so it has inputs and `index` is one of them (a binary search, as
        // the starts never decrease along the tape).
        let (mut low, mut high) = (0, self.nodes.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if self.tape_first_edge(mid) <= index {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let id = low - 1;
        self.node(id).first_edge as usize + (index - self.tape_first_edge(id))
    }

    /// The magnitude of what crossed the edge in row `row`.
    pub(crate) fn flow(&self, row: usize) -> Option<f64> {
        self.edges[row].flow(&self.tensors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows stay small and own nothing: a traced chain writes one node row and two edge
    /// rows per level, and clearing them costs nothing.
    #[test]
    fn rows_are_compact() {
        assert_eq!(std::mem::size_of::<NodeRow>(), 40);
        assert_eq!(std::mem::size_of::<EdgeRow>(), 40);
        assert!(!std::mem::needs_drop::<NodeRow>() && !std::mem::needs_drop::<EdgeRow>());
    }
}
