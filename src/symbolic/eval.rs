//! The value of a scalar expression, by a walk with an explicit stack.

use std::collections::BTreeMap;

use super::Expr;
use super::tree::fold;
use crate::error::{Error, Result};

/// The scalar rule of a known elementwise function (the ones the ops use, by the names their
/// formulas call them).
pub(super) fn elementwise_function(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "tanh" => f64::tanh,
        "σ" | "sigmoid" => |u| 1.0 / (1.0 + (-u).exp()),
        "relu" => |u| if u > 0.0 { u } else { 0.0 },
        // The derivative of relu, 0 at u = 0 as the op's numeric rule.
        "step" => |u| if u > 0.0 { 1.0 } else { 0.0 },
        "exp" => f64::exp,
        "ln" | "log" => f64::ln,
        "sqrt" => f64::sqrt,
        "abs" => f64::abs,
        "sign" => |u| if u == 0.0 { 0.0 } else { u.signum() },
        _ => return None,
    })
}

/// Reductions and reshapes that leave a scalar unchanged.
fn identity_on_scalars(name: &str) -> bool {
    matches!(name, "sum" | "mean" | "reshape")
}

impl Expr {
    /// The value of a scalar expression, with `env` giving each symbol's value.
    ///
    /// Knows the functions the ops use: `tanh`, `σ` (or `sigmoid`), `relu`, `step`, `exp`,
    /// `ln`, `sqrt`, `abs`, `sign`, and `sum`, `mean`, `reshape` (the identity on a scalar).
    /// On scalars a transpose and `diag` are the identity and a matrix product is a product.
    /// Values outside a function's domain give NaN, as the ops do (`ln(−1)`).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use chaintrace::symbolic::Expr;
    /// let w = Expr::sym("w");
    /// let env = BTreeMap::from([("w".to_string(), 1.5)]);
    /// assert_eq!(w.powf(2.0).eval(&env).unwrap(), 2.25);
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming a symbol missing from `env`, or a function this does not know
    /// or called with the wrong number of arguments.
    pub fn eval(&self, env: &BTreeMap<String, f64>) -> Result<f64> {
        fold(self, |e, args| eval_node(e, args.as_slice(), env))
    }
}

/// The value of one node from its children's values `args`.
fn eval_node(e: &Expr, args: &[f64], env: &BTreeMap<String, f64>) -> Result<f64> {
    Ok(match e {
        Expr::Const(c) => c.0,
        Expr::Sym(name) => *env
            .get(name)
            .ok_or_else(|| Error::invalid("eval", format!("no value for the symbol `{name}`")))?,
        Expr::Sum(_) => args.iter().sum(),
        Expr::Product(_) | Expr::MatMul(..) => args.iter().product(),
        Expr::Pow(..) => args[0].powf(args[1]),
        Expr::Transpose(_) | Expr::Diag(_) => args[0],
        Expr::Call(name, _) => call(name, args)?,
    })
}

fn call(name: &str, args: &[f64]) -> Result<f64> {
    let &[u] = args else {
        return Err(Error::invalid(
            "eval",
            format!("`{name}` takes one argument on scalars, not {}", args.len()),
        ));
    };
    if identity_on_scalars(name) {
        return Ok(u);
    }
    let f = elementwise_function(name)
        .ok_or_else(|| Error::invalid("eval", format!("unknown function `{name}`")))?;
    Ok(f(u))
}
