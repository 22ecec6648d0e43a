//! `chaintrace expr … --order 2`: the gradient and the Hessian of a formula, each entry with its
//! closed form and its value, and where the first row of the Hessian comes from.
//!
//! [`grad`] records the reverse sweep on the tape, so `∂f/∂a` is a var. `grad` of that var
//! gives the row `∂²f/∂a∂·` as values, and [`symbolic::gradient`] of it the closed forms: a
//! symbolic reverse sweep over the nodes `grad` recorded, simplified. A traced backward of
//! `∂f/∂a` shows the multiplications that make the row; the recorded nodes are in layer `grad`.

use std::collections::{BTreeMap, BTreeSet};

use clap::ValueEnum;
use serde::Serialize;

use chaintrace::report::{Table, fmt_num, walkthrough};
use chaintrace::trace::fmt_summary;
use chaintrace::{Error, Trace, TraceOptions, Var, grad, symbolic};

use super::super::args::Format;
use super::{CliError, Heading};

/// Refuses an order other than 1 or 2, and a format the Hessian has no rendering in, before
/// anything is built.
pub(super) fn check_order(order: u32, format: Format) -> Result<(), CliError> {
    match order {
        1 => Ok(()),
        2 if matches!(format, Format::Text | Format::Md | Format::Json) => Ok(()),
        2 => {
            let name = format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string());
            Err(CliError::Usage(format!(
                "--order 2 prints text, md or json, not {name}: the Hessian is a table"
            )))
        }
        n => Err(CliError::Usage(format!(
            "--order {n}: expr shows order 1 (the gradient) or 2 (the gradient and the Hessian)"
        ))),
    }
}

/// What `run` is asked to show.
pub(super) struct Request<'a> {
    /// The formula as typed.
    pub expression: &'a str,
    /// The output's name: `f`.
    pub output: &'a str,
    /// The name for `∂f/∂a` in the traced backward: `g`.
    pub row_name: &'a str,
    /// The title and the line under it.
    pub heading: &'a Heading,
    /// Every variable's value.
    pub values: &'a BTreeMap<String, f64>,
    /// The names of the vars differentiated with respect to, in order.
    pub names: Vec<String>,
}

/// `∂f/∂a`, as in the order-1 table.
#[derive(Serialize)]
struct GradientEntry {
    wrt: String,
    /// The closed form, `None` when too large to build.
    closed_form: Option<String>,
    #[serde(with = "chaintrace::report::serde_number")]
    value: f64,
}

/// `∂²f/∂a∂b = ∂(∂f/∂a)/∂b`, with `a` the row and `b` the column.
#[derive(Serialize)]
struct HessianEntry {
    row: String,
    col: String,
    /// The closed form, `None` when too large to build.
    closed_form: Option<String>,
    #[serde(with = "chaintrace::report::serde_number")]
    value: f64,
}

/// The JSON of `--order 2`.
#[derive(Serialize)]
struct Report<'a> {
    expression: &'a str,
    output: &'a str,
    at: &'a BTreeMap<String, f64>,
    order: u32,
    gradient: &'a [GradientEntry],
    /// Every entry, row by row (both halves of the symmetric matrix).
    hessian: &'a [HessianEntry],
}

/// The gradient and the Hessian of `f` with respect to `xs`, in `format`.
pub(super) fn run(
    request: &Request<'_>,
    f: Var<'_, f64>,
    xs: &[Var<'_, f64>],
    format: Format,
) -> Result<String, CliError> {
    let failed = |e: Error| CliError::Failed(e.to_string());
    let names = &request.names;
    let g = grad(f, xs).map_err(failed)?;
    let gradient: Vec<GradientEntry> = g
        .iter()
        .zip(xs)
        .zip(names)
        .map(|((gi, x), name)| GradientEntry {
            wrt: name.clone(),
            closed_form: closed_form(f, *x),
            value: item(*gi),
        })
        .collect();
    let mut hessian = Vec::with_capacity(xs.len() * xs.len());
    for (gi, row) in g.iter().zip(names) {
        let second = grad(*gi, xs).map_err(failed)?;
        for ((h, x), col) in second.iter().zip(xs).zip(names) {
            hessian.push(HessianEntry {
                row: row.clone(),
                col: col.clone(),
                closed_form: closed_form(*gi, *x),
                value: item(*h),
            });
        }
    }
    match format {
        Format::Json => {
            let report = Report {
                expression: request.expression.trim(),
                output: request.output,
                at: request.values,
                order: 2,
                gradient: &gradient,
                hessian: &hessian,
            };
            Ok(serde_json::to_string_pretty(&report).expect("plain data") + "\n")
        }
        Format::Md => Ok(markdown(request, &gradient, &hessian)),
        _ => {
            let explained = match (g.first(), names.first()) {
                (Some(g0), Some(name)) => {
                    let (_, trace) = g0
                        .try_backward_traced(TraceOptions::default())
                        .map_err(failed)?;
                    Some((name.as_str(), trace))
                }
                _ => None,
            };
            Ok(text(request, &gradient, &hessian, explained))
        }
    }
}

/// `∂y/∂x` in closed form, or `None` when it is too large to build.
fn closed_form(y: Var<'_, f64>, x: Var<'_, f64>) -> Option<String> {
    symbolic::gradient(y, x).ok().map(|e| e.to_string())
}

/// A scalar var's value (every var here is a scalar: the language has no tensors).
fn item(v: Var<'_, f64>) -> f64 {
    v.item().unwrap_or(f64::NAN)
}

fn shown(closed_form: &Option<String>) -> String {
    closed_form
        .clone()
        .unwrap_or_else(|| "(too large to show)".to_string())
}

/// `∂²f/∂x²` or `∂²f/∂x∂y`.
fn entry_name(output: &str, e: &HessianEntry) -> String {
    if e.row == e.col {
        format!("∂²{output}/∂{}²", e.row)
    } else {
        format!("∂²{output}/∂{}∂{}", e.row, e.col)
    }
}

fn gradient_table(output: &str, gradient: &[GradientEntry]) -> Table {
    let mut table = Table::new(&["gradient", "closed form", "value"]).right_align(2);
    for g in gradient {
        table.row(vec![
            format!("∂{output}/∂{}", g.wrt),
            shown(&g.closed_form),
            fmt_num(g.value),
        ]);
    }
    table
}

fn hessian_table(output: &str, hessian: &[HessianEntry]) -> Table {
    let mut table = Table::new(&["entry", "closed form", "value"]).right_align(2);
    for e in hessian {
        table.row(vec![
            entry_name(output, e),
            shown(&e.closed_form),
            fmt_num(e.value),
        ]);
    }
    table
}

/// The largest `|H[a][b] − H[b][a]|`, over entries read row by row from an n×n matrix.
fn asymmetry(hessian: &[HessianEntry], n: usize) -> f64 {
    let mut largest = 0.0f64;
    for a in 0..n {
        for b in a + 1..n {
            let d = (hessian[a * n + b].value - hessian[b * n + a].value).abs();
            largest = if d.is_nan() { d } else { largest.max(d) };
        }
    }
    largest
}

fn text(
    request: &Request<'_>,
    gradient: &[GradientEntry],
    hessian: &[HessianEntry],
    explained: Option<(&str, Trace)>,
) -> String {
    let (output, heading) = (request.output, request.heading);
    let mut out = format!("{}\n{}\n", heading.title, heading.context);
    if gradient.is_empty() {
        return out;
    }
    out += "\ngradient (order 1): closed form (symbolic reverse sweep) = value\n";
    out += &gradient_table(output, gradient).to_text("  ");
    for g in gradient.iter().filter(|g| !g.value.is_finite()) {
        out += &format!(
            "warning: ∂{output}/∂{} is {} at this point\n",
            g.wrt,
            fmt_num(g.value)
        );
    }
    out += "\nHessian (order 2): closed form (symbolic reverse sweep of the recorded gradient) = \
            value\n";
    out += &hessian_table(output, hessian).to_text("  ");
    out += &format!("row a, column b: ∂²{output}/∂a∂b = ∂(∂{output}/∂a)/∂b\n");
    for e in hessian.iter().filter(|e| !e.value.is_finite()) {
        out += &format!(
            "warning: {} is {} at this point\n",
            entry_name(output, e),
            fmt_num(e.value)
        );
    }
    let n = gradient.len();
    if n > 1 {
        let d = asymmetry(hessian, n);
        out += &if d == 0.0 {
            format!("symmetric: ∂²{output}/∂a∂b = ∂²{output}/∂b∂a for every pair, to the bit\n")
        } else {
            format!(
                "symmetric up to rounding: the largest |∂²{output}/∂a∂b − ∂²{output}/∂b∂a| is {}\n",
                fmt_num(d)
            )
        };
    }
    if let Some((name, trace)) = explained {
        out += &origin(request, name, &trace);
    }
    out
}

/// Where the row `∂²f/∂a∂·` comes from: the ops `∂f/∂a` is made of (those its backward pass
/// reaches, and their inputs: the forward pass's at the top level, the ones `grad` recorded
/// in layer `grad`), and that backward pass step by step.
fn origin(request: &Request<'_>, name: &str, trace: &Trace) -> String {
    let (output, row) = (request.output, request.row_name);
    if trace.events().is_empty() {
        return format!(
            "\n∂{output}/∂{name} = {} is a constant (no op lies between it and a variable), so \
             the row ∂²{output}/∂{name}∂· is 0\n",
            fmt_summary(trace.value())
        );
    }
    let mut reached: BTreeSet<usize> = trace.events().iter().map(|e| e.from().index()).collect();
    reached.insert(trace.output().index());
    let inputs: Vec<usize> = trace
        .nodes()
        .iter()
        .filter(|n| reached.contains(&n.id().index()))
        .flat_map(|n| n.inputs().map(|e| e.from().index()).collect::<Vec<_>>())
        .collect();
    reached.extend(inputs);
    let made_of = |n: &chaintrace::trace::NodeRecord<'_>| {
        reached.contains(&n.id().index()) && !matches!(n.op(), "leaf" | "const")
    };
    let mut out = format!(
        "\nwhere ∂²{output}/∂{name}² comes from: grad recorded {row} = ∂{output}/∂{name} on the \
         tape as ops in layer grad,\na graph like any other; the backward pass of {row} is the \
         row ∂²{output}/∂{name}∂· of the Hessian\n"
    );
    out += &walkthrough::forward_table(trace, made_of).to_text("  ");
    if let Some(node) = trace.node(trace.output()) {
        out += &format!(
            "{row} = {} = {}\n\n",
            node.display_name(),
            fmt_summary(&node.value())
        );
    }
    let (heading, table) = walkthrough::steps(trace, row);
    out += &heading;
    out.push('\n');
    if let Some(table) = table {
        out += &table.to_text("  ");
    }
    out
}

fn markdown(request: &Request<'_>, gradient: &[GradientEntry], hessian: &[HessianEntry]) -> String {
    let output = request.output;
    let heading = request.heading;
    let escape = chaintrace::escape::markdown::escape;
    let mut out = format!(
        "# {}\n\n{}\n",
        escape(&heading.title),
        escape(&heading.context)
    );
    if gradient.is_empty() {
        return out;
    }
    out += "\n## Gradient (order 1)\n\n";
    out += &gradient_table(output, gradient).to_markdown();
    out += &format!(
        "\n## Hessian (order 2)\n\n∂²{output}/∂a∂b = ∂(∂{output}/∂a)/∂b: the closed form is a \
         symbolic reverse sweep of the gradient `grad` recorded on the tape.\n\n"
    );
    out += &hessian_table(output, hessian).to_markdown();
    out
}
