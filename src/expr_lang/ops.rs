//! The operators and functions of the language: what each is called and how it is recorded
//! on a tape or evaluated as a constant.

use crate::ops::{ABS, EXP, ElementwiseFn, LN, RELU, SIGMOID, SQRT, SQUARE, TANH};
use crate::tape::Var;
use crate::tensor::Float;

/// A function of one argument: one per elementwise core op, or one declared with
/// [`elementwise_fn!`](crate::elementwise_fn) and registered with
/// [`Parser::with_function`](super::Parser::with_function).
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
    /// A function registered with the parser, by its name or an alias.
    Custom(&'static ElementwiseFn),
}

impl Function {
    /// The names the language accepts without registration: each built-in's name and
    /// aliases, in the order of [`Function::BUILTIN`] (a test checks they agree).
    pub const NAMES: [&'static str; 9] = [
        "tanh", "sigmoid", "relu", "exp", "ln", "log", "sqrt", "abs", "square",
    ];

    /// The functions the language knows without registration.
    pub const BUILTIN: [Function; 8] = [
        Function::Tanh,
        Function::Sigmoid,
        Function::Relu,
        Function::Exp,
        Function::Ln,
        Function::Sqrt,
        Function::Abs,
        Function::Square,
    ];

    /// The built-in function called `name` (its name or an alias), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::BUILTIN.into_iter().find(|f| f.is_called(name))
    }

    /// Its declaration: name, value, derivative and formulas.
    pub fn declaration(self) -> &'static ElementwiseFn {
        match self {
            Function::Tanh => &TANH,
            Function::Sigmoid => &SIGMOID,
            Function::Relu => &RELU,
            Function::Exp => &EXP,
            Function::Ln => &LN,
            Function::Sqrt => &SQRT,
            Function::Abs => &ABS,
            Function::Square => &SQUARE,
            Function::Custom(f) => f,
        }
    }

    /// Whether the language calls it `name`: its name or an alias (not its formula spelling:
    /// `σ(x)` is not parsed).
    pub(super) fn is_called(self, name: &str) -> bool {
        let f = self.declaration();
        f.name == name || f.aliases.contains(&name)
    }

    pub(super) fn record<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        x.apply_fn(self.declaration())
    }

    pub(super) fn eval(self, x: f64) -> f64 {
        self.declaration().value(x)
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
    pub(super) fn eval(self, a: f64, b: f64) -> f64 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Pow => a.powf(b),
        }
    }
}
