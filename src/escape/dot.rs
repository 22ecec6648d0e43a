//! Graphviz DOT double-quoted strings.

use super::text::{is_control, push_escaped};

/// `s` inside a DOT double-quoted string: `"` and `\` get a backslash, a newline becomes
/// DOT's `\n` line break, and every other control character is written `\\u{1b}` (shown as
/// `\u{1b}` in the drawing).
///
/// ```
/// use chaintrace::escape::dot::escape;
/// assert_eq!(escape("a\"b\\c\nd\u{1b}"), "a\\\"b\\\\c\\nd\\\\u{1b}");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if is_control(c) => {
                let mut shown = String::new();
                push_escaped(&mut shown, c.encode_utf8(&mut [0; 4]));
                out.push_str(&shown.replace('\\', "\\\\"));
            }
            c => out.push(c),
        }
    }
    out
}
