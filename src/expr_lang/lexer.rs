//! The tokenizer: characters to tokens, each with its span in the source.

use super::{ParseError, Span, quote};

/// A token of the expression language.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// A finite number literal.
    Number(f64),
    /// A variable or function name.
    Ident(String),
    /// `+`
    Plus,
    /// `-` or `−`
    Minus,
    /// `*`, `·` or `×`
    Star,
    /// `/` or `÷`
    Slash,
    /// `^`
    Caret,
    /// `(`
    LParen,
    /// `)`
    RParen,
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Spanned {
    pub token: Token,
    pub span: Span,
}

/// The longest input, in tokens, the language accepts: expressions are for a reader to follow,
/// and the closed-form gradient grows with the square of the length.
pub const MAX_TOKENS: usize = 1000;

/// Splits `source` into tokens.
pub(super) fn tokenize(source: &str) -> Result<Vec<Spanned>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = Cursor::new(source);
    while let Some((byte, column, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let token = if c.is_ascii_digit() || c == '.' {
            number(&mut chars, source)?
        } else if c.is_alphabetic() || c == '_' {
            Token::Ident(identifier(&mut chars, source).to_string())
        } else {
            chars.next();
            symbol(c).ok_or_else(|| {
                ParseError::new(
                    format!(
                        "unexpected character `{}`",
                        quote(c.encode_utf8(&mut [0; 4]))
                    ),
                    Span::of_char(byte, column, c),
                )
            })?
        };
        let span = chars.span_from(byte, column);
        tokens.push(Spanned { token, span });
        if tokens.len() > MAX_TOKENS {
            return Err(ParseError::new(
                format!("expression too long: more than {MAX_TOKENS} tokens"),
                span,
            ));
        }
    }
    Ok(tokens)
}

fn symbol(c: char) -> Option<Token> {
    Some(match c {
        '+' => Token::Plus,
        '-' | '−' => Token::Minus,
        '*' | '·' | '×' => Token::Star,
        '/' | '÷' => Token::Slash,
        '^' => Token::Caret,
        '(' => Token::LParen,
        ')' => Token::RParen,
        _ => return None,
    })
}

/// A number: digits with an optional point (`2`, `1.5`, `.5`, `3.`), then an optional exponent
/// (`1e-3`, `2E+8`). The exponent is only taken when a digit follows `e`, `e+` or `e-`.
///
/// A literal must be zero or a normal `f64`: a nonzero literal whose magnitude is above
/// `f64::MAX` (it would be infinite) or below `f64::MIN_POSITIVE` (it would be 0 or a
/// subnormal with fewer significant bits) is out of range, at either end alike.
fn number(chars: &mut Cursor<'_>, source: &str) -> Result<Token, ParseError> {
    let (start, column, _) = chars.peek().expect("a digit or point");
    chars.eat_while(|c| c.is_ascii_digit() || c == '.');
    let mantissa_end = chars.byte();
    if chars.exponent_follows() {
        chars.next();
        if matches!(chars.peek(), Some((_, _, '+' | '-'))) {
            chars.next();
        }
        chars.eat_while(|c| c.is_ascii_digit());
    }
    let span = chars.span_from(start, column);
    let text = &source[span.byte..span.byte_end];
    let Ok(x) = text.parse::<f64>() else {
        return Err(ParseError::new(
            format!("malformed number `{}`", quote(text)),
            span,
        ));
    };
    let written_zero = !source[start..mantissa_end]
        .bytes()
        .any(|b| (b'1'..=b'9').contains(&b));
    if x.is_finite() && (x.is_normal() || written_zero) {
        Ok(Token::Number(x))
    } else {
        Err(ParseError::new(
            format!(
                "number `{}` is out of range: nonzero magnitudes run from {:e} to {:e}",
                quote(text),
                f64::MIN_POSITIVE,
                f64::MAX
            ),
            span,
        ))
    }
}

fn identifier<'s>(chars: &mut Cursor<'_>, source: &'s str) -> &'s str {
    let (start, _, _) = chars.peek().expect("a letter");
    chars.eat_while(|c| c.is_alphanumeric() || c == '_');
    &source[start..chars.byte()]
}

/// A character cursor that knows byte offsets and (1-based) columns.
struct Cursor<'s> {
    source: &'s str,
    byte: usize,
    column: usize,
}

impl<'s> Cursor<'s> {
    fn new(source: &'s str) -> Self {
        Cursor {
            source,
            byte: 0,
            column: 1,
        }
    }

    fn peek(&self) -> Option<(usize, usize, char)> {
        self.source[self.byte..]
            .chars()
            .next()
            .map(|c| (self.byte, self.column, c))
    }

    fn next(&mut self) -> Option<char> {
        let (_, _, c) = self.peek()?;
        self.byte += c.len_utf8();
        self.column += 1;
        Some(c)
    }

    fn byte(&self) -> usize {
        self.byte
    }

    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(|(_, _, c)| keep(c)) {
            self.next();
        }
    }

    /// True at `e`/`E` followed by a digit, or by a sign and a digit.
    fn exponent_follows(&self) -> bool {
        let mut rest = self.source[self.byte..].chars();
        if !matches!(rest.next(), Some('e' | 'E')) {
            return false;
        }
        match rest.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some('+' | '-') => rest.next().is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
    }

    fn span_from(&self, byte: usize, column: usize) -> Span {
        Span {
            byte,
            byte_end: self.byte,
            column,
            width: self.column - column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.token)
            .collect()
    }

    #[test]
    fn numbers_in_every_written_form() {
        assert_eq!(
            kinds("2 1.5 .5 3. 1e-3 2E+8"),
            [2.0, 1.5, 0.5, 3.0, 1e-3, 2e8].map(Token::Number)
        );
    }

    #[test]
    fn exponent_needs_a_digit() {
        // `2e` is the number 2 followed by the name `e`; the parser then rejects it.
        assert_eq!(kinds("2e"), [Token::Number(2.0), Token::Ident("e".into())]);
    }

    #[test]
    fn unicode_operators_and_columns() {
        let tokens = tokenize("w·x − b").unwrap();
        assert_eq!(tokens[1].token, Token::Star);
        assert_eq!(tokens[3].token, Token::Minus);
        assert_eq!(tokens[4].span.column, 7);
        assert_eq!(tokens[4].span.byte, 9);
    }

    #[test]
    fn errors_carry_positions() {
        let e = tokenize("x + 1.2.3").unwrap_err();
        assert_eq!(e.message, "malformed number `1.2.3`");
        assert_eq!((e.span.column, e.span.width), (5, 5));
        let e = tokenize("x $ y").unwrap_err();
        assert_eq!(e.message, "unexpected character `$`");
        assert_eq!(e.span.column, 3);
        let e = tokenize("1e999").unwrap_err();
        assert!(e.message.starts_with("number `1e999` is out of range: "));
    }
}
