//! A parser that knows functions declared outside the crate.

use super::{ParseError, Program, parser};
use crate::ops::ElementwiseFn;

/// Parses the language with more functions than the built-ins: each registered
/// [`ElementwiseFn`] is called by its name (or an alias) and recorded as its op.
///
/// [`parse`](super::parse) is `Parser::new().parse`. A registered function with the name of a
/// built-in does not replace it.
///
/// ```
/// use std::collections::BTreeMap;
/// use chaintrace::symbolic::Expr;
/// use chaintrace::{Tape, expr_lang};
///
/// chaintrace::elementwise_fn! {
///     /// `u³`; `d(u³)/du = 3u²`.
///     static CUBE = "cube";
///     value: |u| u * u * u,
///     derivative: |u, _y| T::from_f64(3.0) * u * u,
///     derivative_formula: |u| Expr::constant(3.0) * u.powf(2.0),
/// }
///
/// assert!(expr_lang::parse("cube(x)").is_err());
/// let program = expr_lang::Parser::new().with_function(&CUBE).parse("cube(x) + 1").unwrap();
/// let tape = Tape::<f64>::new();
/// let built = program.build(&tape, &BTreeMap::from([("x".into(), 2.0)])).unwrap();
/// assert_eq!(built.output.value().item(), Some(9.0));
/// let dx = built.output.backward().wrt(built.leaves[0].1).unwrap().item();
/// assert_eq!(dx, Some(12.0));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Parser {
    functions: Vec<&'static ElementwiseFn>,
}

impl Parser {
    /// A parser that knows the built-in functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also knows `function`, by its name and aliases.
    #[must_use]
    pub fn with_function(mut self, function: &'static ElementwiseFn) -> Self {
        self.functions.push(function);
        self
    }

    /// The registered functions, in the order they were added.
    pub fn functions(&self) -> &[&'static ElementwiseFn] {
        &self.functions
    }

    /// Parses an expression (as [`parse`](super::parse), with the registered functions).
    ///
    /// # Errors
    /// As [`parse`](super::parse); an unknown function's message lists the registered names
    /// after the built-ins.
    pub fn parse(&self, source: &str) -> Result<Program, ParseError> {
        parser::parse(source, &self.functions)
    }
}
