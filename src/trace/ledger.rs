//! The per-layer ledger: how much each layer multiplies the gradient by, from the loss back to
//! the input. Its running product is the article's "product of the weights of all layers".

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};
use std::ops::Deref;

use super::lengths::has_layers;
use super::names::node_name;
#[cfg(feature = "serde")]
use super::summary::num;
use super::summary::{combined_norm, tensor_norm};
use crate::tape::{Gradients, NodeId, NodeKind, NodeSpan};
use crate::tensor::Float;

/// The per-layer ledger: one row per layer, from the loss back to the input.
///
/// Dereferences to its rows.
///
/// A layer is one [`LayerId`](crate::tape::LayerId): the nodes recorded directly in one
/// `tape.layer(..)` scope (a nested scope is a layer of its own; top-level nodes belong to
/// none). From the graph:
/// - the layer's **outputs** are its op nodes consumed by a node outside it, or the traced
///   output itself; if there are none, its last op node;
/// - its **inputs** are the op nodes outside it consumed inside it (the activations flowing
///   in). A first layer has none; then its inputs are the leaves outside it that only it
///   consumes (the data `x`, but not a weight shared by every layer);
/// - its **parameters** are the leaves recorded inside it, and, when it has an op input, the
///   leaves outside it that only it consumes (weights created before the scope was opened).
///
/// With several outputs (or inputs) the norm is taken over all of them together. The gain is
/// `‖∂L/∂input‖ / ‖∂L/∂output‖`, the factor by which the layer scales the gradient on its way
/// back; rows are ordered as the sweep meets them, and the running product multiplies the
/// gains from the loss down to each row.
///
/// Every norm is taken in `f64` with scaling ([`ScaledNorm`](crate::tensor::ScaledNorm)), and
/// the norms of several nodes are combined without squaring them again: a norm is finite
/// whenever the true norm is below `f64::MAX` (an f32 gradient `[1e20, 1e20]` reads
/// `1.41421e20`; two f64 outputs of norm `1e300` read `1.41421e300`).
///
/// A node's gradient is its total: when a layer's input also feeds something outside the
/// layer (a skip connection around it), ‖∂L/∂input‖ includes that path too. Record the whole
/// residual block `x + f(x)` inside the layer to read the block's own gain.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Ledger {
    /// The rows, in sweep order (the layer nearest the loss first).
    pub rows: Vec<LayerRow>,
    /// Leaves outside every layer that several layers consume (a weight shared by all the
    /// layers of a chain or an RNN), with their gradient norms.
    pub shared: Vec<LedgerNode>,
}

impl Deref for Ledger {
    type Target = [LayerRow];
    fn deref(&self) -> &[LayerRow] {
        &self.rows
    }
}

/// A node named in the ledger, with the norm of its gradient.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct LedgerNode {
    /// The node.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub node: NodeId,
    /// Its name in formulas.
    pub name: String,
    /// `‖∂L/∂node‖`.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub norm: f64,
}

/// One layer's line in the ledger.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct LayerRow {
    /// The layer's path (`"block3/linear"`).
    pub layer: String,
    /// The layer's outputs (see [`Ledger`]).
    pub outputs: Vec<LedgerNode>,
    /// The layer's inputs (empty when nothing with a gradient flows in).
    pub inputs: Vec<LedgerNode>,
    /// ‖∂L/∂(layer output)‖, over all outputs.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub output_norm: f64,
    /// ‖∂L/∂(layer input)‖, over all inputs.
    #[cfg_attr(feature = "serde", serde(with = "num::option"))]
    pub input_norm: Option<f64>,
    /// `input_norm / output_norm`.
    #[cfg_attr(feature = "serde", serde(with = "num::option"))]
    pub gain: Option<f64>,
    /// The product of the gains of this row and every row before it.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub running: f64,
    /// The layer's parameters (leaves recorded inside it) and their gradient norms.
    pub params: Vec<LedgerNode>,
    /// The running product is above [`TraceOptions::exploding`](super::TraceOptions::exploding).
    pub exploding: bool,
    /// The running product is below [`TraceOptions::vanishing`](super::TraceOptions::vanishing).
    pub vanishing: bool,
    /// A norm in the row is NaN or infinite.
    pub non_finite: bool,
}

/// What the ledger needs besides the nodes and gradients.
pub(crate) struct LedgerInput<'a, T: Float> {
    pub nodes: NodeSpan<'a, T>,
    pub grads: &'a Gradients<T>,
    pub layers: &'a [String],
    pub exploding: f64,
    pub vanishing: f64,
}

/// Nodes of one layer, sorted into their roles.
#[derive(Default)]
struct Roles {
    /// The layer's op nodes.
    members: Vec<usize>,
    outputs: Vec<usize>,
    inputs: Vec<usize>,
    leaf_inputs: Vec<usize>,
    params: Vec<usize>,
}

/// Builds the ledger after the sweep (one pass over the nodes and their edges).
pub(crate) fn ledger<T: Float>(input: &LedgerInput<T>) -> Ledger {
    // Rows and shared leaves all come from nodes inside layers: a graph without layers (a
    // scalar chain) has an empty ledger, found without sorting every node into roles.
    if input.layers.len() <= 1 || !has_layers(input.nodes) {
        return Ledger::default();
    }
    let (roles, shared) = sort_roles(input);
    let mut norms = Norms {
        grads: input.grads,
        known: vec![None; input.nodes.len()],
    };
    let mut rows: Vec<(usize, LayerRow)> = roles
        .iter()
        .enumerate()
        .filter_map(|(layer, r)| row(input, &mut norms, layer, r))
        .collect();
    // Sweep order: the layer whose last output is latest on the tape comes first.
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut rows: Vec<LayerRow> = rows.into_iter().map(|(_, r)| r).collect();
    chain_gains(&mut rows, input.exploding, input.vanishing);
    Ledger {
        rows,
        shared: shared
            .iter()
            .map(|&i| named(input, &mut norms, i))
            .collect(),
    }
}

/// Assigns every node with a gradient to its layer's roles; also returns the shared leaves.
fn sort_roles<T: Float>(input: &LedgerInput<T>) -> (Vec<Roles>, Vec<usize>) {
    let nodes = input.nodes;
    let output = nodes.len() - 1;
    let has_grad = |i: usize| input.grads.get(NodeId(i)).is_some();
    let mut roles: Vec<Roles> = (0..input.layers.len()).map(|_| Roles::default()).collect();
    let mut consumed_outside = vec![false; nodes.len()];
    // (consumer layer, input node) for every edge that enters a layer.
    let mut entries: Vec<(usize, usize)> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let layer = node.layer().0 as usize;
        for x in node.inputs() {
            if nodes.node(x.node.0).layer() != node.layer() {
                consumed_outside[x.node.0] = true;
                if layer != 0 && has_grad(x.node.0) {
                    entries.push((layer, x.node.0));
                }
            }
        }
        if layer != 0 && has_grad(i) {
            match node.kind() {
                NodeKind::Op(_) => roles[layer].members.push(i),
                _ => roles[layer].params.push(i),
            }
        }
    }
    entries.sort_unstable();
    entries.dedup();
    let consumers = consumer_layer_counts(&entries, nodes.len());
    let mut shared = Vec::new();
    for &(layer, m) in &entries {
        match nodes.node(m).kind() {
            NodeKind::Op(_) => roles[layer].inputs.push(m),
            _ if consumers[m] == 1 => roles[layer].leaf_inputs.push(m),
            _ if nodes.node(m).layer().0 == 0 => shared.push(m),
            _ => {}
        }
    }
    shared.sort_unstable();
    shared.dedup();
    for r in &mut roles {
        r.outputs = r
            .members
            .iter()
            .copied()
            .filter(|&i| consumed_outside[i] || i == output)
            .collect();
        if r.outputs.is_empty() {
            r.outputs.extend(r.members.last());
        }
    }
    (roles, shared)
}

/// How many distinct layers consume each node (entries are sorted and deduplicated).
fn consumer_layer_counts(entries: &[(usize, usize)], n: usize) -> Vec<usize> {
    let mut counts = vec![0; n];
    for &(_, m) in entries {
        counts[m] += 1;
    }
    counts
}

/// Gradient norms, each computed once (a layer's output is the next layer's input).
struct Norms<'a, T: Float> {
    grads: &'a Gradients<T>,
    known: Vec<Option<f64>>,
}

impl<T: Float> Norms<'_, T> {
    fn of(&mut self, i: usize) -> f64 {
        let grads = self.grads;
        *self.known[i].get_or_insert_with(|| grads.get(NodeId(i)).map_or(f64::NAN, tensor_norm))
    }
}

fn named<T: Float>(input: &LedgerInput<T>, norms: &mut Norms<T>, i: usize) -> LedgerNode {
    LedgerNode {
        node: NodeId(i),
        name: node_name(input.nodes, i),
        norm: norms.of(i),
    }
}

/// The row of one layer, keyed by its last output, before the gains are chained.
fn row<T: Float>(
    input: &LedgerInput<T>,
    norms: &mut Norms<T>,
    layer: usize,
    r: &Roles,
) -> Option<(usize, LayerRow)> {
    let last = *r.outputs.last()?;
    // A first layer's input is the data leaf; elsewhere a leaf that only this layer
    // consumes is a weight created outside it.
    let (inputs, outside_params): (&[usize], &[usize]) = if r.inputs.is_empty() {
        (&r.leaf_inputs, &[])
    } else {
        (&r.inputs, &r.leaf_inputs)
    };
    let outputs: Vec<LedgerNode> = r.outputs.iter().map(|&i| named(input, norms, i)).collect();
    let inputs: Vec<LedgerNode> = inputs.iter().map(|&i| named(input, norms, i)).collect();
    let output_norm = combined(&outputs);
    let input_norm = (!inputs.is_empty()).then(|| combined(&inputs));
    let mut params: Vec<usize> = r.params.iter().chain(outside_params).copied().collect();
    params.sort_unstable();
    let params: Vec<LedgerNode> = params.iter().map(|&i| named(input, norms, i)).collect();
    let non_finite = !output_norm.is_finite()
        || input_norm.is_some_and(|n| !n.is_finite())
        || params.iter().any(|p| !p.norm.is_finite());
    let row = LayerRow {
        layer: input.layers[layer].clone(),
        outputs,
        inputs,
        output_norm,
        input_norm,
        gain: input_norm.map(|n| n / output_norm),
        running: f64::NAN,
        params,
        exploding: false,
        vanishing: false,
        non_finite,
    };
    Some((last, row))
}

/// The norm over several nodes' gradients, `√(Σ ‖gᵢ‖²)`, combined without squaring a norm
/// (so two outputs of norm 1e200 give 1.41e200, not ∞).
fn combined(nodes: &[LedgerNode]) -> f64 {
    combined_norm(nodes.iter().map(|n| n.norm))
}

/// Fills in the running products and the exploding/vanishing flags.
fn chain_gains(rows: &mut [LayerRow], exploding: f64, vanishing: f64) {
    let mut running = 1.0;
    for row in rows {
        if let Some(gain) = row.gain {
            running *= gain;
        }
        row.running = running;
        row.exploding = running > exploding;
        row.vanishing = running < vanishing;
    }
}
