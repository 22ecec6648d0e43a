//! A parsed [`Program`] and how it is recorded on a tape.

use std::collections::BTreeMap;

use super::{Ast, AstKind, BinaryOp, ParseError, Span, UnaryOp, quote};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A parsed expression: its nodes in post-order (children before parents, the root last), so
/// building it on a tape is one loop and no walk over it recurses.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub(super) nodes: Vec<Ast>,
    pub(super) source: String,
}

/// An expression recorded on a tape: its output and its variables' leaves.
#[derive(Clone, Debug)]
pub struct Built<'t, T: Float> {
    /// The expression's value.
    pub output: Var<'t, T>,
    /// One leaf per variable, named after it, in order of first appearance.
    pub leaves: Vec<(String, Var<'t, T>)>,
}

impl Program {
    /// The nodes in post-order; the root is the last.
    pub fn nodes(&self) -> &[Ast] {
        &self.nodes
    }

    /// The text this program was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The distinct variables in order of first appearance, each with its first occurrence.
    pub fn variables(&self) -> Vec<(&str, Span)> {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for node in &self.nodes {
            if let AstKind::Variable(name) = &node.kind
                && !seen.iter().any(|(n, _)| n == name)
            {
                seen.push((name, node.span));
            }
        }
        seen
    }

    /// Records the expression on `tape`, with one leaf per variable valued from `values`.
    ///
    /// # Errors
    /// A [`ParseError`] at the first occurrence of a variable that has no value.
    pub fn build<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        values: &BTreeMap<String, f64>,
    ) -> Result<Built<'t, T>, ParseError> {
        let mut leaves = Vec::new();
        for (name, span) in self.variables() {
            let value = values.get(name).ok_or_else(|| {
                ParseError::new(
                    format!("no value given for variable `{}`", quote(name)),
                    span,
                )
            })?;
            leaves.push((name.to_string(), tape.var(name, T::from_f64(*value))));
        }
        let vars: Vec<Var<'t, T>> = leaves.iter().map(|(_, v)| *v).collect();
        let output = self.build_on(tape, &vars);
        Ok(Built { output, leaves })
    }

    /// Records the expression on `tape` with the given vars for its variables (in the order of
    /// [`Program::variables`]); this is how a gradient check feeds its own leaves in.
    ///
    /// # Panics
    /// If `leaves` does not hold exactly one var per variable.
    pub fn build_on<'t, T: Float>(&self, tape: &'t Tape<T>, leaves: &[Var<'t, T>]) -> Var<'t, T> {
        let variables = self.variables();
        assert_eq!(
            leaves.len(),
            variables.len(),
            "build_on needs one var per variable ({variables:?})"
        );
        let constants = self.constant_values();
        let needed = self.needed(&constants);
        let mut vars: Vec<Option<Var<'t, T>>> = vec![None; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            let get = |j: usize| vars[j].expect("children are built first");
            vars[i] = Some(match &node.kind {
                AstKind::Number(x) => tape.constant(T::from_f64(*x)),
                AstKind::Variable(name) => {
                    let k = variables.iter().position(|(n, _)| n == name);
                    leaves[k.expect("a listed variable")]
                }
                AstKind::Unary(UnaryOp::Neg, a) => -get(*a),
                AstKind::Unary(UnaryOp::Plus, a) => get(*a),
                AstKind::Call(f, a) => f.record(get(*a)),
                AstKind::Binary(BinaryOp::Pow, a, b) => match constants[*b] {
                    Some(p) => get(*a).powf(p),
                    // a^b = exp(b·ln a)
                    None => (get(*b) * get(*a).ln()).exp(),
                },
                AstKind::Binary(op, a, b) => binary(*op, get(*a), get(*b)),
            });
        }
        vars.pop().flatten().expect("the root is built")
    }

    /// The value of every variable-free subexpression (used to fold constant exponents).
    fn constant_values(&self) -> Vec<Option<f64>> {
        let mut values: Vec<Option<f64>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let value = match &node.kind {
                AstKind::Number(x) => Some(*x),
                AstKind::Variable(_) => None,
                AstKind::Unary(UnaryOp::Neg, a) => values[*a].map(|x| -x),
                AstKind::Unary(UnaryOp::Plus, a) => values[*a],
                AstKind::Call(f, a) => values[*a].map(|x| f.eval(x)),
                AstKind::Binary(op, a, b) => match (values[*a], values[*b]) {
                    (Some(x), Some(y)) => Some(op.eval(x, y)),
                    _ => None,
                },
            };
            values.push(value);
        }
        values
    }

    /// Which nodes the tape needs: all but the insides of a folded constant exponent.
    fn needed(&self, constants: &[Option<f64>]) -> Vec<bool> {
        let mut needed = vec![false; self.nodes.len()];
        if let Some(root) = needed.last_mut() {
            *root = true;
        }
        for i in (0..self.nodes.len()).rev() {
            if !needed[i] {
                continue;
            }
            match &self.nodes[i].kind {
                AstKind::Number(_) | AstKind::Variable(_) => {}
                AstKind::Unary(_, a) | AstKind::Call(_, a) => needed[*a] = true,
                AstKind::Binary(BinaryOp::Pow, a, b) => {
                    needed[*a] = true;
                    needed[*b] = constants[*b].is_none();
                }
                AstKind::Binary(_, a, b) => {
                    needed[*a] = true;
                    needed[*b] = true;
                }
            }
        }
        needed
    }
}

fn binary<'t, T: Float>(op: BinaryOp, a: Var<'t, T>, b: Var<'t, T>) -> Var<'t, T> {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => unreachable!("pow is recorded by the caller"),
    }
}
