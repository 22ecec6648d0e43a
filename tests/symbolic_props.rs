//! Laws of the canonical form on random trees built from the variants directly (so not
//! already canonical), over the symbols x, y, z with positive values.

use std::collections::BTreeMap;

use chaintrace::symbolic::{self, Expr};
use chaintrace::{Tape, Tensor, Var};

mod symbolic_common;

use proptest::prelude::*;
use proptest::sample::select;
use symbolic_common::*;

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        select(vec![-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]).prop_map(Expr::constant),
        select(vec!["x", "y", "z"]).prop_map(Expr::sym),
    ]
}

/// Raw trees of sums, products, powers, calls, transposes and matrix products (which are
/// plain products on scalars).
fn raw_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        let exponent = prop_oneof![
            select(vec![-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]).prop_map(Expr::constant),
            select(vec!["x", "y"]).prop_map(Expr::sym),
        ];
        let function = select(vec!["tanh", "σ", "exp", "ln", "sqrt", "abs", "relu"]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Expr::Sum),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Expr::Product),
            (inner.clone(), exponent).prop_map(|(b, e)| Expr::Pow(Box::new(b), Box::new(e))),
            (function, inner.clone()).prop_map(|(f, a)| Expr::Call(f.into(), vec![a])),
            inner.clone().prop_map(|a| Expr::Transpose(Box::new(a))),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::MatMul(Box::new(a), Box::new(b))),
        ]
    })
}

fn point() -> impl Strategy<Value = BTreeMap<String, f64>> {
    (0.5..2.0f64, 0.5..2.0f64, 0.5..2.0f64)
        .prop_map(|(x, y, z)| env(&[("x", x), ("y", y), ("z", z)]))
}

/// Equal up to rounding: simplification reassociates sums and products.
fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn simplify_is_idempotent(e in raw_expr()) {
        let once = e.simplify();
        prop_assert_eq!(once.simplify(), once);
    }

    #[test]
    fn simplify_keeps_the_value(e in raw_expr(), at in point()) {
        let before = e.eval(&at).unwrap();
        prop_assume!(before.is_finite());
        let simplified = e.simplify();
        let after = simplified.eval(&at).unwrap();
        prop_assert!(
            same_value(before, after),
            "{} = {} but {} = {}", e, before, simplified, after
        );
    }

    /// The constructors' result does not depend on the order of the operands, nor on the
    /// fast path (two operands) or the general one (more).
    #[test]
    fn canonical_form_ignores_operand_order(a in raw_expr(), b in raw_expr()) {
        let (a, b) = (a.simplify(), b.simplify());
        prop_assert_eq!(a.clone() + b.clone(), b.clone() + a.clone());
        prop_assert_eq!(a.clone() * b.clone(), b.clone() * a.clone());
        let general_sum = Expr::Sum(vec![a.clone(), Expr::zero(), b.clone()]).simplify();
        prop_assert_eq!(a.clone() + b.clone(), general_sum);
        let general_product = Expr::Product(vec![b.clone(), Expr::one(), a.clone()]).simplify();
        prop_assert_eq!(a * b, general_product);
    }

    /// Rendering never fails, and a sum never prints `+ −` or `− −`.
    #[test]
    fn rendering_reads_cleanly(e in raw_expr()) {
        let text = e.simplify().to_string();
        prop_assert!(!text.contains("+ −") && !text.contains("− −"), "{}", text);
        let latex = e.simplify().to_latex();
        prop_assert!(!latex.contains("+ -") && !latex.contains("- -"), "{}", latex);
    }
}

/// A random scalar graph: each step applies an op to earlier nodes (three leaves a, b,
/// c to start with).
#[derive(Debug, Clone)]
enum Step {
    Binary(usize, usize, usize),
    Unary(usize, usize),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (
            0..4usize,
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>()
        )
            .prop_map(|(op, i, j)| Step::Binary(op, i.index(1 << 16), j.index(1 << 16))),
        (0..7usize, any::<prop::sample::Index>())
            .prop_map(|(op, i)| Step::Unary(op, i.index(1 << 16))),
    ];
    prop::collection::vec(step, 1..12)
}

fn record<'t>(tape: &'t Tape<f64>, steps: &[Step]) -> Vec<Var<'t, f64>> {
    let mut vars = vec![tape.var("a", 0.7), tape.var("b", 1.3), tape.var("c", -0.4)];
    for step in steps {
        let pick = |i: usize| vars[i % vars.len()];
        let next = match *step {
            Step::Binary(op, i, j) => {
                let (u, v) = (pick(i), pick(j));
                match op {
                    0 => u + v,
                    1 => u - v,
                    2 => u * v,
                    _ => u / (v.square() + 1.0),
                }
            }
            Step::Unary(op, i) => {
                let u = pick(i);
                match op {
                    0 => u.tanh(),
                    1 => u.sigmoid(),
                    2 => u.relu(),
                    3 => (u * 0.5).exp(),
                    4 => u.square(),
                    5 => u.abs(),
                    _ => -u,
                }
            }
        };
        vars.push(next);
    }
    vars
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The closed form of ∂y/∂leaf, evaluated at the leaves' values, is what backward()
    /// computes, for every leaf.
    #[test]
    fn closed_form_gradients_match_backward(steps in steps()) {
        let tape = Tape::<f64>::new();
        let vars = record(&tape, &steps);
        let y = *vars.last().unwrap();
        let grads = y.backward();
        let values = leaf_values(&tape);
        for &leaf in &vars[..3] {
            let numeric = grads.wrt(leaf).and_then(Tensor::item).unwrap_or(0.0);
            let closed = symbolic::gradient(y, leaf).unwrap();
            let value = closed.eval(&values).unwrap();
            prop_assert!(same_value(value, numeric), "∂y/∂{} = {} = {} but backward gives {}",
                leaf.name().unwrap(), closed, value, numeric);
        }
    }
}
