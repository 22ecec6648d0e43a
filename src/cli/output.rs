//! Where output goes, and how a trace or a demonstration's report renders in each format.

use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use chaintrace::Trace;
use chaintrace::escape::text::escape_controls;
use chaintrace::report::graph_svg::{MAX_DRAWN_NODES, graph_with_gradients};
use chaintrace::report::{Document, HtmlTrace, html, svg};

use super::CliError;
use super::args::Format;

/// Writes `text` to `out`, or to stdout. A closed pipe (`chaintrace … | head`) is not an error.
/// A file is written whole or not at all: see [`write_atomically`].
pub fn emit(text: &str, out: Option<&Path>) -> Result<(), CliError> {
    match out {
        Some(path) => write_atomically(path, text.as_bytes()).map_err(|e| {
            let shown = escape_controls(&path.to_string_lossy()).into_owned();
            CliError::Failed(format!("cannot write {shown}: {e}"))
        }),
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

/// Writes `bytes` to a temporary file beside `path` (same folder, so the rename cannot cross
/// file systems), flushes it to disk and renames it over `path`: a reader of `path` sees the
/// old file or the whole new one, never a truncated one. On any failure the temporary file is
/// removed and `path` is left as it was.
///
/// # Errors
/// The first I/O error: creating, writing, syncing or renaming.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = temporary_beside(path);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        // Only ever the file created above (`create_new` refuses an existing one).
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// `.NAME.PID.tmp` in `path`'s folder.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let file = format!(".{name}.{}.tmp", std::process::id());
    match path.parent() {
        Some(folder) => folder.join(file),
        None => PathBuf::from(file),
    }
}

/// A trace in any format: text, Markdown, JSON and DOT are the trace's own renderers, SVG its
/// graph or per-layer chart ([`trace_picture`]), HTML the step-through page built from `page`
/// (called only for SVG and HTML).
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
        Format::Svg => trace_picture(trace, output, page)?,
        Format::Html => html::page(&page()),
    })
}

/// The SVG of a trace: a layered trace's gradient norm per layer ([`svg::trace_chart`]: the
/// layers are the story), otherwise the computation graph with every node's value and final
/// gradient ([`graph_with_gradients`]), or the chart again when the graph is too large to draw.
fn trace_picture(
    trace: &Trace,
    output: &str,
    page: impl FnOnce() -> HtmlTrace,
) -> Result<String, CliError> {
    let chart = || svg::trace_chart(trace, output).map_err(|e| CliError::Usage(e.to_string()));
    let nodes = trace.nodes().len();
    if trace.ledger().rows.len() >= 2 || nodes == 0 || nodes > MAX_DRAWN_NODES {
        return chart();
    }
    match graph_with_gradients(&page()) {
        Some(graph) => Ok(graph),
        None => chart(),
    }
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
