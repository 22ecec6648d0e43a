//! `chaintrace trace FILE.json`: re-render a trace saved with `--format json`.

use std::path::Path;

use chaintrace::report::HtmlTrace;

use super::CliError;
use super::args::Format;
use super::output::render_trace;

/// Reads the trace and renders it in `format`.
pub fn run(file: &Path, format: Format) -> Result<String, CliError> {
    let json = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", file.display())))?;
    let trace = HtmlTrace::from_json(&json)
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    render_trace(&trace, format)
}
