//! Reports for people: HTML pages, SVG charts, and the tables and prose of the demonstrations.
//!
//! A backward pass is recorded once, as a [`Trace`](crate::Trace), and every front end reads
//! that trace: its own renderers give text, Markdown, JSON and DOT; this module adds the
//! step-through HTML page, whose data model [`HtmlTrace`] is filled by
//! [`HtmlTrace::from_trace`], and a chart of the trace's gradient magnitudes
//! ([`svg::trace_chart`]). Demonstrations write a [`Document`] (headings, paragraphs,
//! [`Table`]s, charts) and get text, Markdown and HTML from it.
//!
//! | module | renders |
//! |---|---|
//! | [`text`] | [`Table`] as aligned text or Markdown; [`display_width`] for terminals |
//! | [`document`] | a [`Document`] as text or Markdown |
//! | [`escape`] | text from outside, escaped for each kind of output (the library's [`crate::escape`], re-exported) |
//! | [`graph_svg`] | the graph as an inline SVG, nodes in columns by topological depth |
//! | [`svg`] | line charts with plotters: log axes, legends, a threshold line |
//! | [`html`] | the trace page and the document page |
//! | [`walkthrough`] | a traced backward pass told step by step, as text or Markdown ([`Walkthrough`]) |
//!
//! All output is deterministic: numbers go through [`fmt_num`], and nothing iterates a hash map.

pub mod document;
mod from_trace;
pub mod graph_svg;
pub mod html;
mod model;
pub mod serde_number;
pub mod svg;
pub mod text;
pub mod walkthrough;

/// The library's escaping, re-exported where the reports first kept it.
pub use crate::escape;

pub use document::{Block, Document};
pub use from_trace::{anomaly_notes, chain_rule_line, local_derivative_line};
pub use model::{
    Chart, GradientLine, GraphEdge, GraphNode, HtmlTrace, Ledger, LedgerRow, NodeRole, Step,
};
pub use text::{Table, display_width};
pub use walkthrough::Walkthrough;

/// The number format of every report and trace, kept with the trace so the engine's own
/// renderers use it without this module.
pub use crate::trace::{fmt_num, fmt_sig};

#[cfg(test)]
mod tests;
