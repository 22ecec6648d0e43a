//! [`document_page`]: a [`Document`] as a page, with the stepper of a small traced graph
//! where the document places one.

use super::{
    Chart, HtmlTrace, chart_row, escape, gradients, graph_section, head, header, ledger, notes,
    seed_formula, stepper, stepper_body, stepper_scripts,
};
use crate::report::document::{Block, Document};
use crate::report::text::Table;

/// The page for a [`Document`]: its paragraphs, tables and steppers in order, each section
/// (from one heading to the next) in a box of its own, and its charts together before the
/// first stepper or the section of the first table, so the pictures come before the long
/// tables that back them.
///
/// A [stepper](Document::stepper) shows its title and context lines, its graph, the step
/// controls, its gradients and its ledger, exactly as [`page`](super::page) shows a trace, and
/// the page carries the stepper's script. The script drives one stepper: only the first
/// stepper with a graph is interactive; any other is shown as its title, context and list of
/// steps. A document without a stepper gets no script at all.
///
/// # Example
/// ```
/// use chaintrace::report::{html, Document, Table};
/// let mut doc = Document::new("A <small> report");
/// doc.heading("Numbers").paragraph("x² for x = 3:");
/// let mut t = Table::new(&["x", "x²"]).right_align(1);
/// t.row(vec!["3".into(), "9".into()]);
/// doc.table(t);
/// let page = html::document_page(&doc);
/// assert!(page.contains("<h1>A &lt;small&gt; report</h1>"));
/// assert!(page.contains("<td class=\"num\">9</td>"));
/// assert!(!page.contains("<script"));
/// ```
pub fn document_page(doc: &Document) -> String {
    let interactive = doc.steppers().find(|t| !t.nodes.is_empty());
    let mut html = head(&doc.title);
    html += &match interactive {
        Some(trace) => stepper_body(trace),
        None => "<body>\n".to_string(),
    };
    html += &header(&doc.title, &[]);
    html += "<main>\n";
    let charts: Vec<Chart> = doc.charts().cloned().collect();
    let charts_at = charts_position(doc);
    let mut charts_drawn = charts.is_empty();
    let mut open = false;
    for (i, block) in doc.blocks.iter().enumerate() {
        if Some(i) == charts_at && !charts_drawn {
            if open && !matches!(block, Block::Table(_)) {
                html += "</section>\n";
                open = false;
            }
            html += &charts_html(&charts, open);
            charts_drawn = true;
        }
        if let Block::Stepper(trace) = block {
            if open {
                html += "</section>\n";
                open = false;
            }
            let live = interactive.is_some_and(|t| std::ptr::eq(t, &**trace));
            html += &stepper_sections(trace, live);
            continue;
        }
        if matches!(block, Block::Heading(_)) || !open {
            if open {
                html += "</section>\n";
            }
            html += "<section>\n";
            open = true;
        }
        match block {
            Block::Heading(h) => html += &format!("<h2 class=\"as-written\">{}</h2>\n", escape(h)),
            Block::Paragraph(p) => html += &format!("<p>{}</p>\n", escape(p)),
            Block::Table(t) => html += &table_html(t),
            Block::Chart(_) => {}
            Block::Stepper(_) => unreachable!("handled above"),
        }
    }
    if !charts_drawn {
        html += &charts_html(&charts, open);
    }
    if open {
        html += "</section>\n";
    }
    html += "</main>\n";
    if let Some(trace) = interactive {
        html += &stepper_scripts(trace, true);
    }
    html + "</body>\n</html>\n"
}

/// Where a document's charts go on its page: before its first stepper, or before the heading of
/// the section that holds its first table (before that table when no heading precedes it),
/// whichever comes first; `None` (the end of the page) without either. A page of long tables
/// would otherwise put its pictures thousands of pixels down.
pub(super) fn charts_position(doc: &Document) -> Option<usize> {
    let first = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Table(_) | Block::Stepper(_)))?;
    if matches!(doc.blocks[first], Block::Stepper(_)) {
        return Some(first);
    }
    let heading = doc.blocks[..first]
        .iter()
        .rposition(|b| matches!(b, Block::Heading(_)));
    Some(heading.unwrap_or(first))
}

/// The charts in a row: inside the open section, or in a section of their own.
fn charts_html(charts: &[Chart], inside_a_section: bool) -> String {
    match inside_a_section {
        true => chart_row(charts),
        false => format!("<section>\n{}</section>\n", chart_row(charts)),
    }
}

/// A stepper's sections: its title and context, then (when `live`) the graph, the controls,
/// the gradients, the ledger and its charts as [`page`](super::page) draws them; otherwise
/// the list of its steps.
fn stepper_sections(trace: &HtmlTrace, live: bool) -> String {
    let mut html = String::from("<section class=\"traced\">\n");
    html += &format!("<h2 class=\"as-written\">{}</h2>\n", escape(&trace.title));
    for line in &trace.context {
        html += &format!("<p class=\"context\">{}</p>\n", escape(line));
    }
    if !live {
        html += &format!(
            "<p>The backward pass, one chain-rule multiplication at a time ({} steps):</p>\n\
             <ol class=\"steps\">\n",
            trace.steps.len()
        );
        for s in &trace.steps {
            html += &format!(
                "<li>{} <span class=\"local\">[{}]</span></li>\n",
                escape(&s.formula),
                escape(&s.local_formula)
            );
        }
        return html + "</ol>\n</section>\n";
    }
    html += "</section>\n";
    html += &notes(trace);
    html += &graph_section(trace);
    html += &stepper(trace, &seed_formula(trace));
    html += &gradients(trace);
    html += &ledger(trace);
    if !trace.charts.is_empty() {
        html += &format!("<section>\n{}</section>\n", chart_row(&trace.charts));
    }
    html
}

/// A [`Table`] as an HTML table, right-aligned columns marked `num`.
fn table_html(table: &Table) -> String {
    let class = |c: usize| {
        if table.is_right_aligned(c) {
            " class=\"num\""
        } else {
            ""
        }
    };
    let mut out = String::from("<div class=\"table-scroll\"><table>\n<tr>");
    for (c, h) in table.headers().iter().enumerate() {
        out += &format!("<th{}>{}</th>", class(c), escape(h));
    }
    out += "</tr>\n";
    for row in table.rows() {
        out += "<tr>";
        for (c, cell) in row.iter().enumerate() {
            out += &format!("<td{}>{}</td>", class(c), escape(cell));
        }
        out += "</tr>\n";
    }
    out + "</table></div>\n"
}
