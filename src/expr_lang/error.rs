//! Positions in the source and positioned errors, quoted and pointed at within bounds.

use std::fmt;

/// Where a token is in the source: byte offsets for slicing, a 1-based column (in characters)
/// and a width (in characters) for pointing at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub byte: usize,
    /// Byte offset just past the last character.
    pub byte_end: usize,
    /// 1-based column (character count) of the first character.
    pub column: usize,
    /// Width in characters (0 for the end of the input).
    pub width: usize,
}

impl Span {
    pub(super) fn of_char(byte: usize, column: usize, c: char) -> Self {
        Span {
            byte,
            byte_end: byte + c.len_utf8(),
            column,
            width: 1,
        }
    }
}

/// Why an expression was rejected, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, without the position (`unknown function `tan``).
    pub message: String,
    /// The offending token (zero-width at the end of the input).
    pub span: Span,
}

impl ParseError {
    /// An error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
        }
    }

    /// The source line with carets under the error's span, for a terminal:
    ///
    /// ```text
    ///   tan(x)
    ///   ^^^
    /// ```
    ///
    /// The carets line up on a terminal whatever the characters before them: the padding is
    /// the [display width](crate::escape::display_width) of the text before the span (a
    /// combining accent takes no column, a CJK character two).
    ///
    /// The line stays short whatever the input: at most [`CONTEXT_CHARS`] characters either
    /// side of the span and the span itself [quoted](quote) (at most [`QUOTE_CHARS`]
    /// characters), with `…` where text is left out. Tabs and line breaks show as spaces,
    /// other control characters escaped (`\u{1b}`), so the excerpt is one line.
    pub fn caret(&self, source: &str) -> String {
        let byte = self.span.byte.min(source.len());
        let byte_end = self.span.byte_end.clamp(byte, source.len());
        let (before, inside, after) = match (source.get(..byte), source.get(byte..byte_end)) {
            (Some(before), Some(inside)) => (before, inside, &source[byte_end..]),
            _ => (source, "", ""),
        };
        let count = before.chars().count();
        let mut shown_before = String::new();
        if count > CONTEXT_CHARS {
            shown_before.push('…');
        }
        for c in before.chars().skip(count.saturating_sub(CONTEXT_CHARS)) {
            push_shown(&mut shown_before, c, true);
        }
        let shown_inside = shown(inside, QUOTE_CHARS, true);
        let shown_after = shown(after, CONTEXT_CHARS, true);
        let pad = " ".repeat(crate::escape::display_width(&shown_before));
        let carets = "^".repeat(crate::escape::display_width(&shown_inside).max(1));
        format!("  {shown_before}{shown_inside}{shown_after}\n  {pad}{carets}")
    }
}

/// The most characters of the input that an error message quotes; longer text is cut there
/// and marked `…`.
pub const QUOTE_CHARS: usize = 60;

/// The most characters of context [`ParseError::caret`] shows either side of the span.
pub const CONTEXT_CHARS: usize = 40;

/// `text` as an error message quotes it: its first [`QUOTE_CHARS`] characters, then `…` if
/// there were more, with control characters escaped (`\u{1b}`, `\u{a}`), so that a message
/// stays one short line whatever the input.
///
/// ```
/// use chaintrace::expr_lang::{QUOTE_CHARS, quote};
///
/// assert_eq!(quote("tan"), "tan");
/// assert_eq!(quote("a\u{1b}b"), "a\\u{1b}b");
/// let long = "9".repeat(1_000_000);
/// assert_eq!(quote(&long), format!("{}…", "9".repeat(QUOTE_CHARS)));
/// ```
pub fn quote(text: &str) -> String {
    shown(text, QUOTE_CHARS, false)
}

/// The first `limit` characters of `text`, then `…` if there were more; control characters
/// escaped, or (`spaced`) tabs and line breaks shown as spaces.
fn shown(text: &str, limit: usize, spaced: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == limit {
            out.push('…');
            break;
        }
        push_shown(&mut out, c, spaced);
    }
    out
}

fn push_shown(out: &mut String, c: char, spaced: bool) {
    match c {
        '\n' | '\r' | '\t' if spaced => out.push(' '),
        c if c.is_control() => out.extend(c.escape_unicode()),
        c => out.push(c),
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.span.column)
    }
}

impl std::error::Error for ParseError {}
