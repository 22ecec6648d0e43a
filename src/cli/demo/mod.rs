//! `chaintrace demo <scenario>`: one module per scenario (a folder for the larger ones).

pub mod batchnorm;
mod chain;
pub mod chaos;
mod claims;
pub(super) mod clip;
pub(super) mod curvature;
mod deepnet;
pub mod init;
mod present;
pub mod residual;
pub(super) mod rnn;
mod spectral;

use super::CliError;
use super::args::{Format, Scenario};

/// Runs a scenario and renders its report in `format`.
pub fn run(scenario: &Scenario, format: Format, seed: u64) -> Result<String, CliError> {
    match scenario {
        Scenario::Chain(args) => chain::run(args, format),
        Scenario::Init(args) => init::run(args, format, seed),
        Scenario::Residual(args) => residual::run(args, format, seed),
        Scenario::Batchnorm(args) => batchnorm::run(args, format, seed),
        Scenario::Chaos(args) => chaos::run(args, format, seed),
        Scenario::Rnn(args) => rnn::run(args, format, seed),
        Scenario::Clip(args) => clip::run(args, format, seed),
        Scenario::Curvature(args) => curvature::run(args, format, seed),
    }
}
