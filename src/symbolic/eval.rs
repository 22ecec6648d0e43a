//! The value of a scalar expression, by a walk with an explicit stack.

use std::collections::BTreeMap;

use super::Expr;
use super::tree::fold;
use crate::error::{Error, Result};
use crate::ops::{ElementwiseFn, builtin_function};

/// Reductions and reshapes that leave a scalar unchanged.
fn identity_on_scalars(name: &str) -> bool {
    matches!(name, "sum" | "mean" | "reshape")
}

impl Expr {
    /// The value of a scalar expression, with `env` giving each symbol's value.
    ///
    /// Knows every built-in elementwise function ([`BUILTIN_FUNCTIONS`](crate::ops::BUILTIN_FUNCTIONS):
    /// `tanh`, `σ` (or `sigmoid`), `relu`, `step`, `exp`, `ln` (or `log`), `sqrt`, `abs`,
    /// `sign`, `square`) by any of its names, with the same value rule as its op, and `sum`,
    /// `mean`, `reshape` (the identity on a scalar). On scalars a transpose and `diag` are the
    /// identity and a matrix product is a product. Values outside a function's domain give NaN,
    /// as the ops do (`ln(−1)`). For functions declared outside the crate, see
    /// [`Expr::eval_with`].
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
        self.eval_with(env, &[])
    }

    /// [`Expr::eval`], knowing also `functions`: elementwise functions declared with
    /// [`elementwise_fn!`](crate::elementwise_fn), found by name, alias or spelling (a
    /// built-in of the same name comes first).
    ///
    /// A formula names its functions (that is what a trace file stores), so a function declared
    /// outside the crate is evaluated by handing its declaration here.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use chaintrace::symbolic::Expr;
    /// chaintrace::elementwise_fn! {
    ///     /// `u³`.
    ///     static CUBE = "cube";
    ///     value: |u| u * u * u,
    ///     derivative: |u, _y| T::from_f64(3.0) * u * u,
    ///     derivative_formula: |u| Expr::constant(3.0) * u.powf(2.0),
    /// }
    /// let e = Expr::call1("cube", Expr::sym("x"));
    /// let env = BTreeMap::from([("x".to_string(), 2.0)]);
    /// assert!(e.eval(&env).is_err());
    /// assert_eq!(e.eval_with(&env, &[&CUBE]).unwrap(), 8.0);
    /// ```
    ///
    /// # Errors
    /// As [`Expr::eval`].
    pub fn eval_with(
        &self,
        env: &BTreeMap<String, f64>,
        functions: &[&ElementwiseFn],
    ) -> Result<f64> {
        fold(self, |e, args| {
            eval_node(e, args.as_slice(), env, functions)
        })
    }
}

/// The value of one node from its children's values `args`.
fn eval_node(
    e: &Expr,
    args: &[f64],
    env: &BTreeMap<String, f64>,
    functions: &[&ElementwiseFn],
) -> Result<f64> {
    Ok(match e {
        Expr::Const(c) => c.0,
        Expr::Sym(name) => *env
            .get(name)
            .ok_or_else(|| Error::invalid("eval", format!("no value for the symbol `{name}`")))?,
        Expr::Sum(_) => args.iter().sum(),
        Expr::Product(_) | Expr::MatMul(..) => args.iter().product(),
        Expr::Pow(..) => args[0].powf(args[1]),
        Expr::Transpose(_) | Expr::Diag(_) => args[0],
        Expr::Call(name, _) => call(name, args, functions)?,
    })
}

fn call(name: &str, args: &[f64], functions: &[&ElementwiseFn]) -> Result<f64> {
    let &[u] = args else {
        return Err(Error::invalid(
            "eval",
            format!("`{name}` takes one argument on scalars, not {}", args.len()),
        ));
    };
    if identity_on_scalars(name) {
        return Ok(u);
    }
    let f = builtin_function(name)
        .or_else(|| functions.iter().copied().find(|f| f.is_called(name)))
        .ok_or_else(|| Error::invalid("eval", format!("unknown function `{name}`")))?;
    Ok(f.value(u))
}
