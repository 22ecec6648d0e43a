//! Graphviz DOT, written by hand (not petgraph's `Dot`, whose output may change between
//! versions) so snapshots stay stable.
//!
//! Nodes carry their name, op, value and gradient; each layer is a cluster. Edges point
//! forward (input → op) and carry the local derivative's formula, its value for scalars, and
//! the magnitude of the gradient that crossed them; their colour encodes that magnitude on a
//! fixed log scale ([`PALETTE`]), and residual (skip) edges are dashed. A trace without a
//! graph (ledger only) is drawn as the chain of its layers.

use std::fmt::Write;

use super::num;
use crate::escape::dot::escape;
use crate::tape::EdgeKind;
use crate::tape::NodeId;
use crate::trace::{EdgeRecord, NodeRecord, Trace};

/// Edge colours by gradient magnitude `g`: (upper bound, colour), from vanished (blue)
/// through healthy (green, around 1) to exploded (red); ColorBrewer's RdYlBu/RdYlGn hues.
pub(crate) const PALETTE: [(f64, &str); 7] = [
    (1e-6, "#313695"),
    (1e-3, "#4575b4"),
    (1e-1, "#74add1"),
    (1e1, "#1a9850"),
    (1e3, "#fdae61"),
    (1e6, "#f46d43"),
    (f64::INFINITY, "#a50026"),
];

/// The colour of an edge that carried no gradient.
const NO_GRADIENT: &str = "#999999";
/// The colour of an edge whose gradient is NaN or infinite.
const NON_FINITE: &str = "#ff00ff";

/// The palette colour for a gradient magnitude.
pub(crate) fn colour(magnitude: Option<f64>) -> &'static str {
    match magnitude {
        None => NO_GRADIENT,
        Some(g) if !g.is_finite() => NON_FINITE,
        Some(g) => PALETTE
            .iter()
            .find(|(bound, _)| g < *bound)
            .map_or(NON_FINITE, |(_, c)| c),
    }
}

impl Trace {
    /// The traced graph in Graphviz DOT (render with `dot -Tsvg`).
    ///
    /// Edge colours by the magnitude `g` of the gradient crossing the edge: `g < 1e-6`
    /// `#313695`, `< 1e-3` `#4575b4`, `< 1e-1` `#74add1`, `< 1e1` `#1a9850`, `< 1e3` `#fdae61`,
    /// `< 1e6` `#f46d43`, above `#a50026`; NaN/∞ `#ff00ff`; no gradient `#999999`.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph chaintrace {\n");
        out.push_str("  // edge colour = |gradient| crossing the edge, log scale:\n");
        out.push_str("  // <1e-6 #313695, <1e-3 #4575b4, <1e-1 #74add1, <1e1 #1a9850,\n");
        out.push_str(
            "  // <1e3 #fdae61, <1e6 #f46d43, above #a50026; NaN/inf #ff00ff; none #999999\n",
        );
        out.push_str("  rankdir=LR;\n");
        out.push_str("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n");
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        if self.nodes().is_empty() {
            self.dot_ledger(&mut out);
        } else {
            self.dot_graph(&mut out);
        }
        out.push_str("}\n");
        out
    }

    fn dot_graph(&self, out: &mut String) {
        for (layer, path) in self.layers().iter().enumerate().skip(1) {
            let members: Vec<NodeRecord> =
                self.nodes().iter().filter(|n| n.layer() == layer).collect();
            if members.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  subgraph cluster_{layer} {{");
            let _ = writeln!(out, "    label=\"{}\";", escape(path));
            for node in members {
                dot_node(out, "    ", node, &self.hook_notes(node.id(), None));
            }
            out.push_str("  }\n");
        }
        for node in self.nodes().iter().filter(|n| n.layer() == 0) {
            dot_node(out, "  ", node, &self.hook_notes(node.id(), None));
        }
        for edge in self.edges() {
            self.dot_edge(out, edge);
        }
    }

    fn dot_edge(&self, out: &mut String, edge: EdgeRecord) {
        let (output, input) = (edge.output().display_name(), edge.input().display_name());
        let mut label = format!("∂{output}/∂{input}");
        if let Some(formula) = edge.formula() {
            let _ = write!(label, " = {formula}");
        }
        if let Some(local) = edge.local() {
            let _ = write!(label, "\n= {}", num(local));
        }
        if let Some(flow) = edge.flow() {
            let _ = write!(label, "\ngrad {}", num(flow));
        }
        let hooks = self.hook_notes(edge.to(), Some((edge.slot(), edge.from())));
        label.push_str(&hooks);
        let style = match (edge.kind(), hooks.is_empty()) {
            (EdgeKind::Residual, true) => ", style=dashed",
            (EdgeKind::Residual, false) => ", style=\"dashed,bold\"",
            (EdgeKind::Normal, true) => "",
            (EdgeKind::Normal, false) => ", style=bold",
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", color=\"{}\"{style}];",
            edge.from().0,
            edge.to().0,
            escape(&label),
            colour(edge.flow())
        );
    }

    /// Without a graph: the layers as a chain, from the loss back to the input.
    fn dot_ledger(&self, out: &mut String) {
        let rows = &self.ledger().rows;
        for (i, row) in rows.iter().enumerate() {
            let label = format!(
                "{}\n‖∂L/∂out‖ {}\ngain {}",
                row.layer,
                num(row.output_norm),
                super::opt_num(row.gain)
            );
            let _ = writeln!(out, "  l{i} [label=\"{}\"];", escape(&label));
        }
        for (i, pair) in rows.windows(2).enumerate() {
            let _ = writeln!(
                out,
                "  l{i} -> l{} [color=\"{}\"];",
                i + 1,
                colour(Some(pair[1].output_norm))
            );
        }
    }
}

impl Trace {
    /// One line per hook that fired at `node` (or on its input edge `edge`): `hook ClipNorm(1)
    /// ×0.131704`.
    fn hook_notes(&self, node: NodeId, edge: Option<(usize, NodeId)>) -> String {
        let mut notes = String::new();
        for firing in self.hooks() {
            if firing.context.node == node && firing.context.edge == edge {
                let _ = write!(notes, "\nhook {} ×{}", firing.hook, num(firing.factor()));
            }
        }
        notes
    }
}

fn dot_node(out: &mut String, indent: &str, node: NodeRecord, hooks: &str) {
    let mut label = format!(
        "{}\n{}\n= {}",
        node.display_name(),
        node.op(),
        super::summary(&node.value())
    );
    if let Some(grad) = node.grad() {
        let _ = write!(label, "\ngrad {}", super::summary(&grad));
    }
    label.push_str(hooks);
    let _ = writeln!(
        out,
        "{indent}n{} [label=\"{}\"];",
        node.id().0,
        escape(&label)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_log_scale() {
        assert_eq!(colour(None), NO_GRADIENT);
        assert_eq!(colour(Some(f64::NAN)), NON_FINITE);
        assert_eq!(colour(Some(0.0)), "#313695");
        assert_eq!(colour(Some(1.0)), "#1a9850");
        assert_eq!(colour(Some(6.4e8)), "#a50026");
        assert_eq!(colour(Some(8.9e-16)), "#313695");
    }
}
