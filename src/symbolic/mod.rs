//! Symbolic expressions: how the tracer prints a local derivative as a formula.
//!
//! Every op declares its forward value and its vector-Jacobian product as an [`Expr`] beside
//! the numeric rule (see [`crate::ops::Op`]); the tracer combines them into closed-form
//! gradients. The smart constructors below keep expressions readable as they are built.

use ordered_float::OrderedFloat;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A symbolic expression over named scalars or tensors.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Expr {
    /// A number.
    Const(OrderedFloat<f64>),
    /// A named quantity (a leaf's name, or a placeholder such as `∂L/∂y`).
    Sym(String),
    /// A sum of terms.
    Sum(Vec<Expr>),
    /// A product of factors (elementwise for tensors).
    Product(Vec<Expr>),
    /// `base ^ exponent`.
    Pow(Box<Expr>, Box<Expr>),
    /// A named function applied to arguments: `tanh(u)`, `sum(x)`, `softmax(z)`.
    Call(String, Vec<Expr>),
    /// A matrix transpose `Aᵀ`.
    Transpose(Box<Expr>),
    /// A matrix product `A·B`.
    MatMul(Box<Expr>, Box<Expr>),
    /// A diagonal matrix built from a vector.
    Diag(Box<Expr>),
}

impl Expr {
    /// A named symbol.
    pub fn sym(name: impl Into<String>) -> Self {
        Expr::Sym(name.into())
    }

    /// A constant.
    pub fn constant(x: f64) -> Self {
        Expr::Const(OrderedFloat(x))
    }

    /// The constant 0.
    pub fn zero() -> Self {
        Expr::constant(0.0)
    }

    /// The constant 1.
    pub fn one() -> Self {
        Expr::constant(1.0)
    }

    /// The constant's value, if this is a constant.
    pub fn as_const(&self) -> Option<f64> {
        match self {
            Expr::Const(c) => Some(c.0),
            _ => None,
        }
    }

    /// `self ^ p` for a constant exponent.
    pub fn powf(self, p: f64) -> Self {
        self.pow(Expr::constant(p))
    }

    /// `self ^ e`.
    pub fn pow(self, e: Expr) -> Self {
        match (self.as_const(), e.as_const()) {
            (_, Some(p)) if p == 0.0 => Expr::one(),
            (_, Some(p)) if p == 1.0 => self,
            (Some(b), Some(p)) => Expr::constant(b.powf(p)),
            _ => Expr::Pow(Box::new(self), Box::new(e)),
        }
    }

    /// `name(args…)`.
    pub fn call(name: impl Into<String>, args: Vec<Expr>) -> Self {
        Expr::Call(name.into(), args)
    }

    /// `name(arg)`.
    pub fn call1(name: impl Into<String>, arg: Expr) -> Self {
        Expr::Call(name.into(), vec![arg])
    }

    /// The transpose `selfᵀ`.
    pub fn transpose(self) -> Self {
        match self {
            Expr::Transpose(inner) => *inner,
            c @ Expr::Const(_) => c,
            e => Expr::Transpose(Box::new(e)),
        }
    }

    /// The matrix product `self · rhs` (a constant 1 on either side is dropped).
    pub fn matmul(self, rhs: Expr) -> Self {
        match (self.as_const(), rhs.as_const()) {
            (Some(a), _) if a == 1.0 => rhs,
            (_, Some(b)) if b == 1.0 => self,
            _ => Expr::MatMul(Box::new(self), Box::new(rhs)),
        }
    }

    /// The diagonal matrix `diag(self)`.
    pub fn diag(self) -> Self {
        Expr::Diag(Box::new(self))
    }
}

impl Add for Expr {
    type Output = Expr;
    fn add(self, rhs: Expr) -> Expr {
        let mut terms = Vec::new();
        for e in [self, rhs] {
            match e {
                Expr::Sum(ts) => terms.extend(ts),
                Expr::Const(c) if c.0 == 0.0 => {}
                e => terms.push(e),
            }
        }
        match terms.len() {
            0 => Expr::zero(),
            1 => terms.pop().expect("one term"),
            _ => Expr::Sum(terms),
        }
    }
}

impl Mul for Expr {
    type Output = Expr;
    fn mul(self, rhs: Expr) -> Expr {
        let mut factors = Vec::new();
        let mut constant = 1.0;
        for e in [self, rhs] {
            match e {
                Expr::Product(fs) => {
                    for f in fs {
                        match f {
                            Expr::Const(c) => constant *= c.0,
                            f => factors.push(f),
                        }
                    }
                }
                Expr::Const(c) => constant *= c.0,
                e => factors.push(e),
            }
        }
        if constant == 0.0 {
            return Expr::zero();
        }
        if constant != 1.0 {
            factors.insert(0, Expr::constant(constant));
        }
        match factors.len() {
            0 => Expr::one(),
            1 => factors.pop().expect("one factor"),
            _ => Expr::Product(factors),
        }
    }
}

impl Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::constant(-1.0) * self
    }
}

impl Sub for Expr {
    type Output = Expr;
    fn sub(self, rhs: Expr) -> Expr {
        self + (-rhs)
    }
}

impl Div for Expr {
    type Output = Expr;
    fn div(self, rhs: Expr) -> Expr {
        self * rhs.powf(-1.0)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(c) => write!(f, "{}", c.0),
            Expr::Sym(s) => write!(f, "{s}"),
            Expr::Sum(ts) => {
                write!(f, "(")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, " + ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, ")")
            }
            Expr::Product(fs) => {
                for (i, t) in fs.iter().enumerate() {
                    if i > 0 {
                        write!(f, "·")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Expr::Pow(b, e) => write!(f, "({b})^({e})"),
            Expr::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
            Expr::Transpose(a) => write!(f, "({a})ᵀ"),
            Expr::MatMul(a, b) => write!(f, "({a})·({b})"),
            Expr::Diag(a) => write!(f, "diag({a})"),
        }
    }
}
