//! Showing text from outside (a trace file's names, ops, layers and formulas): escaped for each
//! kind of output, one module per kind, used by every renderer of that kind (the trace's own,
//! and the CLI's reports), and measured in terminal columns ([`display_width`]) for alignment:
//!
//! | module | for | escapes |
//! |---|---|---|
//! | [`text`] | terminal text, error messages | control characters, as `\u{1b}` |
//! | [`markdown`] | Markdown | what Markdown and the HTML it may embed give meaning to, and control characters |
//! | [`html`] | HTML and SVG | `& < > " '` |
//! | [`dot`] | Graphviz DOT strings | `" \` and control characters |
//! | [`width`] | aligned terminal columns | nothing: [`display_width`] counts columns |
//!
//! docs/errors.md ("Escaping") states the guarantee.

pub mod dot;
pub mod html;
pub mod markdown;
pub mod text;
pub mod width;

pub use width::display_width;
