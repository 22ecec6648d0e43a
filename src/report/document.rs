//! A report for readers: a title, then headings, paragraphs and tables in order, then charts;
//! rendered as terminal text, Markdown, or one self-contained HTML page.
//!
//! The demos of `chaintrace demo` describe what they ran and what the numbers show with it.
//!
//! ```
//! use chaintrace::report::{Document, Table};
//! let mut t = Table::new(&["layer", "‖∂L/∂h‖"]).right_align(1);
//! t.row(vec!["layer2".into(), "1".into()]);
//! let mut doc = Document::new("A two-layer net");
//! doc.heading("gradients");
//! doc.paragraph("From the loss back to the input.");
//! doc.table(t);
//! assert_eq!(
//!     doc.to_text(),
//!     "A two-layer net\n\ngradients\nFrom the loss back to the input.\n\n  layer   ‖∂L/∂h‖\n  layer2        1\n"
//! );
//! assert!(doc.to_html().contains("<td class=\"num\">1</td>"));
//! ```

use super::html::{STYLE, escape, strip_xml_declaration};
use super::model::Chart;
use super::text::Table;

/// Headings that hold formulas keep their case (the trace page's headings are upper-cased).
const DOCUMENT_STYLE: &str = "section.doc h2 { text-transform: none; letter-spacing: 0; \
                              color: var(--ink); }\n";

/// The widest line of a paragraph in [`Document::to_text`], in characters.
pub const TEXT_WIDTH: usize = 100;

/// A report: a title, a sequence of [`Block`]s, and charts shown after them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The heading of the whole report.
    pub title: String,
    /// The content, in reading order.
    pub blocks: Vec<Block>,
    /// SVG charts ([`svg`](super::svg)), shown by the HTML page; text and Markdown name them.
    pub charts: Vec<Chart>,
}

/// One piece of a [`Document`].
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading (in HTML each heading opens a section).
    Heading(String),
    /// A paragraph of running text (wrapped at [`TEXT_WIDTH`] in text).
    Paragraph(String),
    /// A table.
    Table(Table),
}

impl Document {
    /// An empty document titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            ..Document::default()
        }
    }

    /// Appends a heading.
    pub fn heading(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(text.into()));
    }

    /// Appends a paragraph.
    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    /// Appends a table.
    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// Appends a chart.
    pub fn chart(&mut self, title: impl Into<String>, svg: String) {
        self.charts.push(Chart {
            title: title.into(),
            svg,
        });
    }

    /// For a terminal: headings and paragraphs wrapped at [`TEXT_WIDTH`] characters, tables
    /// aligned and indented by two spaces; a blank line between blocks, except right after a
    /// heading.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        let mut after_heading = false;
        for block in &self.blocks {
            if !after_heading {
                out.push('\n');
            }
            after_heading = matches!(block, Block::Heading(_));
            match block {
                Block::Heading(h) | Block::Paragraph(h) => out += &wrap(h, TEXT_WIDTH),
                Block::Table(t) => out += &t.to_text("  "),
            }
        }
        out + &self.chart_line("\n")
    }

    /// As Markdown: `##` for the title, `###` for headings.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("## {}\n", self.title);
        for block in &self.blocks {
            out += &match block {
                Block::Heading(h) => format!("\n### {h}\n"),
                Block::Paragraph(p) => format!("\n{p}\n"),
                Block::Table(t) => format!("\n{}", t.to_markdown()),
            };
        }
        out + &self.chart_line("\n")
    }

    /// One self-contained HTML page (no network, no scripts): the title, a section per
    /// heading with its paragraphs and tables, and the charts.
    pub fn to_html(&self) -> String {
        let mut html = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
        html += "<meta charset=\"utf-8\">\n";
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
        html += &format!("<title>chaintrace: {}</title>\n", escape(&self.title));
        html += &format!("<style>\n{STYLE}{DOCUMENT_STYLE}</style>\n</head>\n<body>\n");
        html += &format!(
            "<header>\n<h1>{}</h1>\n</header>\n<main>\n",
            escape(&self.title)
        );
        let mut open = false;
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    if open {
                        html += "</section>\n";
                    }
                    html += &format!("<section class=\"doc\">\n<h2>{}</h2>\n", escape(h));
                    open = true;
                }
                Block::Paragraph(p) => html += &format!("<p>{}</p>\n", escape(p)),
                Block::Table(t) => {
                    html += &format!("<div class=\"graph-scroll\">\n{}</div>\n", t.to_html())
                }
            }
        }
        if open {
            html += "</section>\n";
        }
        html += &self.charts_html();
        html + "</main>\n</body>\n</html>\n"
    }

    fn charts_html(&self) -> String {
        if self.charts.is_empty() {
            return String::new();
        }
        let mut out =
            String::from("<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
        for chart in &self.charts {
            out += &format!(
                "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n",
                strip_xml_declaration(&chart.svg),
                escape(&chart.title)
            );
        }
        out + "</div>\n</section>\n"
    }

    /// `charts (see --format svg or html): …`, after `before`; empty without charts.
    fn chart_line(&self, before: &str) -> String {
        if self.charts.is_empty() {
            return String::new();
        }
        let titles: Vec<&str> = self.charts.iter().map(|c| c.title.as_str()).collect();
        format!(
            "{before}charts (see --format svg or html): {}\n",
            titles.join("; ")
        )
    }
}

/// Greedy word wrap at `width` characters (a word longer than the width gets a line of its
/// own); every line ends in a newline.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > width {
            out += &line;
            out.push('\n');
            line.clear();
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line += word;
        len += w;
    }
    if len > 0 {
        out += &line;
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_counts_characters_not_bytes() {
        // "‖∂L/∂h‖" is 7 characters but 17 bytes.
        assert_eq!(wrap("‖∂L/∂h‖ ‖∂L/∂h‖ x", 15), "‖∂L/∂h‖ ‖∂L/∂h‖\nx\n");
        assert_eq!(wrap("a  b\n c", 80), "a b c\n");
        assert_eq!(wrap("", 80), "");
        assert_eq!(wrap("abcdef gh", 3), "abcdef\ngh\n");
    }

    #[test]
    fn markdown_and_html_keep_the_order_of_blocks() {
        let mut doc = Document::new("T <1>");
        doc.paragraph("intro");
        doc.heading("first");
        doc.paragraph("a & b");
        doc.heading("second");
        let mut t = Table::new(&["k", "v"]).right_align(1);
        t.row(vec!["x".into(), "1.5".into()]);
        doc.table(t);
        doc.chart("c", "<?xml version=\"1.0\"?>\n<svg></svg>\n".into());
        assert_eq!(
            doc.to_markdown(),
            "## T <1>\n\nintro\n\n### first\n\na & b\n\n### second\n\n| k | v |\n| --- | ---: |\n\
             | x | 1.5 |\n\ncharts (see --format svg or html): c\n"
        );
        let html = doc.to_html();
        let order = [
            "<h1>T &lt;1&gt;</h1>",
            "<p>intro</p>",
            "<h2>first</h2>",
            "<p>a &amp; b</p>",
            "</section>\n<section class=\"doc\">\n<h2>second</h2>",
            "<th class=\"num\">v</th>",
            "<svg></svg>",
        ];
        let mut at = 0;
        for part in order {
            let found = html[at..]
                .find(part)
                .unwrap_or_else(|| panic!("{part} after {at}"));
            at += found + part.len();
        }
        assert!(!html.contains("<?xml") && !html.contains("<script"));
    }
}
