//! The page's data model: plain, serde-serialisable data the HTML page reads.

use serde::{Deserialize, Serialize};

use super::serde_number;
use crate::tape::EdgeKind;

/// Everything a trace page shows, as data: the page model of [`html::page`](super::html::page).
///
/// [`HtmlTrace::from_trace`] fills it from a [`Trace`](crate::Trace); a producer adds a title,
/// context lines, closed-form [`gradients`](HtmlTrace::gradients), its own
/// [`ledger`](HtmlTrace::ledger) columns and [`charts`](HtmlTrace::charts). The page embeds it
/// as JSON for its script; numbers that are not finite are written as the strings
/// `"Infinity"`, `"-Infinity"` and `"NaN"`, which JavaScript's `Number()` reads back. (The
/// trace itself is saved and read back as [`Trace::to_json`](crate::Trace::to_json); every
/// other format renders from the [`Trace`](crate::Trace).)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HtmlTrace {
    /// The heading: `f = tanh(w*x + b)`.
    pub title: String,
    /// Lines under the heading: `at w = 1.5, x = 2, b = 0.1`.
    pub context: Vec<String>,
    /// The name of the differentiated output in formulas: `f` in `∂f/∂w`.
    pub output: String,
    /// The graph's nodes, in tape (topological) order.
    pub nodes: Vec<GraphNode>,
    /// The graph's edges, from an input to the op consuming it.
    pub edges: Vec<GraphEdge>,
    /// Every chain-rule multiplication of the backward pass, in sweep order.
    pub steps: Vec<Step>,
    /// Closed-form gradients of the output, with their values.
    pub gradients: Vec<GradientLine>,
    /// The per-layer table.
    pub ledger: Ledger,
    /// SVG charts to embed.
    pub charts: Vec<Chart>,
    /// Warnings a reader must see (a non-finite value and where it first appeared).
    pub notes: Vec<String>,
}

/// What a graph node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// A differentiable input.
    Leaf,
    /// A constant.
    Constant,
    /// An op's result.
    Op,
}

/// A node of the drawn graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// The node's tape index (edges and steps refer to it).
    pub id: usize,
    /// Its name in formulas: a leaf's name, `u₃` for an op's result, a constant's value.
    pub name: String,
    /// Leaf, constant or op.
    pub role: NodeRole,
    /// The op's label (`tanh`, `powf(2)`), or `leaf` / `const`.
    pub op: String,
    /// How an op's result is formed from its inputs' names: `tanh(u₄)` (empty for leaves, and
    /// for traces recorded without formulas).
    pub formula: String,
    /// The forward value (a scalar; for a tensor, its Frobenius norm).
    #[serde(with = "serde_number")]
    pub value: f64,
    /// The layer path (`""` at the top level).
    pub layer: String,
    /// The drawing column: topological depth, with leaves placed just before their first use.
    pub depth: usize,
    /// The final gradient of the output with respect to this node, if one flows to it.
    #[serde(with = "serde_number::optional")]
    pub grad: Option<f64>,
}

/// An edge of the drawn graph: `from` is input `slot` of the op node `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// The input node's id.
    pub from: usize,
    /// The op node's id.
    pub to: usize,
    /// Which argument of the op.
    pub slot: usize,
    /// Ordinary, or the identity edge of a residual block (drawn dashed).
    pub kind: EdgeKind,
}

/// One chain-rule multiplication: `∂L/∂u = ∂L/∂y · ∂y/∂u`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The index in [`HtmlTrace::edges`] of the edge `u → y` this step walks back along.
    pub edge: usize,
    /// The op node `y`.
    pub node: usize,
    /// The input `u`.
    pub input: usize,
    /// The op's label.
    pub op: String,
    /// The op node's layer.
    pub layer: String,
    /// `∂L/∂y` (its Frobenius norm, for a tensor).
    #[serde(with = "serde_number")]
    pub upstream: f64,
    /// `∂y/∂u`, when both are scalars.
    #[serde(with = "serde_number::optional")]
    pub local: Option<f64>,
    /// `∂L/∂y · ∂y/∂u`, as the engine computed it (its norm, for a tensor).
    #[serde(with = "serde_number")]
    pub product: f64,
    /// `∂L/∂u` after this step (sums over the fan-out are visible here).
    #[serde(with = "serde_number")]
    pub accumulated: f64,
    /// The local derivative as a formula: `∂u₅/∂u₄ = 1 − tanh(u₄)²`.
    pub local_formula: String,
    /// The whole step as a reader sees it: `∂f/∂u₄ = ∂f/∂u₅ · ∂u₅/∂u₄ = 1 × 0.0081 = 0.0081`.
    pub formula: String,
}

/// A closed-form gradient and its value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientLine {
    /// The variable: `w`.
    pub wrt: String,
    /// The closed form in the leaves' names (empty when too large to build).
    pub formula: String,
    /// Its value, from the engine.
    #[serde(with = "serde_number")]
    pub value: f64,
}

/// A per-layer table: one row per layer (from the output back to the input), one numeric
/// column per quantity or configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// Column headings, excluding the first (the layer) column.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<LedgerRow>,
}

/// One row of a [`Ledger`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// The layer's name.
    pub layer: String,
    /// One value per column (`None` for an empty cell).
    #[serde(with = "serde_number::optional_vec")]
    pub values: Vec<Option<f64>>,
}

/// An SVG chart to embed in the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// A caption.
    pub title: String,
    /// The SVG document, as made by [`svg`](super::svg).
    pub svg: String,
}

impl Step {
    /// True when the input already held a gradient from another path, so
    /// [`accumulated`](Step::accumulated) is a sum and not just this step's product.
    pub fn sums(&self) -> bool {
        self.accumulated.to_bits() != self.product.to_bits()
    }
}

impl HtmlTrace {
    /// An empty page titled `title`, differentiating `output`.
    pub fn new(title: impl Into<String>, output: impl Into<String>) -> Self {
        HtmlTrace {
            title: title.into(),
            context: Vec::new(),
            output: output.into(),
            nodes: Vec::new(),
            edges: Vec::new(),
            steps: Vec::new(),
            gradients: Vec::new(),
            ledger: Ledger::default(),
            charts: Vec::new(),
            notes: Vec::new(),
        }
    }
}
