//! Aligned text and Markdown tables, and the width a string takes on a terminal.

use serde::{Deserialize, Serialize};

pub use crate::escape::display_width;

/// A table of strings that renders as aligned text, Markdown or HTML.
///
/// ```
/// use chaintrace::report::Table;
/// let mut t = Table::new(&["layer", "‖∂y/∂h‖"]).right_align(1);
/// t.row(vec!["layer2".into(), "1".into()]);
/// t.row(vec!["layer1".into(), "1.5".into()]);
/// assert_eq!(t.to_text("  "), "  layer   ‖∂y/∂h‖\n  layer2        1\n  layer1      1.5\n");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these column headings, all left-aligned.
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; headers.len()],
        }
    }

    /// Right-aligns column `column` (for numbers).
    pub fn right_align(mut self, column: usize) -> Self {
        self.right[column] = true;
        self
    }

    /// Right-aligns every column from `first` on.
    pub fn right_align_from(mut self, first: usize) -> Self {
        for r in self.right.iter_mut().skip(first) {
            *r = true;
        }
        self
    }

    /// Appends a row (missing cells are empty, extra cells dropped).
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column headings.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The rows, each with one cell per heading.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// True when column `column` is right-aligned.
    pub fn is_right_aligned(&self, column: usize) -> bool {
        self.right.get(column).copied().unwrap_or(false)
    }

    /// Aligned columns separated by two spaces, each line prefixed by `indent`, trailing spaces
    /// removed. Widths are [display widths](display_width), so `∂`, `‖`, `u₁₂` and wide
    /// characters align.
    pub fn to_text(&self, indent: &str) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| display_width(&r[c]))
                    .chain([display_width(&self.headers[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for cells in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = indent.to_string();
            for (c, cell) in cells.iter().enumerate() {
                let pad = " ".repeat(widths[c] - display_width(cell));
                let sep = if c == 0 { "" } else { "  " };
                if self.right[c] {
                    line += &format!("{sep}{pad}{cell}");
                } else {
                    line += &format!("{sep}{cell}{pad}");
                }
            }
            out += line.trim_end();
            out.push('\n');
        }
        out
    }

    /// A Markdown table (cells escaped by [`escape::markdown`](crate::escape::markdown)).
    pub fn to_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells
                .iter()
                .map(|c| crate::escape::markdown::escape(c))
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let rule: Vec<String> = self
            .right
            .iter()
            .map(|r| if *r { "---:" } else { "---" }.to_string())
            .collect();
        let mut out = line(&self.headers);
        out += &line(&rule);
        for row in &self.rows {
            out += &line(row);
        }
        out
    }

    /// An HTML `<table>` (cells escaped; right-aligned columns get `class="num"`).
    pub fn to_html(&self) -> String {
        let escape = super::html::escape;
        let line = |tag: &str, cells: &[String]| {
            let mut out = String::from("<tr>");
            for (c, cell) in cells.iter().enumerate() {
                let class = if self.right[c] { " class=\"num\"" } else { "" };
                out += &format!("<{tag}{class}>{}</{tag}>", escape(cell));
            }
            out + "</tr>\n"
        };
        let mut out = String::from("<table>\n");
        out += &line("th", &self.headers);
        for row in &self.rows {
            out += &line("td", row);
        }
        out + "</table>\n"
    }
}
