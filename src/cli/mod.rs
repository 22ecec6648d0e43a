//! The `chaintrace` command line: parsing arguments, running a command, writing its output.
//!
//! | file | what |
//! |---|---|
//! | `args.rs` | the clap declarations |
//! | `expr/` | `chaintrace expr`: a formula's backward pass, step by step, and its Hessian (`--order 2`) |
//! | `demo/` | `chaintrace demo <scenario>`, one file per scenario |
//! | `trace.rs` | `chaintrace trace FILE.json`: re-render a saved trace |
//! | `output.rs` | formats and where the output goes |
//! | `progress.rs` | the progress bar of long runs (stderr, terminals only) |
//!
//! Every command returns its whole output as a string, or a [`CliError`]; [`run`] prints the
//! error as one line on stderr (plus the input and a caret for an expression) and turns it
//! into the exit status: 2 for anything wrong with the input, 1 for a failure.

mod args;
mod demo;
mod expr;
mod output;
mod progress;
mod trace;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use chaintrace::expr_lang::ParseError;

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum CliError {
    /// Bad input on the command line or in a file: exit status 2.
    Usage(String),
    /// An expression rejected at a position: exit status 2, with a caret under the position.
    Expression {
        /// What is wrong and where.
        error: ParseError,
        /// The expression.
        source: String,
    },
    /// The command could not do its job (I/O, a scenario not yet built): exit status 1.
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) | CliError::Expression { .. } => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }

    /// The message for stderr, ending in a newline.
    fn render(&self) -> String {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => format!("error: {m}\n"),
            CliError::Expression { error, source } => {
                let column = error.span.column;
                format!(
                    "error at column {column}: {}\n{}\n",
                    error.message,
                    error.caret(source)
                )
            }
        }
    }
}

/// Parses the arguments, runs the command and returns the exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Expr(args) => expr::run(args, cli.format),
        Command::Demo { scenario } => demo::run(scenario, cli.format, cli.seed),
        Command::Trace {
            file,
            max_input_bytes,
        } => trace::run(file, *max_input_bytes, cli.format),
    }
    .and_then(|text| output::emit(&text, cli.out.as_deref()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", e.render());
            e.exit_code()
        }
    }
}
