//! The largest paths from each leaf to the output, as the text and Markdown renderers list
//! them: bounded by the limits in `trace/limits.rs`, so a file with many long paths cannot
//! make the listing grow faster than the file.

use super::tables::{hooks_caveat, name};
use super::{Align, Block, Table, num};
use crate::trace::{
    MAX_RENDERED_PATH_LEAVES, MAX_RENDERED_PATH_NODES, MAX_RENDERED_PATH_NODES_TOTAL,
    MAX_RENDERED_PATHS, Trace,
};
use Align::{Left, Right};

/// The largest paths from each leaf to the output (scalar graphs with a recorded graph).
pub(super) fn paths(trace: &Trace) -> Vec<Block> {
    let k = trace.options().top_paths.min(MAX_RENDERED_PATHS);
    if trace.nodes().is_empty() || !trace.is_scalar() || k == 0 {
        return Vec::new();
    }
    let mut blocks = vec![Block::Heading(
        2,
        "Largest paths: ∂y/∂x as a sum over paths of products of local derivatives".to_string(),
    )];
    blocks.extend(hooks_caveat(trace));
    let output = trace.output();
    let leaves = trace
        .nodes()
        .iter()
        .filter(|n| n.op() == "leaf" && n.grad().is_some() && n.id() != output);
    // Path nodes shown in all: in proportion to the graph (so to the file), and bounded.
    let budget = (4 * trace.edges().len()).min(MAX_RENDERED_PATH_NODES_TOTAL);
    let (mut listed, mut shown) = (0, 0);
    for leaf in leaves {
        if listed == MAX_RENDERED_PATH_LEAVES {
            blocks.push(Block::Line(format!(
                "(paths listed for the first {MAX_RENDERED_PATH_LEAVES} leaves only)"
            )));
            break;
        }
        let Ok(paths) = trace.try_paths(leaf.id(), output, k) else {
            continue;
        };
        let nodes: usize = paths
            .iter()
            .map(|p| (p.edges().len() + 1).min(MAX_RENDERED_PATH_NODES))
            .sum();
        shown += nodes;
        if shown > budget {
            blocks.push(Block::Line(format!(
                "(paths listed for the first {listed} leaves only: at most {budget} nodes are \
                 shown in all)"
            )));
            break;
        }
        listed += 1;
        blocks.push(Block::Line(format!(
            "∂{}/∂{} = {}: {} path{}, {} shown{}",
            name(trace, output),
            leaf.display_name(),
            num(paths.gradient()),
            paths.count(),
            if paths.count() == 1 { "" } else { "s" },
            paths.len(),
            if paths.truncated() {
                format!(" (their sum: {})", num(paths.listed_sum()))
            } else {
                String::new()
            }
        )));
        let rows = paths
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let nodes = shortened_path(p.nodes().iter().map(|&id| name(trace, id)));
                vec![
                    (i + 1).to_string(),
                    num(p.contribution()),
                    nodes.join(" → "),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            columns: vec![("#", Right), ("product", Right), ("path", Left)],
            rows,
        }));
    }
    blocks
}

/// A path's node names, the middle left out (`… 37 more …`) past
/// [`MAX_RENDERED_PATH_NODES`].
fn shortened_path(names: impl ExactSizeIterator<Item = String>) -> Vec<String> {
    let len = names.len();
    if len <= MAX_RENDERED_PATH_NODES {
        return names.collect();
    }
    let head = MAX_RENDERED_PATH_NODES / 2;
    let tail = MAX_RENDERED_PATH_NODES - head - 1;
    let hidden = len - head - tail;
    let mut names = names.enumerate();
    let mut out: Vec<String> = names.by_ref().take(head).map(|(_, n)| n).collect();
    out.push(format!("… {hidden} more …"));
    out.extend(names.filter(|(i, _)| *i >= len - tail).map(|(_, n)| n));
    out
}
