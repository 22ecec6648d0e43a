//! The text of `chaintrace expr`: the forward pass, every chain-rule multiplication with its
//! local derivative, and the closed-form gradients, read from the trace.

use chaintrace::Trace;
use chaintrace::report::{
    GradientLine, Table, anomaly_notes, chain_rule_line, fmt_num, local_derivative_line,
};
use chaintrace::trace::{Event, NodeRecord, Summary};

use super::Heading;

/// The walk-through for a terminal.
pub(super) fn render(
    trace: &Trace,
    output: &str,
    heading: &Heading,
    gradients: &[GradientLine],
) -> String {
    let mut out = format!("{}\n{}\n\n", heading.title, heading.context);
    out += "forward pass, in tape order\n";
    out += &forward_table(trace, |_| true).to_text("  ");
    if let Some(node) = trace.node(trace.output()) {
        out += &format!(
            "{output} = {} = {}\n",
            node.display_name(),
            value(&node.value())
        );
    }
    for note in anomaly_notes(trace, output) {
        out += &format!("warning: {note}\n");
    }
    out += "\n";
    out += &steps(trace, output);
    if !gradients.is_empty() {
        out += "\ngradients: closed form (symbolic reverse sweep) = value\n";
        out += &gradients_table(output, gradients).to_text("  ");
    }
    out
}

pub(super) fn value(s: &Summary) -> String {
    match s {
        Summary::Scalar(x) => fmt_num(*x),
        Summary::Tensor(t) => format!("‖{}‖", fmt_num(t.norm)),
    }
}

/// The nodes `keep` accepts, in tape order, each with its formula and value (and its layer,
/// when the trace has more than the top level).
pub(super) fn forward_table(trace: &Trace, keep: impl Fn(&NodeRecord<'_>) -> bool) -> Table {
    let layered = trace.nodes().iter().any(|n| n.layer() != 0);
    let headers: &[&str] = if layered {
        &["node", "formula", "value", "layer"]
    } else {
        &["node", "formula", "value"]
    };
    let mut table = Table::new(headers).right_align(2);
    for n in trace.nodes().iter().filter(|n| keep(n)) {
        let formula = match (n.op(), n.formula()) {
            ("leaf", _) => "leaf".to_string(),
            ("const", _) => "constant".to_string(),
            (_, Some(f)) => f.to_string(),
            (op, None) => op.to_string(),
        };
        table.row(vec![
            n.display_name().into_owned(),
            formula,
            value(&n.value()),
            n.layer_path().to_string(),
        ]);
    }
    table
}

/// The chain-rule multiplications of the backward pass, in sweep order, with `output` the
/// differentiated quantity's name.
pub(super) fn steps(trace: &Trace, output: &str) -> String {
    let events = trace.events();
    let Some(last) = trace.node(trace.output()) else {
        return String::new();
    };
    if events.is_empty() {
        return format!(
            "backward pass: no chain-rule multiplications (no op lies between {output} and a \
             leaf)\n"
        );
    }
    let fan_in = events.iter().any(sums);
    let mut headers = vec!["step", "op", "chain rule", "local derivative"];
    if fan_in {
        headers.push("sum so far");
    }
    let mut table = Table::new(&headers).right_align(0);
    if fan_in {
        table = table.right_align(4);
    }
    for (k, e) in events.iter().enumerate() {
        table.row(vec![
            (k + 1).to_string(),
            e.labels().op.to_string(),
            chain_rule_line(e, output),
            local_derivative_line(e),
            if sums(e) {
                value(&e.accumulated())
            } else {
                String::new()
            },
        ]);
    }
    let mut out = format!(
        "backward pass: {} chain-rule multiplication{} in sweep order, from ∂{output}/∂{} = 1\n",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        last.display_name(),
    );
    out += &table.to_text("  ");
    out
}

fn gradients_table(output: &str, gradients: &[GradientLine]) -> Table {
    let mut table = Table::new(&["gradient", "closed form", "value"]).right_align(2);
    for g in gradients {
        let formula = if g.formula.is_empty() {
            "(too large to show)".to_string()
        } else {
            g.formula.clone()
        };
        table.row(vec![
            format!("∂{output}/∂{}", g.wrt),
            formula,
            fmt_num(g.value),
        ]);
    }
    table
}

/// True when the input already held a gradient from another path, so the sum after this
/// multiplication differs from its product.
fn sums(e: Event) -> bool {
    match (&*e.accumulated(), &*e.contribution()) {
        (Summary::Scalar(a), Summary::Scalar(c)) => a.to_bits() != c.to_bits(),
        (a, c) => a != c,
    }
}
