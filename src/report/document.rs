//! A report for people as data: a title, then headings, paragraphs, tables, charts and
//! steppers in order. It renders as aligned text for a terminal, as Markdown, or (with
//! [`html::document_page`](super::html::document_page)) as a self-contained HTML page, so a
//! demonstration writes its content once and gets every format.
//!
//! A [stepper](Document::stepper) is a small traced graph the page steps through, one
//! chain-rule multiplication at a time, as [`html::page`](super::html::page) does for a whole
//! trace; text and Markdown give its title, its context lines and one line saying what the
//! page shows.
//!
//! ```
//! use chaintrace::report::{Document, Table};
//! let mut doc = Document::new("Two numbers");
//! doc.paragraph("What was run, and what the numbers show.");
//! let mut t = Table::new(&["x", "x²"]).right_align(1);
//! t.row(vec!["3".into(), "9".into()]);
//! doc.heading("Squares").table(t);
//! assert_eq!(
//!     doc.to_text(),
//!     "Two numbers\n===========\n\nWhat was run, and what the numbers show.\n\n\
//!      Squares\n-------\n  x  x²\n  3   9\n"
//! );
//! assert!(doc.to_markdown().starts_with("# Two numbers\n\nWhat was run"));
//! ```

use super::model::{Chart, HtmlTrace};
use super::text::{Table, display_width};

/// The widest a paragraph line gets in [`Document::to_text`].
pub const TEXT_WIDTH: usize = 96;

/// A report: see the [module documentation](self).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The heading of the whole report.
    pub title: String,
    /// The content, in reading order.
    pub blocks: Vec<Block>,
}

/// One piece of a [`Document`].
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph of prose (wrapped to [`TEXT_WIDTH`] columns in text).
    Paragraph(String),
    /// A table.
    Table(Table),
    /// A chart: drawn in HTML, named in text and Markdown.
    Chart(Chart),
    /// A small traced graph: its graph, steps, gradients and ledger in HTML, with the
    /// stepper's controls (only the first stepper of a page is interactive: see
    /// [`html::document_page`](super::html::document_page)); its title, context lines and
    /// number of steps in text and Markdown.
    Stepper(Box<HtmlTrace>),
}

impl Document {
    /// An empty report titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a section heading.
    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    /// Appends a paragraph.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Appends a section: a heading and its paragraphs.
    pub fn section<S: Into<String>>(
        &mut self,
        heading: impl Into<String>,
        paragraphs: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.heading(heading);
        for text in paragraphs {
            self.paragraph(text);
        }
        self
    }

    /// Appends a table.
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Appends a chart.
    pub fn chart(&mut self, chart: Chart) -> &mut Self {
        self.blocks.push(Block::Chart(chart));
        self
    }

    /// Appends a stepper: `trace`'s title, context lines, graph and backward pass, stepped
    /// through in HTML.
    ///
    /// # Example
    /// ```
    /// use chaintrace::report::{html, Document, HtmlTrace};
    /// use chaintrace::{Tape, TraceOptions};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 3.0);
    /// let (_, trace) = (x * x).backward_traced(TraceOptions::default());
    /// let mut small = HtmlTrace::from_trace(&trace, "f");
    /// small.title = "f = x·x".into();
    /// let mut doc = Document::new("Squares");
    /// doc.stepper(small);
    /// assert!(doc.to_text().contains("--format html steps through its 2 chain-rule"));
    /// let page = html::document_page(&doc);
    /// assert!(page.contains("data-steps=\"2\"") && page.contains("<script>"));
    /// ```
    pub fn stepper(&mut self, trace: HtmlTrace) -> &mut Self {
        self.blocks.push(Block::Stepper(Box::new(trace)));
        self
    }

    /// The steppers, in order.
    pub fn steppers(&self) -> impl Iterator<Item = &HtmlTrace> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Stepper(t) => Some(&**t),
            _ => None,
        })
    }

    /// The charts, in order.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
    }

    /// For a terminal: the title and headings underlined, paragraphs wrapped to
    /// [`TEXT_WIDTH`] columns, tables aligned and indented by two spaces, blocks separated by
    /// a blank line (none between a heading and what it heads).
    pub fn to_text(&self) -> String {
        let mut out = underlined(&self.title, '=');
        let mut after_heading = false;
        for block in &self.blocks {
            if !after_heading {
                out.push('\n');
            }
            after_heading = matches!(block, Block::Heading(_));
            match block {
                Block::Heading(h) => out += &underlined(h, '-'),
                Block::Paragraph(p) => out += &wrap(p, TEXT_WIDTH),
                Block::Table(t) => out += &t.to_text("  "),
                Block::Chart(c) => out += &format!("chart: {} (--format svg or html)\n", c.title),
                Block::Stepper(t) => {
                    out += &underlined(&t.title, '-');
                    for line in &t.context {
                        out += &wrap(line, TEXT_WIDTH);
                    }
                    out += &wrap(&stepper_line(t), TEXT_WIDTH);
                }
            }
        }
        out
    }

    /// The same content as Markdown: `#` for the title, `##` for headings, pipe tables.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for block in &self.blocks {
            out.push('\n');
            match block {
                Block::Heading(h) => out += &format!("## {h}\n"),
                Block::Paragraph(p) => out += &format!("{p}\n"),
                Block::Table(t) => out += &t.to_markdown(),
                Block::Chart(c) => {
                    out += &format!("*Chart: {} (`--format svg` or `html`).*\n", c.title)
                }
                Block::Stepper(t) => {
                    out += &format!("## {}\n\n", t.title);
                    for line in &t.context {
                        out += &format!("- {line}\n");
                    }
                    out += &format!(
                        "\n*{}*\n",
                        stepper_line(t).replace("--format html", "`--format html`")
                    );
                }
            }
        }
        out
    }
}

/// What the HTML page shows of a stepper, in one line.
fn stepper_line(trace: &HtmlTrace) -> String {
    let n = trace.steps.len();
    let plural = if n == 1 { "" } else { "s" };
    format!(
        "--format html steps through its {n} chain-rule multiplication{plural} on the drawn \
         graph (← → keys)."
    )
}

fn underlined(text: &str, rule: char) -> String {
    let width = display_width(text);
    format!("{text}\n{}\n", rule.to_string().repeat(width))
}

/// Greedy word wrap by display width; a word longer than the line gets a line of its own.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = display_width(&line) + 1 + display_width(word);
        if !line.is_empty() && needed > width {
            out += &line;
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += word;
    }
    if !line.is_empty() {
        out += &line;
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_by_display_width() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc\n");
        assert_eq!(wrap("‖∂L‖ ‖∂L‖", 9), "‖∂L‖ ‖∂L‖\n");
        assert_eq!(wrap("a verylongword b", 4), "a\nverylongword\nb\n");
        assert_eq!(wrap("", 4), "");
    }
}
