//! Graphviz DOT for an [`HtmlTrace`]'s graph, written by hand so the output is ours and stable.
//!
//! Nodes show their name, formula and value (and gradient, where one flows); each layer is a
//! cluster; an edge is labelled with the local derivative of the multiplication that walks it
//! (the last one, if the sweep walks it more than once), and residual edges are dashed.

use super::fmt_num;
use super::model::{GraphNode, HtmlTrace, NodeRole};
use crate::tape::EdgeKind;

impl HtmlTrace {
    /// The graph as a Graphviz `digraph`, left to right.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph chaintrace {\n  rankdir=LR;\n");
        out += "  node [shape=box, style=rounded, fontname=\"monospace\"];\n";
        let mut layers: Vec<&str> = Vec::new();
        for n in &self.nodes {
            if !layers.contains(&n.layer.as_str()) {
                layers.push(&n.layer);
            }
        }
        for (k, layer) in layers.iter().enumerate() {
            let nodes = self.nodes.iter().filter(|n| n.layer == *layer);
            if layer.is_empty() {
                for n in nodes {
                    out += &format!("  {}\n", self.dot_node(n));
                }
                continue;
            }
            out += &format!(
                "  subgraph cluster_{k} {{\n    label=\"{}\";\n    style=dashed;\n",
                escape(layer)
            );
            for n in nodes {
                out += &format!("    {}\n", self.dot_node(n));
            }
            out += "  }\n";
        }
        for (i, e) in self.edges.iter().enumerate() {
            let mut attrs = Vec::new();
            if let Some(step) = self.steps.iter().rev().find(|s| s.edge == i) {
                attrs.push(format!(
                    "label=\"{}\\n= {}\"",
                    escape(&step.local_formula),
                    fmt_num(step.local)
                ));
            }
            if e.kind == EdgeKind::Residual {
                attrs.push("style=dashed".into());
            }
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            };
            out += &format!("  n{} -> n{}{attrs};\n", e.from, e.to);
        }
        out += "}\n";
        out
    }

    fn dot_node(&self, n: &GraphNode) -> String {
        let mut label = match n.role {
            NodeRole::Op => format!("{} = {}", n.name, n.formula),
            NodeRole::Leaf | NodeRole::Constant => n.name.clone(),
        };
        label += &format!("\\n= {}", fmt_num(n.value));
        if let Some(g) = n.grad {
            label += &format!("\\n∂{}/∂{} = {}", self.output, n.name, fmt_num(g));
        }
        let shape = match n.role {
            NodeRole::Op => "",
            NodeRole::Leaf => ", shape=ellipse",
            NodeRole::Constant => ", shape=plaintext",
        };
        format!(
            "n{} [label=\"{}\"{shape}];",
            n.id,
            escape_keeping_newlines(&label)
        )
    }
}

/// Escapes `"` and `\` for a DOT string.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Escapes a label whose `\n` line breaks were inserted on purpose.
fn escape_keeping_newlines(s: &str) -> String {
    s.split("\\n").map(escape).collect::<Vec<_>>().join("\\n")
}
