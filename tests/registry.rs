//! The one registry of elementwise functions: every consumer (formulas, spelling, `eval`,
//! the expression language) reads the same declaration, whatever name a function is called by.

use std::collections::BTreeMap;

use chaintrace::expr_lang::{self, Function, Parser};
use chaintrace::ops::{BUILTIN_FUNCTIONS, ElementwiseFn, LN, Op, SIGMOID, SIN, SQRT, TANH};
use chaintrace::symbolic::Expr;
use chaintrace::{Result, Tape, Tensor, TraceOptions};

fn u() -> Expr {
    Expr::sym("u")
}

fn at(x: f64) -> BTreeMap<String, f64> {
    BTreeMap::from([("u".to_string(), x)])
}

/// A function's aliases resolve to its one declaration: `sigmoid(u)` is `σ(u)` (equal, and
/// printed alike in text and LaTeX), `log(u)` is `ln(u)`.
#[test]
fn aliases_resolve_to_one_canonical_spelling() {
    let sigmoid = Expr::call1("sigmoid", u());
    assert_eq!(sigmoid, Expr::call1("σ", u()));
    assert_eq!(sigmoid.to_string(), "σ(u)");
    assert_eq!(sigmoid.to_latex(), r"\sigma(u)");
    // Built from the variant directly (not canonical), it still prints as the built-in.
    let raw = Expr::Call("sigmoid".into(), vec![u()]);
    assert_eq!(raw.to_string(), "σ(u)");
    assert_eq!(raw.simplify(), Expr::call1("σ", u()));
    assert_eq!(Expr::call1("log", u()).to_string(), "ln(u)");
    assert_eq!(Expr::call1("log", u()).to_latex(), r"\ln(u)");
    // A name outside the registry is printed as written.
    assert_eq!(
        Expr::call1("softplus", u()).to_latex(),
        r"\operatorname{softplus}(u)"
    );
    assert_eq!(Expr::call1("sin", u()).to_latex(), r"\sin(u)");
}

/// A custom op (the general `Op` trait) whose formula spells `"sigmoid"` traces as `σ`, like
/// the built-in.
#[test]
fn a_custom_op_spelling_sigmoid_traces_as_sigma() {
    #[derive(Debug)]
    struct Gate;
    impl Op<f64> for Gate {
        fn name(&self) -> &'static str {
            "gate"
        }
        fn forward(&self, x: &[&Tensor<f64>]) -> Result<Tensor<f64>> {
            Ok(x[0].map(|u| SIGMOID.value(u)))
        }
        fn vjp(
            &self,
            _: usize,
            _: &[&Tensor<f64>],
            y: &Tensor<f64>,
            g: &Tensor<f64>,
        ) -> Tensor<f64> {
            g * &y.map(|y| y * (1.0 - y))
        }
        fn symbolic(&self, x: &[Expr]) -> Expr {
            Expr::call1("sigmoid", x[0].clone())
        }
        fn local_derivative(&self, _: usize, x: &[Expr]) -> Expr {
            let s = Expr::call1("sigmoid", x[0].clone());
            s.clone() * (Expr::one() - s)
        }
    }
    let trace_formula = |custom: bool| {
        let tape = Tape::<f64>::new();
        let w = tape.var("w", 0.3);
        let y = if custom {
            tape.apply(Gate, &[w * 2.0])
        } else {
            (w * 2.0).sigmoid()
        };
        let (_, trace) = y.backward_traced(TraceOptions::default());
        let event = trace
            .events()
            .first()
            .expect("the sigmoid step comes first");
        event.labels().formula.map(str::to_string)
    };
    assert_eq!(trace_formula(true).as_deref(), Some("σ(u₂)·(1 − σ(u₂))"));
    assert_eq!(trace_formula(true), trace_formula(false));
}

/// `Expr::eval` knows every built-in by every one of its names, with the op's own value rule
/// (a NaN stays NaN, as in the op).
#[test]
fn eval_knows_every_builtin_by_every_name() {
    for f in BUILTIN_FUNCTIONS {
        let names = [f.name, f.spelling]
            .into_iter()
            .chain(f.aliases.iter().copied());
        for name in names {
            for x in [-1.5, 0.0, 0.5, 2.0] {
                let got = Expr::Call(name.into(), vec![u()]).eval(&at(x)).unwrap();
                let want = f.value(x);
                assert!(got.to_bits() == want.to_bits() || got.is_nan() && want.is_nan());
            }
            let nan = Expr::Call(name.into(), vec![u()])
                .eval(&at(f64::NAN))
                .unwrap();
            assert!(nan.is_nan(), "{name}(NaN) = {nan}");
        }
    }
}

/// Each declaration's names are unique across the registry, and the `f32` rule is the same
/// expression as the `f64` one, computed in `f32` (except where a declaration gives its own
/// `value_f32`: `tanh`'s is the vectorisable kernel `ops::tanh_f32`).
#[test]
fn declarations_are_distinct_and_typed() {
    let mut names: Vec<&str> = BUILTIN_FUNCTIONS
        .iter()
        .flat_map(|f| {
            [f.name, f.spelling]
                .into_iter()
                .chain(f.aliases.iter().copied())
        })
        .collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    // `name` and `spelling` coincide for all but σ.
    assert_eq!(before - names.len(), BUILTIN_FUNCTIONS.len() - 1);
    // (`black_box`: a constant `tanh` may be folded at compile time, rounded otherwise.)
    let x = std::hint::black_box(0.3f32);
    assert_eq!(SIN.value(x).to_bits(), x.sin().to_bits());
    assert_eq!(
        TANH.value(x).to_bits(),
        chaintrace::ops::tanh_f32(x).to_bits()
    );
    assert_eq!(TANH.value(f64::from(x)), f64::from(x).tanh());
    assert_eq!(SQRT.derivative(4.0f32, 2.0f32), 0.25f32);
    assert!(LN.value(-1.0f64).is_nan());
}

/// The expression language's built-in names are the declarations' names and aliases, in
/// order; a parser with a registered function knows it too.
#[test]
fn the_language_reads_the_registry() {
    let declared: Vec<&str> = Function::BUILTIN
        .iter()
        .flat_map(|f| {
            let d = f.declaration();
            std::iter::once(d.name).chain(d.aliases.iter().copied())
        })
        .collect();
    assert_eq!(declared, Function::NAMES);
    for name in Function::NAMES {
        let f = Function::from_name(name).expect("a built-in");
        assert!(BUILTIN_FUNCTIONS.contains(&f.declaration()));
    }
    assert_eq!(Function::from_name("σ"), None);
    assert_eq!(Function::from_name("step"), None);
}

chaintrace::elementwise_fn! {
    /// `softplus(u) = ln(1 + eᵘ)`; `d/du = σ(u)`.
    static SOFTPLUS = "softplus";
    value: |u| (T::one() + u.exp()).ln(),
    derivative: |u, _y| SIGMOID.value(u),
    derivative_formula: |u| Expr::call1("σ", u),
}

#[test]
fn a_registered_function_parses_records_and_evaluates() {
    let parser = Parser::new().with_function(&SOFTPLUS);
    assert_eq!(parser.functions(), [&SOFTPLUS as &ElementwiseFn]);
    let program = parser.parse("softplus(2*x) + tanh(x)").unwrap();
    let tape = Tape::<f64>::new();
    let built = program
        .build(&tape, &BTreeMap::from([("x".into(), 0.5)]))
        .unwrap();
    let want = (1.0 + 1f64.exp()).ln() + 0.5f64.tanh();
    assert!((built.output.value().item().unwrap() - want).abs() < 1e-15);
    // d/dx = 2σ(2x) + 1 − tanh(x)² at x = 0.5.
    let dx = built
        .output
        .backward()
        .wrt(built.leaves[0].1)
        .unwrap()
        .item()
        .unwrap();
    let want = 2.0 * SIGMOID.value(1.0) + 1.0 - 0.5f64.tanh().powi(2);
    assert!((dx - want).abs() < 1e-15, "{dx} vs {want}");
    // A constant exponent is evaluated through the declaration: x^ln 2, recorded as powf.
    let program = parser.parse("x^softplus(0)").unwrap();
    let tape = Tape::<f64>::new();
    let built = program
        .build(&tape, &BTreeMap::from([("x".into(), 2.0)]))
        .unwrap();
    assert_eq!(built.output.value().item(), Some(2f64.powf(2f64.ln())));
    assert_eq!(
        tape.nodes().last().unwrap().op_label(),
        format!("powf({})", 2f64.ln())
    );
    // Unknown names list the registered ones after the built-ins.
    let err = parser.parse("softmax(x)").unwrap_err();
    assert_eq!(
        err.message,
        "unknown function `softmax` (known: tanh, sigmoid, relu, exp, ln, log, sqrt, abs, \
         square, softplus)"
    );
    let err = parser.parse("softplus + 1").unwrap_err();
    assert!(
        err.message.contains("needs its argument in parentheses"),
        "{err:?}"
    );
    // The plain entry point is unchanged.
    let err = expr_lang::parse("softplus(x)").unwrap_err();
    assert!(
        err.message
            .starts_with("unknown function `softplus` (known: tanh")
    );
}
