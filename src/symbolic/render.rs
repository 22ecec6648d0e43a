//! Rendering to Unicode text and to LaTeX (the rules are in the module documentation of
//! [`crate::symbolic`]).
//!
//! Each expression is laid out as a short sequence of pieces (text, or sub-expressions with the
//! syntactic slot they sit in) that go back on an explicit stack, so nesting depth costs heap,
//! not stack. Spelling (numbers, symbols, function names) is in [`super::spell`].

use smallvec::{SmallVec, smallvec};
use std::borrow::Cow;

use super::Expr;
use super::order::{split_coefficient, split_power};
use super::spell::{function_name, number, superscript, symbol};

/// The output language.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Notation {
    /// Unicode text: `1 − tanh(u)²`.
    Text,
    /// LaTeX math: `1 - \tanh(u)^{2}`.
    Latex,
}

impl Notation {
    fn pick(self, text: &'static str, latex: &'static str) -> Piece<'static> {
        Piece::Text(Cow::Borrowed(match self {
            Notation::Text => text,
            Notation::Latex => latex,
        }))
    }
}

/// Where an expression sits, which decides whether it needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    /// Nothing binds tighter around it: the top, a call argument, a sum's term.
    Free,
    /// A factor of a product.
    Factor,
    /// The only factor of a product, after its sign or number coefficient: `−(a + b)`, but
    /// `−A·B` and `2·A·B` (a number scales a matrix product the same on either side).
    Lone,
    /// The base of a power.
    Base,
    /// A text exponent after `^`.
    Exponent,
    /// The operand of a transpose.
    Operand,
    /// The left operand of a matrix product.
    MatLeft,
    /// The right operand of a matrix product.
    MatRight,
}

/// How an expression prints at its top level.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    /// A symbol (with a plain name), non-negative number, call or `diag(…)`.
    Atom,
    Sum,
    /// Starts with a minus sign.
    Negative,
    /// A product or fraction (or a symbol named like one, `∂L/∂y`).
    Product,
    Power,
    /// A transpose.
    Postfix,
    MatMul,
}

fn shape(e: &Expr) -> Shape {
    match e {
        Expr::Const(c) if c.0 < 0.0 => Shape::Negative,
        // A placeholder such as `∂L/∂y` is parenthesised where a product would be.
        Expr::Sym(name) if name.contains(['/', '·', '+', '−', '-', '*', ' ']) => Shape::Product,
        Expr::Const(_) | Expr::Sym(_) | Expr::Call(..) | Expr::Diag(_) => Shape::Atom,
        Expr::Sum(_) => Shape::Sum,
        Expr::Transpose(_) => Shape::Postfix,
        Expr::MatMul(..) => Shape::MatMul,
        Expr::Product(_) | Expr::Pow(..) => match product_parts(e) {
            Some((c, _)) if c < 0.0 => Shape::Negative,
            Some(_) => Shape::Product,
            None => Shape::Power,
        },
    }
}

fn needs_parentheses(shape: Shape, slot: Slot) -> bool {
    match slot {
        Slot::Free => false,
        Slot::Factor => !matches!(shape, Shape::Atom | Shape::Power | Shape::Postfix),
        Slot::Lone => matches!(shape, Shape::Sum | Shape::Negative),
        Slot::Base | Slot::Exponent | Slot::Operand => shape != Shape::Atom,
        Slot::MatLeft => matches!(shape, Shape::Sum | Shape::Negative | Shape::Product),
        Slot::MatRight => matches!(
            shape,
            Shape::Sum | Shape::Negative | Shape::Product | Shape::MatMul
        ),
    }
}

/// The coefficient and factors of an expression printed as a product or fraction: a product,
/// or a power with a negative number exponent (`x⁻¹` prints `1/x`).
fn product_parts(e: &Expr) -> Option<(f64, &[Expr])> {
    match e {
        Expr::Product(_) => Some(split_coefficient(e)),
        Expr::Pow(..) if in_denominator(e) => Some((1.0, std::slice::from_ref(e))),
        _ => None,
    }
}

/// One step of the layout.
enum Piece<'e> {
    Text(Cow<'e, str>),
    Expr(&'e Expr, Slot),
    /// A product without its sign: a coefficient that is not negative, and the factors.
    Product(f64, &'e [Expr]),
    /// `base^exponent`, for an exponent that is not a negative number.
    Power(&'e Expr, Exponent<'e>),
}

enum Exponent<'e> {
    /// A number, such as the `2` of a denominator `b²` (from the factor `b⁻²`).
    Number(f64),
    Expr(&'e Expr),
}

/// The pieces one step lays out: a handful, kept inline (a formula per edge is rendered).
type Pieces<'e> = SmallVec<[Piece<'e>; 4]>;

fn text(s: String) -> Piece<'static> {
    Piece::Text(Cow::Owned(s))
}

/// Text that is the same in both notations.
fn fixed(s: &'static str) -> Piece<'static> {
    Piece::Text(Cow::Borrowed(s))
}

/// `e` in the notation.
pub(super) fn render(e: &Expr, notation: Notation) -> String {
    // A lone symbol is only its spelling (the tracer prints one per edge, `w` or `u₁₂`).
    if let Expr::Sym(name) = e {
        return symbol(name, notation).into_owned();
    }
    // Room for a short formula such as `w·u₁₂` in one allocation.
    let mut out = String::with_capacity(32);
    let mut stack: SmallVec<[Piece; 16]> = smallvec![Piece::Expr(e, Slot::Free)];
    while let Some(piece) = stack.pop() {
        let pieces = match piece {
            Piece::Text(t) => {
                out.push_str(&t);
                continue;
            }
            Piece::Expr(e, slot) => layout(e, slot, notation),
            Piece::Product(c, factors) => layout_product(c, factors, notation),
            Piece::Power(base, exponent) => layout_power(base, exponent, notation),
        };
        stack.extend(pieces.into_iter().rev());
    }
    out
}

fn layout(e: &Expr, slot: Slot, n: Notation) -> Pieces<'_> {
    let slot = match (slot, n) {
        (Slot::Exponent, Notation::Latex) => Slot::Free, // inside braces
        _ => slot,
    };
    if needs_parentheses(shape(e), slot) {
        return smallvec![fixed("("), Piece::Expr(e, Slot::Free), fixed(")")];
    }
    if let Some((c, factors)) = product_parts(e) {
        return signed(c, Piece::Product(c.abs(), factors), n);
    }
    match e {
        Expr::Const(c) => smallvec![text(number(c.0, n))],
        Expr::Sym(name) => smallvec![Piece::Text(symbol(name, n))],
        Expr::Sum(terms) => layout_sum(terms, n),
        Expr::Pow(base, p) => smallvec![Piece::Power(base, Exponent::Expr(p))],
        Expr::Call(name, args) => layout_call(name, args, n),
        Expr::Transpose(a) => smallvec![Piece::Expr(a, Slot::Operand), n.pick("ᵀ", "^{\\top}")],
        Expr::MatMul(a, b) => smallvec![
            Piece::Expr(a, Slot::MatLeft),
            n.pick("·", " "),
            Piece::Expr(b, Slot::MatRight),
        ],
        Expr::Diag(a) => smallvec![
            n.pick("diag(", "\\operatorname{diag}("),
            Piece::Expr(a, Slot::Free),
            fixed(")"),
        ],
        Expr::Product(_) => unreachable!("products are laid out by layout_product"),
    }
}

/// `magnitude` with a leading minus sign when `c` is negative.
fn signed(c: f64, magnitude: Piece<'_>, n: Notation) -> Pieces<'_> {
    if c < 0.0 {
        smallvec![n.pick("−", "-"), magnitude]
    } else {
        smallvec![magnitude]
    }
}

fn is_negative(term: &Expr) -> bool {
    split_coefficient(term).0 < 0.0
}

/// A sum, starting with its first non-negative term; negative terms as subtraction.
fn layout_sum(terms: &[Expr], n: Notation) -> Pieces<'_> {
    let first = terms.iter().position(|t| !is_negative(t)).unwrap_or(0);
    let order = std::iter::once(first).chain((0..terms.len()).filter(|&i| i != first));
    let mut pieces = Pieces::with_capacity(2 * terms.len());
    for (k, i) in order.enumerate() {
        let term = &terms[i];
        let negative = is_negative(term);
        match (k, negative) {
            (0, true) => pieces.push(n.pick("−", "-")),
            (0, false) => {}
            (_, true) => pieces.push(n.pick(" − ", " - ")),
            (_, false) => pieces.push(fixed(" + ")),
        }
        pieces.push(match (term, negative) {
            (Expr::Const(c), true) => text(number(-c.0, n)),
            (_, true) => {
                let (c, factors) = split_coefficient(term);
                Piece::Product(-c, factors)
            }
            (_, false) => Piece::Expr(term, Slot::Free),
        });
    }
    pieces
}

/// A product with a non-negative coefficient: factors joined by `·`, and a fraction when some
/// exponents are negative numbers or the coefficient is `1/k` for an integer `k`.
fn layout_product(c: f64, factors: &[Expr], n: Notation) -> Pieces<'_> {
    let mut numerator: Pieces = Pieces::new();
    let mut denominator: Pieces = Pieces::new();
    match reciprocal_integer(c) {
        Some(k) => denominator.push(text(number(k, n))),
        None if c != 1.0 => numerator.push(text(number(c, n))),
        None => {}
    }
    let lone = factors.len() == 1 && denominator.is_empty() && !in_denominator(&factors[0]);
    for f in factors {
        match f {
            f if lone => numerator.push(Piece::Expr(f, Slot::Lone)),
            Expr::Pow(base, p) if in_denominator(f) => {
                let p = -p.as_const().expect("a number exponent");
                denominator.push(if p == 1.0 {
                    Piece::Expr(base, Slot::Factor)
                } else {
                    Piece::Power(base, Exponent::Number(p))
                });
            }
            f => numerator.push(Piece::Expr(f, Slot::Factor)),
        }
    }
    let elementwise = factors.iter().filter(|f| is_matrix(f)).count() >= 2;
    if denominator.is_empty() {
        return join_factors(numerator, elementwise, n);
    }
    let parenthesised = denominator.len() > 1 && n == Notation::Text;
    let numerator = join_fraction_part(numerator, elementwise, n);
    let denominator = join_fraction_part(denominator, elementwise, n);
    let [open, middle, close] = match (n, parenthesised) {
        (Notation::Text, true) => ["", "/(", ")"],
        (Notation::Text, false) => ["", "/", ""],
        (Notation::Latex, _) => ["\\frac{", "}{", "}"],
    };
    [
        smallvec![fixed(open)],
        numerator,
        smallvec![fixed(middle)],
        denominator,
        smallvec![fixed(close)],
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A factor written in the denominator: a power with a negative number exponent.
fn in_denominator(f: &Expr) -> bool {
    matches!(f, Expr::Pow(_, p) if p.as_const().is_some_and(|p| p < 0.0))
}

/// A numerator or denominator; in LaTeX a lone factor needs no parentheses in `\frac{…}{…}`.
fn join_fraction_part(factors: Pieces<'_>, elementwise: bool, n: Notation) -> Pieces<'_> {
    if let ([Piece::Expr(e, Slot::Factor)], Notation::Latex) = (factors.as_slice(), n) {
        return smallvec![Piece::Expr(e, Slot::Free)];
    }
    join_factors(factors, elementwise, n)
}

/// `k` when `c = 1/k` exactly for an integer `k > 1`.
fn reciprocal_integer(c: f64) -> Option<f64> {
    let k = 1.0 / c;
    (c > 0.0 && c < 1.0 && k.fract() == 0.0 && k < 1e15 && 1.0 / k == c).then_some(k)
}

/// Evidently matrix-valued (so a product of two of them is elementwise, printed `⊙`).
fn is_matrix(f: &Expr) -> bool {
    matches!(
        split_power(f).0,
        Expr::Transpose(_) | Expr::MatMul(..) | Expr::Diag(_)
    )
}

/// Factors joined by `·` (`⊙` when `elementwise`); in LaTeX by a space, or `\cdot` before a
/// number. An empty list is `1`.
fn join_factors(factors: Pieces<'_>, elementwise: bool, n: Notation) -> Pieces<'_> {
    if factors.is_empty() {
        return smallvec![fixed("1")];
    }
    let mut joined = Pieces::with_capacity(2 * factors.len());
    for (i, f) in factors.into_iter().enumerate() {
        if i > 0 {
            joined.push(match (elementwise, starts_with_digit(&f)) {
                (true, _) => n.pick("⊙", " \\odot "),
                (false, true) => n.pick("·", " \\cdot "),
                (false, false) => n.pick("·", " "),
            });
        }
        joined.push(f);
    }
    joined
}

fn starts_with_digit(piece: &Piece<'_>) -> bool {
    match piece {
        Piece::Text(t) => t.starts_with(|c: char| c.is_ascii_digit()),
        Piece::Expr(e, _) | Piece::Power(e, _) => matches!(split_power(e).0, Expr::Const(_)),
        Piece::Product(..) => false,
    }
}

/// `base^exponent`: a superscript for an integer in text, `^{…}` in LaTeX.
fn layout_power<'e>(base: &'e Expr, exponent: Exponent<'e>, n: Notation) -> Pieces<'e> {
    let base = Piece::Expr(base, Slot::Base);
    let exponent = match exponent {
        Exponent::Number(p) => Ok(p),
        Exponent::Expr(e) => e.as_const().ok_or(e),
    };
    match (n, exponent) {
        (Notation::Text, Ok(p)) if p.fract() == 0.0 && p.abs() < 1e15 => {
            smallvec![base, text(superscript(p))]
        }
        (Notation::Text, Ok(p)) => smallvec![base, text(format!("^{}", number(p, n)))],
        (Notation::Latex, Ok(p)) => smallvec![base, text(format!("^{{{}}}", number(p, n)))],
        (Notation::Text, Err(e)) => {
            smallvec![base, n.pick("^", ""), Piece::Expr(e, Slot::Exponent)]
        }
        (Notation::Latex, Err(e)) => smallvec![
            base,
            n.pick("", "^{"),
            Piece::Expr(e, Slot::Free),
            n.pick("", "}"),
        ],
    }
}

/// `name(args…)`; in text `|u|` for abs, in LaTeX `\sqrt{u}`, `\left|u\right|` and
/// `\tanh(u)`, `\sigma(u)`, `\operatorname{name}(u)`.
fn layout_call<'e>(name: &str, args: &'e [Expr], n: Notation) -> Pieces<'e> {
    let (open, close) = match (name, args.len(), n) {
        ("abs", 1, Notation::Text) => (Cow::Borrowed("|"), "|"),
        ("abs", 1, Notation::Latex) => (Cow::Borrowed("\\left|"), "\\right|"),
        ("sqrt", 1, Notation::Latex) => (Cow::Borrowed("\\sqrt{"), "}"),
        _ => (Cow::Owned(format!("{}(", function_name(name, n))), ")"),
    };
    let mut pieces = smallvec![Piece::Text(open)];
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            pieces.push(fixed(", "));
        }
        pieces.push(Piece::Expr(arg, Slot::Free));
    }
    pieces.push(Piece::Text(Cow::Borrowed(close)));
    pieces
}
