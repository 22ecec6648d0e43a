//! Symbolic expressions: how the tracer prints a local derivative as a formula.
//!
//! Every op declares its forward value and its vector-Jacobian product as an [`Expr`] beside
//! the numeric rule (see [`crate::ops::Op`]); the tracer combines them into closed-form
//! gradients. The smart constructors below keep expressions readable as they are built.

use ordered_float::OrderedFloat;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::error::{Error, Result};
use crate::tape::{NodeId, NodeKind, Tape};
use crate::tensor::Float;

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
            (_, Some(0.0)) => Expr::one(),
            (_, Some(1.0)) => self,
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
            (Some(1.0), _) => rhs,
            (_, Some(1.0)) => self,
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

/// The forward expression of every node up to `last`, in the leaves' names: leaves and named
/// constants become symbols, scalar constants numbers, ops their [`Op::symbolic`] form.
///
/// [`Op::symbolic`]: crate::ops::Op::symbolic
///
/// # Errors
/// [`Error::Invalid`] when the tape holds more than [`MAX_SYMBOLIC_NODES`] nodes up to `last`:
/// closed forms are for graphs a reader can follow.
pub fn forward_expressions<T: Float>(tape: &Tape<T>, last: NodeId) -> Result<Vec<Expr>> {
    if last.0 >= MAX_SYMBOLIC_NODES {
        return Err(Error::invalid(
            "symbolic",
            format!(
                "{} nodes is more than the {MAX_SYMBOLIC_NODES} a closed form is built for",
                last.0 + 1
            ),
        ));
    }
    let nodes = tape.nodes();
    let mut exprs: Vec<Expr> = Vec::with_capacity(last.0 + 1);
    for (i, node) in nodes[..=last.0].iter().enumerate() {
        let expr = match (&node.kind, &node.name) {
            (NodeKind::Op(op), _) => {
                let args: Vec<Expr> = node
                    .inputs
                    .iter()
                    .map(|x| exprs[x.node.0].clone())
                    .collect();
                op.symbolic(&args)
            }
            (_, Some(name)) => Expr::sym(name.as_ref()),
            (NodeKind::Constant, None) => match node.value.item() {
                Some(c) if node.value.ndim() == 0 => Expr::constant(c.as_f64()),
                _ => Expr::sym(format!("c{i}")),
            },
            (NodeKind::Leaf, None) => Expr::sym(format!("v{i}")),
        };
        exprs.push(expr);
    }
    Ok(exprs)
}

/// The closed-form gradient `∂output/∂wrt` as an expression of the leaves: a reverse sweep that
/// applies each op's [`Op::vjp_symbolic`] instead of its numeric rule.
///
/// [`Op::vjp_symbolic`]: crate::ops::Op::vjp_symbolic
///
/// # Example
/// ```
/// use chaintrace::{symbolic, Tape};
/// let tape = Tape::<f64>::new();
/// let w = tape.var("w", 1.5);
/// let x = tape.var("x", 2.0);
/// let y = (w * x).tanh();
/// let dy_dx = symbolic::gradient(&tape, y.id(), x.id()).unwrap();
/// assert_eq!(dy_dx.to_string(), "(1 + -1·(tanh(w·x))^(2))·w");
/// ```
///
/// # Errors
/// As [`forward_expressions`].
pub fn gradient<T: Float>(tape: &Tape<T>, output: NodeId, wrt: NodeId) -> Result<Expr> {
    let exprs = forward_expressions(tape, output)?;
    let nodes = tape.nodes();
    let mut grads: Vec<Option<Expr>> = vec![None; output.0 + 1];
    grads[output.0] = Some(Expr::one());
    for i in (wrt.0..=output.0).rev() {
        let Some(grad) = grads[i].take() else {
            continue;
        };
        if let NodeKind::Op(op) = &nodes[i].kind {
            let args: Vec<Expr> = nodes[i]
                .inputs
                .iter()
                .map(|x| exprs[x.node.0].clone())
                .collect();
            for (slot, input) in nodes[i].inputs.iter().enumerate() {
                if !nodes[input.node.0].requires_grad || input.node.0 < wrt.0 {
                    continue;
                }
                let term = op.vjp_symbolic(slot, &args, &grad);
                let slot_grad = &mut grads[input.node.0];
                *slot_grad = Some(match slot_grad.take() {
                    Some(acc) => acc + term,
                    None => term,
                });
            }
        }
        grads[i] = Some(grad);
    }
    Ok(grads[wrt.0].take().unwrap_or_else(Expr::zero))
}

/// The largest tape a closed form is built for.
pub const MAX_SYMBOLIC_NODES: usize = 5_000;
