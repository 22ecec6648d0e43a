//! A small expression language for scalar formulas, built on a [`Tape`](crate::Tape): what
//! `chaintrace expr "tanh(w*x + b)" --at w=1.5,x=2,b=0.1` parses.
//!
//! ```
//! use std::collections::BTreeMap;
//! use chaintrace::{expr_lang, Tape};
//!
//! let program = expr_lang::parse("tanh(w*x + b)").unwrap();
//! let values = BTreeMap::from([("w".into(), 1.5), ("x".into(), 2.0), ("b".into(), 0.1)]);
//! let tape = Tape::<f64>::new();
//! let built = program.build(&tape, &values).unwrap();
//! // f = tanh(3.1); ∂f/∂w = (1 − tanh(3.1)²)·x
//! let grads = built.output.backward();
//! let dw = grads.wrt(built.leaves[0].1).unwrap().item().unwrap();
//! assert!((dw - (1.0 - 3.1f64.tanh().powi(2)) * 2.0).abs() < 1e-12);
//! ```
//!
//! # The language
//! - numbers: `2`, `1.5`, `.5`, `3.`, `1e-3`, `2E+8`;
//! - variables: a letter or `_`, then letters, digits and `_` (`w`, `x1`, `h_t`);
//! - `+ − * / ^` (also `− · × ÷`), unary minus, parentheses; `^` binds tightest and is
//!   right-associative, so `-x^2 = -(x^2)` and `2^3^2 = 2^9`;
//! - functions of one argument, one per core op: `tanh sigmoid relu exp ln log sqrt abs square`
//!   (`log` is the natural logarithm, like `ln`), and any function declared with
//!   [`elementwise_fn!`](crate::elementwise_fn) and registered with a [`Parser`]
//!   ([`Parser::with_function`]).
//!
//! `a ^ b` with an exponent free of variables (`x^2`, `x^-0.5`, `x^(1/3)`) is recorded as the
//! [`powf`](crate::Var::powf) op with that constant exponent. With a variable in the exponent it
//! is recorded as `exp(b·ln a)`, which is real only for `a > 0` (NaN otherwise, as `ln` is).
//! Division by zero follows IEEE arithmetic: `1/0 = inf`, `0/0 = NaN`; nothing panics.
//!
//! # Limits
//! The parser keeps its own operator stack instead of recursing, and rejects inputs longer than
//! [`MAX_TOKENS`] tokens or nested deeper than [`MAX_DEPTH`] levels with a positioned
//! [`ParseError`]. Nesting counts calls, signs and bracketed subexpressions, not terms: a sum
//! (or product, or power tower) is one level however long, so the tree can be as deep as the
//! token limit allows, and no walk over it (here, on the tape, in the trace or its symbolic
//! gradient) recurses.
//!
//! A number literal is zero or a normal `f64`: a nonzero literal that would round to infinity
//! (`1e999`) or underflow to zero or a subnormal (`1e-400`, `4e-320`) is refused as out of
//! range, naming it; the range is `f64::MIN_POSITIVE` (2.2250738585072014e-308) to `f64::MAX`.
//!
//! An error quotes at most [`QUOTE_CHARS`] characters of the input (then `…`), with control
//! characters escaped, and [`ParseError::caret`] shows a window of the source around the error,
//! so a message stays short and on one line whatever the input.

mod error;
mod lexer;
mod ops;
mod parser;
mod program;
mod registered;

pub use error::{CONTEXT_CHARS, ParseError, QUOTE_CHARS, Span, quote};
pub use lexer::MAX_TOKENS;
pub use ops::{BinaryOp, Function, UnaryOp};
pub use parser::MAX_DEPTH;
pub use program::{Built, Program};
pub use registered::Parser;

/// One node of a parsed expression; children are indices of earlier nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Ast {
    /// What the node is.
    pub kind: AstKind,
    /// The token that made it (the operator, the name, the number).
    pub span: Span,
}

/// The kinds of [`Ast`] node.
#[derive(Clone, Debug, PartialEq)]
pub enum AstKind {
    /// A number literal.
    Number(f64),
    /// A named variable.
    Variable(String),
    /// A prefix operator applied to a node.
    Unary(UnaryOp, usize),
    /// An infix operator applied to two nodes.
    Binary(BinaryOp, usize, usize),
    /// A function applied to a node.
    Call(Function, usize),
}

/// Parses an expression.
///
/// # Errors
/// A [`ParseError`] with the position of the first problem: an unexpected character, a
/// malformed number, an unknown function, unbalanced parentheses, a missing operand or
/// operator, an empty input, or an input over the [limits](self#limits).
pub fn parse(source: &str) -> Result<Program, ParseError> {
    parser::parse(source, &[])
}

#[cfg(test)]
mod tests;
