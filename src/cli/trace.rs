//! `chaintrace trace FILE.json`: re-render a trace saved with `--format json`.

use std::path::Path;

use chaintrace::Trace;
use chaintrace::escape::text::escape_controls;
use chaintrace::report::HtmlTrace;

use super::CliError;
use super::args::Format;
use super::output::render_trace;

/// Reads the trace (at most `max_bytes` of it) and renders it in `format`; a file that is
/// not a trace, or is larger, is a usage error with serde's position (`at line 4 column 17`),
/// the broken reference or the limit.
pub fn run(file: &Path, max_bytes: u64, format: Format) -> Result<String, CliError> {
    let shown = escape_controls(&file.to_string_lossy()).into_owned();
    let reader = std::fs::File::open(file)
        .map_err(|e| CliError::Failed(format!("cannot read {shown}: {e}")))?;
    let trace = Trace::from_reader(reader, max_bytes).map_err(|e| {
        let hint = if e.to_string().contains("larger than the limit") {
            " (raise it with --max-input-bytes)"
        } else {
            ""
        };
        CliError::Usage(format!("{shown}: {e}{hint}"))
    })?;
    render_trace(&trace, "L", format, || {
        let mut page = HtmlTrace::from_trace(&trace, "L");
        page.title = format!("trace {shown}");
        page.context = vec![format!(
            "{} nodes, {} chain-rule multiplications, {} layers; element type {}",
            trace.nodes().len(),
            trace.events().len(),
            trace.ledger().rows.len(),
            trace.element()
        )];
        page
    })
}
