//! Lowering a formula to tape ops: how an elementwise function's declared derivative becomes
//! part of a recorded backward pass ([`grad`](crate::grad)).
//!
//! An [`ElementwiseFn`] states its derivative twice by design: as numbers (`derivative`, fused
//! into one loop for `backward`) and as a formula (`derivative_formula`, which the tracer
//! prints). `grad` records the formula, so what a student reads in a trace is exactly what is
//! differentiated a second time; the two statements are checked against each other for every
//! built-in, and by `gradgradcheck` for any function.

use super::Expr;
use super::tree::fold;
use crate::error::{Error, Result};
use crate::ops::{ElementwiseFn, builtin_function};
use crate::tape::Var;
use crate::tensor::Float;

/// The placeholder the input stands for while the formula is built.
const INPUT: &str = "\u{0}u";

/// A lowered subformula: a plain number (kept as one until it meets a var, so no constant
/// node is recorded for it) or a var.
#[derive(Clone, Copy)]
enum Lowered<'t, T: Float> {
    Number(f64),
    Var(Var<'t, T>),
}

/// `f′(u)` recorded on `u`'s tape from `f`'s derivative formula, where `y = f(u)` is the node
/// already recorded (a `f(u)` inside the formula reads it rather than computing it again).
///
/// # Errors
/// [`Error::Invalid`] when the formula uses something that has no tape op: a symbol other than
/// the input, a function that is neither built in nor `f` itself, or a matrix form.
pub(crate) fn derivative_on_tape<'t, T: Float>(
    f: &'static ElementwiseFn,
    u: Var<'t, T>,
    y: Var<'t, T>,
) -> Result<Var<'t, T>> {
    let formula = (f.derivative_formula)(Expr::sym(INPUT));
    let tape = u.tape();
    let lowered = fold(&formula, |e, args| {
        let args: Vec<Lowered<'t, T>> = args.collect();
        lower_node(f, e, &args, u, y)
    })?;
    Ok(match lowered {
        Lowered::Var(d) => d,
        Lowered::Number(c) => tape.constant(T::from_f64(c)),
    })
}

fn lower_node<'t, T: Float>(
    f: &'static ElementwiseFn,
    e: &Expr,
    args: &[Lowered<'t, T>],
    u: Var<'t, T>,
    y: Var<'t, T>,
) -> Result<Lowered<'t, T>> {
    let unsupported = |what: String| {
        Error::invalid(
            "grad",
            format!(
                "the derivative formula of `{}` uses {what}, which has no tape op",
                f.name
            ),
        )
    };
    Ok(match e {
        Expr::Const(c) => Lowered::Number(c.0),
        Expr::Sym(name) if name == INPUT => Lowered::Var(u),
        Expr::Sym(name) => return Err(unsupported(format!("the symbol `{name}`"))),
        Expr::Sum(_) => fold_pairs(args, 0.0, |a, b| a + b, |a, b| a + b, |v, c| v + c),
        Expr::Product(_) => fold_pairs(args, 1.0, |a, b| a * b, |a, b| a * b, |v, c| v * c),
        Expr::Pow(..) => match (args[0], args[1]) {
            (Lowered::Number(a), Lowered::Number(p)) => Lowered::Number(a.powf(p)),
            // Small whole powers as products: `1 − tanh²` lowers to `1 − y·y`, whose own
            // derivative is then a product too, not a call to `pow` per element.
            (Lowered::Var(a), Lowered::Number(1.0)) => Lowered::Var(a),
            (Lowered::Var(a), Lowered::Number(2.0)) => Lowered::Var(a * a),
            (Lowered::Var(a), Lowered::Number(p)) => Lowered::Var(a.powf(p)),
            (base, Lowered::Var(p)) => {
                let base = var_of(base, u);
                Lowered::Var((p * base.ln()).exp()) // a^p = exp(p·ln a)
            }
        },
        Expr::Call(name, xs) if f.is_called(name) && is_input(xs) => Lowered::Var(y),
        Expr::Call(name, _) => {
            let g = builtin_function(name)
                .or(f.is_called(name).then_some(f))
                .ok_or_else(|| unsupported(format!("the function `{name}`")))?;
            match args {
                [Lowered::Number(c)] => Lowered::Number(g.value(*c)),
                [Lowered::Var(v)] => Lowered::Var(v.apply_fn(g)),
                _ => {
                    return Err(unsupported(format!(
                        "`{name}` with {} arguments",
                        args.len()
                    )));
                }
            }
        }
        Expr::Transpose(_) | Expr::MatMul(..) | Expr::Diag(_) => {
            return Err(unsupported("a matrix form".into()));
        }
    })
}

fn is_input(xs: &[Expr]) -> bool {
    matches!(xs, [Expr::Sym(name)] if name == INPUT)
}

/// A number as a constant on `like`'s tape, or the var itself.
fn var_of<'t, T: Float>(x: Lowered<'t, T>, like: Var<'t, T>) -> Var<'t, T> {
    match x {
        Lowered::Var(v) => v,
        Lowered::Number(c) => like.tape().constant(T::from_f64(c)),
    }
}

/// Combines the terms of a sum or the factors of a product left to right, keeping numbers
/// as numbers for as long as they meet only numbers; `empty` is the value of none.
fn fold_pairs<'t, T: Float>(
    args: &[Lowered<'t, T>],
    empty: f64,
    numbers: impl Fn(f64, f64) -> f64,
    vars: impl Fn(Var<'t, T>, Var<'t, T>) -> Var<'t, T>,
    mixed: impl Fn(Var<'t, T>, T) -> Var<'t, T>,
) -> Lowered<'t, T> {
    let Some((&first, rest)) = args.split_first() else {
        return Lowered::Number(empty); // an empty sum (0) or product (1)
    };
    let mut acc = first;
    for &next in rest {
        acc = match (acc, next) {
            (Lowered::Number(a), Lowered::Number(b)) => Lowered::Number(numbers(a, b)),
            (Lowered::Var(a), Lowered::Var(b)) => Lowered::Var(vars(a, b)),
            (Lowered::Var(v), Lowered::Number(c)) | (Lowered::Number(c), Lowered::Var(v)) => {
                Lowered::Var(mixed(v, T::from_f64(c)))
            }
        };
    }
    acc
}
