//! `chaintrace demo chain`: y = w·(w·(…(w·x))), the article's core claim in one line.
//!
//! Each multiplication is its own layer, so ∂y/∂x is the product of L local derivatives
//! ∂h_k/∂h_(k−1) = w: w^L, which explodes for |w| > 1 and vanishes for |w| < 1. The demo
//! prints the engine's value beside the closed form, the gradient at every layer, and the
//! depth at which w^L leaves the range of f32 and of f64, found by running the engine.
//!
//! The files: this one holds the numbers the demo measures (its JSON output), [`run`] and the
//! words the outputs share; `measure.rs` runs the chain in the engine and searches for the
//! depth where w^L leaves each float type's range; `text.rs` renders the text and markdown
//! report; `page.rs` the chart and the traced HTML page.

mod claims;
mod measure;
mod page;
mod text;

use serde::Serialize;

use chaintrace::report::{fmt_num, serde_number};

use crate::cli::CliError;
use crate::cli::args::{ChainArgs, Format};
use crate::cli::demo::claims::{json, verdicts_html, verdicts_markdown, verdicts_text};
use crate::cli::output::render_trace;
use page::traced_chain;

/// The longest chain the range search grows to.
const SEARCH_LIMIT: usize = 32_768;

/// The deepest chain drawn as a graph (`--format html` and `dot`).
const MAX_DRAWN_DEPTH: u32 = 400;

/// Rows of the per-layer table shown in full; longer tables show both ends.
const MAX_TABLE_ROWS: usize = 120;

/// Everything the demo measured.
#[derive(Debug, Serialize)]
struct ChainReport {
    depth: usize,
    x: f64,
    runs: Vec<ChainRun>,
}

/// One weight's measurements.
#[derive(Debug, Serialize)]
struct ChainRun {
    weight: f64,
    /// ∂y/∂x from the engine in f32.
    #[serde(with = "serde_number")]
    gradient_f32: f64,
    /// ∂y/∂x from the engine in f64.
    #[serde(with = "serde_number")]
    gradient_f64: f64,
    /// w^L, computed directly.
    #[serde(with = "serde_number")]
    closed_form: f64,
    /// ∂y/∂h_k for k = 0..=L (h_0 = x), from the engine in f64.
    #[serde(with = "serde_number::vec")]
    per_layer: Vec<f64>,
    /// Where w^L leaves the range of f32 and of f64.
    limits: Vec<Limit>,
}

/// The depth at which w^L stops being a finite, non-zero number in one float type.
#[derive(Debug, Serialize)]
struct Limit {
    dtype: &'static str,
    kind: LimitKind,
    /// The depth found by running the engine (`None`: not within `searched_to`).
    engine_depth: Option<usize>,
    /// The depth the closed form predicts from the type's range.
    closed_form_depth: Option<usize>,
    /// The longest chain the engine ran.
    searched_to: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
enum LimitKind {
    /// |w| > 1: w^L overflows to ±inf.
    Overflow,
    /// |w| < 1: w^L underflows to 0.
    Underflow,
    /// |w| = 1: w^L stays ±1.
    Never,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ChainArgs, format: Format) -> Result<String, CliError> {
    for (flag, w) in [("--weight", args.weight), ("--compare", args.compare)] {
        if !w.is_finite() {
            return Err(CliError::Usage(format!(
                "{flag} must be a finite number, got {w}"
            )));
        }
    }
    let depth = args.depth as usize;
    let mut weights = vec![args.weight];
    if args.compare != args.weight {
        weights.push(args.compare);
    }
    let report = ChainReport {
        depth,
        x: 1.0,
        runs: weights
            .iter()
            .map(|&w| ChainRun::measure(depth, w))
            .collect(),
    };
    let claims = report.claims();
    match format {
        Format::Text => Ok(report.to_text(false) + "\n" + &verdicts_text(&claims)),
        Format::Md => Ok(report.to_text(true) + &verdicts_markdown(&claims, 3)),
        Format::Json => Ok(json(&report, &claims)),
        Format::Svg => report.chart().map_err(|e| CliError::Failed(e.to_string())),
        Format::Html | Format::Dot => {
            if args.depth > MAX_DRAWN_DEPTH {
                return Err(CliError::Usage(format!(
                    "--format {} draws chains up to --depth {MAX_DRAWN_DEPTH}",
                    if format == Format::Html {
                        "html"
                    } else {
                        "dot"
                    }
                )));
            }
            let (trace, gradients) = traced_chain(depth, args.weight);
            let page = render_trace(&trace, "y", format, || {
                report.page(&trace, gradients, args.weight)
            })?;
            Ok(if format == Format::Html {
                verdicts_html(&page, &claims)
            } else {
                page
            })
        }
    }
}

impl ChainRun {
    fn trend(&self) -> String {
        let w = fmt_num(self.weight);
        match self.weight.abs() {
            a if a > 1.0 => format!("explodes: ×{w} per layer"),
            a if a < 1.0 => format!("vanishes: ×{w} per layer"),
            _ => "stays the same size".to_string(),
        }
    }
}

impl Limit {
    fn engine_text(&self) -> String {
        let what = match self.kind {
            LimitKind::Overflow => "overflows to inf",
            LimitKind::Underflow => "underflows to 0",
            LimitKind::Never => return "never (|w| = 1)".to_string(),
        };
        match self.engine_depth {
            Some(d) => format!("{what} at depth {d}"),
            None => format!("{what} beyond depth {}", self.searched_to),
        }
    }
}

fn layer_name(k: usize) -> String {
    if k == 0 {
        "x (input)".to_string()
    } else {
        format!("layer{k}")
    }
}
