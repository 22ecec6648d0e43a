//! Symbolic expressions: how the tracer prints a local derivative as a formula.
//!
//! Every op declares its forward value and its vector-Jacobian product as an [`Expr`] beside
//! the numeric rule (see [`crate::ops::Op`]); [`gradient`] combines them into closed-form
//! gradients in the leaves' names.
//!
//! ```
//! use chaintrace::symbolic::Expr;
//! let (w, x, b) = (Expr::sym("w"), Expr::sym("x"), Expr::sym("b"));
//! let u = w.clone() * x.clone() + b;
//! let local = Expr::one() - Expr::call1("tanh", u).powf(2.0);
//! assert_eq!(local.to_string(), "1 − tanh(w·x + b)²");
//! assert_eq!(local.to_latex(), r"1 - \tanh(w x + b)^{2}");
//! assert_eq!((w.clone() * w.clone() * w).to_string(), "w³");
//! ```
//!
//! # Canonical form
//! The smart constructors (`+ − · /`, unary `−`, [`Expr::pow`], [`Expr::powf`],
//! [`Expr::call`], [`Expr::transpose`], [`Expr::matmul`], [`Expr::diag`]) always return the
//! canonical form of their result when their operands are canonical, so equal expressions
//! compare equal however they were built (`a + b == b + a`, `2·w·x + 3·x·w == 5·w·x`).
//! [`Expr::simplify`] brings any expression, including one built from the variants directly,
//! into that form; it is idempotent. In canonical form:
//! - sums and products are flat (no sum directly inside a sum, no product inside a product),
//!   with at least two members;
//! - numbers are folded: one constant term in a sum (never 0), one constant factor in a
//!   product (never 1; a factor 0 makes the whole product 0); known functions of numbers are
//!   evaluated (`tanh(0)` is `0`) when the result is finite;
//! - equal factors are collected into powers (`w·w² = w³`, `w^a·w^b = w^(a + b)`,
//!   `x/x = 1`) and like terms into one term with a coefficient (`x + x = 2·x`); a number
//!   times a sum inside a sum is distributed (`x − (x − y) = y`), but a product like
//!   `2·(1 − tanh(u)²)` is kept so each chain-rule factor stays visible;
//! - `x^1 = x`, `x^0 = 1`, `(a^p)^q = a^(p·q)` when `q` is an integer (the only case that
//!   holds for every real `a`), and an integer power of a product is distributed (`(2·x)² = 4·x²`);
//! - matrix products are never reordered (only re-associated to the left, `A·(B·C) = (A·B)·C`)
//!   and their factors are never collected into powers; a number operand scales the other
//!   (`1·B = B`, `0·B = 0`, `2·B`), but a coefficient inside an operand stays there, so a
//!   chain-rule factor such as `(2·h·(1 − h²))·xᵀ` stays together; transposes are pushed
//!   through matrix products (`(A·B)ᵀ = Bᵀ·Aᵀ`), cancel in pairs and leave numbers and
//!   `diag(s)` unchanged.
//!
//! ## Order
//! Members of a product ([`Expr::Product`] is elementwise, hence commutative) are sorted: the
//! number first, then by the base of each factor (`w²` sorts as `w`): symbols (in natural
//! order, so `w2` comes before `w10`), powers of numbers (`2^x`), function calls (by name, then
//! arguments), transposes, `diag`, parenthesised sums, other powers and products, and matrix
//! products last. So `∂tanh(w·x + b)/∂w` reads `x·(1 − tanh(w·x + b)²)`.
//!
//! Terms of a sum are sorted: the number first, then by degree, highest first (the sum of
//! the integer exponents of a term's factors, ignoring its coefficient and its denominator; a
//! matrix product counts as degree 2), then by their factors in product order. So
//! `1 − tanh(u)²`, `w·x + b` and `W·x + b`.
//!
//! # Rendering
//! `Display` writes Unicode text a student reads; [`Expr::to_latex`] writes LaTeX:
//!
//! | expression | text | LaTeX |
//! |------------|------|-------|
//! | sum with a negative term | `a − b` (U+2212) | `a - b` |
//! | product | `w₁·w₂` | `w_{1} w_{2}` |
//! | negative powers | `a/b²`, `1/x`, `x/2` | `\frac{a}{b^{2}}` |
//! | integer power | `w⁵⁰` | `w^{50}` |
//! | other power | `x^0.5`, `x^(a + b)` | `x^{0.5}` |
//! | call | `tanh(u)`, `σ(u)`, `sqrt(u)`, `\|u\|` | `\tanh(u)`, `\sigma(u)`, `\sqrt{u}` |
//! | transpose, matrix product | `Aᵀ`, `A·B` | `A^{\top}`, `A B` |
//!
//! - A symbol ending in digits, with or without an underscore (`w1`, `w_1`), gets them as a
//!   subscript: `w₁`, `w_{1}`.
//! - Parentheses only where precedence needs them: around a sum inside a product, a power's
//!   base unless it is a symbol, number or call, and a product or matrix product mixed with
//!   the other kind (elementwise and matrix products both print as `·`, so the parentheses
//!   tell them apart; a product of two evidently matrix-valued factors prints `⊙`).
//! - A sum starts with its first non-negative term when it has one (`tanh(u)² − 1`, not
//!   `−1 + tanh(u)²`); the rest follow in canonical order.
//! - Numbers: integers without `.0`; others with up to 6 significant digits (`0.333333`,
//!   `6.37622e8`). A coefficient `1/k` for an integer `k` is printed as a denominator (`x/2`).
//!
//! # Depth
//! Nothing here recurses on the depth of an expression: `Drop` (children move onto a heap
//! stack before they drop), `Debug`, rendering, [`Expr::eval`], [`Expr::simplify`], the smart
//! constructors, `Clone`, `PartialEq`, `Ord`, `Hash`, the canonical order and serde in both
//! directions walk the tree with explicit stacks or loops; a million-level expression goes
//! through each on a 2 MiB thread. [`forward_expressions`] and [`gradient`] still refuse to
//! build expressions deeper than [`MAX_EXPR_DEPTH`] or larger than [`MAX_EXPR_NODES`], or more
//! than [`MAX_TOTAL_NODES`] in all: expressions are trees, so a value used twice is written
//! out twice, and past those sizes a formula helps no reader.
//!
//! # Serialisation
//! With the `serde` feature (on by default), an expression serialises as the flat sequence of its nodes in post-order, each with its
//! number of children where that varies, so any depth is written and read back within
//! `serde_json`'s nesting limit:
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use chaintrace::symbolic::Expr;
//! let e = Expr::sym("w") * Expr::sym("x") + Expr::one();
//! let json = serde_json::to_string(&e).unwrap();
//! assert_eq!(json, r#"[{"Const":1.0},{"Sym":"w"},{"Sym":"x"},{"Product":2},{"Sum":2}]"#);
//! assert_eq!(serde_json::from_str::<Expr>(&json).unwrap(), e);
//! # }
//! ```

mod eval;
mod gradient;
mod insert;
mod lower;
mod order;
mod render;
mod simplify;
mod spell;
mod traverse;
mod tree;

pub(crate) use gradient::gradient_at;
pub use gradient::{
    MAX_EXPR_DEPTH, MAX_EXPR_NODES, MAX_SYMBOLIC_NODES, MAX_TOTAL_NODES, forward_expressions,
    gradient,
};
pub(crate) use lower::derivative_on_tape;

use ordered_float::OrderedFloat;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A symbolic expression over named scalars or tensors.
///
/// Build it with the smart constructors, which keep it in canonical form (see the
/// [module documentation](self)); matching on the variants is fine for reading it.
///
/// `Clone`, `PartialEq`, `Eq`, `PartialOrd`, `Ord` and `Hash` are structural (`Ord` is a total
/// order for maps and sets, not the canonical order of factors); they, `Drop`, `Debug` (the
/// derive's format) and serde (see [Serialisation](self#serialisation)) walk the tree without
/// recursion.
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

    /// A constant (`-0.0` is stored as `0.0`).
    pub fn constant(x: f64) -> Self {
        Expr::Const(OrderedFloat(if x == 0.0 { 0.0 } else { x }))
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

    /// `self ^ e`: `x^1 = x`, `x^0 = 1`, `(a^p)^q = a^(p·q)` for an integer `q`, and an
    /// integer power of a product is distributed over its factors.
    pub fn pow(self, e: Expr) -> Self {
        simplify::power(self, e)
    }

    /// `name(args…)`; a known elementwise function of numbers is evaluated when the result
    /// is finite (`tanh(0) = 0`).
    pub fn call(name: impl Into<String>, args: Vec<Expr>) -> Self {
        simplify::call(name.into(), args)
    }

    /// `name(arg)`.
    pub fn call1(name: impl Into<String>, arg: Expr) -> Self {
        Expr::call(name, vec![arg])
    }

    /// The transpose `selfᵀ`: `(Aᵀ)ᵀ = A`, `(A·B)ᵀ = Bᵀ·Aᵀ`, and numbers and `diag(s)` are
    /// their own transposes.
    pub fn transpose(self) -> Self {
        simplify::transpose(self)
    }

    /// The matrix product `self · rhs`: a number on either side scales the other (so 1 is
    /// the identity and 0 annihilates), and chains associate to the left. The operands are
    /// never reordered.
    pub fn matmul(self, rhs: Expr) -> Self {
        simplify::matmul(self, rhs)
    }

    /// The diagonal matrix `diag(self)`.
    pub fn diag(self) -> Self {
        Expr::Diag(Box::new(self))
    }

    /// The canonical form of this expression (see the [module documentation](self)),
    /// rebuilt bottom-up with the smart constructors. Idempotent: `e.simplify().simplify()
    /// == e.simplify()`, and an expression built with the constructors is already simplified.
    ///
    /// ```
    /// use chaintrace::symbolic::Expr;
    /// let w = || Expr::sym("w");
    /// let raw = Expr::Product(vec![w(), Expr::Product(vec![w(), w()]), Expr::one()]);
    /// assert_eq!(raw.simplify(), w().powf(3.0));
    /// assert_eq!(raw.simplify().to_string(), "w³");
    /// ```
    pub fn simplify(&self) -> Expr {
        simplify::simplify(self)
    }

    /// LaTeX for this expression, for math mode: `1 - \tanh(w x + b)^{2}`, `w_{1} w_{2}`,
    /// `\frac{a}{b}`, `A^{\top}`.
    pub fn to_latex(&self) -> String {
        render::render(self, render::Notation::Latex)
    }

    /// The Unicode text [`Display`](fmt::Display) prints, without going through a formatter
    /// (one copy less: the tracer renders a formula per edge).
    pub(crate) fn to_text(&self) -> String {
        render::render(self, render::Notation::Text)
    }

    /// The number of nodes in the expression tree (a symbol is 1, `w·x` is 3).
    pub fn node_count(&self) -> usize {
        tree::size(self).nodes
    }

    /// The nesting depth of the expression tree (a symbol is 1, `tanh(w·x)` is 3).
    pub fn depth(&self) -> usize {
        tree::size(self).depth
    }
}

impl Add for Expr {
    type Output = Expr;
    fn add(self, rhs: Expr) -> Expr {
        simplify::sum(vec![self, rhs])
    }
}

impl Mul for Expr {
    type Output = Expr;
    fn mul(self, rhs: Expr) -> Expr {
        simplify::product(vec![self, rhs])
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
        f.write_str(&render::render(self, render::Notation::Text))
    }
}
