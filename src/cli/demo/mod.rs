//! `chaintrace demo <scenario>`: one file per scenario.

mod chain;
pub(super) mod clip;
pub(super) mod rnn;
mod spectral;

use super::CliError;
use super::args::{Format, Scenario};

/// Runs a scenario and renders its report in `format`.
pub fn run(scenario: &Scenario, format: Format, seed: u64) -> Result<String, CliError> {
    match scenario {
        Scenario::Chain(args) => chain::run(args, format),
        Scenario::Rnn(args) => rnn::run(args, format, seed),
        Scenario::Clip(args) => clip::run(args, format, seed),
        other => Err(CliError::Failed(format!(
            "demo `{}` is not yet available; try `chaintrace demo chain`",
            other.name()
        ))),
    }
}
