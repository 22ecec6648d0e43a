//! Text and Markdown: an aligned [`Table`], and [`HtmlTrace`] rendered with it.

use super::fmt_num;
use super::model::{HtmlTrace, Ledger, NodeRole, Step};

/// A table of strings that renders as aligned text or as Markdown.
///
/// ```
/// use chaintrace::report::Table;
/// let mut t = Table::new(&["layer", "‖∂y/∂h‖"]).right_align(1);
/// t.row(vec!["layer2".into(), "1".into()]);
/// t.row(vec!["layer1".into(), "1.5".into()]);
/// assert_eq!(t.to_text("  "), "  layer   ‖∂y/∂h‖\n  layer2        1\n  layer1      1.5\n");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// Aligned columns separated by two spaces, each line prefixed by `indent`, trailing spaces
    /// removed. Widths count characters, so `∂` and `‖` align.
    pub fn to_text(&self, indent: &str) -> String {
        let width = |s: &String| s.chars().count();
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| width(&r[c]))
                    .chain([width(&self.headers[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for cells in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = indent.to_string();
            for (c, cell) in cells.iter().enumerate() {
                let pad = " ".repeat(widths[c] - width(cell));
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

    /// A Markdown table (`|` in cells escaped).
    pub fn to_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
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

/// How a section is laid out: aligned text or Markdown.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Text,
    Markdown,
}

impl Style {
    fn heading(self, title: &str) -> String {
        match self {
            Style::Text => format!("{title}\n"),
            Style::Markdown => format!("### {title}\n\n"),
        }
    }

    fn table(self, table: &Table) -> String {
        match self {
            Style::Text => table.to_text("  "),
            Style::Markdown => table.to_markdown(),
        }
    }

    fn line(self, text: &str) -> String {
        match self {
            Style::Text => format!("{text}\n"),
            Style::Markdown => format!("{text}\n\n"),
        }
    }
}

impl HtmlTrace {
    /// The trace for a terminal: the forward pass, every chain-rule multiplication in sweep
    /// order, the closed-form gradients, the ledger and the notes.
    pub fn to_text(&self) -> String {
        self.render(Style::Text)
    }

    /// The same sections as [`HtmlTrace::to_text`], as Markdown.
    pub fn to_markdown(&self) -> String {
        self.render(Style::Markdown)
    }

    fn render(&self, style: Style) -> String {
        let mut out = match style {
            Style::Text => format!("{}\n", self.title),
            Style::Markdown => format!("## `{}`\n\n", self.title),
        };
        for line in &self.context {
            out += &style.line(line);
        }
        out += "\n";
        if !self.nodes.is_empty() {
            out += &style.heading("forward pass, in tape order");
            out += &style.table(&self.forward_table());
            out += &style.line(&self.result_line());
        }
        for note in &self.notes {
            out += &style.line(&format!("warning: {note}"));
        }
        out += "\n";
        out += &self.steps_section(style);
        if !self.gradients.is_empty() {
            out += "\n";
            out += &style.heading("gradients: closed form (symbolic reverse sweep) = value");
            out += &style.table(&self.gradients_table());
        }
        if !self.ledger.rows.is_empty() {
            out += "\n";
            out += &style.heading("per-layer ledger, from the output back to the input");
            out += &style.table(&ledger_table(&self.ledger));
        }
        if !self.charts.is_empty() {
            out += "\n";
            let titles: Vec<&str> = self.charts.iter().map(|c| c.title.as_str()).collect();
            out += &style.line(&format!(
                "charts (see --format svg or html): {}",
                titles.join("; ")
            ));
        }
        out
    }

    fn forward_table(&self) -> Table {
        let layered = self.nodes.iter().any(|n| !n.layer.is_empty());
        let headers: &[&str] = if layered {
            &["node", "formula", "value", "layer"]
        } else {
            &["node", "formula", "value"]
        };
        let mut table = Table::new(headers).right_align(2);
        for n in &self.nodes {
            let formula = match n.role {
                NodeRole::Leaf => "leaf".to_string(),
                NodeRole::Constant => "constant".to_string(),
                NodeRole::Op => n.formula.clone(),
            };
            table.row(vec![
                n.name.clone(),
                formula,
                fmt_num(n.value),
                n.layer.clone(),
            ]);
        }
        table
    }

    fn result_line(&self) -> String {
        let last = self.nodes.last().expect("a trace with nodes");
        format!("{} = {} = {}", self.output, last.name, fmt_num(last.value))
    }

    fn steps_section(&self, style: Style) -> String {
        let Some(last) = self.nodes.last() else {
            return String::new();
        };
        if self.steps.is_empty() {
            return style.line(&format!(
                "backward pass: no chain-rule multiplications (no op lies between {} and a leaf)",
                self.output
            ));
        }
        let fan_in = self.steps.iter().any(Step::sums);
        let mut headers = vec!["step", "op", "chain rule", "local derivative"];
        if fan_in {
            headers.push("sum so far");
        }
        let mut table = Table::new(&headers).right_align(0);
        if fan_in {
            table = table.right_align(4);
        }
        for (k, s) in self.steps.iter().enumerate() {
            let so_far = if s.sums() {
                fmt_num(s.accumulated)
            } else {
                String::new()
            };
            table.row(vec![
                (k + 1).to_string(),
                s.op.clone(),
                s.formula.clone(),
                s.local_formula.clone(),
                so_far,
            ]);
        }
        let mut out = style.heading(&format!(
            "backward pass: {} chain-rule multiplication{} in sweep order, from ∂{o}/∂{} = 1",
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" },
            last.name,
            o = self.output
        ));
        out += &style.table(&table);
        out
    }

    fn gradients_table(&self) -> Table {
        let mut table = Table::new(&["gradient", "closed form", "value"]).right_align(2);
        for g in &self.gradients {
            let formula = if g.formula.is_empty() {
                "(too large to show)".to_string()
            } else {
                g.formula.clone()
            };
            table.row(vec![
                format!("∂{}/∂{}", self.output, g.wrt),
                formula,
                fmt_num(g.value),
            ]);
        }
        table
    }
}

/// The ledger as a table: the layer, then one right-aligned column per ledger column.
pub fn ledger_table(ledger: &Ledger) -> Table {
    let mut headers = vec!["layer"];
    headers.extend(ledger.columns.iter().map(String::as_str));
    let mut table = Table::new(&headers);
    for c in 1..headers.len() {
        table = table.right_align(c);
    }
    for row in &ledger.rows {
        let mut cells = vec![row.layer.clone()];
        cells.extend(
            row.values
                .iter()
                .map(|v| v.map(fmt_num).unwrap_or_default()),
        );
        table.row(cells);
    }
    table
}
