//! Declare an elementwise function of your own, from outside the crate, in one place: Swish,
//! `swish(u) = u·σ(u)`. The declaration gives a tape op, its formulas in traces, symbolic
//! gradients that evaluate, a gradient check and a name in the expression language.
//!
//! ```text
//! cargo run --example 05_custom_op
//! ```
//!
//! Its derivative, from the product rule and `σ' = σ·(1 − σ)`:
//! `d swish/du = σ(u) + u·σ(u)·(1 − σ(u)) = σ(u)·(1 + u·(1 − σ(u)))`.

use std::collections::BTreeMap;

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::nn::{Init, Layer, Linear, ParamId, ParamStore, Params, Sequential};
use chaintrace::ops::SIGMOID;
use chaintrace::symbolic::{self, Expr};
use chaintrace::{Float, Tape, Tensor, TraceOptions, Var, expr_lang};

chaintrace::elementwise_fn! {
    /// Swish (also called SiLU), `u·σ(u)`; `d/du = σ(u)·(1 + u·(1 − σ(u)))`.
    pub static SWISH = "swish";
    aliases: ["silu"],
    value: |u| u * SIGMOID.value(u),
    derivative: |u, _y| {
        let s = SIGMOID.value(u);
        s * (T::one() + u * (T::one() - s))
    },
    derivative_formula: |u| {
        let s = Expr::call1("σ", u.clone());
        s.clone() * (Expr::one() + u * (Expr::one() - s))
    },
}

/// An activation layer applying Swish: no parameters.
pub struct SwishLayer;

impl<T: Float> Layer<T> for SwishLayer {
    fn name(&self) -> &str {
        "swish"
    }

    fn params(&self) -> Vec<ParamId> {
        Vec::new()
    }

    fn compute<'t>(&self, _tape: &'t Tape<T>, _p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        x.apply_fn(&SWISH)
    }
}

/// A small model: `swish(x·Wᵀ + b)` with 3 inputs and 2 outputs, seeded.
pub fn model(store: &mut ParamStore<f64>) -> Sequential<f64> {
    let fc = Linear::new(store, "fc", 3, 2, Init::XavierNormal(1.0));
    Sequential::new("net").with(fc).with(SwishLayer)
}

/// One input row for the model.
pub fn input() -> Tensor<f64> {
    Tensor::from_vec(vec![0.5, -1.0, 2.0], &[1, 3])
}

/// The op against central differences on a few points, with the sum of squares on top so
/// every output element matters.
pub fn op_gradcheck_passes() -> bool {
    let x = Tensor::from_vec(vec![-3.0, -0.7, 0.0, 0.4, 2.5], &[5]);
    let report = gradcheck(
        &[x],
        |_tape: &Tape<f64>, v: &[Var<'_, f64>]| v[0].apply_fn(&SWISH),
        GradcheckOptions::default(),
    );
    println!("op:    {report}");
    report.passed()
}

/// The layer inside the model, against central differences in the input and every parameter.
pub fn layer_gradcheck_passes() -> bool {
    let mut store = ParamStore::<f64>::new(0);
    let net = model(&mut store);
    let mut inputs = vec![input()];
    inputs.extend(store.tensors());
    let report = gradcheck(
        &inputs,
        |tape: &Tape<f64>, v: &[Var<'_, f64>]| {
            let p = store.bind_vars(tape, &v[1..]);
            net.forward(tape, &p, v[0]).square().sum()
        },
        GradcheckOptions::default(),
    );
    println!("layer: {report}");
    report.passed()
}

/// A scalar neuron `swish(w·x + b)`: its closed-form gradient in `w` as a formula, that
/// formula's value, and the tape's gradient (the two agree).
pub fn symbolic_gradient() -> (String, f64, f64) {
    let tape = Tape::<f64>::new();
    let (w, x, b) = (tape.var("w", 0.8), tape.var("x", 1.5), tape.var("b", -0.2));
    let y = (w * x + b).apply_fn(&SWISH);
    let formula = symbolic::gradient(y, w).expect("a small graph");
    let at = BTreeMap::from([("w".into(), 0.8), ("x".into(), 1.5), ("b".into(), -0.2)]);
    let value = formula
        .eval_with(&at, &[&SWISH])
        .expect("every symbol has a value");
    let tape_value = y.backward().wrt(w).and_then(|g| g.item()).expect("scalar");
    (formula.to_string(), value, tape_value)
}

/// `silu(a·b)` parsed by a parser that knows Swish, and its gradient in `a` at a = 2, b = 0.5.
pub fn parsed_gradient() -> f64 {
    let program = expr_lang::Parser::new()
        .with_function(&SWISH)
        .parse("silu(a*b)")
        .expect("the parser knows silu");
    let tape = Tape::<f64>::new();
    let values = BTreeMap::from([("a".into(), 2.0), ("b".into(), 0.5)]);
    let built = program.build(&tape, &values).expect("a and b have values");
    let grads = built.output.backward();
    grads
        .wrt(built.leaves[0].1)
        .and_then(|g| g.item())
        .expect("a is used")
}

fn main() {
    // 1. The declaration's formulas.
    let u = Expr::sym("u");
    println!("value:      y = {}", (SWISH.formula)(u.clone()));
    println!("derivative: dy/du = {}", (SWISH.derivative_formula)(u));

    // 2. Gradient checks: the op alone, then inside a layer.
    assert!(op_gradcheck_passes());
    assert!(layer_gradcheck_passes());

    // 3. A trace of the model: each chain-rule step with its formula.
    let mut store = ParamStore::<f64>::new(0);
    let net = model(&mut store);
    let tape = Tape::new();
    let p = store.bind(&tape);
    let loss = net.forward(&tape, &p, tape.constant(input())).sum();
    let (_grads, trace) = loss.backward_traced(TraceOptions::default());
    println!("\nthe trace's steps:");
    for event in trace.events() {
        let labels = event.labels();
        let formula = labels.formula.unwrap_or("—");
        println!(
            "  {:<8} {} → {}: {formula}",
            labels.op, labels.input, labels.output
        );
    }

    // 4. A symbolic gradient through Swish, evaluated, beside the tape's number.
    let (formula, value, tape_value) = symbolic_gradient();
    println!("\n∂y/∂w = {formula}\n      = {value} (the tape: {tape_value})");

    // 5. The expression language, with Swish registered by its alias.
    println!("∂silu(a·b)/∂a at a = 2, b = 0.5: {}", parsed_gradient());
}
