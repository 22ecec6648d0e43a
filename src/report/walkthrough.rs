//! The walk-through of a traced backward pass for a student: the forward pass in tape order,
//! every chain-rule multiplication with its local derivative, and the closed-form gradients.
//! `chaintrace expr` prints it; a teacher exports it as Markdown.

use super::{GradientLine, Table, anomaly_notes, chain_rule_line, fmt_num, local_derivative_line};
use crate::Trace;
use crate::trace::{Event, NodeRecord, Summary, fmt_summary};

/// A traced backward pass told step by step, as text for a terminal or as Markdown.
///
/// It reads only the trace (record it with events, as [`TraceOptions::default`] does), so a
/// trace read back from JSON gives the same walk-through. `output` names the differentiated
/// quantity in every `∂output/∂…`.
///
/// [`TraceOptions::default`]: crate::TraceOptions::default
///
/// ```
/// use chaintrace::report::Walkthrough;
/// use chaintrace::{Tape, TraceOptions};
/// let tape = Tape::<f64>::new();
/// let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
/// let (_, trace) = (w * x).tanh().backward_traced(TraceOptions::default());
/// let walk = Walkthrough::new(&trace, "f");
/// let text = walk.to_text();
/// assert!(text.contains("∂f/∂w = ∂f/∂u₂ · ∂u₂/∂w = 0.00986604 × 2 = 0.0197321"));
/// let md = walk.to_markdown();
/// assert!(md.starts_with("# f = u₃\n"));
/// assert!(md.contains("| 2 | mul | ∂f/∂w = ∂f/∂u₂ · ∂u₂/∂w = 0.00986604 × 2 = 0.0197321 |"));
/// ```
#[derive(Clone, Debug)]
pub struct Walkthrough<'a> {
    trace: &'a Trace,
    output: String,
    /// The first line: `f = tanh(w*x + b)` (by default `f = u₃`, the output node's name).
    pub title: String,
    /// The line under the title (`at w = 1.5, x = 2, b = 0.1`); none by default.
    pub context: String,
    /// The closed-form gradients shown at the end, if any.
    pub gradients: Vec<GradientLine>,
}

impl<'a> Walkthrough<'a> {
    /// The walk-through of `trace`, with `output` the differentiated quantity's name.
    pub fn new(trace: &'a Trace, output: &str) -> Self {
        let node = trace.node(trace.output());
        let title = match &node {
            Some(n) => format!("{output} = {}", n.display_name()),
            None => output.to_string(),
        };
        Walkthrough {
            trace,
            output: output.to_string(),
            title,
            context: String::new(),
            gradients: Vec::new(),
        }
    }

    /// For a terminal: headings on a line of their own, tables indented by two spaces.
    pub fn to_text(&self) -> String {
        self.render(&Style::Text)
    }

    /// The same content as Markdown: `#` for the title, `##` for each part, pipe tables.
    pub fn to_markdown(&self) -> String {
        self.render(&Style::Markdown)
    }

    fn render(&self, style: &Style) -> String {
        let (trace, output) = (self.trace, self.output.as_str());
        let mut out = style.title(&self.title);
        if !self.context.is_empty() {
            out += &style.paragraph(&self.context);
        }
        out += "\n";
        out += &style.heading("forward pass, in tape order");
        out += &style.table(&forward_table(trace, |_| true));
        if let Some(node) = trace.node(trace.output()) {
            let line = format!(
                "{output} = {} = {}",
                node.display_name(),
                fmt_summary(&node.value())
            );
            out += &style.paragraph(&line);
        }
        for note in anomaly_notes(trace, output) {
            out += &style.paragraph(&format!("warning: {note}"));
        }
        out += "\n";
        let (heading, table) = steps(trace, output);
        out += &style.heading(&heading);
        if let Some(table) = table {
            out += &style.table(&table);
        }
        if !self.gradients.is_empty() {
            out += "\n";
            out += &style.heading("gradients: closed form (symbolic reverse sweep) = value");
            out += &style.table(&gradients_table(output, &self.gradients));
        }
        out
    }
}

/// How the parts are written.
enum Style {
    Text,
    Markdown,
}

impl Style {
    fn title(&self, title: &str) -> String {
        match self {
            Style::Text => format!("{title}\n"),
            Style::Markdown => format!("# {}\n", crate::escape::markdown::escape_line(title)),
        }
    }

    fn heading(&self, heading: &str) -> String {
        match self {
            Style::Text => format!("{heading}\n"),
            Style::Markdown => format!("## {}\n\n", crate::escape::markdown::escape_line(heading)),
        }
    }

    fn paragraph(&self, line: &str) -> String {
        match self {
            Style::Text => format!("{line}\n"),
            Style::Markdown => format!("\n{}\n", crate::escape::markdown::escape_line(line)),
        }
    }

    fn table(&self, table: &Table) -> String {
        match self {
            Style::Text => table.to_text("  "),
            Style::Markdown => table.to_markdown(),
        }
    }
}

/// The nodes `keep` accepts, in tape order, each with its formula and value (and its layer,
/// when the trace has more than the top level).
pub fn forward_table(trace: &Trace, keep: impl Fn(&NodeRecord<'_>) -> bool) -> Table {
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
            fmt_summary(&n.value()),
            n.layer_path().to_string(),
        ]);
    }
    table
}

/// The chain-rule multiplications of the backward pass, in sweep order and numbered from 1,
/// with `output` the differentiated quantity's name: a heading line, and the table when
/// there is at least one multiplication.
pub fn steps(trace: &Trace, output: &str) -> (String, Option<Table>) {
    let events = trace.events();
    let Some(last) = trace.node(trace.output()) else {
        return ("backward pass: the output is not in the trace".into(), None);
    };
    if events.is_empty() {
        let line = format!(
            "backward pass: no chain-rule multiplications (no op lies between {output} and a \
             leaf)"
        );
        return (line, None);
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
                fmt_summary(&e.accumulated())
            } else {
                String::new()
            },
        ]);
    }
    let heading = format!(
        "backward pass: {} chain-rule multiplication{} in sweep order, from ∂{output}/∂{} = 1",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        last.display_name(),
    );
    (heading, Some(table))
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
