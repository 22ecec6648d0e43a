//! Where a layer hook fires: the layer a name picks out, and that layer's outputs in a sweep.

use crate::error::{Error, Result};
use crate::tape::{NodeId, NodeSpan};
use crate::tensor::Float;

/// The index (a [`LayerId`](crate::tape::LayerId) number) of the layer `name` picks out of
/// `paths` (the tape's layer paths, index 0 being the top level `""`): the layer whose full
/// path is `name`, else the one layer whose path ends in `name` at a segment boundary
/// (`"block2"` picks `"net/block2"`, never `"net/xblock2"`).
///
/// # Errors
/// [`Error::Invalid`] naming `name` when it picks no layer (listing the layers present) or
/// several (listing the candidates).
pub(super) fn resolve(paths: &[String], name: &str) -> Result<usize> {
    let layers = || paths.iter().skip(1);
    if !name.is_empty()
        && let Some(i) = layers().position(|p| p == name)
    {
        return Ok(i + 1);
    }
    let candidates: Vec<usize> = layers()
        .enumerate()
        .filter(|(_, p)| !name.is_empty() && ends_with_segments(p, name))
        .map(|(i, _)| i + 1)
        .collect();
    match candidates[..] {
        [one] => Ok(one),
        [] => {
            let present = quoted(layers().map(String::as_str));
            let present = if present.is_empty() {
                "none (no node was recorded inside `tape.layer`)".to_string()
            } else {
                present
            };
            Err(Error::invalid(
                "hook_layer",
                format!("no layer is called `{name}`; layers on the tape: {present}"),
            ))
        }
        _ => Err(Error::invalid(
            "hook_layer",
            format!(
                "`{name}` names several layers: {}; give the full path",
                quoted(candidates.iter().map(|&i| paths[i].as_str()))
            ),
        )),
    }
}

/// True when `path` ends with the whole segments `name` (`net/block2` ends with `block2`
/// and with `net/block2`, not with `lock2`).
fn ends_with_segments(path: &str, name: &str) -> bool {
    path.strip_suffix(name)
        .is_some_and(|head| head.is_empty() || head.ends_with('/'))
}

/// True when layer `path` is `outer` or nested inside it (`block3/linear` is in `block3`).
pub(super) fn in_layer(path: &str, outer: &str) -> bool {
    path.strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The outputs of the layer `paths[layer]` in the sweep from `root`, in node order: the nodes
/// recorded in the layer (or a layer nested in it) that a node outside it consumes, or that
/// are `root`. One pass over the edges of the nodes up to `root`.
pub(super) fn outputs<T: Float>(
    nodes: NodeSpan<'_, T>,
    paths: &[String],
    layer: usize,
    root: NodeId,
) -> Vec<NodeId> {
    let inside: Vec<bool> = paths.iter().map(|p| in_layer(p, &paths[layer])).collect();
    let is_inside = |i: usize| inside[nodes.node(i).layer().0 as usize];
    let mut output = vec![false; root.0 + 1];
    output[root.0] = is_inside(root.0);
    for consumer in 0..=root.0 {
        if is_inside(consumer) {
            continue;
        }
        for input in nodes.node(consumer).inputs() {
            if is_inside(input.node.0) {
                output[input.node.0] = true;
            }
        }
    }
    (0..=root.0).filter(|&i| output[i]).map(NodeId).collect()
}
