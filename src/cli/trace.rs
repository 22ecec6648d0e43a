//! `chaintrace trace FILE.json`: re-render a trace saved with `--format json`.

use std::path::Path;

use chaintrace::Trace;
use chaintrace::report::HtmlTrace;

use super::CliError;
use super::args::Format;
use super::output::render_trace;

/// Reads the trace and renders it in `format`; a file that is not a trace is a usage error
/// with serde's position (`at line 4 column 17`) or the broken reference.
pub fn run(file: &Path, format: Format) -> Result<String, CliError> {
    let json = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", file.display())))?;
    let trace =
        Trace::from_json(&json).map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    render_trace(&trace, "L", format, || {
        let mut page = HtmlTrace::from_trace(&trace, "L");
        page.title = format!("trace {}", file.display());
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
