//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// chaintrace: see why a gradient is what it is, one chain-rule multiplication at a time.
#[derive(Debug, Parser)]
#[command(name = "chaintrace", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the output to FILE instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Seed for the random number generator of demos that draw random numbers.
    #[arg(long, global = true, default_value_t = 0)]
    pub seed: u64,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse a formula, build it on a tape and show every step of its backward pass.
    ///
    /// Example: chaintrace expr "tanh(w*x + b)" --at w=1.5,x=2,b=0.1
    Expr(ExprArgs),
    /// Run one of the article's demonstrations.
    Demo {
        /// Which demonstration.
        #[command(subcommand)]
        scenario: Scenario,
    },
    /// Re-render a trace saved with --format json.
    Trace {
        /// The saved trace.
        file: PathBuf,
        /// Refuse a file larger than this many bytes (the default is 256 MiB).
        #[arg(long, value_name = "BYTES", default_value_t = chaintrace::trace::MAX_INPUT_BYTES)]
        max_input_bytes: u64,
    },
}

/// Arguments of `chaintrace expr`.
#[derive(Debug, Args)]
pub struct ExprArgs {
    /// The formula: numbers, variables, + - * / ^, parentheses, and
    /// tanh sigmoid relu exp ln log sqrt abs square sin cos.
    pub expression: String,

    /// Values of the variables, NAME=VALUE separated by commas (repeatable).
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub at: Vec<String>,

    /// Variables to show the closed-form gradient for, separated by commas [default: all].
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub wrt: Vec<String>,

    /// 1: the gradient, step by step. 2: the gradient and the Hessian, every ∂²f/∂a∂b with its
    /// closed form and value, and where the first row comes from (text, md or json).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub order: u32,
}

/// The demonstrations.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// y = w·(w·(…(w·x))): ∂y/∂x = w^L explodes for w > 1 and vanishes for w < 1.
    Chain(ChainArgs),
    /// A deep MLP under naive, too-small, Xavier and He initialisation, with tanh and ReLU.
    Init(super::demo::init::InitArgs),
    /// Vanilla RNN, LSTM and GRU on the adding problem: ‖∂L/∂h_t‖ at every time step.
    Rnn(super::demo::rnn::RnnArgs),
    /// Training with and without gradient clipping: overshoot, NaN, and convergence.
    Clip(super::demo::clip::ClipArgs),
    /// Overshooting as curvature: lr·λ > 2 on a quadratic, and λ_max rising to 2/lr in training.
    Curvature(super::demo::curvature::CurvatureArgs),
    /// A deep plain network against the same with residual edges, and paths by length.
    Residual(super::demo::residual::ResidualArgs),
    /// A deep, badly initialised network with and without batch normalisation.
    Batchnorm(super::demo::batchnorm::BatchnormArgs),
    /// Order to chaos in deep tanh nets: the gradient gain per layer beside mean-field √χ₁.
    Chaos(super::demo::chaos::ChaosArgs),
}

/// Arguments of `chaintrace demo chain`.
#[derive(Debug, Clone, Args)]
pub struct ChainArgs {
    /// Number of multiplications L, one per layer.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub depth: u32,

    /// The weight w of every layer.
    #[arg(long, default_value_t = 1.5, allow_negative_numbers = true)]
    pub weight: f64,

    /// A second weight shown beside it (the vanishing case by default).
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub compare: f64,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Text,
    /// Markdown.
    Md,
    /// JSON (a trace that `chaintrace trace` reads back, or a demo's numbers).
    Json,
    /// Graphviz DOT of the computation graph.
    Dot,
    /// An SVG picture: the computation graph with values and gradients (a layered trace's
    /// gradient per layer), or a demo's chart.
    Svg,
    /// One self-contained HTML page with a step-through of the backward pass.
    Html,
}
