//! Closed forms at the size limits: doubling expressions refused, the deepest expression on
//! a small stack, chains 2,000 ops long.

use chaintrace::symbolic::{self, Expr, MAX_EXPR_DEPTH};
use chaintrace::{Tape, Var};

mod symbolic_common;

use symbolic_common::*;

/// h = h + tanh(h) repeated writes h out twice per step: the closed form doubles each time,
/// so past a size it is refused with a clear error instead of exhausting memory.
#[test]
fn closed_forms_that_double_with_each_layer_are_refused() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.5);
    let mut h = x;
    for _ in 0..40 {
        h = h + h.tanh();
    }
    let err = symbolic::gradient(h, x).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("invalid argument to `symbolic`: the forward expression of node")
            && message.ends_with("nodes, more than 100000: too large a closed form to build"),
        "{message}"
    );
}

/// An expression nested as deep as the tape functions build (MAX_EXPR_DEPTH levels) can be
/// printed, evaluated, simplified, copied, compared, hashed and dropped on a 1 MiB stack:
/// everything walks it with explicit stacks (tests/symbolic_deep.rs goes a million levels deep).
#[test]
fn deepest_expression_needs_little_stack() {
    let run = || {
        let mut e = sym("x");
        for i in 0..MAX_EXPR_DEPTH - 1 {
            e = if i % 2 == 0 {
                Expr::call1("σ", e)
            } else {
                Expr::call1("tanh", e)
            };
        }
        assert_eq!(e.depth(), MAX_EXPR_DEPTH);
        assert_eq!(e.node_count(), MAX_EXPR_DEPTH);
        // 4,999 calls alternating from σ(x) outwards: σ(tanh(σ(…σ(x)…))).
        let calls = MAX_EXPR_DEPTH - 1;
        let expected = "σ(tanh(".repeat(calls / 2) + "σ(x" + &")".repeat(calls);
        assert_eq!(e.to_string(), expected);
        assert!(e.to_latex().starts_with(r"\sigma(\tanh(\sigma("));
        let value = e.eval(&env(&[("x", 0.5)])).unwrap();
        // σ maps into (0.5, 0.74) for positive input, and then σ(tanh(·)) stays above 0.5.
        assert!(
            value > 0.5 && value < 0.75,
            "σ(…) of a small positive number: {value}"
        );
        let copy = e.clone();
        assert_eq!(copy, e);
        assert_eq!(e.simplify(), e);
        assert_eq!(copy.cmp(&e), std::cmp::Ordering::Equal);
        let mut set = std::collections::HashSet::new();
        set.insert(copy);
        assert!(set.contains(&e));
        let deeper = Expr::call1("tanh", e.clone());
        assert_ne!(
            deeper.cmp(&e),
            std::cmp::Ordering::Equal,
            "ordering a deep tree terminates"
        );
        assert_eq!(e.clone() * e.clone(), e.clone().powf(2.0));
    };
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .expect("no stack overflow");
}

/// Chains 2,000 ops long (below MAX_SYMBOLIC_NODES): flattening keeps products of 2,000
/// factors two levels deep; a 2,000-deep tanh chain nests 2,001 levels, and its gradient (a
/// product of 2,000 ever deeper factors, millions of nodes) is refused cleanly.
#[test]
fn two_thousand_deep_chains() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let w = tape.var("w", 1.0005);
    let mut y = x;
    for _ in 0..2000 {
        y = w * y;
    }
    let dy_dx = symbolic::gradient(y, x).unwrap();
    assert_eq!(dy_dx.to_string(), "w²⁰⁰⁰");
    assert_close(
        dy_dx.eval(&leaf_values(&tape)).unwrap(),
        numeric_gradient(y, x),
        1e-12,
    );

    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let weights: Vec<Var<'_, f64>> = (1..=2000)
        .map(|i| tape.var(&format!("w{i}"), 1.0 + f64::from(i % 7) / 10_000.0))
        .collect();
    let mut y = x;
    for &w in &weights {
        y = w * y;
    }
    let dy_dx = symbolic::gradient(y, x).unwrap();
    assert_eq!((dy_dx.depth(), dy_dx.node_count()), (2, 2001));
    let text = dy_dx.to_string();
    assert!(text.starts_with("w₁·w₂·w₃·") && text.ends_with("·w₁₉₉₉·w₂₀₀₀"));
    assert_close(
        dy_dx.eval(&leaf_values(&tape)).unwrap(),
        numeric_gradient(y, x),
        1e-12,
    );
    drop(dy_dx);

    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.5);
    let mut y = x;
    for _ in 0..2000 {
        y = y.tanh();
    }
    let forward = symbolic::forward_expressions(&tape, y.id()).unwrap();
    let top = forward.last().unwrap();
    assert_eq!(top.depth(), 2001);
    assert!(top.to_string().starts_with("tanh(tanh("));
    assert_close(
        top.eval(&leaf_values(&tape)).unwrap(),
        y.value().item().unwrap(),
        1e-12,
    );
    drop(forward);
    let err = symbolic::gradient(y, x).unwrap_err();
    assert!(err.to_string().contains("too large a closed form"), "{err}");
}
