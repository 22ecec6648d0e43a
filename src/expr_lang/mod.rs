//! A small expression language for scalar formulas, built on a [`Tape`]: what
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
//!   (`log` is the natural logarithm, like `ln`).
//!
//! `a ^ b` with an exponent free of variables (`x^2`, `x^-0.5`, `x^(1/3)`) is recorded as the
//! [`powf`](crate::Var::powf) op with that constant exponent. With a variable in the exponent it
//! is recorded as `exp(b·ln a)`, which is real only for `a > 0` (NaN otherwise, as `ln` is).
//! Division by zero follows IEEE arithmetic: `1/0 = inf`, `0/0 = NaN`; nothing panics.
//!
//! # Limits
//! The parser keeps its own operator stack instead of recursing, and rejects inputs longer than
//! [`MAX_TOKENS`] tokens or nested deeper than [`MAX_DEPTH`] levels with a positioned
//! [`ParseError`], so no input can exhaust the stack here or in the symbolic code that later
//! walks the expression.

mod lexer;
mod parser;

pub use lexer::MAX_TOKENS;
pub use parser::MAX_DEPTH;

use std::collections::BTreeMap;
use std::fmt;

use crate::tape::{Tape, Var};
use crate::tensor::Float;

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
    fn of_char(byte: usize, column: usize, c: char) -> Self {
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
    /// the [display width](crate::report::display_width) of the text before the span (a
    /// combining accent takes no column, a CJK character two).
    pub fn caret(&self, source: &str) -> String {
        let source = source.replace(['\n', '\r', '\t'], " ");
        let width_of = |range: std::ops::Range<usize>| {
            source
                .get(range)
                .map(crate::report::display_width)
                .unwrap_or(0)
        };
        let pad = " ".repeat(width_of(0..self.span.byte));
        let carets = "^".repeat(width_of(self.span.byte..self.span.byte_end).max(1));
        format!("  {source}\n  {pad}{carets}")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.span.column)
    }
}

impl std::error::Error for ParseError {}

/// A function of one argument: one per elementwise core op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// `tanh`
    Tanh,
    /// `sigmoid`
    Sigmoid,
    /// `relu`
    Relu,
    /// `exp`
    Exp,
    /// `ln` or `log`
    Ln,
    /// `sqrt`
    Sqrt,
    /// `abs`
    Abs,
    /// `square`
    Square,
}

impl Function {
    /// The names the language accepts.
    pub const NAMES: [&'static str; 9] = [
        "tanh", "sigmoid", "relu", "exp", "ln", "log", "sqrt", "abs", "square",
    ];

    /// The function called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "tanh" => Function::Tanh,
            "sigmoid" => Function::Sigmoid,
            "relu" => Function::Relu,
            "exp" => Function::Exp,
            "ln" | "log" => Function::Ln,
            "sqrt" => Function::Sqrt,
            "abs" => Function::Abs,
            "square" => Function::Square,
            _ => return None,
        })
    }

    fn record<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        match self {
            Function::Tanh => x.tanh(),
            Function::Sigmoid => x.sigmoid(),
            Function::Relu => x.relu(),
            Function::Exp => x.exp(),
            Function::Ln => x.ln(),
            Function::Sqrt => x.sqrt(),
            Function::Abs => x.abs(),
            Function::Square => x.square(),
        }
    }

    fn eval(self, x: f64) -> f64 {
        match self {
            Function::Tanh => x.tanh(),
            Function::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Function::Relu => x.max(0.0),
            Function::Exp => x.exp(),
            Function::Ln => x.ln(),
            Function::Sqrt => x.sqrt(),
            Function::Abs => x.abs(),
            Function::Square => x * x,
        }
    }
}

/// A prefix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-a`
    Neg,
    /// `+a` (no op)
    Plus,
}

/// An infix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b`
    Pow,
}

impl BinaryOp {
    fn eval(self, a: f64, b: f64) -> f64 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Pow => a.powf(b),
        }
    }
}

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

/// A parsed expression: its nodes in post-order (children before parents, the root last), so
/// building it on a tape is one loop and no walk over it recurses.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    nodes: Vec<Ast>,
    source: String,
}

/// An expression recorded on a tape: its output and its variables' leaves.
#[derive(Clone, Debug)]
pub struct Built<'t, T: Float> {
    /// The expression's value.
    pub output: Var<'t, T>,
    /// One leaf per variable, named after it, in order of first appearance.
    pub leaves: Vec<(String, Var<'t, T>)>,
}

/// Parses an expression.
///
/// # Errors
/// A [`ParseError`] with the position of the first problem: an unexpected character, a
/// malformed number, an unknown function, unbalanced parentheses, a missing operand or
/// operator, an empty input, or an input over the [limits](self#limits).
pub fn parse(source: &str) -> Result<Program, ParseError> {
    parser::parse(source)
}

impl Program {
    /// The nodes in post-order; the root is the last.
    pub fn nodes(&self) -> &[Ast] {
        &self.nodes
    }

    /// The text this program was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The distinct variables in order of first appearance, each with its first occurrence.
    pub fn variables(&self) -> Vec<(&str, Span)> {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for node in &self.nodes {
            if let AstKind::Variable(name) = &node.kind
                && !seen.iter().any(|(n, _)| n == name)
            {
                seen.push((name, node.span));
            }
        }
        seen
    }

    /// Records the expression on `tape`, with one leaf per variable valued from `values`.
    ///
    /// # Errors
    /// A [`ParseError`] at the first occurrence of a variable that has no value.
    pub fn build<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        values: &BTreeMap<String, f64>,
    ) -> Result<Built<'t, T>, ParseError> {
        let mut leaves = Vec::new();
        for (name, span) in self.variables() {
            let value = values.get(name).ok_or_else(|| {
                ParseError::new(format!("no value given for variable `{name}`"), span)
            })?;
            leaves.push((name.to_string(), tape.var(name, T::from_f64(*value))));
        }
        let vars: Vec<Var<'t, T>> = leaves.iter().map(|(_, v)| *v).collect();
        let output = self.build_on(tape, &vars);
        Ok(Built { output, leaves })
    }

    /// Records the expression on `tape` with the given vars for its variables (in the order of
    /// [`Program::variables`]); this is how a gradient check feeds its own leaves in.
    ///
    /// # Panics
    /// If `leaves` does not hold exactly one var per variable.
    pub fn build_on<'t, T: Float>(&self, tape: &'t Tape<T>, leaves: &[Var<'t, T>]) -> Var<'t, T> {
        let variables = self.variables();
        assert_eq!(
            leaves.len(),
            variables.len(),
            "build_on needs one var per variable ({variables:?})"
        );
        let constants = self.constant_values();
        let needed = self.needed(&constants);
        let mut vars: Vec<Option<Var<'t, T>>> = vec![None; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            let get = |j: usize| vars[j].expect("children are built first");
            vars[i] = Some(match &node.kind {
                AstKind::Number(x) => tape.constant(T::from_f64(*x)),
                AstKind::Variable(name) => {
                    let k = variables.iter().position(|(n, _)| n == name);
                    leaves[k.expect("a listed variable")]
                }
                AstKind::Unary(UnaryOp::Neg, a) => -get(*a),
                AstKind::Unary(UnaryOp::Plus, a) => get(*a),
                AstKind::Call(f, a) => f.record(get(*a)),
                AstKind::Binary(BinaryOp::Pow, a, b) => match constants[*b] {
                    Some(p) => get(*a).powf(p),
                    // a^b = exp(b·ln a)
                    None => (get(*b) * get(*a).ln()).exp(),
                },
                AstKind::Binary(op, a, b) => binary(*op, get(*a), get(*b)),
            });
        }
        vars.pop().flatten().expect("the root is built")
    }

    /// The value of every variable-free subexpression (used to fold constant exponents).
    fn constant_values(&self) -> Vec<Option<f64>> {
        let mut values: Vec<Option<f64>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let value = match &node.kind {
                AstKind::Number(x) => Some(*x),
                AstKind::Variable(_) => None,
                AstKind::Unary(UnaryOp::Neg, a) => values[*a].map(|x| -x),
                AstKind::Unary(UnaryOp::Plus, a) => values[*a],
                AstKind::Call(f, a) => values[*a].map(|x| f.eval(x)),
                AstKind::Binary(op, a, b) => match (values[*a], values[*b]) {
                    (Some(x), Some(y)) => Some(op.eval(x, y)),
                    _ => None,
                },
            };
            values.push(value);
        }
        values
    }

    /// Which nodes the tape needs: all but the insides of a folded constant exponent.
    fn needed(&self, constants: &[Option<f64>]) -> Vec<bool> {
        let mut needed = vec![false; self.nodes.len()];
        if let Some(root) = needed.last_mut() {
            *root = true;
        }
        for i in (0..self.nodes.len()).rev() {
            if !needed[i] {
                continue;
            }
            match &self.nodes[i].kind {
                AstKind::Number(_) | AstKind::Variable(_) => {}
                AstKind::Unary(_, a) | AstKind::Call(_, a) => needed[*a] = true,
                AstKind::Binary(BinaryOp::Pow, a, b) => {
                    needed[*a] = true;
                    needed[*b] = constants[*b].is_none();
                }
                AstKind::Binary(_, a, b) => {
                    needed[*a] = true;
                    needed[*b] = true;
                }
            }
        }
        needed
    }
}

fn binary<'t, T: Float>(op: BinaryOp, a: Var<'t, T>, b: Var<'t, T>) -> Var<'t, T> {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => unreachable!("pow is recorded by the caller"),
    }
}

#[cfg(test)]
mod tests;
