//! The parser: operator precedence by the shunting-yard algorithm, with an explicit operator
//! stack, so the nesting depth of the input never becomes the depth of the Rust call stack.
//!
//! | precedence | operators | associativity |
//! |---|---|---|
//! | 1 | `+ −` | left |
//! | 2 | `* /` | left |
//! | 3 | unary `−`, `+` | prefix |
//! | 4 | `^` | right |
//!
//! So `-x^2` is `-(x^2)`, `2^3^2` is `2^9`, and `x^-2` is `x^(-2)`.

use super::lexer::{Spanned, Token, tokenize};
use super::{Ast, AstKind, BinaryOp, Function, ParseError, Program, Span, UnaryOp, quote};
use crate::ops::ElementwiseFn;

/// The deepest nesting the parser accepts: deep enough for any formula a person writes.
///
/// Nesting counts the levels of the expression tree, where a function call, a prefix sign or
/// an operator applied to a bracketed or tighter-binding operand is one level deeper, but an
/// operator chain (`a + b − c + …`, `a·b/c`, `2^3^2`) is one level however many terms it has.
/// Brackets that only group (`((x))`) add no level. The number of terms is bounded by
/// [`MAX_TOKENS`](super::MAX_TOKENS) instead, so the tree itself can be as deep as a chain of
/// that many terms; nothing that walks it recurses.
pub const MAX_DEPTH: usize = 100;

/// What waits on the operator stack.
#[derive(Clone, Copy, Debug)]
enum Pending {
    Binary(BinaryOp, Span),
    Unary(UnaryOp, Span),
    /// An open `(`.
    Paren(Span),
    /// `name(`: applied when its `)` arrives.
    Call(Function, Span),
}

impl Pending {
    /// Precedence and right-associativity of an operator (none for parentheses).
    fn precedence(self) -> Option<u8> {
        match self {
            Pending::Binary(op, _) => Some(op.precedence()),
            Pending::Unary(..) => Some(3),
            Pending::Paren(_) | Pending::Call(..) => None,
        }
    }
}

impl BinaryOp {
    fn precedence(self) -> u8 {
        match self {
            BinaryOp::Add | BinaryOp::Sub => 1,
            BinaryOp::Mul | BinaryOp::Div => 2,
            BinaryOp::Pow => 4,
        }
    }

    fn right_associative(self) -> bool {
        self == BinaryOp::Pow
    }
}

struct State<'s> {
    /// The functions registered beside the built-ins.
    functions: &'s [&'static ElementwiseFn],
    source: &'s str,
    tokens: Vec<Spanned>,
    next: usize,
    operators: Vec<Pending>,
    /// The finished program's nodes, in post-order.
    nodes: Vec<Ast>,
    /// Roots of the finished subexpressions not yet consumed by an operator.
    operands: Vec<usize>,
    /// The nesting (see [`MAX_DEPTH`]) of each node.
    depth: Vec<usize>,
}

/// Parses `source`; see the [module documentation](super).
pub(super) fn parse(
    source: &str,
    functions: &[&'static ElementwiseFn],
) -> Result<Program, ParseError> {
    let tokens = tokenize(source)?;
    let end = end_span(source);
    if tokens.is_empty() {
        return Err(ParseError::new("empty expression", end));
    }
    let mut parser = State {
        functions,
        source,
        tokens,
        next: 0,
        operators: Vec::new(),
        nodes: Vec::new(),
        operands: Vec::new(),
        depth: Vec::new(),
    };
    parser.run()?;
    Ok(Program {
        nodes: parser.nodes,
        source: source.to_string(),
    })
}

/// A zero-width span just past the last character.
fn end_span(source: &str) -> Span {
    Span {
        byte: source.len(),
        byte_end: source.len(),
        column: source.chars().count() + 1,
        width: 0,
    }
}

impl State<'_> {
    fn run(&mut self) -> Result<(), ParseError> {
        loop {
            self.operand()?;
            if !self.operator()? {
                break;
            }
        }
        self.finish()
    }

    fn quote(&self, span: Span) -> String {
        format!("`{}`", quote(&self.source[span.byte..span.byte_end]))
    }

    fn describe_next(&self) -> (String, Span) {
        match self.tokens.get(self.next) {
            Some(t) => (self.quote(t.span), t.span),
            None => ("the end of the expression".into(), end_span(self.source)),
        }
    }

    /// Reads prefix operators and opening parentheses up to one operand, which it pushes.
    fn operand(&mut self) -> Result<(), ParseError> {
        loop {
            let Some(Spanned { token, span }) = self.tokens.get(self.next).cloned() else {
                let (found, span) = self.describe_next();
                return Err(expected_operand(&found, span));
            };
            self.next += 1;
            match token {
                Token::Number(x) => return self.push(AstKind::Number(x), span, &[]),
                Token::Ident(name) => {
                    if let Some(call) = self.function_call(&name, span)? {
                        self.operators.push(call);
                        continue;
                    }
                    return self.push(AstKind::Variable(name), span, &[]);
                }
                Token::Minus => self.operators.push(Pending::Unary(UnaryOp::Neg, span)),
                Token::Plus => self.operators.push(Pending::Unary(UnaryOp::Plus, span)),
                Token::LParen => self.operators.push(Pending::Paren(span)),
                _ => return Err(expected_operand(&self.quote(span), span)),
            }
        }
    }

    /// `name(`: a known function and its opening parenthesis, consumed together. A name not
    /// followed by `(` is a variable, unless it names a function.
    fn function_call(&mut self, name: &str, span: Span) -> Result<Option<Pending>, ParseError> {
        let opens = matches!(
            self.tokens.get(self.next),
            Some(Spanned {
                token: Token::LParen,
                ..
            })
        );
        let function = Function::from_name(name).or_else(|| {
            let mut custom = self.functions.iter().map(|&f| Function::Custom(f));
            custom.find(|f| f.is_called(name))
        });
        match (function, opens) {
            (Some(f), true) => {
                self.next += 1;
                Ok(Some(Pending::Call(f, span)))
            }
            (Some(_), false) => Err(ParseError::new(
                format!("function `{name}` needs its argument in parentheses: `{name}(…)`"),
                span,
            )),
            (None, true) => Err(ParseError::new(
                format!(
                    "unknown function `{}` (known: {})",
                    quote(name),
                    self.known_names()
                ),
                span,
            )),
            (None, false) => Ok(None),
        }
    }

    /// The built-in names, then the registered functions' names and aliases.
    fn known_names(&self) -> String {
        let custom = self
            .functions
            .iter()
            .flat_map(|f| std::iter::once(f.name).chain(f.aliases.iter().copied()));
        let names: Vec<&str> = Function::NAMES.into_iter().chain(custom).collect();
        names.join(", ")
    }

    /// After an operand: closing parentheses, then a binary operator (true) or the end (false).
    fn operator(&mut self) -> Result<bool, ParseError> {
        loop {
            let Some(Spanned { token, span }) = self.tokens.get(self.next).cloned() else {
                return Ok(false);
            };
            self.next += 1;
            let op = match token {
                Token::RParen => {
                    self.close_paren(span)?;
                    continue;
                }
                Token::Plus => BinaryOp::Add,
                Token::Minus => BinaryOp::Sub,
                Token::Star => BinaryOp::Mul,
                Token::Slash => BinaryOp::Div,
                Token::Caret => BinaryOp::Pow,
                _ => {
                    return Err(ParseError::new(
                        format!(
                            "expected an operator or the end of the expression, found {}",
                            self.quote(span)
                        ),
                        span,
                    ));
                }
            };
            self.reduce_while(|top| {
                top > op.precedence() || (top == op.precedence() && !op.right_associative())
            })?;
            self.operators.push(Pending::Binary(op, span));
            return Ok(true);
        }
    }

    fn close_paren(&mut self, span: Span) -> Result<(), ParseError> {
        self.reduce_while(|_| true)?;
        match self.operators.pop() {
            Some(Pending::Paren(_)) => Ok(()),
            Some(Pending::Call(f, call_span)) => {
                let arg = self.operands.pop().expect("a call has its argument");
                self.push(AstKind::Call(f, arg), call_span, &[arg])
            }
            _ => Err(ParseError::new("unmatched `)`", span)),
        }
    }

    fn finish(&mut self) -> Result<(), ParseError> {
        self.reduce_while(|_| true)?;
        if let Some(Pending::Paren(span) | Pending::Call(_, span)) = self.operators.last() {
            return Err(ParseError::new("unclosed parenthesis", *span));
        }
        debug_assert_eq!(self.operands.len(), 1);
        Ok(())
    }

    /// Applies operators from the top of the stack while their precedence satisfies `pops`,
    /// stopping at a parenthesis.
    fn reduce_while(&mut self, pops: impl Fn(u8) -> bool) -> Result<(), ParseError> {
        while let Some(&top) = self.operators.last() {
            match top.precedence() {
                Some(p) if pops(p) => {}
                _ => break,
            }
            self.operators.pop();
            match top {
                Pending::Binary(op, span) => {
                    let rhs = self.operands.pop().expect("binary rhs");
                    let lhs = self.operands.pop().expect("binary lhs");
                    self.push(AstKind::Binary(op, lhs, rhs), span, &[lhs, rhs])?;
                }
                Pending::Unary(op, span) => {
                    let arg = self.operands.pop().expect("unary operand");
                    self.push(AstKind::Unary(op, arg), span, &[arg])?;
                }
                Pending::Paren(_) | Pending::Call(..) => unreachable!("no precedence"),
            }
        }
        Ok(())
    }

    fn push(&mut self, kind: AstKind, span: Span, children: &[usize]) -> Result<(), ParseError> {
        let depth = children
            .iter()
            .map(|&c| self.depth[c] + usize::from(!self.continues_chain(&kind, c)))
            .max()
            .unwrap_or(1);
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                format!("expression nested deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.depth.push(depth);
        self.operands.push(self.nodes.len());
        self.nodes.push(Ast { kind, span });
        Ok(())
    }

    /// Whether `child` continues the operator chain of `parent` rather than nesting inside it:
    /// the left operand of a left-associative operator (the `a + b` of `a + b − c`) or the right
    /// operand of `^` (the `3^2` of `2^3^2`), made by an operator of the same precedence. A
    /// chain is one level however many terms it has.
    fn continues_chain(&self, parent: &AstKind, child: usize) -> bool {
        let (AstKind::Binary(op, lhs, rhs), AstKind::Binary(child_op, ..)) =
            (parent, &self.nodes[child].kind)
        else {
            return false;
        };
        let side = if op.right_associative() { *rhs } else { *lhs };
        side == child && child_op.precedence() == op.precedence()
    }
}

fn expected_operand(found: &str, span: Span) -> ParseError {
    ParseError::new(
        format!("expected a number, a variable, a function or `(`, found {found}"),
        span,
    )
}
