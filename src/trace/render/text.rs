//! Terminal text: headings underlined, tables aligned in columns (by display width, so
//! Unicode names such as `u₁₂` line up).

use super::tables::blocks;
use super::{Align, Block, Table};
use crate::escape::text::escape_controls;
use crate::trace::Trace;

impl Trace {
    /// The trace as plain text for a terminal: a header, then the events, the ledger, the
    /// largest paths, the path-length split and the anomalies, each an aligned table.
    /// Deterministic: every number is written as [`fmt_num`](crate::trace::fmt_num) writes it
    /// (`6.37622e8`, `0.00808487`, `-4`), with `NaN`, `inf`, `-inf` spelled out and `-0`
    /// written as `0`; steps are numbered from 1.
    /// Control characters from the trace's texts are written escaped (`\u{1b}`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for block in blocks(self) {
            match block {
                Block::Heading(level, title) => {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    let rule = if level == 1 { '=' } else { '-' };
                    let title = escape_controls(&title);
                    out.push_str(&title);
                    out.push('\n');
                    out.extend(std::iter::repeat_n(rule, width(&title)));
                    out.push('\n');
                }
                Block::Line(line) => {
                    out.push_str(&escape_controls(&line));
                    out.push('\n');
                }
                Block::Table(table) => table_text(&mut out, &table),
            }
        }
        out
    }
}

/// The widest a column is padded to (in terminal columns): wider cells overflow their column,
/// so one long name cannot pad every row of a table (docs/trace-format.md, "Limits").
const MAX_PADDED_WIDTH: usize = 48;

fn width(s: &str) -> usize {
    crate::escape::display_width(s)
}

fn table_text(out: &mut String, table: &Table) {
    let rows = escaped(table);
    let mut widths: Vec<usize> = table.columns.iter().map(|(h, _)| width(h)).collect();
    let last = widths.len().saturating_sub(1);
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            // A cell wider than MAX_PADDED_WIDTH (a long name from a file) overflows its
            // column instead of widening it for every row; the last column is never padded.
            let cell = width(cell);
            let cell = if i == last {
                cell
            } else {
                cell.min(MAX_PADDED_WIDTH)
            };
            widths[i] = widths[i].max(cell);
        }
    }
    let headers: Vec<String> = table.columns.iter().map(|(h, _)| h.to_string()).collect();
    let aligns: Vec<Align> = table.columns.iter().map(|(_, a)| *a).collect();
    line(out, &headers, &widths, &aligns);
    let rules: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
    line(out, &rules, &widths, &aligns);
    for row in &rows {
        line(out, row, &widths, &aligns);
    }
}

/// Every cell with its control characters escaped, before widths are measured.
fn escaped(table: &Table) -> Vec<Vec<String>> {
    let cells = |row: &Vec<String>| {
        row.iter()
            .map(|c| escape_controls(c).into_owned())
            .collect()
    };
    table.rows.iter().map(cells).collect()
}

/// One row: cells padded to their column's width, two spaces apart, no trailing spaces.
fn line(out: &mut String, cells: &[String], widths: &[usize], aligns: &[Align]) {
    let mut text = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let pad = " ".repeat(widths[i].saturating_sub(width(cell)));
        if i > 0 {
            text.push_str("  ");
        }
        match aligns[i] {
            Align::Left => {
                text.push_str(cell);
                text.push_str(&pad);
            }
            Align::Right => {
                text.push_str(&pad);
                text.push_str(cell);
            }
        }
    }
    out.push_str(text.trim_end());
    out.push('\n');
}
