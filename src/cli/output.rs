//! Where output goes, and how a trace or a demonstration's report renders in each format.

use std::io::{ErrorKind, Write};
use std::path::Path;

use chaintrace::Trace;
use chaintrace::report::{Document, HtmlTrace, html, svg};

use super::CliError;
use super::args::Format;

/// Writes `text` to `out`, or to stdout. A closed pipe (`chaintrace … | head`) is not an error.
pub fn emit(text: &str, out: Option<&Path>) -> Result<(), CliError> {
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(CliError::Failed(format!(
                    "cannot write to standard output: {e}"
                ))),
                _ => Ok(()),
            }
        }
    }
}

/// A trace in any format: text, Markdown, JSON and DOT are the trace's own renderers, SVG a
/// chart of its gradient magnitudes ([`svg::trace_chart`]), HTML the step-through page built
/// from `page` (called only for HTML).
pub fn render_trace(
    trace: &Trace,
    output: &str,
    format: Format,
    page: impl FnOnce() -> HtmlTrace,
) -> Result<String, CliError> {
    Ok(match format {
        Format::Text => trace.to_text(),
        Format::Md => trace.to_markdown(),
        Format::Json => trace.to_json(),
        Format::Dot => trace.to_dot(),
        Format::Svg => {
            svg::trace_chart(trace, output).map_err(|e| CliError::Usage(e.to_string()))?
        }
        Format::Html => html::page(&page()),
    })
}

/// A demonstration's report in `format`: text and Markdown from its [`Document`], JSON from
/// its numbers, SVG its charts (stacked into one picture), HTML the document as a page. There
/// is no graph to draw in DOT.
pub fn render_report<R: serde::Serialize>(
    demo: &str,
    doc: &Document,
    numbers: &R,
    format: Format,
) -> Result<String, CliError> {
    Ok(match format {
        Format::Text => doc.to_text(),
        Format::Md => doc.to_markdown(),
        Format::Json => serde_json::to_string_pretty(numbers).expect("plain data") + "\n",
        Format::Svg => {
            let charts: Vec<&str> = doc.charts().map(|c| c.svg.as_str()).collect();
            if charts.is_empty() {
                return Err(CliError::Failed(format!("demo {demo} drew no chart")));
            }
            svg::stack(&charts)
        }
        Format::Html => html::document_page(doc),
        Format::Dot => {
            return Err(CliError::Usage(format!(
                "demo {demo} has no computation graph to draw: use --format text, md, json, svg \
                 or html"
            )));
        }
    })
}
