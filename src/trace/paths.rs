//! ∂y/∂x as a sum over paths: the k paths with the largest products, by a k-best dynamic
//! program over the recorded DAG.

use std::ops::Deref;

use super::record::{EdgeRow, Graph};
use crate::error::{Error, Result};
use crate::tape::NodeId;

/// One path from `x` to `y` and the product of its local derivatives.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    edges: Vec<PathEdge>,
    contribution: f64,
}

/// One edge of a [`Path`], in forward order.
#[derive(Clone, Debug, PartialEq)]
pub struct PathEdge {
    /// The edge's index in [`Trace::edges`](super::Trace::edges).
    pub edge: usize,
    /// The input node.
    pub from: NodeId,
    /// The op node.
    pub to: NodeId,
    /// Which argument of the op.
    pub slot: usize,
    /// The local derivative `∂to/∂from`.
    pub local: f64,
}

impl Path {
    /// The product of the local derivatives along the path: its share of `∂y/∂x`.
    pub fn contribution(&self) -> f64 {
        self.contribution
    }

    /// The edges from `x` to `y`.
    pub fn edges(&self) -> &[PathEdge] {
        &self.edges
    }

    /// The nodes from `x` to `y`.
    pub fn nodes(&self) -> Vec<NodeId> {
        let first = self.edges.first().map(|e| e.from);
        first
            .into_iter()
            .chain(self.edges.iter().map(|e| e.to))
            .collect()
    }
}

/// The k largest paths from `x` to `y`; dereferences to them, largest |contribution| first.
///
/// The number of paths can grow exponentially with depth (a ladder of `n` fan-outs has `2ⁿ`),
/// so they are never enumerated. Nodes are visited in tape order, which is topological; each
/// keeps the k partial paths from `x` with the largest |product|. Extending a partial path by
/// an edge multiplies its product by the edge's local derivative, which preserves the order
/// of magnitudes, so the k best paths into a node are among the extensions of the k best
/// paths into its inputs. The same pass counts all paths and sums all their products (the
/// gradient).
///
/// # Complexity
/// O(E · k log k) time and O(V · k) memory for the V nodes and E edges between `x` and `y`.
#[derive(Clone, Debug, PartialEq)]
pub struct Paths {
    paths: Vec<Path>,
    count: u128,
    gradient: f64,
}

impl Deref for Paths {
    type Target = [Path];
    fn deref(&self) -> &[Path] {
        &self.paths
    }
}

impl Paths {
    /// The number of paths from `x` to `y` (saturating at `u128::MAX`).
    pub fn count(&self) -> u128 {
        self.count
    }

    /// True when there are more paths than are listed.
    pub fn truncated(&self) -> bool {
        self.count > self.paths.len() as u128
    }

    /// The sum over all paths, listed or not: `∂y/∂x`.
    pub fn gradient(&self) -> f64 {
        self.gradient
    }

    /// The sum over the listed paths.
    pub fn listed_sum(&self) -> f64 {
        self.paths.iter().map(Path::contribution).sum()
    }
}

/// A partial path into a node: its product, the row of its last edge and the index of its
/// prefix in the edge's input's list.
#[derive(Clone, Copy)]
struct Partial {
    product: f64,
    edge: usize,
    prefix: usize,
}

const START: usize = usize::MAX;

/// The k best paths between nodes `a` and `b` (in either order) of `graph`.
pub(crate) fn k_best(graph: &Graph, a: NodeId, b: NodeId, k: usize) -> Result<Paths> {
    let (x, y) = (a.min(b).0, a.max(b).0);
    let edges = &graph.edges;
    let reaches_y = reaching(graph, x, y);
    let span = y - x + 1;
    let mut best: Vec<Vec<Partial>> = vec![Vec::new(); span];
    let mut count = vec![0u128; span];
    let mut sum = vec![0.0f64; span];
    best[0].push(Partial {
        product: 1.0,
        edge: START,
        prefix: START,
    });
    count[0] = 1;
    sum[0] = 1.0;
    let mut current = x;
    // Op nodes in tape order (topological), each's inputs in slot order.
    for row in (x + 1..=y).flat_map(|id| graph.edges_into(id)) {
        let edge = &edges[row];
        let (from, to) = (edge.from as usize, edge.to as usize);
        if from < x || count[from - x] == 0 || !reaches_y[to - x] {
            continue;
        }
        if to != current {
            keep_largest(&mut best[current - x], k);
            current = to;
        }
        let local = edge.local().ok_or_else(|| tensor_edge_error(edge))?;
        let (before, after) = best.split_at_mut(to - x);
        let prefixes = &before[from - x];
        after[0].extend(prefixes.iter().enumerate().map(|(j, p)| Partial {
            product: p.product * local,
            edge: row,
            prefix: j,
        }));
        count[to - x] = count[to - x].saturating_add(count[from - x]);
        sum[to - x] += sum[from - x] * local;
    }
    keep_largest(&mut best[y - x], k);
    let paths = best[y - x]
        .iter()
        .map(|p| rebuild(graph, &best, x, *p))
        .collect();
    Ok(Paths {
        paths,
        count: count[y - x],
        gradient: sum[y - x],
    })
}

/// Which nodes in `x..=y` have a path to `y` (a backward pass over the edges, which the
/// graph stores in exactly that order).
fn reaching(graph: &Graph, x: usize, y: usize) -> Vec<bool> {
    let mut reaches = vec![false; y - x + 1];
    reaches[y - x] = true;
    for id in (x + 1..=y).rev() {
        if !reaches[id - x] {
            continue;
        }
        for edge in &graph.edges[graph.edges_into(id)] {
            let from = edge.from as usize;
            if from >= x {
                reaches[from - x] = true;
            }
        }
    }
    reaches
}

/// Keeps the `k` partial paths of largest |product| (ties keep edge order).
fn keep_largest(partials: &mut Vec<Partial>, k: usize) {
    partials.sort_by(|p, q| q.product.abs().total_cmp(&p.product.abs()));
    partials.truncate(k);
}

/// Follows prefix links back from `last` to `x` (a loop: paths can be a million edges long).
fn rebuild(graph: &Graph, best: &[Vec<Partial>], x: usize, last: Partial) -> Path {
    let mut path = Vec::new();
    let mut at = last;
    while at.edge != START {
        let edge = &graph.edges[at.edge];
        path.push(PathEdge {
            edge: graph.tape_index(at.edge),
            from: edge.from(),
            to: edge.to(),
            slot: edge.slot(),
            local: edge.local().unwrap_or(f64::NAN),
        });
        at = best[edge.from as usize - x][at.prefix];
    }
    path.reverse();
    Path {
        edges: path,
        contribution: last.product,
    }
}

fn tensor_edge_error(edge: &EdgeRow) -> Error {
    Error::invalid(
        "paths",
        format!(
            "edge {} → {} (slot {}) carries a tensor, so its local derivative is a Jacobian, not a \
             number; path products are listed for scalar graphs (see the path-length split)",
            edge.from, edge.to, edge.slot
        ),
    )
}
