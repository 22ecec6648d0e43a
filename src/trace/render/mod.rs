//! The renderers: terminal text, Markdown and Graphviz DOT (JSON is in `json.rs`).
//!
//! Output is deterministic: everything is read from the trace's vectors in order, and every
//! number is written as [`fmt_num`](super::fmt_num) writes it everywhere (six significant
//! digits: `6.37622e8`, `0.00808487`, `-4`), with `NaN`, `inf` and `-inf` spelled out and `-0`
//! written as `0`. Steps are numbered from 1. Text and Markdown share one set of tables, built
//! here.

mod anomalies;
mod dot;
mod hooks;
mod markdown;
mod path_list;
mod tables;
mod text;

use super::summary::Summary;

/// A number in the one format of every renderer and report ([`fmt_num`](super::fmt_num)).
pub(crate) fn num(x: f64) -> String {
    super::fmt_num(x)
}

/// An optional number; `—` for none.
pub(crate) fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), num)
}

/// A scalar as its number, a tensor as `‖norm‖` ([`fmt_summary`](super::fmt_summary)).
pub(crate) fn summary(s: &Summary) -> String {
    super::fmt_summary(s)
}

/// A shape as `[2, 3]`, a scalar as `[]`.
pub(crate) fn shape(s: &[usize]) -> String {
    format!("{s:?}")
}

/// How a cell is aligned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table: column headers with their alignment, and rows of cells.
pub(crate) struct Table {
    pub columns: Vec<(&'static str, Align)>,
    pub rows: Vec<Vec<String>>,
}

/// A piece of a rendered trace, in order.
pub(crate) enum Block {
    /// A section heading (level 1 is the document's title).
    Heading(usize, String),
    /// A line of prose.
    Line(String),
    /// A table.
    Table(Table),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_the_one_format_of_every_report() {
        assert_eq!(num(1.5f64.powi(50)), "6.37622e8");
        assert_eq!(num(0.5f64.powi(50)), "8.88178e-16");
        assert_eq!(num(1.0 - 3.1f64.tanh().powi(2)), "0.00808487");
        assert_eq!(num(-4.0), "-4");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(f64::NEG_INFINITY), "-inf");
        assert_eq!(opt_num(None), "—");
    }
}
