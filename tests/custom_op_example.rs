//! examples/05_custom_op.rs, run as a test: Swish declared from outside the crate records,
//! gradchecks, traces, differentiates symbolically and parses, with the values checked here.

#[allow(dead_code)]
#[path = "../examples/05_custom_op.rs"]
mod example;

use chaintrace::symbolic::Expr;
use chaintrace::{Tape, TraceOptions};
use example::SWISH;

fn sigma(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// swish'(u) = σ(u)·(1 + u·(1 − σ(u))), derived by hand in the example's header.
fn swish_derivative(u: f64) -> f64 {
    sigma(u) * (1.0 + u * (1.0 - sigma(u)))
}

#[test]
fn swish_records_its_value_and_derivative() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.8);
    let y = x.apply_fn(&SWISH);
    assert_eq!(y.value().item(), Some(0.8 * sigma(0.8)));
    let dx = y.backward().wrt(x).unwrap().item().unwrap();
    assert!((dx - swish_derivative(0.8)).abs() < 1e-15, "{dx}");
    // f32 computes in f32, from the same declaration.
    let tape = Tape::<f32>::new();
    let x = tape.var("x", 0.8f32);
    let s = 1.0f32 / (1.0 + (-0.8f32).exp());
    assert_eq!(x.apply_fn(&SWISH).value().item(), Some(0.8f32 * s));
}

#[test]
fn swish_gradchecks_alone_and_in_a_layer() {
    assert!(example::op_gradcheck_passes());
    assert!(example::layer_gradcheck_passes());
}

#[test]
fn swish_formulas_appear_in_traces() {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 0.5);
    let y = (w * 2.0).apply_fn(&SWISH);
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let swish = trace
        .events()
        .iter()
        .map(|e| e.labels())
        .find(|l| l.op == "swish")
        .expect("a swish step");
    assert_eq!(swish.formula, Some("σ(u₂)·(1 + u₂·(1 − σ(u₂)))"));
    assert_eq!(
        Expr::call1("swish", Expr::sym("u")).to_latex(),
        r"\operatorname{swish}(u)"
    );
}

#[test]
fn swish_symbolic_gradient_evaluates_to_the_tapes_number() {
    let (formula, value, tape_value) = example::symbolic_gradient();
    assert_eq!(formula, "x·σ(w·x + b)·(1 + (1 − σ(w·x + b))·(w·x + b))");
    // ∂/∂w swish(w·x + b) = x·swish'(w·x + b) at w = 0.8, x = 1.5, b = −0.2.
    let want = 1.5 * swish_derivative(0.8 * 1.5 - 0.2);
    assert!((value - want).abs() < 1e-14, "{value} vs {want}");
    assert!((tape_value - want).abs() < 1e-14, "{tape_value} vs {want}");
}

#[test]
fn swish_parses_by_its_alias_when_registered() {
    // ∂/∂a silu(a·b) = b·swish'(a·b) = 0.5·swish'(1) at a = 2, b = 0.5.
    let want = 0.5 * swish_derivative(1.0);
    assert!((example::parsed_gradient() - want).abs() < 1e-15);
    let err = chaintrace::expr_lang::parse("silu(x)").unwrap_err();
    assert!(err.message.contains("unknown function `silu`"), "{err}");
}

#[test]
fn swish_formula_evaluates_when_given_its_declaration() {
    let e = Expr::call1("swish", Expr::sym("x"));
    let at = std::collections::BTreeMap::from([("x".to_string(), 1.0)]);
    let err = e.eval(&at).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `eval`: unknown function `swish`"
    );
    assert_eq!(e.eval_with(&at, &[&SWISH]).unwrap(), sigma(1.0));
    // Its alias and its formula's spelling resolve to the same declaration.
    let alias = Expr::call1("silu", Expr::sym("x"));
    assert_eq!(alias.eval_with(&at, &[&SWISH]).unwrap(), sigma(1.0));
}
