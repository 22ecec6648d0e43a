//! Writing the trace's graph during the reverse sweep.
//!
//! The sweep visits every node from the output back to node 0; at each visit the capture
//! appends the node's row and its input edges' rows, and the multiplications that follow
//! (one per input) fill in those edge rows, which are still in cache. The graph is thus
//! recorded in the same single pass over the tape that computes the gradients, in sweep
//! order (see `record/`); only formulas, when asked for, take a pass of their own.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Capture`], called by the recorder at each step of the sweep |
//! | `labels.rs` | op labels, each stored once per trace |
//! | `local.rs` | a scalar edge's local derivative as a number |
//! | `formulas.rs` | the pass that writes each node's and edge's formula |

mod formulas;
mod labels;
mod local;

pub(crate) use local::scalar_local_derivative;

use formulas::write_formulas;
use labels::Labels;
use local::tensor_local_derivative;

use super::limits::fit_name;
use super::names::symbol;
use super::record::{EdgeRow, EventRows, Graph, NO_NAME, NodeRow, Stored};
use super::summary::{Summary, tensor_norm};
use crate::tape::{Node, NodeSpan, ScalarEdge};
use crate::tensor::{Float, Tensor};

/// The graph being written, and where the sweep is.
pub(crate) struct Capture {
    graph: Graph,
    labels: Labels,
    full_values: usize,
    /// Record each multiplication as an event (else only the magnitude crossing each edge).
    events: bool,
    /// The first edge row of the node being visited.
    current: usize,
    /// Edge rows written so far that no event crossed (with events on): while there are
    /// none, the event list is the edge table and is not written.
    uncrossed: usize,
    /// The event list's memory from an earlier trace, when one is written.
    event_rows: Vec<u32>,
}

impl Capture {
    /// A capture of the `nodes` up to the output, written into `graph` (empty; its memory is
    /// reused).
    pub(crate) fn new<T: Float>(
        nodes: NodeSpan<'_, T>,
        mut graph: Graph,
        full_values: usize,
        events: bool,
    ) -> Self {
        graph.nodes.reserve(nodes.len());
        // Most op nodes have one or two inputs; capacity never written costs no memory.
        graph.edges.reserve(2 * nodes.len());
        let event_rows = graph.events.take();
        let labels = Labels::new(nodes.op_count(), std::mem::take(&mut graph.ops));
        Capture {
            graph,
            labels,
            full_values,
            events,
            current: 0,
            uncrossed: 0,
            event_rows,
        }
    }

    /// The sweep reaches node `i` with its complete gradient (`None` when none reaches it):
    /// its row and its input edges' rows are appended.
    #[inline]
    pub(crate) fn visit<T: Float>(
        &mut self,
        nodes: NodeSpan<'_, T>,
        i: usize,
        grad: Option<&Tensor<T>>,
    ) {
        let node = nodes.node(i);
        self.current = self.graph.edges.len();
        let name = match node.op_index() {
            Some(_) => {
                push_edge_rows(nodes, i, node, &mut self.graph.edges);
                self.uncrossed += self.graph.edges.len() - self.current;
                NO_NAME
            }
            None => {
                self.graph.names.push(fit_name(symbol(i, node).to_text()));
                (self.graph.names.len() - 1) as u32
            }
        };
        let value = self.store(node.value());
        let grad = grad.map(|g| self.store(g));
        let op = self.labels.of(node);
        let indices = [op, node.layer().0, name, self.current as u32];
        self.graph.nodes.push(NodeRow::new(value, grad, indices));
    }

    /// A scalar op node without hooks, with its complete gradient: its row. Its input
    /// edges follow, one [`Capture::scalar_edge`] each.
    #[inline(always)] // one call site per recorder; always in the sweep's loop
    pub(crate) fn scalar_node<T: Float>(&mut self, node: Node<'_, T>, grad: T) {
        let first = self.graph.edges.len() as u32;
        let indices = [self.labels.of(node), node.layer().0, NO_NAME, first];
        let grad = grad.as_f64();
        let row = match node.value().as_scalar() {
            Some(value) => NodeRow::scalar(value.as_f64(), grad, indices),
            None => NodeRow::new(
                self.store(node.value()),
                Some(Stored::Scalar(grad)),
                indices,
            ),
        };
        self.graph.nodes.push(row);
    }

    /// An input edge of that node, with the multiplication that crossed it, if any.
    #[inline(always)]
    pub(crate) fn scalar_edge<T: Float>(&mut self, edge: &ScalarEdge<T>) {
        let mut row = EdgeRow::new(edge.input, edge.node, edge.slot, edge.kind);
        row = row.with_local(Some(edge.local.as_f64()));
        if let Some(step) = edge.step {
            let contribution = step.contribution.as_f64();
            if self.events {
                row.cross_scalars(contribution, step.accumulated.as_f64());
            } else {
                row.cross_norm(contribution.abs());
            }
        } else {
            self.uncrossed += 1;
        }
        self.graph.edges.push(row);
    }

    /// A contribution crosses input `slot` of the node being visited.
    pub(crate) fn edge<T: Float>(&mut self, slot: usize, contribution: &Tensor<T>) {
        let row = self.current + slot;
        if !self.events {
            self.graph.edges[row].cross_norm(tensor_norm(contribution));
            return;
        }
        let stored = self.store(contribution);
        // The accumulated gradient follows in the next call.
        self.graph.edges[row].cross(stored, Stored::Scalar(f64::NAN));
        self.uncrossed -= 1;
    }

    /// The input of that multiplication now holds `accumulated`.
    pub(crate) fn accumulated<T: Float>(&mut self, slot: usize, accumulated: &Tensor<T>) {
        if self.events {
            let stored = self.store(accumulated);
            self.graph.edges[self.current + slot].set_accumulated(stored);
        }
    }

    /// The finished graph; with `formulas`, each op node's forward formula and each edge's
    /// local derivative formula are written in a pass of their own.
    pub(crate) fn finish<T: Float>(self, nodes: NodeSpan<'_, T>, formulas: bool) -> Graph {
        let mut graph = self.graph;
        graph.ops = self.labels.by_text;
        let (rows, edges) = (self.event_rows, graph.edges.len());
        graph.events = match (self.events, self.uncrossed) {
            (false, _) => EventRows::new(rows, 0),
            (true, 0) => EventRows::every_edge(rows, edges),
            (true, _) => EventRows::new(event_rows(&graph.edges, rows), edges),
        };
        if formulas {
            write_formulas(nodes, &mut graph);
        }
        graph
    }

    /// A value or gradient as a row stores it: a scalar inline, a tensor's summary in the
    /// tensor table.
    #[inline]
    fn store<T: Float>(&mut self, t: &Tensor<T>) -> Stored {
        match t.as_scalar() {
            Some(x) => Stored::Scalar(x.as_f64()),
            None => self.store_tensor(t),
        }
    }

    #[inline(never)]
    fn store_tensor<T: Float>(&mut self, t: &Tensor<T>) -> Stored {
        Stored::new(Summary::of(t, self.full_values), &mut self.graph.tensors)
    }
}

/// The rows of `edges` an event crossed, written into `rows` (empty; its memory is reused).
fn event_rows(edges: &[EdgeRow], mut rows: Vec<u32>) -> Vec<u32> {
    let crossed = edges
        .iter()
        .enumerate()
        .filter(|(_, edge)| edge.has_event());
    rows.extend(crossed.map(|(row, _)| row as u32));
    rows
}

/// Appends the edges into op node `i`, with their local derivatives when scalar.
#[inline]
fn push_edge_rows<T: Float>(
    nodes: NodeSpan<'_, T>,
    i: usize,
    node: Node<'_, T>,
    edges: &mut Vec<EdgeRow>,
) {
    let scalar = node.scalar_derivatives();
    for (slot, input) in node.inputs().enumerate() {
        let local = match scalar {
            Some(scalar) => Some(scalar[slot].as_f64()),
            None => node
                .op()
                .and_then(|op| tensor_local_derivative(nodes, node, op, slot)),
        };
        edges.push(EdgeRow::new(input.node.0, i, slot, input.kind).with_local(local));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;
    use crate::tape::NodeId;

    /// Visits `nodes` from the last back, as the sweep does, without gradients.
    fn capture_all(tape: &Tape<f64>, formulas: bool) -> Graph {
        let nodes = tape.nodes();
        let span = nodes.span();
        let mut capture = Capture::new(span, Graph::default(), 16, true);
        for i in (0..span.len()).rev() {
            capture.visit(span, i, None);
        }
        capture.finish(span, formulas)
    }

    /// Parametrised ops keep their own labels; stateless ones share one.
    #[test]
    fn labels_are_interned_per_op() {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", 2.0);
        let _y = x.powf(2.0) * x.powf(3.0) * x;
        let g = capture_all(&tape, false);
        let labels: Vec<&str> = (0..5).map(|i| &*g.ops[g.node(i).op as usize]).collect();
        assert_eq!(labels, ["leaf", "powf(2)", "powf(3)", "mul", "mul"]);
        // Interned in sweep order: the last node's op first.
        assert_eq!(g.ops, ["leaf", "const", "mul", "powf(3)", "powf(2)"]);
        assert!(g.edge_formulas.is_empty() && g.node_formulas.is_empty());
    }

    /// y = tanh(w·x) at w = 0.5, x = 2: ∂y/∂u₂ = 1 − tanh(1)² = 0.41997…, ∂u₂/∂w = x = 2.
    /// Rows are in sweep order; tape order is recovered through the node ids.
    #[test]
    fn capture_names_nodes_and_evaluates_local_derivatives() {
        let tape = Tape::<f64>::new();
        let w = tape.var("w", 0.5);
        let x = tape.var("x", 2.0);
        let _y = (w * x).tanh();
        let g = capture_all(&tape, true);
        assert_eq!(g.names, ["x", "w"]);
        assert_eq!(g.node(0).name, 1);
        assert_eq!(g.node(0).value(), Stored::Scalar(0.5));
        assert_eq!(g.node(0).grad(), None);
        assert_eq!(g.node(2).name, NO_NAME);
        let firsts: Vec<u32> = g.nodes.iter().map(|n| n.first_edge).collect();
        assert_eq!(firsts, [0, 1, 3, 3]); // tanh's edge, then mul's two, then none
        let tape_order: Vec<usize> = (0..4).flat_map(|id| g.edges_into(id)).collect();
        assert_eq!(tape_order, [1, 2, 0]);
        assert_eq!((0..3).map(|e| g.edge_row(e)).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(
            (0..3).map(|r| g.tape_index(r)).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        assert_eq!(g.edge_formulas[0].as_deref(), Some("x"));
        assert_eq!(g.edges[1].local(), Some(2.0));
        let tanh_prime = 1.0 - 1.0f64.tanh().powi(2);
        assert!((g.edges[0].local().unwrap() - tanh_prime).abs() < 1e-15);
        assert_eq!(g.edges[0].from(), NodeId(2));
        assert_eq!(g.flow(0), None);
        let formulas: Vec<Option<&str>> = g.node_formulas.iter().map(|f| f.as_deref()).collect();
        assert_eq!(formulas, [None, None, Some("w·x"), Some("tanh(u₂)")]);
    }
}
