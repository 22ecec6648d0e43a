//! Reports for people: tables and formulas as text or Markdown, Graphviz DOT, SVG charts and a
//! self-contained, step-through HTML page.
//!
//! Everything renders from plain data, so any producer can feed it: [`HtmlTrace`] is the page's
//! data model (the graph, every chain-rule multiplication in sweep order, a per-layer ledger,
//! closed-form gradients and embedded charts), and [`svg`] draws charts from [`svg::Series`].
//! [`HtmlTrace::from_scalar_tape`] fills the model from a scalar tape.
//!
//! | module | renders |
//! |---|---|
//! | [`text`] | [`HtmlTrace`] and [`Table`] as aligned text or Markdown |
//! | [`document`] | a [`Document`] (headings, paragraphs, tables, charts) as text, Markdown or HTML |
//! | [`dot`] | the graph as Graphviz DOT (our own renderer, stable for snapshots) |
//! | [`graph_svg`] | the graph as an inline SVG, nodes in columns by topological depth |
//! | [`svg`] | line charts with plotters: log axes, legends, a threshold line |
//! | [`html`] | the page |
//!
//! All output is deterministic: numbers go through [`fmt_num`], and nothing iterates a hash map.

pub mod document;
pub mod dot;
mod from_tape;
pub mod graph_svg;
pub mod html;
mod model;
pub mod serde_number;
pub mod svg;
pub mod text;

pub use document::Document;
pub use model::{
    Chart, FORMAT_VERSION, GradientLine, GraphEdge, GraphNode, HtmlTrace, Ledger, LedgerRow,
    NodeRole, Step,
};
pub use text::Table;

/// Formats a number the way every report prints it: six significant digits, trailing zeros
/// dropped, scientific notation outside `[1e-4, 1e6)`, and `inf`, `-inf`, `NaN` spelled out.
///
/// ```
/// use chaintrace::report::fmt_num;
/// assert_eq!(fmt_num(0.1), "0.1");
/// assert_eq!(fmt_num(1.5f64.powi(50)), "6.37622e8");
/// assert_eq!(fmt_num(0.5f64.powi(50)), "8.88178e-16");
/// assert_eq!(fmt_num(1.0 - 3.1f64.tanh().powi(2)), "0.00808487");
/// assert_eq!(fmt_num(f64::INFINITY), "inf");
/// ```
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor();
    if (-4.0..6.0).contains(&magnitude) {
        let decimals = (5.0 - magnitude) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    } else {
        let s = format!("{x:.5e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation");
        format!("{}e{exponent}", trim_zeros(mantissa))
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
