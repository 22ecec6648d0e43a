//! Markdown, including the HTML that Markdown viewers render inline.

use super::text::{is_control, push_escaped};

/// `s` as literal inline Markdown text, safe inside a paragraph, a heading or a pipe-table
/// cell:
/// - `<`, `>` and `&` become `&lt;`, `&gt;` and `&amp;`, so no tag, comment or entity of the
///   file reaches the HTML a viewer renders (`<script>`, `<img onerror=…>`, autolinks);
/// - `\`, `` ` ``, `*`, `_`, `|` and `~` get a backslash (code spans, emphasis, cell
///   boundaries, strikethrough);
/// - a `]` followed by `(` or `[` gets one, so `[text](url)` and `![alt](src)` stay text
///   (a lone `[1, 2]` is left as it is);
/// - control characters, newlines included, are written `\u{a}`, so a table row stays one
///   line.
///
/// ```
/// use chaintrace::escape::markdown::escape;
/// assert_eq!(escape("<img onerror=x>|a_b"), "&lt;img onerror=x&gt;\\|a\\_b");
/// assert_eq!(escape("[a](javascript:x) [2, 3]"), "[a\\](javascript:x) [2, 3]");
/// assert_eq!(escape("x\ny"), "x\\u{a}y");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            ']' if matches!(chars.peek(), Some('(' | '[')) => out.push_str("\\]"),
            c if is_control(c) => push_escaped(&mut out, c.encode_utf8(&mut [0; 4])),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] for a whole line (a paragraph or a heading's text): also a leading `#`, `-`,
/// `+` or `=` (which would start a heading, a list or a rule) and a trailing `#` (which a
/// heading would drop) get a backslash.
///
/// ```
/// use chaintrace::escape::markdown::escape_line;
/// assert_eq!(escape_line("# not a heading #"), "\\# not a heading \\#");
/// ```
pub fn escape_line(s: &str) -> String {
    let mut out = escape(s);
    if out.starts_with(['#', '-', '+', '=']) {
        out.insert(0, '\\');
    }
    if out.ends_with('#') {
        out.insert(out.len() - 1, '\\');
    }
    out
}
