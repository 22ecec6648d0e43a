//! `chaintrace expr "tanh(w*x + b)" --at w=1.5,x=2,b=0.1 [--wrt w,x] [--order 2]`.
//!
//! The expression is built on a tape and traced once ([`Var::backward_traced`]); the
//! walk-through ([`chaintrace::report::Walkthrough`], text and Markdown) and every other format
//! read that trace. With `--order 2`,
//! `hessian.rs` adds the second derivatives, from the gradient [`chaintrace::grad`] records.

mod hessian;

use std::collections::BTreeMap;

use chaintrace::expr_lang::{self, Built, ParseError, Program, quote};
use chaintrace::ops::{COS, SIN};
use chaintrace::report::{GradientLine, HtmlTrace, Walkthrough, fmt_num};
use chaintrace::{Gradients, Trace, TraceOptions, Var};

use super::CliError;
use super::args::{ExprArgs, Format};
use super::output::render_trace;

/// Parses, builds and traces the expression, and renders the trace in `format`: text and
/// Markdown are the step-by-step walk-through, the other formats the trace's own.
pub fn run(args: &ExprArgs, format: Format) -> Result<String, CliError> {
    hessian::check_order(args.order, format)?;
    let source = args.expression.as_str();
    let expression_error = |error: ParseError| CliError::Expression {
        error,
        source: source.to_string(),
    };
    let program = parser().parse(source).map_err(expression_error)?;
    let values = bindings(&args.at)?;
    if let Some((name, span)) = program
        .variables()
        .into_iter()
        .find(|(name, _)| !values.contains_key(*name))
    {
        let name = quote(name);
        return Err(expression_error(ParseError::new(
            format!("unknown variable `{name}`: give its value with --at {name}=VALUE"),
            span,
        )));
    }
    let names: Vec<&str> = program.variables().into_iter().map(|(n, _)| n).collect();
    if let Some(unused) = values.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(CliError::Usage(format!(
            "--at: `{}` is not a variable of the expression (its variables: {})",
            quote(unused),
            variable_list(&names)
        )));
    }
    let tape = chaintrace::Tape::<f64>::new();
    let built = program.build(&tape, &values).map_err(expression_error)?;
    let wrt = chosen(&built, &args.wrt)?;
    let output = output_name(&program);
    let heading = Heading {
        title: format!("{output} = {}", source.trim()),
        context: context(&program, &values),
    };
    if args.order == 2 {
        let names = wrt.iter().map(|v| leaf_name(*v)).collect();
        let request = hessian::Request {
            expression: source,
            output,
            row_name: fresh_name(&program, &["g", "G", "grad"]),
            heading: &heading,
            values: &values,
            names,
        };
        return hessian::run(&request, built.output, &wrt, format);
    }
    let (grads, trace) = built
        .output
        .try_backward_traced(TraceOptions::default())
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let gradients = closed_forms(&trace, &grads, &wrt);
    if matches!(format, Format::Text | Format::Md) {
        let mut walk = Walkthrough::new(&trace, output);
        walk.title = heading.title;
        walk.context = heading.context;
        walk.gradients = gradients;
        return Ok(match format {
            Format::Md => walk.to_markdown(),
            _ => walk.to_text(),
        });
    }
    render_trace(&trace, output, format, || {
        let mut page = HtmlTrace::from_trace(&trace, output);
        page.title = heading.title.clone();
        page.context = vec![heading.context.clone()];
        page.gradients = gradients.clone();
        page
    })
}

/// The title and the line under it.
struct Heading {
    /// `f = tanh(w*x + b)`.
    title: String,
    /// `at w = 1.5, x = 2, b = 0.1`.
    context: String,
}

/// The closed-form gradient of the output with respect to each var of `wrt`, simplified, and
/// its value from the traced sweep.
fn closed_forms(trace: &Trace, grads: &Gradients<f64>, wrt: &[Var<'_, f64>]) -> Vec<GradientLine> {
    wrt.iter()
        .map(|v| GradientLine {
            wrt: leaf_name(*v),
            formula: trace
                .try_symbolic_gradient(*v)
                .map(|e| e.to_string())
                .unwrap_or_default(),
            value: grads.wrt(*v).and_then(|g| g.item()).unwrap_or(0.0),
        })
        .collect()
}

/// A leaf's name (`v3` after its node id when it has none).
fn leaf_name(v: Var<'_, f64>) -> String {
    v.name().unwrap_or_else(|| format!("v{}", v.id().index()))
}

/// The expression language with the functions the library's parser leaves to registration:
/// `sin` and `cos` (built-in ops, but not among the language's own functions).
fn parser() -> expr_lang::Parser {
    expr_lang::Parser::new()
        .with_function(&SIN)
        .with_function(&COS)
}

/// `w=1.5,x=2` (possibly over several `--at`) as a map, with an error naming the bad item.
fn bindings(at: &[String]) -> Result<BTreeMap<String, f64>, CliError> {
    let mut values = BTreeMap::new();
    for item in at.iter().flat_map(|a| a.split(',')).map(str::trim) {
        if item.is_empty() {
            continue;
        }
        let (name, value) = match item.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() => (n.trim(), v.trim()),
            _ => {
                return Err(CliError::Usage(format!(
                    "--at: expected NAME=VALUE, found `{}`",
                    quote(item)
                )));
            }
        };
        let value: f64 = match value.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            Ok(_) => {
                return Err(CliError::Usage(format!(
                    "--at: `{}`: `{}` is not a finite number",
                    quote(item),
                    quote(value)
                )));
            }
            Err(_) => {
                return Err(CliError::Usage(format!(
                    "--at: `{}`: `{}` is not a number",
                    quote(item),
                    quote(value)
                )));
            }
        };
        if values.insert(name.to_string(), value).is_some() {
            return Err(CliError::Usage(format!(
                "--at: `{}` is given twice",
                quote(name)
            )));
        }
    }
    Ok(values)
}

/// The leaves named by `--wrt`, or all of them.
fn chosen<'t>(built: &Built<'t, f64>, wrt: &[String]) -> Result<Vec<Var<'t, f64>>, CliError> {
    if wrt.is_empty() {
        return Ok(built.leaves.iter().map(|(_, v)| *v).collect());
    }
    let names: Vec<&str> = built.leaves.iter().map(|(n, _)| n.as_str()).collect();
    wrt.iter()
        .map(|w| {
            let w = w.trim();
            built
                .leaves
                .iter()
                .find(|(n, _)| n == w)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "--wrt: `{}` is not a variable of the expression (its variables: {})",
                        quote(w),
                        variable_list(&names)
                    ))
                })
        })
        .collect()
}

/// The most variable names an error message lists.
const LISTED_NAMES: usize = 10;

/// `x, y, z` (each [quoted](quote), at most [`LISTED_NAMES`] of them, then `and N more`), or
/// `none`.
fn variable_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let mut listed: Vec<String> = names.iter().take(LISTED_NAMES).map(|n| quote(n)).collect();
    if names.len() > LISTED_NAMES {
        listed.push(format!("and {} more", names.len() - LISTED_NAMES));
    }
    listed.join(", ")
}

/// `f`, unless the expression has a variable of that name.
fn output_name(program: &Program) -> &'static str {
    fresh_name(program, &["f", "y", "F", "out"])
}

/// The first of `candidates` that is not a variable of the expression (else `output`).
fn fresh_name(program: &Program, candidates: &[&'static str]) -> &'static str {
    let variables = program.variables();
    candidates
        .iter()
        .copied()
        .find(|c| !variables.iter().any(|(v, _)| v == c))
        .unwrap_or("output")
}

/// `at w = 1.5, x = 2, b = 0.1`, in the order the variables appear.
fn context(program: &Program, values: &BTreeMap<String, f64>) -> String {
    let variables = program.variables();
    if variables.is_empty() {
        return "no variables: a constant, so no gradient flows".to_string();
    }
    let listed: Vec<String> = variables
        .iter()
        .map(|(name, _)| format!("{name} = {}", fmt_num(values[*name])))
        .collect();
    format!("at {}", listed.join(", "))
}
