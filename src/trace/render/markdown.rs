//! Markdown: `#` headings and pipe tables (right-aligned number columns).

use super::tables::blocks;
use super::{Align, Block, Table};
use crate::escape::markdown::{escape, escape_line};
use crate::trace::Trace;

impl Trace {
    /// The trace as Markdown: the same sections as [`Trace::to_text`], with pipe tables.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for block in blocks(self) {
            if !out.is_empty() {
                out.push('\n');
            }
            match block {
                Block::Heading(level, title) => {
                    out.push_str(&"#".repeat(level));
                    out.push(' ');
                    out.push_str(&escape_line(&title));
                    out.push('\n');
                }
                Block::Line(line) => {
                    out.push_str(&escape_line(&line));
                    out.push('\n');
                }
                Block::Table(table) => table_markdown(&mut out, &table),
            }
        }
        out
    }
}

fn table_markdown(out: &mut String, table: &Table) {
    let headers: Vec<String> = table.columns.iter().map(|(h, _)| escape(h)).collect();
    out.push_str(&format!("| {} |\n", headers.join(" | ")));
    let rules: Vec<&str> = table
        .columns
        .iter()
        .map(|(_, a)| match a {
            Align::Left => "---",
            Align::Right => "---:",
        })
        .collect();
    out.push_str(&format!("| {} |\n", rules.join(" | ")));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}
