//! Control characters for terminals and one-line messages.

use std::borrow::Cow;

/// True for a character a terminal acts on or that breaks a line: the C0 controls (tab and
/// newline included), DEL, the C1 controls, the line and paragraph separators and the
/// bidirectional overrides and isolates (which reorder what a terminal shows).
pub fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with each [control character](is_control) written as Rust writes it in a string,
/// `\u{1b}`, so text from a file shows what it holds and stays on one line.
///
/// ```
/// use chaintrace::escape::text::escape_controls;
/// assert_eq!(escape_controls("x\u{1b}[31m\ny"), "x\\u{1b}[31m\\u{a}y");
/// assert_eq!(escape_controls("‖∂L/∂u₁₂‖"), "‖∂L/∂u₁₂‖");
/// ```
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    Cow::Owned(out)
}

/// Appends `s` to `out`, escaped as [`escape_controls`] does.
pub fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        if is_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
}
