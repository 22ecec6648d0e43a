//! The operators and functions of the language: what each is called and how it is recorded
//! on a tape or evaluated as a constant.

use crate::tape::Var;
use crate::tensor::Float;

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

    pub(super) fn record<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
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

    pub(super) fn eval(self, x: f64) -> f64 {
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
