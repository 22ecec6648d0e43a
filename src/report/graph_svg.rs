//! The computation graph as an SVG drawing: nodes in columns by topological depth, layers as
//! shaded boxes, residual edges dashed.
//!
//! Elements carry ids the page's script uses: `node-{id}` (a `<g>`), `grad-{id}` (the node's
//! gradient line, empty until the stepper reaches it) and `edge-{i}` (a `<path>`, `i` indexing
//! [`HtmlTrace::edges`]). A leaf that feeds many ops (a weight shared by every layer) is drawn
//! again, small, beside each op more than one column away, as `ghost-{i}` for edge `i`, so no
//! edge crosses the whole graph.

use super::fmt_num;
use super::html::escape;
use super::model::{GraphEdge, GraphNode, HtmlTrace, NodeRole};
use crate::tape::EdgeKind;

/// The largest graph drawn; a bigger one is summarised in words instead.
pub const MAX_DRAWN_NODES: usize = 800;

const CHAR_WIDTH: f64 = 7.8;
const LINE_HEIGHT: f64 = 16.0;
const BOX_HEIGHT: f64 = 3.0 * LINE_HEIGHT + 10.0;
const ROW_GAP: f64 = 34.0;
const COLUMN_GAP: f64 = 64.0;
const MARGIN: f64 = 28.0;
const MAX_LABEL: usize = 28;

/// Where one node's box is.
#[derive(Clone, Copy, Debug)]
struct Placed {
    x: f64,
    y: f64,
    width: f64,
}

/// The graph as a standalone SVG document, or `None` above [`MAX_DRAWN_NODES`] nodes. Each
/// node's gradient line is left empty for the page's stepper to fill in.
pub fn graph_svg(trace: &HtmlTrace) -> Option<String> {
    draw(trace, Gradients::Hidden)
}

/// The graph as [`graph_svg`] draws it, with every node's final gradient written under its
/// value: the picture `--format svg` gives of a small trace, readable without the page.
///
/// ```
/// use chaintrace::report::{HtmlTrace, graph_svg::graph_with_gradients};
/// use chaintrace::{Tape, TraceOptions};
/// let tape = Tape::<f64>::new();
/// let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
/// let (_, trace) = (w * x).tanh().backward_traced(TraceOptions::default());
/// let svg = graph_with_gradients(&HtmlTrace::from_trace(&trace, "f")).unwrap();
/// assert!(svg.contains("∂f/∂w = 0.0197"));
/// ```
pub fn graph_with_gradients(trace: &HtmlTrace) -> Option<String> {
    draw(trace, Gradients::Shown)
}

/// Whether the drawing writes the final gradients or leaves them to the stepper.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gradients {
    Hidden,
    Shown,
}

fn draw(trace: &HtmlTrace, gradients: Gradients) -> Option<String> {
    if trace.nodes.is_empty() || trace.nodes.len() > MAX_DRAWN_NODES {
        return None;
    }
    let (placed, width, height) = layout(trace);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         font-family=\"monospace\" font-size=\"13\">\n"
    );
    svg += STYLE;
    svg += &layer_boxes(trace, &placed);
    for (i, e) in trace.edges.iter().enumerate() {
        let (Some(a), Some(b)) = (
            placed_of(trace, &placed, e.from),
            placed_of(trace, &placed, e.to),
        ) else {
            continue;
        };
        let inputs = trace.edges.iter().filter(|x| x.to == e.to).count();
        let offset = (e.slot as f64 - (inputs as f64 - 1.0) / 2.0) * 10.0;
        let (x2, y2) = (b.x, b.y + BOX_HEIGHT / 2.0 + offset);
        let (x1, y1) = match repeated_leaf(trace, e) {
            Some(leaf) => {
                svg += &ghost_svg(i, leaf, x2, y2);
                (x2 - GHOST_GAP, y2)
            }
            None => (a.x + a.width, a.y + BOX_HEIGHT / 2.0),
        };
        let dx = ((x2 - x1) / 2.0).max(30.0);
        let class = match e.kind {
            EdgeKind::Residual => "edge residual",
            EdgeKind::Normal => "edge",
        };
        svg += &format!(
            "<path id=\"edge-{i}\" class=\"{class}\" d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} \
             {:.1},{y2:.1} {x2:.1},{y2:.1}\" marker-end=\"url(#arrow)\"/>\n",
            x1 + dx,
            x2 - dx
        );
    }
    for (n, p) in trace.nodes.iter().zip(&placed) {
        svg += &node_svg(n, p, &trace.output, gradients);
    }
    svg += "</svg>\n";
    Some(svg)
}

/// A leaf used by at least this many ops is drawn again beside each far use.
const REPEAT_FAN_OUT: usize = 3;
/// The length of the edge from a repeated leaf to its op.
const GHOST_GAP: f64 = 14.0;
/// The characters of a repeated leaf's name that are drawn.
const GHOST_CHARS: usize = 5;

/// The leaf at the start of `e` when it is drawn again beside `e`'s op instead of sending an
/// edge across the graph: a leaf (or constant) that feeds [`REPEAT_FAN_OUT`] or more ops, at
/// an op more than one column away (a weight shared by every layer would otherwise draw an
/// edge to every layer, across the whole graph).
fn repeated_leaf<'a>(trace: &'a HtmlTrace, e: &GraphEdge) -> Option<&'a GraphNode> {
    let leaf = trace.nodes.iter().find(|n| n.id == e.from)?;
    let op = trace.nodes.iter().find(|n| n.id == e.to)?;
    if leaf.role == NodeRole::Op || op.depth <= leaf.depth + 1 {
        return None;
    }
    let uses = trace.edges.iter().filter(|x| x.from == e.from).count();
    (uses >= REPEAT_FAN_OUT).then_some(leaf)
}

/// A small copy of a leaf's name ending at (`x`, `y`) minus [`GHOST_GAP`], for edge `edge`:
/// `data-node` names the leaf, so the page highlights the copy with it.
fn ghost_svg(edge: usize, leaf: &GraphNode, x: f64, y: f64) -> String {
    let name: String = leaf.name.chars().take(GHOST_CHARS).collect();
    let name = if leaf.name.chars().count() > GHOST_CHARS {
        name + "…"
    } else {
        name
    };
    let width = name.chars().count() as f64 * CHAR_WIDTH * 0.85 + 8.0;
    let right = x - GHOST_GAP;
    format!(
        "<g id=\"ghost-{edge}\" class=\"node ghost\" data-node=\"{id}\"><title>{tip}</title>\
         <rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{width:.1}\" height=\"14\" rx=\"3\"/>\
         <text x=\"{tx:.1}\" y=\"{ty:.1}\">{name}</text></g>\n",
        id = leaf.id,
        tip = escape(&format!("{}, drawn again at each use", leaf.name)),
        x0 = right - width,
        y0 = y - 7.0,
        tx = right - width + 4.0,
        ty = y + 4.0,
        name = escape(&name),
    )
}

const STYLE: &str = "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8a8f98\"/></marker></defs>\n\
<style>\
.edge{fill:none;stroke:#8a8f98;stroke-width:1.4}\
.edge.residual{stroke-dasharray:6 4}\
.node rect{fill:#ffffff;stroke:#5b6270;stroke-width:1.2}\
.node.leaf rect{fill:#eef5ff}\
.node.constant rect{fill:#f4f4f4;stroke-dasharray:3 2}\
.node.ghost rect{fill:#eef5ff;stroke:#8a8f98}\
.node.ghost text{font-size:11px}\
.node .value{fill:#333}\
.node .grad{fill:#b3261e}\
.layer{fill:#f6f2e8;stroke:#d8cfb8}\
.layer-label{fill:#8a7a55;font-size:11px}\
</style>\n";

fn placed_of(trace: &HtmlTrace, placed: &[Placed], id: usize) -> Option<Placed> {
    trace
        .nodes
        .iter()
        .position(|n| n.id == id)
        .map(|i| placed[i])
}

/// The three lines of a node's box: what it is, its value, and (filled in by the page) its
/// gradient. The third line's width is reserved from the final gradient.
fn label_lines(n: &GraphNode, output: &str) -> [String; 3] {
    let title = match n.role {
        NodeRole::Op => format!("{} = {}", n.name, n.formula),
        NodeRole::Leaf => n.name.clone(),
        NodeRole::Constant => format!("{} (const)", n.name),
    };
    let title = if title.chars().count() > MAX_LABEL {
        let cut: String = title.chars().take(MAX_LABEL - 1).collect();
        cut + "…"
    } else {
        title
    };
    let grad = n
        .grad
        .map(|g| format!("∂{output}/∂{} = {}", n.name, fmt_num(g)))
        .unwrap_or_default();
    [title, format!("= {}", fmt_num(n.value)), grad]
}

fn box_width(n: &GraphNode, output: &str) -> f64 {
    let chars = label_lines(n, output)
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1);
    (chars as f64 * CHAR_WIDTH + 16.0).max(64.0)
}

/// Columns by depth, nodes in id order within a column, each column centred vertically.
fn layout(trace: &HtmlTrace) -> (Vec<Placed>, f64, f64) {
    let columns = trace.nodes.iter().map(|n| n.depth).max().unwrap_or(0) + 1;
    let mut column_width = vec![0.0f64; columns];
    let mut column_rows = vec![0usize; columns];
    for n in &trace.nodes {
        column_width[n.depth] = column_width[n.depth].max(box_width(n, &trace.output));
        column_rows[n.depth] += 1;
    }
    let mut column_x = vec![MARGIN; columns];
    for c in 1..columns {
        column_x[c] = column_x[c - 1] + column_width[c - 1] + COLUMN_GAP;
    }
    let tallest = column_rows.iter().copied().max().unwrap_or(1);
    let row_height = BOX_HEIGHT + ROW_GAP;
    let mut next_row = vec![0usize; columns];
    let placed = trace
        .nodes
        .iter()
        .map(|n| {
            let c = n.depth;
            let shift = (tallest - column_rows[c]) as f64 * row_height / 2.0;
            let y = MARGIN + shift + next_row[c] as f64 * row_height;
            next_row[c] += 1;
            Placed {
                x: column_x[c],
                y,
                width: box_width(n, &trace.output),
            }
        })
        .collect();
    let width = column_x[columns - 1] + column_width[columns - 1] + MARGIN;
    let height = 2.0 * MARGIN + tallest as f64 * row_height - ROW_GAP;
    (placed, width, height)
}

fn layer_boxes(trace: &HtmlTrace, placed: &[Placed]) -> String {
    let mut layers: Vec<&str> = Vec::new();
    for n in &trace.nodes {
        if !n.layer.is_empty() && !layers.contains(&n.layer.as_str()) {
            layers.push(&n.layer);
        }
    }
    let mut out = String::new();
    for layer in layers {
        let boxes: Vec<&Placed> = trace
            .nodes
            .iter()
            .zip(placed)
            .filter(|(n, _)| n.layer == layer)
            .map(|(_, p)| p)
            .collect();
        let x0 = boxes.iter().map(|p| p.x).fold(f64::INFINITY, f64::min) - 8.0;
        let y0 = boxes.iter().map(|p| p.y).fold(f64::INFINITY, f64::min) - 20.0;
        let x1 = boxes.iter().map(|p| p.x + p.width).fold(0.0, f64::max) + 8.0;
        let y1 = boxes.iter().map(|p| p.y + BOX_HEIGHT).fold(0.0, f64::max) + 8.0;
        out += &format!(
            "<rect class=\"layer\" x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             rx=\"6\"/><text class=\"layer-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            x1 - x0,
            y1 - y0,
            x0 + 6.0,
            y0 + 13.0,
            escape(layer)
        );
    }
    out
}

fn node_svg(n: &GraphNode, p: &Placed, output: &str, gradients: Gradients) -> String {
    let [title, value, grad] = label_lines(n, output);
    let grad = match gradients {
        Gradients::Shown => grad,
        Gradients::Hidden => String::new(),
    };
    let role = match n.role {
        NodeRole::Leaf => "leaf",
        NodeRole::Constant => "constant",
        NodeRole::Op => "op",
    };
    let line = |k: f64| p.y + 5.0 + LINE_HEIGHT * k - 4.0;
    format!(
        "<g id=\"node-{id}\" class=\"node {role}\" data-layer=\"{layer}\">\
         <title>{tip}</title>\
         <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"5\"/>\
         <text x=\"{tx:.1}\" y=\"{y1:.1}\">{title}</text>\
         <text class=\"value\" x=\"{tx:.1}\" y=\"{y2:.1}\">{value}</text>\
         <text class=\"grad\" id=\"grad-{id}\" x=\"{tx:.1}\" y=\"{y3:.1}\">{grad}</text></g>\n",
        id = n.id,
        layer = escape(&n.layer),
        tip = escape(&format!("{} ({}) in layer `{}`", n.name, n.op, n.layer)),
        x = p.x,
        y = p.y,
        w = p.width,
        h = BOX_HEIGHT,
        tx = p.x + 8.0,
        y1 = line(1.0),
        y2 = line(2.0),
        y3 = line(3.0),
        title = escape(&title),
        value = escape(&value),
        grad = escape(&grad),
    )
}
