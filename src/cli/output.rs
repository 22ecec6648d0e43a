//! Where output goes, and how a trace renders in each format.

use std::io::{ErrorKind, Write};
use std::path::Path;

use chaintrace::report::{HtmlTrace, graph_svg, html};

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

/// A trace in any format.
pub fn render_trace(trace: &HtmlTrace, format: Format) -> Result<String, CliError> {
    Ok(match format {
        Format::Text => trace.to_text(),
        Format::Md => trace.to_markdown(),
        Format::Json => trace.to_json() + "\n",
        Format::Dot => trace.to_dot(),
        Format::Html => html::page(trace),
        Format::Svg => graph_svg::graph_svg(trace).ok_or_else(|| {
            CliError::Usage(format!(
                "--format svg draws graphs of up to {} nodes; this one has {}",
                graph_svg::MAX_DRAWN_NODES,
                trace.nodes.len()
            ))
        })?,
    })
}
