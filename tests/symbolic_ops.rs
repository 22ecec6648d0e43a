//! The ops' formulas: each evaluates to the op's numbers, and reads as in a textbook.

use chaintrace::Tensor;
use chaintrace::ops::{self, BUILTIN_FUNCTIONS, ElementwiseFn, ElementwiseOp, Op};
use chaintrace::symbolic::Expr;

mod symbolic_common;

use symbolic_common::*;

/// Whether `op`'s formulas, evaluated at `point` (knowing `functions`), equal its numbers
/// there: the forward formula its value, and `local_derivative` and `vjp_symbolic` its
/// vector-Jacobian product. An error says which one differs.
fn formulas_agree(
    op: &dyn Op<f64>,
    point: &[f64],
    functions: &[&ElementwiseFn],
) -> Result<(), String> {
    let names = ["u", "v"];
    let upstream = 0.7;
    let tensors: Vec<Tensor<f64>> = point.iter().map(|&p| Tensor::scalar(p)).collect();
    let inputs: Vec<&Tensor<f64>> = tensors.iter().collect();
    let output = op.forward(&inputs).unwrap();
    let exprs: Vec<Expr> = names[..point.len()].iter().map(|n| sym(n)).collect();
    let mut values = env(&[("g", upstream)]);
    values.extend(names.iter().zip(point).map(|(n, &p)| (n.to_string(), p)));
    let label = op.label();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * 1f64.max(b.abs());
    let eval = |e: &Expr| e.eval_with(&values, functions).map_err(|e| e.to_string());
    let formula = op.symbolic(&exprs);
    let value = eval(&formula)?;
    if !close(value, output.item().unwrap()) {
        return Err(format!(
            "{label} at {point:?}: {formula} = {value}, op gives {output}"
        ));
    }
    for slot in 0..point.len() {
        let numeric = op
            .vjp(slot, &inputs, &output, &Tensor::scalar(upstream))
            .item()
            .unwrap();
        let vjp = op.vjp_symbolic(slot, &exprs, &sym("g"));
        let local = op.local_derivative(slot, &exprs);
        let from_vjp = eval(&vjp)?;
        let from_local = upstream * eval(&local)?;
        if !(close(from_vjp, numeric) && close(from_local, numeric)) {
            return Err(format!(
                "{label} at {point:?} slot {slot}: vjp {vjp} = {from_vjp}, \
                 local {local} → {from_local}, numeric {numeric}"
            ));
        }
    }
    Ok(())
}

/// Points on both sides of zero and away from every built-in's kinks and domain edges.
const POINTS: [f64; 4] = [-1.7, -0.6, 0.7, 2.5];

/// Every registered built-in function, read from the registry so none can escape: its
/// formulas evaluate to its numbers, through the op `x.apply_fn(&F)` records. Where the
/// function is undefined (ln, sqrt of a negative), both sides are NaN.
#[test]
fn every_builtin_function_formula_matches_its_numeric_vjp() {
    for f in BUILTIN_FUNCTIONS {
        for u in POINTS {
            let op = ElementwiseOp(f);
            let defined = f.value(u).is_finite();
            match formulas_agree(&op, &[u], &[]) {
                Ok(()) => {}
                Err(e) => assert!(!defined && e.contains("NaN"), "{e}"),
            }
        }
    }
}

/// The other scalar ops, by hand: arithmetic and the power with a constant exponent.
#[test]
fn every_scalar_op_formula_matches_its_numeric_vjp() {
    let cases: Vec<(Box<dyn Op<f64>>, Vec<f64>)> = vec![
        (Box::new(ops::Add), vec![1.3, -0.4]),
        (Box::new(ops::Sub), vec![1.3, -0.4]),
        (Box::new(ops::Mul), vec![1.3, -0.4]),
        (Box::new(ops::Div), vec![1.3, -0.4]),
        (Box::new(ops::Neg), vec![1.3]),
        (Box::new(ops::Tanh), vec![0.7]),
        (Box::new(ops::Sigmoid), vec![-0.6]),
        (Box::new(ops::Relu), vec![-0.9]),
        (Box::new(ops::Abs), vec![-1.7]),
        (Box::new(ops::Powf(3.0)), vec![1.2]),
        (Box::new(ops::Powf(-1.5)), vec![1.2]),
        (Box::new(ops::Powf(0.5)), vec![1.2]),
    ];
    for (op, point) in cases {
        formulas_agree(op.as_ref(), &point, &[]).unwrap();
    }
}

/// The negative control: a declaration whose derivative formula disagrees with its numeric
/// derivative (`2u` for `u³`) fails the same check, and a formula calling a function the
/// evaluator is not given is an error, not a number.
#[test]
fn a_wrong_derivative_formula_is_caught() {
    chaintrace::elementwise_fn! {
        /// `u³` with the wrong derivative formula.
        static BAD_CUBE = "bad_cube";
        value: |u| u * u * u,
        derivative: |u, _y| T::from_f64(3.0) * u * u,
        derivative_formula: |u| Expr::constant(2.0) * u,
    }
    let err = formulas_agree(&ElementwiseOp(&BAD_CUBE), &[0.7], &[&BAD_CUBE]).unwrap_err();
    assert!(err.contains("local 2·u"), "{err}");
    let err = formulas_agree(&ElementwiseOp(&BAD_CUBE), &[0.7], &[]).unwrap_err();
    assert_eq!(
        err,
        "invalid argument to `eval`: unknown function `bad_cube`"
    );
}

/// The local derivatives as a student reads them.
#[test]
fn local_derivatives_read_as_in_a_textbook() {
    let u = || vec![sym("u")];
    let uv = || vec![sym("u"), sym("v")];
    let text = |op: &dyn Op<f64>, slot, x: Vec<Expr>| op.local_derivative(slot, &x).to_string();
    assert_eq!(text(&ops::Tanh, 0, u()), "1 − tanh(u)²");
    assert_eq!(text(&ops::Sigmoid, 0, u()), "σ(u)·(1 − σ(u))");
    assert_eq!(text(&ops::Relu, 0, u()), "step(u)");
    assert_eq!(text(&ops::Ln, 0, u()), "1/u");
    assert_eq!(text(&ops::Sqrt, 0, u()), "1/(2·sqrt(u))");
    assert_eq!(text(&ops::Square, 0, u()), "2·u");
    assert_eq!(text(&ops::Powf(3.0), 0, u()), "3·u²");
    assert_eq!(text(&ops::Powf(-1.5), 0, u()), "−1.5/u^2.5");
    assert_eq!(text(&ops::Mul, 0, uv()), "v");
    assert_eq!(text(&ops::Div, 0, uv()), "1/v");
    assert_eq!(text(&ops::Div, 1, uv()), "−u/v²");
    assert_eq!(text(&ops::Sub, 1, uv()), "−1");
    assert_eq!(text(&ops::Mse, 0, uv()), "2·(u − v)/n");
    assert_eq!(
        text(&ops::Softmax, 0, vec![sym("z")]),
        "diag(softmax(z)) − softmax(z)·softmax(z)ᵀ"
    );
    let latex = |op: &dyn Op<f64>, slot, x: Vec<Expr>| op.local_derivative(slot, &x).to_latex();
    assert_eq!(latex(&ops::Sigmoid, 0, u()), r"\sigma(u) (1 - \sigma(u))");
    assert_eq!(latex(&ops::Sqrt, 0, u()), r"\frac{1}{2 \sqrt{u}}");
    assert_eq!(latex(&ops::Div, 1, uv()), r"-\frac{u}{v^{2}}");
}

#[test]
fn eval_reports_what_it_cannot_evaluate() {
    let x = sym("x");
    let err = (x.clone() + sym("y"))
        .eval(&env(&[("x", 1.0)]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `eval`: no value for the symbol `y`"
    );
    let err = Expr::call1("softmax", x.clone())
        .eval(&env(&[("x", 1.0)]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `eval`: unknown function `softmax`"
    );
    let err = Expr::call("f", vec![]).eval(&env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `eval`: `f` takes one argument on scalars, not 0"
    );
    let functions = [
        ("tanh", 0.5f64.tanh()),
        ("σ", 1.0 / (1.0 + (-0.5f64).exp())),
        ("relu", 0.5),
        ("step", 1.0),
        ("exp", 0.5f64.exp()),
        ("ln", 0.5f64.ln()),
        ("sqrt", 0.5f64.sqrt()),
        ("abs", 0.5),
        ("sign", 1.0),
        ("sum", 0.5),
    ];
    for (f, want) in functions {
        assert_eq!(
            Expr::call1(f, x.clone()).eval(&env(&[("x", 0.5)])).unwrap(),
            want
        );
    }
    assert!(
        Expr::call1("ln", x)
            .eval(&env(&[("x", -1.0)]))
            .unwrap()
            .is_nan()
    );
}
