//! Filling an [`HtmlTrace`] from a [`Trace`], and the sentences every front end shows for one
//! chain-rule multiplication and for the anomalies.
//!
//! The page, `chaintrace expr` and `chaintrace trace` all read the one trace recorded by
//! [`Var::backward_traced`](crate::Var::backward_traced): nothing here runs a sweep of its own.

use super::fmt_num;
use super::model::{GraphEdge, GraphNode, HtmlTrace, Ledger, LedgerRow, NodeRole, Step};
use crate::tape::NodeId;
use crate::trace::{
    BackwardAnomaly, EdgeRecord, Event, ForwardAnomaly, Operand, Summary, Trace, fmt_summary,
};

impl HtmlTrace {
    /// The page model of `trace`: its graph (when recorded), every chain-rule multiplication
    /// in sweep order with its formula and numbers, the per-layer ledger (‖∂L/∂(layer
    /// output)‖, ‖∂L/∂(layer input)‖, gain, running product) and notes on where a NaN or an
    /// infinity first appeared. `output` names the differentiated output in formulas (`f` in
    /// `∂f/∂w`). The title, context lines, closed-form gradients and charts are left for the
    /// caller.
    ///
    /// Tensors are shown by their Frobenius norm.
    ///
    /// # Example
    /// ```
    /// use chaintrace::{report::HtmlTrace, Tape, TraceOptions};
    /// let tape = Tape::<f64>::new();
    /// let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    /// let f = (w * x).tanh();
    /// let (_, trace) = f.backward_traced(TraceOptions::default());
    /// let page = HtmlTrace::from_trace(&trace, "f");
    /// assert_eq!(page.steps[0].formula, "∂f/∂u₂ = ∂f/∂u₃ · ∂u₃/∂u₂ = 1 × 0.00986604 = 0.00986604");
    /// assert_eq!(page.steps[1].formula, "∂f/∂w = ∂f/∂u₂ · ∂u₂/∂w = 0.00986604 × 2 = 0.0197321");
    /// assert_eq!(page.nodes[3].formula, "tanh(u₂)");
    /// ```
    pub fn from_trace(trace: &Trace, output: &str) -> HtmlTrace {
        let mut page = HtmlTrace::new("", output);
        page.edges = trace
            .edges()
            .iter()
            .map(|e| GraphEdge {
                from: e.from().0,
                to: e.to().0,
                slot: e.slot(),
                kind: e.kind(),
            })
            .collect();
        page.nodes = graph_nodes(trace, &page.edges);
        page.steps = trace.events().iter().map(|e| step(e, output)).collect();
        page.ledger = ledger(trace, output);
        page.notes = anomaly_notes(trace, output);
        page
    }
}

/// One multiplication as a reader follows it, from the numbers the trace recorded:
/// `∂f/∂u₄ = ∂f/∂u₅ · ∂u₅/∂u₄ = 1 × 0.00808487 = 0.00808487` for scalars, and for tensors
/// (a vector-Jacobian product) the norms: `∂L/∂x = ∂L/∂y · ∂y/∂x: ‖0.5‖ → ‖0.25‖`.
pub fn chain_rule_line(event: Event<'_>, output: &str) -> String {
    let labels = event.labels();
    let (y, x) = (labels.output, labels.input);
    let chain = format!("∂{output}/∂{x} = ∂{output}/∂{y} · ∂{y}/∂{x}");
    match (&*event.upstream(), event.local(), &*event.contribution()) {
        (&Summary::Scalar(up), Some(local), &Summary::Scalar(product)) => format!(
            "{chain} = {} × {} = {}",
            fmt_num(up),
            fmt_num(local),
            fmt_num(product)
        ),
        (up, _, product) => format!(
            "{chain}: ‖{}‖ → ‖{}‖",
            fmt_num(up.norm()),
            fmt_num(product.norm())
        ),
    }
}

/// The local derivative of a multiplication as its formula: `∂u₅/∂u₄ = 1 − tanh(u₄)²` (just
/// `∂u₅/∂u₄` when the trace was recorded without formulas).
pub fn local_derivative_line(event: Event<'_>) -> String {
    let labels = event.labels();
    let derivative = format!("∂{}/∂{}", labels.output, labels.input);
    match labels.formula {
        Some(formula) => format!("{derivative} = {formula}"),
        None => derivative,
    }
}

/// What a reader must know about NaN and infinity in `trace`, one sentence each: the first
/// non-finite value in forward order, the multiplication the tracer blames for a non-finite
/// gradient, or, when it blames none, the first multiplication that carried one on.
pub fn anomaly_notes(trace: &Trace, output: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let anomalies = trace.anomalies();
    if let Some(forward) = anomalies.and_then(|a| a.forward.as_ref()) {
        notes.push(forward_note(trace, forward));
    }
    let first_bad = trace
        .events()
        .iter()
        .position(|e| !e.contribution().is_finite());
    match (anomalies.and_then(|a| a.backward.as_ref()), first_bad) {
        (Some(blamed), _) => notes.push(blamed_note(trace, blamed, output)),
        (None, Some(k)) => {
            let why = if anomalies.is_some() {
                "; its operands were already non-finite, so no multiplication of finite \
                 numbers overflowed"
            } else {
                ""
            };
            let event = trace.events().get(k).expect("found among the events");
            notes.push(format!(
                "multiplication {} of the backward pass ({}, op {}) is the first to give a \
                 non-finite product, {}{why}",
                k + 1,
                gradient_name(event, output),
                event.labels().op,
                fmt_summary(&event.contribution())
            ));
        }
        (None, None) => {}
    }
    notes
}

fn forward_note(trace: &Trace, a: &ForwardAnomaly) -> String {
    let formula = trace
        .node(a.node.node)
        .and_then(|n| n.formula())
        .map(|f| format!(" = {f}"))
        .unwrap_or_default();
    let operands = if a.operands.is_empty() {
        String::new()
    } else {
        format!("; its operands: {}", operand_list(trace, &a.operands))
    };
    format!(
        "{}{formula} is {}: the first non-finite value in forward order (op {}{}){operands}",
        a.node.name,
        fmt_summary(&a.node.value),
        a.op,
        in_layer(&a.layer)
    )
}

fn blamed_note(trace: &Trace, a: &BackwardAnomaly, output: &str) -> String {
    let step = trace
        .events()
        .iter()
        .position(|e| (e.to(), e.from(), e.slot()) == (a.to, a.from, a.slot))
        .map(|k| format!("multiplication {} of the backward pass ", k + 1))
        .unwrap_or_else(|| "a multiplication of the backward pass ".to_string());
    let name = |id| trace.node(id).map(|n| n.display_name().into_owned());
    let (y, x) = (
        name(a.to).unwrap_or_else(|| format!("node {}", a.to.0)),
        name(a.from).unwrap_or_else(|| format!("node {}", a.from.0)),
    );
    let local = a
        .local
        .map(fmt_num)
        .unwrap_or_else(|| "(a Jacobian)".into());
    format!(
        "{step}(∂{output}/∂{x}, op {}{}) is the first of finite numbers to overflow: \
         ∂{output}/∂{y} = {} × ∂{y}/∂{x} = {local} gives {}; operands {}",
        a.op,
        in_layer(&a.layer),
        fmt_summary(&a.upstream),
        fmt_summary(&a.contribution),
        operand_list(trace, &a.operands)
    )
}

fn gradient_name(event: Event<'_>, output: &str) -> String {
    format!("∂{output}/∂{}", event.labels().input)
}

fn in_layer(layer: &str) -> String {
    if layer.is_empty() {
        String::new()
    } else {
        format!(" in layer {layer}")
    }
}

/// `x = 0, 1` (a constant named by its own value is not repeated); when the trace holds the
/// graph, an op node says what it is: `u₄₂ = ‖8.2e34‖ (transpose of layer9.weight in
/// net/layer9)`.
fn operand_list(trace: &Trace, operands: &[Operand]) -> String {
    operands
        .iter()
        .map(|o| {
            let value = fmt_summary(&o.value);
            let named = if o.value.as_scalar().map(fmt_num).as_deref() == Some(o.name.as_str()) {
                o.name.clone()
            } else {
                format!("{} = {value}", o.name)
            };
            match describe(trace, o.node) {
                Some(what) => format!("{named} ({what})"),
                None => named,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `add in net/layer8`, `transpose of layer9.weight`: an op node's op, its one input when it
/// has one, and its layer; `None` for leaves, constants and traces without a graph.
fn describe(trace: &Trace, id: NodeId) -> Option<String> {
    let node = trace.node(id)?;
    if !node.has_op() {
        return None;
    }
    let inputs: Vec<EdgeRecord> = node.inputs().collect();
    let mut what = node.op().to_string();
    if let [only] = inputs.as_slice() {
        what += &format!(" of {}", only.input().display_name());
    }
    what += &in_layer(node.layer_path());
    Some(what)
}

/// A scalar's value, a tensor's norm.
fn magnitude(s: &Summary) -> f64 {
    s.as_scalar().unwrap_or_else(|| s.norm())
}

fn step(e: Event<'_>, output: &str) -> Step {
    let labels = e.labels();
    Step {
        edge: e.edge().index(),
        node: e.to().0,
        input: e.from().0,
        op: labels.op.to_string(),
        layer: labels.layer.to_string(),
        upstream: magnitude(&e.upstream()),
        local: e.local(),
        product: magnitude(&e.contribution()),
        accumulated: magnitude(&e.accumulated()),
        local_formula: local_derivative_line(e),
        formula: chain_rule_line(e, output),
    }
}

fn graph_nodes(trace: &Trace, edges: &[GraphEdge]) -> Vec<GraphNode> {
    let depths = depths(trace.nodes().len(), edges);
    trace
        .nodes()
        .iter()
        .map(|n| {
            let role = match n.op() {
                "leaf" => NodeRole::Leaf,
                "const" => NodeRole::Constant,
                _ => NodeRole::Op,
            };
            GraphNode {
                id: n.id().0,
                name: n.display_name().into_owned(),
                role,
                op: n.op().to_string(),
                formula: n.formula().unwrap_or_default().to_string(),
                value: magnitude(&n.value()),
                layer: n.layer_path().to_string(),
                depth: depths[n.id().0],
                grad: n.grad().as_deref().map(magnitude),
            }
        })
        .collect()
}

/// Drawing columns: an op one past its deepest input, then moved as late as its consumers
/// allow (so an op of leaves only, such as the input term v·x_t of an RNN's last step, sits
/// beside its use instead of in the first column); a leaf or constant one before its first
/// consumer, so inputs sit next to where they are used. Edges are grouped by their op node in
/// tape order, so one pass in order sees every input's depth before its consumer's, and one
/// pass in reverse sees every consumer's final depth before its inputs'.
fn depths(nodes: usize, edges: &[GraphEdge]) -> Vec<usize> {
    let mut depth = vec![0usize; nodes];
    let mut has_inputs = vec![false; nodes];
    for e in edges {
        depth[e.to] = depth[e.to].max(depth[e.from] + 1);
        has_inputs[e.to] = true;
    }
    // `latest[i]`: one before the earliest column of i's consumers seen so far.
    let mut latest = vec![usize::MAX; nodes];
    let mut end = edges.len();
    for i in (0..nodes).rev() {
        let start = edges[..end]
            .iter()
            .rposition(|e| e.to != i)
            .map_or(0, |k| k + 1);
        if has_inputs[i] && latest[i] != usize::MAX {
            depth[i] = depth[i].max(latest[i]);
        }
        for e in &edges[start..end] {
            latest[e.from] = latest[e.from].min(depth[i].saturating_sub(1));
        }
        end = start;
    }
    let mut first_use = vec![usize::MAX; nodes];
    for e in edges {
        first_use[e.from] = first_use[e.from].min(depth[e.to]);
    }
    for i in 0..nodes {
        if !has_inputs[i] {
            depth[i] = if first_use[i] == usize::MAX {
                0
            } else {
                first_use[i] - 1
            };
        }
    }
    depth
}

/// One row per layer from the trace's ledger, from the output back to the input.
fn ledger(trace: &Trace, output: &str) -> Ledger {
    Ledger {
        columns: vec![
            format!("‖∂{output}/∂(layer output)‖"),
            format!("‖∂{output}/∂(layer input)‖"),
            "gain".to_string(),
            "running product".to_string(),
        ],
        rows: trace
            .ledger()
            .rows
            .iter()
            .map(|r| LedgerRow {
                layer: r.layer.clone(),
                values: vec![Some(r.output_norm), r.input_norm, r.gain, Some(r.running)],
            })
            .collect(),
    }
}
