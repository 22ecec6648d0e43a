//! Filling an [`HtmlTrace`] from a scalar tape, by a reverse sweep of its own.
//!
//! This is the bridge until the tracer's `Trace` exists: the sweep below visits nodes and
//! inputs in exactly the order of [`Var::backward`] and computes each contribution with the
//! same [`Op::vjp`] call, so its final gradients equal `backward()`'s bit for bit. The local
//! derivative's value is the op's vector-Jacobian product with an upstream gradient of 1
//! (exact for scalars).
//!
//! [`Op::vjp`]: crate::ops::Op::vjp

use smallvec::SmallVec;

use super::fmt_num;
use super::model::{
    GradientLine, GraphEdge, GraphNode, HtmlTrace, Ledger, LedgerRow, NodeRole, Step,
};
use crate::error::{Error, Result};
use crate::symbolic::{self, Expr};
use crate::tape::{Node, NodeKind, Var};
use crate::tensor::{Float, Tensor};

impl HtmlTrace {
    /// The trace of `output`'s backward pass on a graph of scalars: the graph, every chain-rule
    /// multiplication in sweep order with its formula and numbers, the closed-form gradient
    /// with respect to each var of `wrt`, a ledger with one row per layer
    /// (‖∂output/∂(layer output)‖ and its gain over the layer after it), and notes on the first
    /// non-finite value and the first non-finite multiplication.
    ///
    /// Op results are named `u1, u2, …` in tape order (another letter if a leaf is already
    /// called `u1`); `output_name` names the output in derivatives (`f` in `∂f/∂w`).
    ///
    /// # Example
    /// ```
    /// use chaintrace::{report::HtmlTrace, Tape};
    /// let tape = Tape::<f64>::new();
    /// let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    /// let f = (w * x).tanh();
    /// let trace = HtmlTrace::from_scalar_tape(f, "f", &[w]).unwrap();
    /// assert_eq!(trace.steps[0].formula, "∂f/∂u1 = ∂f/∂u2 · ∂u2/∂u1 = 1 × 0.00986604 = 0.00986604");
    /// assert_eq!(trace.steps[1].formula, "∂f/∂w = ∂f/∂u1 · ∂u1/∂w = 0.00986604 × 2 = 0.0197321");
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] if a node up to `output` holds more than one element: tensor graphs
    /// are traced by the tracer.
    pub fn from_scalar_tape<T: Float>(
        output: Var<'_, T>,
        output_name: &str,
        wrt: &[Var<'_, T>],
    ) -> Result<HtmlTrace> {
        let tape = output.tape();
        let all = tape.nodes();
        let nodes = &all[..=output.id().0];
        if let Some(i) = nodes.iter().position(|n| n.value.len() != 1) {
            return Err(Error::invalid(
                "html trace",
                format!(
                    "node {i} has shape {:?}: a trace from the tape needs scalars",
                    nodes[i].value.shape()
                ),
            ));
        }
        let names = node_names(nodes);
        let edges = edges(nodes);
        let layers: Vec<String> = nodes.iter().map(|n| tape.layer_name(n.layer)).collect();
        let mut trace = HtmlTrace::new("", output_name);
        let grads = sweep(nodes, &names, &layers, output_name, &mut trace.steps);
        trace.nodes = graph_nodes(nodes, &names, &edges, &layers, &grads);
        trace.edges = edges;
        trace.gradients = wrt
            .iter()
            .map(|v| gradient_line(v, output, &grads))
            .collect();
        trace.ledger = ledger(&trace.nodes, output_name);
        trace.notes = non_finite_notes(&trace);
        Ok(trace)
    }
}

/// A leaf or named constant by its name, a scalar constant by its value, op results `u1, u2, …`.
fn node_names<T: Float>(nodes: &[Node<T>]) -> Vec<String> {
    let taken: Vec<&str> = nodes.iter().filter_map(|n| n.name.as_deref()).collect();
    let prefix = ["u", "v", "h", "z", "q"]
        .into_iter()
        .find(|p| !taken.iter().any(|t| is_numbered(t, p)))
        .unwrap_or("node");
    let mut ops = 0;
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| match (&n.kind, &n.name) {
            (NodeKind::Op(_), _) => {
                ops += 1;
                format!("{prefix}{ops}")
            }
            (_, Some(name)) => name.to_string(),
            (NodeKind::Constant, None) => fmt_num(scalar(&n.value)),
            (NodeKind::Leaf, None) => format!("v{i}"),
        })
        .collect()
}

fn is_numbered(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
}

fn scalar<T: Float>(t: &Tensor<T>) -> f64 {
    t.item().expect("checked: every node is a scalar").as_f64()
}

fn edges<T: Float>(nodes: &[Node<T>]) -> Vec<GraphEdge> {
    let mut edges = Vec::new();
    for (to, node) in nodes.iter().enumerate() {
        for (slot, input) in node.inputs.iter().enumerate() {
            edges.push(GraphEdge {
                from: input.node.0,
                to,
                slot,
                kind: input.kind,
            });
        }
    }
    edges
}

/// The expression of a node as an argument of a formula: a constant is its number.
fn argument<T: Float>(node: &Node<T>, name: &str) -> Expr {
    match (&node.kind, &node.name) {
        (NodeKind::Constant, None) => Expr::constant(scalar(&node.value)),
        _ => Expr::sym(name),
    }
}

/// The reverse sweep of `Var::backward`, recording each multiplication as a [`Step`].
fn sweep<T: Float>(
    nodes: &[Node<T>],
    names: &[String],
    layers: &[String],
    output_name: &str,
    steps: &mut Vec<Step>,
) -> Vec<Option<Tensor<T>>> {
    let last = nodes.len() - 1;
    let mut grads: Vec<Option<Tensor<T>>> = vec![None; nodes.len()];
    grads[last] = Some(Tensor::ones(nodes[last].value.shape()));
    let mut first_edge = 0;
    let first_edges: Vec<usize> = nodes
        .iter()
        .map(|n| {
            let start = first_edge;
            first_edge += n.inputs.len();
            start
        })
        .collect();
    for i in (0..nodes.len()).rev() {
        let (Some(grad), Some(op)) = (grads[i].clone(), nodes[i].op()) else {
            continue;
        };
        let node = &nodes[i];
        let values: SmallVec<[&Tensor<T>; 2]> =
            node.inputs.iter().map(|x| &nodes[x.node.0].value).collect();
        let args: Vec<Expr> = node
            .inputs
            .iter()
            .map(|x| argument(&nodes[x.node.0], &names[x.node.0]))
            .collect();
        let one = Tensor::ones(node.value.shape());
        for (slot, input) in node.inputs.iter().enumerate() {
            let u = input.node.0;
            if !nodes[u].requires_grad {
                continue;
            }
            let local = op.vjp(slot, &values, &node.value, &one);
            let product = op.vjp(slot, &values, &node.value, &grad);
            let accumulated = match grads[u].take() {
                Some(acc) => acc.zip(&product, |a, b| a + b),
                None => product.clone(),
            };
            let (y, u_name) = (&names[i], &names[u]);
            let (upstream, local, product) = (scalar(&grad), scalar(&local), scalar(&product));
            steps.push(Step {
                edge: first_edges[i] + slot,
                node: i,
                input: u,
                op: op.label(),
                layer: layers[i].clone(),
                upstream,
                local,
                product,
                accumulated: scalar(&accumulated),
                local_formula: format!(
                    "∂{y}/∂{u_name} = {}",
                    op.local_derivative(slot, &args)
                ),
                formula: format!(
                    "∂{output_name}/∂{u_name} = ∂{output_name}/∂{y} · ∂{y}/∂{u_name} = {} × {} = {}",
                    fmt_num(upstream),
                    fmt_num(local),
                    fmt_num(product)
                ),
            });
            grads[u] = Some(accumulated);
        }
    }
    grads
}

fn graph_nodes<T: Float>(
    nodes: &[Node<T>],
    names: &[String],
    edges: &[GraphEdge],
    layers: &[String],
    grads: &[Option<Tensor<T>>],
) -> Vec<GraphNode> {
    let depths = depths(nodes, edges);
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (role, formula) = match n.op() {
                Some(op) => {
                    let args: Vec<Expr> = n
                        .inputs
                        .iter()
                        .map(|x| argument(&nodes[x.node.0], &names[x.node.0]))
                        .collect();
                    (NodeRole::Op, op.symbolic(&args).to_string())
                }
                None if matches!(n.kind, NodeKind::Leaf) => (NodeRole::Leaf, String::new()),
                None => (NodeRole::Constant, String::new()),
            };
            GraphNode {
                id: i,
                name: names[i].clone(),
                role,
                op: n.op_label(),
                formula,
                value: scalar(&n.value),
                layer: layers[i].clone(),
                depth: depths[i],
                grad: grads[i].as_ref().map(scalar),
            }
        })
        .collect()
}

/// Drawing columns: an op one past its deepest input; a leaf or constant one before its
/// first consumer, so inputs sit next to where they are used.
fn depths<T: Float>(nodes: &[Node<T>], edges: &[GraphEdge]) -> Vec<usize> {
    let mut depth = vec![0usize; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        depth[i] = n
            .inputs
            .iter()
            .map(|x| depth[x.node.0] + 1)
            .max()
            .unwrap_or(0);
    }
    for (i, n) in nodes.iter().enumerate() {
        if n.inputs.is_empty() {
            let first_use = edges
                .iter()
                .filter(|e| e.from == i)
                .map(|e| depth[e.to])
                .min();
            depth[i] = first_use.map_or(0, |d| d - 1);
        }
    }
    depth
}

fn gradient_line<T: Float>(
    v: &Var<'_, T>,
    output: Var<'_, T>,
    grads: &[Option<Tensor<T>>],
) -> GradientLine {
    let formula = symbolic::gradient(output.tape(), output.id(), v.id())
        .map(|e| e.to_string())
        .unwrap_or_default();
    GradientLine {
        wrt: v.name().unwrap_or_else(|| format!("v{}", v.id().0)),
        formula,
        value: grads
            .get(v.id().0)
            .and_then(|g| g.as_ref())
            .map_or(0.0, scalar),
    }
}

/// One row per layer, from the output back to the input: the gradient at the layer's output
/// (its last node) and the gain over the row before (the layer after it in the network).
fn ledger(nodes: &[GraphNode], output_name: &str) -> Ledger {
    let mut outputs: Vec<&GraphNode> = Vec::new();
    for node in nodes.iter().rev() {
        if !node.layer.is_empty() && !outputs.iter().any(|o| o.layer == node.layer) {
            outputs.push(node);
        }
    }
    let mut rows = Vec::new();
    let mut previous: Option<f64> = None;
    for node in outputs {
        let norm = node.grad.map(f64::abs);
        let gain = match (norm, previous) {
            (Some(n), Some(p)) => Some(n / p),
            _ => None,
        };
        rows.push(LedgerRow {
            layer: node.layer.clone(),
            values: vec![norm, gain],
        });
        previous = norm;
    }
    Ledger {
        columns: vec![
            format!("‖∂{output_name}/∂(layer output)‖"),
            "gain".to_string(),
        ],
        rows,
    }
}

fn non_finite_notes(trace: &HtmlTrace) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(n) = trace.nodes.iter().find(|n| !n.value.is_finite()) {
        let formula = if n.formula.is_empty() {
            String::new()
        } else {
            format!(" = {}", n.formula)
        };
        notes.push(format!(
            "{}{formula} is {}: the first non-finite value in forward order",
            n.name,
            fmt_num(n.value)
        ));
    }
    if let Some((k, s)) = trace
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| !s.product.is_finite())
    {
        notes.push(format!(
            "step {} ({}) is {}: the first non-finite multiplication of the backward pass",
            k + 1,
            s.formula.split(" = ").next().unwrap_or_default(),
            fmt_num(s.product)
        ));
    }
    notes
}
