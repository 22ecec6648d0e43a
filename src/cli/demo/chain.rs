//! `chaintrace demo chain`: y = w·(w·(…(w·x))), the article's core claim in one line.
//!
//! Each multiplication is its own layer, so ∂y/∂x is the product of L local derivatives
//! ∂h_k/∂h_(k−1) = w: w^L, which explodes for |w| > 1 and vanishes for |w| < 1. The demo
//! prints the engine's value beside the closed form, the gradient at every layer, and the
//! depth at which w^L leaves the range of f32 and of f64, found by running the engine.

use serde::Serialize;

use chaintrace::report::svg::{Series, layer_norms};
use chaintrace::report::{
    Chart, GradientLine, HtmlTrace, Ledger, LedgerRow, Table, fmt_num, serde_number,
};
use chaintrace::{Float, Tape, Trace, TraceOptions};

use crate::cli::CliError;
use crate::cli::args::{ChainArgs, Format};
use crate::cli::output::render_trace;

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
    match format {
        Format::Text => Ok(report.to_text(false)),
        Format::Md => Ok(report.to_text(true)),
        Format::Json => Ok(serde_json::to_string_pretty(&report).expect("plain data") + "\n"),
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
            render_trace(&trace, "y", format, || {
                report.page(&trace, gradients, args.weight)
            })
        }
    }
}

/// ∂y/∂h_k for k = 0..=depth (h_0 = x = 1) by one backward pass through a chain of `depth`
/// layers, each `h_k = w·h_(k−1)` in layer `layer{k}`.
fn layer_gradients<T: Float>(depth: usize, w: f64) -> Vec<f64> {
    let tape = Tape::<T>::new();
    let w = tape.var("w", T::from_f64(w));
    let x = tape.var("x", T::one());
    let mut hs = Vec::with_capacity(depth + 1);
    hs.push(x);
    for k in 1..=depth {
        let h = hs[k - 1];
        hs.push(tape.layer(&format!("layer{k}"), || w * h));
    }
    let grads = hs[depth].backward();
    hs.iter()
        .map(|h| {
            grads
                .wrt(*h)
                .and_then(|g| g.item())
                .map_or(0.0, Float::as_f64)
        })
        .collect()
}

/// The first depth at which the engine's ∂y/∂x is no longer finite and non-zero, growing the
/// chain (256, 512, …) until it is found or [`SEARCH_LIMIT`] is reached.
///
/// One backward pass through a chain of n layers gives every shorter chain's answer: the sweep
/// forms ∂y/∂h_(n−d) as 1·w·w·…·w (d factors, in that order), exactly the multiplications
/// that give ∂y/∂x in a chain of depth d.
fn engine_limit<T: Float>(w: f64) -> (Option<usize>, usize) {
    let mut n = 256;
    loop {
        let g = layer_gradients::<T>(n, w);
        if let Some(d) = (1..=n).find(|&d| !g[n - d].is_finite() || g[n - d] == 0.0) {
            return (Some(d), n);
        }
        if n >= SEARCH_LIMIT {
            return (None, n);
        }
        n *= 2;
    }
}

/// The depth the closed form predicts: the first L with |w|^L above the type's largest
/// number, or below half its smallest subnormal (which rounds to 0).
fn predicted_limit(w: f64, ln_max: f64, ln_half_min: f64) -> Option<usize> {
    let ln_w = w.abs().ln();
    // A tolerance keeps exact powers (0.5^150 is exactly half of f32's smallest subnormal)
    // from being pushed one step off by the rounding of the logarithms.
    let depth = if ln_w > 0.0 {
        (ln_max / ln_w + 1e-9).floor() + 1.0
    } else if ln_w < 0.0 {
        (ln_half_min / ln_w - 1e-9).ceil()
    } else {
        return None;
    };
    Some(depth.max(1.0) as usize)
}

fn limit<T: Float>(w: f64, ln_max: f64, ln_half_min: f64) -> Limit {
    let kind = match w.abs() {
        a if a > 1.0 => LimitKind::Overflow,
        a if a < 1.0 => LimitKind::Underflow,
        _ => LimitKind::Never,
    };
    let (engine_depth, searched_to) = match kind {
        LimitKind::Never => (None, 0),
        _ => engine_limit::<T>(w),
    };
    Limit {
        dtype: T::NAME,
        kind,
        engine_depth,
        closed_form_depth: predicted_limit(w, ln_max, ln_half_min),
        searched_to,
    }
}

impl ChainRun {
    fn measure(depth: usize, w: f64) -> Self {
        let per_layer = layer_gradients::<f64>(depth, w);
        let ln2 = std::f64::consts::LN_2;
        ChainRun {
            weight: w,
            gradient_f32: layer_gradients::<f32>(depth, w)[0],
            gradient_f64: per_layer[0],
            closed_form: w.powi(depth as i32),
            per_layer,
            limits: vec![
                limit::<f32>(w, (f32::MAX as f64).ln(), -150.0 * ln2),
                limit::<f64>(w, f64::MAX.ln(), -1075.0 * ln2),
            ],
        }
    }

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

impl ChainReport {
    fn to_text(&self, markdown: bool) -> String {
        let l = self.depth;
        let table = |t: &Table| {
            if markdown {
                t.to_markdown() + "\n"
            } else {
                t.to_text("  ")
            }
        };
        let heading = |s: &str| {
            if markdown {
                format!("### {s}\n\n")
            } else {
                format!("{s}\n")
            }
        };
        let mut out = if markdown {
            "## ".to_string()
        } else {
            String::new()
        };
        out += &format!(
            "The exploding chain: y = w·(w·(…(w·x))), {l} multiplications, one per layer, at x = 1\n\n"
        );
        out += &heading(&format!(
            "∂y/∂x = w^{l}: the product of the {l} local derivatives ∂h_k/∂h_(k−1) = w"
        ));
        out += &table(&self.summary_table());
        out += "\n";
        out += &heading(
            "‖∂y/∂h_k‖ at each layer (h_k = output of layer k), from the output back to the input",
        );
        out += &table(&self.layer_table());
        out += "\n";
        out += &heading(&format!(
            "where w^L leaves the floating-point range, found by running the engine on chains of \
             up to {SEARCH_LIMIT} layers"
        ));
        out += &table(&self.limit_table());
        out
    }

    fn summary_table(&self) -> Table {
        let closed = format!("closed form w^{}", self.depth);
        let mut t = Table::new(&["w", "f32 engine", "f64 engine", &closed, ""])
            .right_align(1)
            .right_align(2)
            .right_align(3);
        for r in &self.runs {
            t.row(vec![
                fmt_num(r.weight),
                fmt_num(r.gradient_f32),
                fmt_num(r.gradient_f64),
                fmt_num(r.closed_form),
                r.trend(),
            ]);
        }
        t
    }

    fn layer_table(&self) -> Table {
        let mut headers = vec!["layer".to_string()];
        headers.extend(
            self.runs
                .iter()
                .map(|r| format!("w = {}", fmt_num(r.weight))),
        );
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&headers);
        for c in 1..headers.len() {
            t = t.right_align(c);
        }
        let rows: Vec<usize> = (0..=self.depth).rev().collect();
        let shown = if rows.len() > MAX_TABLE_ROWS {
            let half = MAX_TABLE_ROWS / 2;
            [&rows[..half], &rows[rows.len() - half..]].concat()
        } else {
            rows.clone()
        };
        for (i, &k) in shown.iter().enumerate() {
            if i > 0 && shown[i - 1] != k + 1 {
                t.row(vec![format!("… {} layers …", shown[i - 1] - k - 1)]);
            }
            let mut cells = vec![layer_name(k)];
            cells.extend(self.runs.iter().map(|r| fmt_num(r.per_layer[k].abs())));
            t.row(cells);
        }
        t
    }

    fn limit_table(&self) -> Table {
        let mut t = Table::new(&["w", "type", "engine", "closed form"]).right_align(3);
        for r in &self.runs {
            for lim in &r.limits {
                t.row(vec![
                    fmt_num(r.weight),
                    lim.dtype.to_string(),
                    lim.engine_text(),
                    lim.closed_form_depth
                        .map_or("never".to_string(), |d| d.to_string()),
                ]);
            }
        }
        t
    }

    fn series(&self) -> Vec<Series> {
        self.runs
            .iter()
            .map(|r| {
                Series::new(
                    format!("w = {}", fmt_num(r.weight)),
                    r.per_layer
                        .iter()
                        .enumerate()
                        .map(|(k, g)| (k as f64, g.abs())),
                )
            })
            .collect()
    }

    fn chart(&self) -> chaintrace::Result<String> {
        layer_norms(
            &format!("‖∂y/∂h_k‖ through a {}-layer chain (h_0 = x)", self.depth),
            &self.series(),
        )
    }

    /// The page for the chain at weight `w` from its trace: its graph and steps, with the
    /// per-layer ledger of every weight and the chart.
    fn page(&self, trace: &Trace, gradients: Vec<GradientLine>, w: f64) -> HtmlTrace {
        let mut page = HtmlTrace::from_trace(trace, "y");
        page.gradients = gradients;
        page.title = format!(
            "The exploding chain: y = w·(w·(…(w·x))), {} layers, w = {}",
            self.depth,
            fmt_num(w)
        );
        page.context = self
            .runs
            .iter()
            .map(|r| {
                format!(
                    "w = {}: ∂y/∂x = w^{} = {} ({}); {}",
                    fmt_num(r.weight),
                    self.depth,
                    fmt_num(r.gradient_f64),
                    r.trend(),
                    r.limits
                        .iter()
                        .map(|l| format!("{} {}", l.dtype, l.engine_text()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        page.ledger = Ledger {
            columns: self
                .runs
                .iter()
                .map(|r| format!("‖∂y/∂h_k‖ at w = {}", fmt_num(r.weight)))
                .collect(),
            rows: (0..=self.depth)
                .rev()
                .map(|k| LedgerRow {
                    layer: layer_name(k),
                    values: self
                        .runs
                        .iter()
                        .map(|r| Some(r.per_layer[k].abs()))
                        .collect(),
                })
                .collect(),
        };
        if let Ok(svg) = self.chart() {
            page.charts = vec![Chart {
                title: "Gradient norm per layer, log scale".into(),
                svg,
            }];
        }
        page
    }
}

/// The chain at weight `w`, traced, with the closed form of ∂y/∂x (w^L) when it is small
/// enough to build.
fn traced_chain(depth: usize, w: f64) -> (Trace, Vec<GradientLine>) {
    let tape = Tape::<f64>::new();
    let wv = tape.var("w", w);
    let x = tape.var("x", 1.0);
    let mut h = x;
    for k in 1..=depth {
        h = tape.layer(&format!("layer{k}"), || wv * h);
    }
    let (grads, trace) = h.backward_traced(TraceOptions::default());
    let gradient = GradientLine {
        wrt: "x".to_string(),
        formula: trace
            .try_symbolic_gradient(x)
            .map(|e| e.to_string())
            .unwrap_or_default(),
        value: grads.wrt(x).and_then(|g| g.item()).unwrap_or(0.0),
    };
    (trace, vec![gradient])
}

fn layer_name(k: usize) -> String {
    if k == 0 {
        "x (input)".to_string()
    } else {
        format!("layer{k}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1.5^218 ≈ 2.4e38 < f32::MAX ≈ 3.4e38 < 1.5^219 ≈ 3.7e38;
    /// 1.5^1750 ≈ 1.2e308 < f64::MAX ≈ 1.8e308 < 1.5^1751 ≈ 1.8e308·1.0…: log10(1.5)·1751 = 308.33.
    #[test]
    fn overflow_depths_measured_by_the_engine() {
        assert_eq!(engine_limit::<f32>(1.5).0, Some(219));
        assert_eq!(engine_limit::<f64>(1.5).0, Some(1751));
        let ln2 = std::f64::consts::LN_2;
        assert_eq!(predicted_limit(1.5, (f32::MAX as f64).ln(), 0.0), Some(219));
        assert_eq!(predicted_limit(1.5, f64::MAX.ln(), 0.0), Some(1751));
        // 0.5^150 = 2^-150 is half of f32's smallest subnormal 2^-149: it rounds (to even) to 0.
        assert_eq!(engine_limit::<f32>(0.5).0, Some(150));
        assert_eq!(engine_limit::<f64>(0.5).0, Some(1075));
        assert_eq!(predicted_limit(0.5, 0.0, -150.0 * ln2), Some(150));
        assert_eq!(predicted_limit(0.5, 0.0, -1075.0 * ln2), Some(1075));
        // 2^128 is the first power of two past f32::MAX = (2 − 2^-23)·2^127.
        assert_eq!(engine_limit::<f32>(2.0).0, Some(128));
        assert_eq!(predicted_limit(2.0, (f32::MAX as f64).ln(), 0.0), Some(128));
    }

    #[test]
    fn per_layer_gradients_are_powers_of_w() {
        let g = layer_gradients::<f64>(10, 1.5);
        for (k, gk) in g.iter().enumerate() {
            // ∂y/∂h_k = w^(10−k): each layer above h_k contributes one factor ∂h_j/∂h_(j−1) = w.
            assert!((gk - 1.5f64.powi(10 - k as i32)).abs() < 1e-12 * gk.abs());
        }
    }

    #[test]
    fn weight_one_never_leaves_the_range() {
        let l = limit::<f32>(-1.0, (f32::MAX as f64).ln(), 0.0);
        assert_eq!(
            (l.kind, l.engine_depth, l.closed_form_depth),
            (LimitKind::Never, None, None)
        );
    }
}
