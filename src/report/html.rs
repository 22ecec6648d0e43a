//! Self-contained HTML pages: no network, no external scripts or styles.
//!
//! [`page`] shows one trace: the computation graph ([`graph_svg`](super::graph_svg)), a
//! stepper that walks every chain-rule multiplication in sweep order (buttons, ← and → keys,
//! or a `#step=N` URL fragment; step 0 is the seed `∂f/∂f = 1`; its controls are reached with
//! Tab and every step is announced in an `aria-live` region), the closed-form gradients,
//! the per-layer ledger and the charts. The page model is embedded as JSON in
//! `<script type="application/json" id="trace-data">`, and the script mirrors its state on
//! `<body data-step="3" data-formula="∂f/∂x = …">` so a headless browser's `--dump-dom` can be
//! checked. Everything the script shows is also in the static HTML (the list of steps), so the
//! page reads without JavaScript. A trace recorded without its graph (ledger only) gets the
//! ledger and charts, and no stepper.
//!
//! [`document_page`] shows a [`Document`](super::Document): a demonstration's explanations,
//! tables and charts, and the stepper of a small traced graph beside them.

mod document_page;

pub use document_page::document_page;

use super::fmt_num;
use super::graph_svg::{MAX_DRAWN_NODES, graph_svg};
use super::model::{Chart, HtmlTrace};

pub(super) const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The page for `trace`.
///
/// # Example
/// ```
/// use chaintrace::{report::{html, HtmlTrace}, Tape, TraceOptions};
/// let tape = Tape::<f64>::new();
/// let x = tape.var("x", 2.0);
/// let (_, trace) = x.square().backward_traced(TraceOptions::default());
/// let page = html::page(&HtmlTrace::from_trace(&trace, "f"));
/// assert!(page.contains("data-formula=\"∂f/∂u₁ = 1\""));
/// assert!(!page.contains("src=\"http"));
/// ```
pub fn page(trace: &HtmlTrace) -> String {
    let mut html = head(&trace.title);
    html += &stepper_body(trace);
    html += &header(&trace.title, &trace.context);
    html += "<main>\n";
    html += &notes(trace);
    let stepper_shown = !trace.nodes.is_empty();
    if stepper_shown {
        html += &graph_section(trace);
        html += &stepper(trace, &seed_formula(trace));
    }
    html += &gradients(trace);
    html += &ledger(trace);
    html += &charts(&trace.charts);
    html += "</main>\n";
    html += &stepper_scripts(trace, stepper_shown);
    html + "</body>\n</html>\n"
}

/// `<body>` with the stepper's state at step 0 (mirrored there for `--dump-dom`).
fn stepper_body(trace: &HtmlTrace) -> String {
    format!(
        "<body data-step=\"0\" data-steps=\"{}\" data-formula=\"{}\">\n",
        trace.steps.len(),
        escape(&seed_formula(trace))
    )
}

/// The page model as JSON, and the stepper's script when a stepper is shown.
fn stepper_scripts(trace: &HtmlTrace, stepper_shown: bool) -> String {
    let mut html = format!(
        "<script type=\"application/json\" id=\"trace-data\">{}</script>\n",
        script_safe_json(trace)
    );
    if stepper_shown {
        html += &format!("<script>\n{SCRIPT}</script>\n");
    }
    html
}

fn head(title: &str) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    html += "<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += &format!("<title>chaintrace: {}</title>\n", escape(title));
    html + &format!("<style>\n{STYLE}</style>\n</head>\n")
}

pub use crate::escape::html::escape;

/// The trace as JSON that cannot end its `<script>` element early: every `<` (only ever
/// inside JSON strings) becomes the JSON escape `\u003c`.
fn script_safe_json(trace: &HtmlTrace) -> String {
    serde_json::to_string(trace)
        .expect("plain data serialises")
        .replace('<', "\\u003c")
}

/// Step 0: the seed `∂f/∂y = 1` at the output.
fn seed_formula(trace: &HtmlTrace) -> String {
    trace
        .nodes
        .last()
        .map(|n| format!("∂{}/∂{} = 1", trace.output, n.name))
        .unwrap_or_default()
}

fn header(title: &str, context: &[String]) -> String {
    let mut out = format!("<header>\n<h1>{}</h1>\n", escape(title));
    for line in context {
        out += &format!("<p class=\"context\">{}</p>\n", escape(line));
    }
    out + "</header>\n"
}

fn notes(trace: &HtmlTrace) -> String {
    if trace.notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section class=\"notes\" id=\"notes\">\n");
    for note in &trace.notes {
        out += &format!("<p>⚠ {}</p>\n", escape(note));
    }
    out + "</section>\n"
}

fn graph_section(trace: &HtmlTrace) -> String {
    let body = match graph_svg(trace) {
        Some(svg) => format!("<div class=\"graph-scroll\">\n{svg}</div>\n"),
        None if trace.nodes.is_empty() => "<p>No graph in this trace.</p>\n".to_string(),
        None => format!(
            "<p>The graph has {} nodes, more than the {MAX_DRAWN_NODES} drawn; the steps and \
             the ledger below cover all of them.</p>\n",
            trace.nodes.len()
        ),
    };
    format!("<section id=\"graph\">\n<h2>Computation graph</h2>\n{body}</section>\n")
}

fn stepper(trace: &HtmlTrace, seed: &str) -> String {
    // Keyboard: Tab reaches the two buttons and the list; ← → Home End step from anywhere on
    // the page. Every step is read out by screen readers through the `aria-live` region.
    let mut out = String::from(
        "<section id=\"stepper\" aria-labelledby=\"stepper-title\">\n<h2 id=\"stepper-title\">\
         Backward pass, one chain-rule multiplication at a time</h2>\n<div class=\"controls\" \
         role=\"group\" aria-label=\"step through the backward pass\"><button id=\"prev\" \
         type=\"button\" aria-keyshortcuts=\"ArrowLeft\">← Prev</button>",
    );
    out += &format!(
        "<span id=\"position\">step 0 of {n}</span><button id=\"next\" type=\"button\" \
         aria-keyshortcuts=\"ArrowRight\">Next →</button><span class=\"hint\">or ← → (Home, \
         End) keys; link a step with #step=N</span></div>\n<p id=\"announce\" \
         class=\"visually-hidden\" aria-live=\"polite\" aria-atomic=\"true\"></p>\n",
        n = trace.steps.len()
    );
    out += &format!(
        "<div id=\"formula\" class=\"formula\">{}</div>\n<div id=\"local\" class=\"local\">the \
         seed: the output's gradient with respect to itself</div>\n<div id=\"where\" \
         class=\"where\"></div>\n",
        escape(seed)
    );
    out += "<ol class=\"steps\" tabindex=\"0\" aria-label=\"every multiplication, in sweep \
            order\">\n";
    for (k, s) in trace.steps.iter().enumerate() {
        out += &format!(
            "<li id=\"step-{}\">{} <span class=\"local\">[{}]</span></li>\n",
            k + 1,
            escape(&s.formula),
            escape(&s.local_formula)
        );
    }
    out + "</ol>\n</section>\n"
}

fn gradients(trace: &HtmlTrace) -> String {
    if trace.gradients.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section id=\"gradients\">\n<h2>Gradients: closed form = value</h2>\n<table>\n\
         <tr><th>gradient</th><th>closed form</th><th class=\"num\">value</th></tr>\n",
    );
    for g in &trace.gradients {
        out += &format!(
            "<tr><td>∂{}/∂{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&trace.output),
            escape(&g.wrt),
            escape(&g.formula),
            fmt_num(g.value)
        );
    }
    out + "</table>\n</section>\n"
}

fn ledger(trace: &HtmlTrace) -> String {
    if trace.ledger.rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section id=\"ledger\">\n<h2>Per-layer ledger, from the output back to the input</h2>\n\
         <table>\n<tr><th>layer</th>",
    );
    for c in &trace.ledger.columns {
        out += &format!("<th class=\"num\">{}</th>", escape(c));
    }
    out += "</tr>\n";
    for row in &trace.ledger.rows {
        out += &format!(
            "<tr data-layer=\"{}\"><td>{}</td>",
            escape(&row.layer),
            escape(&row.layer)
        );
        for v in &row.values {
            let cell = v.map(fmt_num).unwrap_or_default();
            out += &format!("<td class=\"num\">{cell}</td>");
        }
        out += "</tr>\n";
    }
    out + "</table>\n</section>\n"
}

fn charts(charts: &[Chart]) -> String {
    if charts.is_empty() {
        return String::new();
    }
    format!(
        "<section id=\"charts\">\n<h2>Charts</h2>\n{}</section>\n",
        chart_row(charts)
    )
}

fn chart_row(charts: &[Chart]) -> String {
    let mut out = String::from("<div class=\"charts\">\n");
    for chart in charts {
        out += &format!(
            "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n",
            strip_xml_declaration(&chart.svg),
            escape(&chart.title)
        );
    }
    out + "</div>\n"
}

pub(super) fn strip_xml_declaration(svg: &str) -> &str {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(svg, |(_, body)| body.trim_start()),
        None => svg,
    }
}
