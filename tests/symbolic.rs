//! Symbolic expressions: closed-form gradients checked against the tape's numbers, the
//! simplification laws, and both renderings, with exact strings.

use std::collections::BTreeMap;

use chaintrace::ops::{self, Op};
use chaintrace::symbolic::{self, Expr, MAX_EXPR_DEPTH};
use chaintrace::{Tape, Tensor, Var};

fn sym(name: &str) -> Expr {
    Expr::sym(name)
}

fn c(x: f64) -> Expr {
    Expr::constant(x)
}

fn env(values: &[(&str, f64)]) -> BTreeMap<String, f64> {
    values.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

/// The symbols of a tape's leaves with their values.
fn leaf_values(tape: &Tape<f64>) -> BTreeMap<String, f64> {
    tape.nodes()
        .iter()
        .filter_map(|n| Some((n.name()?.to_string(), n.value().item()?)))
        .collect()
}

fn numeric_gradient(y: Var<'_, f64>, x: Var<'_, f64>) -> f64 {
    y.backward().wrt(x).and_then(Tensor::item).unwrap_or(0.0)
}

fn assert_close(got: f64, want: f64, tolerance: f64) {
    let scale = 1.0f64.max(want.abs());
    assert!(
        (got - want).abs() <= tolerance * scale,
        "{got} is not {want} (relative tolerance {tolerance})"
    );
}

/// The article's example: y = w·(w·(…(w·x))) fifty times with one weight, so ∂y/∂x = w⁵⁰,
/// and at w = 1.5 that is 1.5⁵⁰ = 637621500.214… (the exploding gradient).
#[test]
fn fifty_deep_chain_of_one_weight_is_w_to_the_fifty() {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 2.0);
    let mut y = x;
    for _ in 0..50 {
        y = w * y;
    }
    let dy_dx = symbolic::gradient(y, x).unwrap();
    assert_eq!(dy_dx.to_string(), "w⁵⁰");
    assert_eq!(dy_dx.to_latex(), "w^{50}");
    let value = dy_dx.eval(&leaf_values(&tape)).unwrap();
    assert_close(value, 637_621_500.214, 1e-12);
    assert_close(value, numeric_gradient(y, x), 1e-12);
    // ∂y/∂w = ∂(w⁵⁰·x)/∂w = 50·w⁴⁹·x: fifty paths of one product each, collected.
    let dy_dw = symbolic::gradient(y, w).unwrap();
    assert_eq!(dy_dw.to_string(), "50·w⁴⁹·x");
    assert_close(
        dy_dw.eval(&leaf_values(&tape)).unwrap(),
        numeric_gradient(y, w),
        1e-12,
    );
}

/// With distinct weights w₁…w₅₀ the gradient is their product, in natural order.
#[test]
fn fifty_deep_chain_of_distinct_weights_is_their_product() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let weights: Vec<Var<'_, f64>> = (1..=50)
        .map(|i| tape.var(&format!("w{i}"), 1.0 + f64::from(i) / 100.0))
        .collect();
    let mut y = x;
    for &w in &weights {
        y = w * y;
    }
    let dy_dx = symbolic::gradient(y, x).unwrap();
    let text = dy_dx.to_string();
    assert_eq!(
        text,
        "w₁·w₂·w₃·w₄·w₅·w₆·w₇·w₈·w₉·w₁₀·w₁₁·w₁₂·w₁₃·w₁₄·w₁₅·w₁₆·w₁₇·w₁₈·w₁₉·w₂₀·w₂₁·w₂₂·w₂₃·w₂₄·w₂₅·w₂₆·\
         w₂₇·w₂₈·w₂₉·w₃₀·w₃₁·w₃₂·w₃₃·w₃₄·w₃₅·w₃₆·w₃₇·w₃₈·w₃₉·w₄₀·w₄₁·w₄₂·w₄₃·w₄₄·w₄₅·w₄₆·w₄₇·w₄₈·w₄₉·w₅₀"
    );
    let latex: Vec<String> = (1..=50).map(|i| format!("w_{{{i}}}")).collect();
    assert_eq!(dy_dx.to_latex(), latex.join(" "));
    let product: f64 = (1..=50).map(|i| 1.0 + f64::from(i) / 100.0).product();
    let value = dy_dx.eval(&leaf_values(&tape)).unwrap();
    assert_close(value, product, 1e-12);
    assert_close(value, numeric_gradient(y, x), 1e-12);
}

/// One tanh neuron y = tanh(w·x + b): ∂y/∂u = 1 − tanh(u)² for u = w·x + b, times ∂u/∂w = x.
/// Canonical order puts the symbol before the parenthesised sum: x·(1 − tanh(w·x + b)²).
#[test]
fn tanh_neuron_gradients() {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 0.8);
    let x = tape.var("x", -1.5);
    let b = tape.var("b", 0.3);
    let y = (w * x + b).tanh();
    let gradient = |v: Var<'_, f64>| symbolic::gradient(y, v).unwrap();
    let (dw, dx, db) = (gradient(w), gradient(x), gradient(b));
    assert_eq!(dw.to_string(), "x·(1 − tanh(w·x + b)²)");
    assert_eq!(dx.to_string(), "w·(1 − tanh(w·x + b)²)");
    assert_eq!(db.to_string(), "1 − tanh(w·x + b)²");
    assert_eq!(dw.to_latex(), r"x (1 - \tanh(w x + b)^{2})");
    assert_eq!(db.to_latex(), r"1 - \tanh(w x + b)^{2}");
    let values = leaf_values(&tape);
    // u = 0.8·(−1.5) + 0.3 = −0.9, so ∂y/∂w = −1.5·(1 − tanh(−0.9)²).
    let local = 1.0 - (-0.9f64).tanh().powi(2);
    assert_close(dw.eval(&values).unwrap(), -1.5 * local, 1e-12);
    for (expr, var) in [(dw, w), (dx, x), (db, b)] {
        assert_close(expr.eval(&values).unwrap(), numeric_gradient(y, var), 1e-12);
    }
}

/// The expression from micrograd's README (as in tests/core.rs); its printed gradients are
/// ∂g/∂a = 138.8338 and ∂g/∂b = 645.5773.
#[test]
fn micrograd_readme_closed_form_gradient() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", -4.0);
    let b = tape.var("b", 2.0);
    let mut c = a + b;
    let mut d = a * b + b.powf(3.0);
    c = c + (c + 1.0);
    c = c + (1.0 + c + (-a));
    d = d + (d * 2.0 + (b + a).relu());
    d = d + (3.0 * d + (b - a).relu());
    let e = c - d;
    let f = e.powf(2.0);
    let mut g = f / 2.0;
    g = g + 10.0 / f;
    let values = env(&[("a", -4.0), ("b", 2.0)]);
    let forward = symbolic::forward_expressions(&tape, g.id()).unwrap();
    // c = 3a + 4b + 2 + 1 collected, d = 12ab + 12b³ + 4·relu(a + b) + relu(b − a).
    assert_eq!(
        forward[c.id().index()].to_string(),
        "3 + 3·a + 4·b",
        "c = (a + b) + (a + b + 1) + (1 + 2(a + b) + 1 − a)"
    );
    assert_eq!(
        forward[d.id().index()].to_string(),
        "12·b³ + 12·a·b + relu(b − a) + 4·relu(a + b)"
    );
    assert_close(
        forward[g.id().index()].eval(&values).unwrap(),
        24.7041,
        5e-6,
    );
    let dg_da = symbolic::gradient(g, a).unwrap();
    let dg_db = symbolic::gradient(g, b).unwrap();
    assert!((dg_da.eval(&values).unwrap() - 138.8338).abs() < 5e-5);
    assert!((dg_db.eval(&values).unwrap() - 645.5773).abs() < 5e-5);
    assert_close(dg_da.eval(&values).unwrap(), numeric_gradient(g, a), 1e-12);
    assert_close(dg_db.eval(&values).unwrap(), numeric_gradient(g, b), 1e-12);
}

/// A node used twice (fan-out) contributes along both paths: y = x·x + x, ∂y/∂x = 2·x + 1.
#[test]
fn fan_out_paths_add_up() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 3.0);
    let y = x * x + x;
    let dy_dx = symbolic::gradient(y, x).unwrap();
    assert_eq!(dy_dx.to_string(), "1 + 2·x");
    assert_eq!(dy_dx.eval(&env(&[("x", 3.0)])).unwrap(), 7.0);
}

/// Matrix gradients keep the order of the factors: for Y = W·X, ∂L/∂W = ∂L/∂Y·Xᵀ and
/// ∂L/∂X = Wᵀ·∂L/∂Y.
#[test]
fn matmul_gradients_keep_factor_order() {
    let tape = Tape::<f64>::new();
    let w = tape.var("W", Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let x = tape.var("X", Tensor::from_vec(vec![1.0, -1.0], &[2, 1]));
    let loss = w.matmul(x).tanh().sum();
    let dw = symbolic::gradient(loss, w).unwrap();
    let dx = symbolic::gradient(loss, x).unwrap();
    assert_eq!(dw.to_string(), "(1 − tanh(W·X)²)·Xᵀ");
    assert_eq!(dx.to_string(), "Wᵀ·(1 − tanh(W·X)²)");
    assert_eq!(dw.to_latex(), r"(1 - \tanh(W X)^{2}) X^{\top}");
}

/// ∂L/∂W for h = tanh(W·(x·s) + b), L = Σ h² (the contract example of tests/core.rs): the
/// elementwise chain 2h·(1 − h²), then the matrix product with (x·s)ᵀ.
#[test]
fn contract_example_closed_form() {
    let tape = Tape::<f64>::new();
    let s = tape.var("s", 2.0);
    let x = tape.var("x", Tensor::from_vec(vec![1.0, -2.0], &[2, 1]));
    let w = tape.var("W", Tensor::from_vec(vec![0.5, -1.0, 1.5, 2.0], &[2, 2]));
    let b = tape.named_constant("b", Tensor::from_vec(vec![0.1, 0.2], &[2, 1]));
    let h = (w.matmul(x * s) + b).tanh();
    let loss = h.square().sum();
    let dw = symbolic::gradient(loss, w).unwrap();
    assert_eq!(
        dw.to_string(),
        "(2·tanh(W·(s·x) + b)·(1 − tanh(W·(s·x) + b)²))·(s·x)ᵀ"
    );
}

/// The scalar ops: each `local_derivative` and `vjp_symbolic`, evaluated at a point, equals
/// the op's numeric vector-Jacobian product there.
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
        (Box::new(ops::Relu), vec![0.9]),
        (Box::new(ops::Relu), vec![-0.9]),
        (Box::new(ops::Exp), vec![0.8]),
        (Box::new(ops::Ln), vec![2.5]),
        (Box::new(ops::Sqrt), vec![2.5]),
        (Box::new(ops::Square), vec![-1.7]),
        (Box::new(ops::Abs), vec![-1.7]),
        (Box::new(ops::Abs), vec![1.7]),
        (Box::new(ops::Powf(3.0)), vec![1.2]),
        (Box::new(ops::Powf(-1.5)), vec![1.2]),
        (Box::new(ops::Powf(0.5)), vec![1.2]),
    ];
    let names = ["u", "v"];
    let upstream = 0.7;
    for (op, point) in cases {
        let tensors: Vec<Tensor<f64>> = point.iter().map(|&p| Tensor::scalar(p)).collect();
        let inputs: Vec<&Tensor<f64>> = tensors.iter().collect();
        let output = op.forward(&inputs).unwrap();
        let exprs: Vec<Expr> = names[..point.len()].iter().map(|n| sym(n)).collect();
        let mut values = env(&[("g", upstream)]);
        values.extend(names.iter().zip(&point).map(|(n, &p)| (n.to_string(), p)));
        let label = op.label();
        let value = op.symbolic(&exprs).eval(&values).unwrap();
        assert_close(value, output.item().unwrap(), 1e-12);
        for slot in 0..point.len() {
            let numeric = op
                .vjp(slot, &inputs, &output, &Tensor::scalar(upstream))
                .item()
                .unwrap();
            let vjp = op.vjp_symbolic(slot, &exprs, &sym("g"));
            let local = op.local_derivative(slot, &exprs);
            let from_vjp = vjp.eval(&values).unwrap();
            let from_local = upstream * local.eval(&values).unwrap();
            assert!(
                (from_vjp - numeric).abs() < 1e-12 && (from_local - numeric).abs() < 1e-12,
                "{label} slot {slot}: vjp {vjp} = {from_vjp}, local {local} → {from_local}, \
                 numeric {numeric}"
            );
        }
    }
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
fn collecting_equal_factors_and_like_terms() {
    let (w, x) = (sym("w"), sym("x"));
    assert_eq!((w.clone() * w.clone() * w.clone()).to_string(), "w³");
    assert_eq!(w.clone() * w.clone() * w.clone(), w.clone().powf(3.0));
    assert_eq!((w.clone().powf(2.0) * w.clone()).to_string(), "w³");
    let (a, b) = (sym("a"), sym("b"));
    let sum_of_exponents = w.clone().pow(a.clone()) * w.clone().pow(b.clone());
    assert_eq!(sum_of_exponents.to_string(), "w^(a + b)");
    assert_eq!(sum_of_exponents.to_latex(), "w^{a + b}");
    assert_eq!((x.clone() + x.clone()).to_string(), "2·x");
    let five = c(2.0) * w.clone() * x.clone() + c(3.0) * x.clone() * w.clone();
    assert_eq!(five.to_string(), "5·w·x");
    assert_eq!(five, c(5.0) * w.clone() * x.clone());
    assert_eq!(x.clone() - x.clone(), Expr::zero());
    assert_eq!(x.clone() / x.clone(), Expr::one());
    assert_eq!(x.clone() - (x.clone() - w.clone()), w.clone());
    assert_eq!(
        (x.clone() * w.clone().powf(-1.0) * w.clone()).to_string(),
        "x"
    );
}

#[test]
fn numbers_fold_and_identities_drop() {
    let x = sym("x");
    assert_eq!(c(2.0) + c(3.0), c(5.0));
    assert_eq!(c(2.0) * c(3.0) * x.clone(), c(6.0) * x.clone());
    assert_eq!(x.clone() * c(0.0), Expr::zero());
    assert_eq!(x.clone() * Expr::one(), x);
    assert_eq!(x.clone() + Expr::zero(), x);
    assert_eq!(x.clone().powf(1.0), x);
    assert_eq!(x.clone().powf(0.0), Expr::one());
    assert_eq!(c(2.0).powf(10.0), c(1024.0));
    assert_eq!(Expr::call1("tanh", Expr::zero()), Expr::zero());
    assert_eq!(Expr::call1("exp", Expr::zero()), Expr::one());
    // ln(−1) is not a number: kept as written.
    assert_eq!(Expr::call1("ln", c(-1.0)).to_string(), "ln(−1)");
    assert_eq!((c(-1.0) * c(-1.0)), Expr::one());
}

#[test]
fn powers_of_powers_and_of_products() {
    let (a, x, w) = (sym("a"), sym("x"), sym("w"));
    assert_eq!(a.clone().powf(2.0).powf(3.0).to_string(), "a⁶");
    assert_eq!(a.clone().powf(0.5).powf(2.0), a);
    // (a²)^0.5 is |a|, not a: kept.
    assert_eq!(a.clone().powf(2.0).powf(0.5).to_string(), "(a²)^0.5");
    assert_eq!((c(2.0) * x.clone()).powf(2.0).to_string(), "4·x²");
    assert_eq!((w.clone() * x.clone()).powf(-1.0).to_string(), "1/(w·x)");
    assert_eq!((w.clone() * x.clone()).powf(0.5).to_string(), "(w·x)^0.5");
    assert_eq!(
        x.clone().pow(sym("n") - Expr::one()).to_string(),
        "x^(n − 1)"
    );
}

#[test]
fn canonical_order_makes_equal_expressions_equal() {
    let (a, b, x) = (sym("a"), sym("b"), sym("x"));
    let t = Expr::call1("tanh", sym("u"));
    assert_eq!(a.clone() + b.clone(), b.clone() + a.clone());
    assert_eq!(a.clone() * b.clone(), b.clone() * a.clone());
    // Numbers first, then symbols, then calls, then parenthesised sums.
    let product = (Expr::one() + x.clone()) * t.clone() * x.clone() * c(3.0);
    assert_eq!(product.to_string(), "3·x·tanh(u)·(1 + x)");
    // In sums: the number first, then higher degree first.
    let sum = b.clone() + Expr::one() + a.clone() * x.clone() + x.clone().powf(2.0);
    // Degree 2 before degree 1; a·x before x² as `a` comes before `x`.
    assert_eq!(sum.to_string(), "1 + a·x + x² + b");
    // Natural order of names.
    let weights = sym("w10") * sym("w_2") * sym("w1");
    assert_eq!(weights.to_string(), "w₁·w₂·w₁₀");
}

#[test]
fn matrix_products_are_never_reordered_or_collected() {
    let (a, b, cc) = (sym("A"), sym("B"), sym("C"));
    assert_ne!(a.clone().matmul(b.clone()), b.clone().matmul(a.clone()));
    assert_eq!(b.clone().matmul(a.clone()).to_string(), "B·A");
    let left = a.clone().matmul(b.clone()).matmul(cc.clone());
    let right = a.clone().matmul(b.clone().matmul(cc.clone()));
    assert_eq!(left, right);
    assert_eq!(right.to_string(), "A·B·C");
    assert_eq!(a.clone().matmul(b.clone()).transpose().to_string(), "Bᵀ·Aᵀ");
    assert_eq!(a.clone().transpose().transpose(), a);
    let ab = a.clone().matmul(b.clone());
    assert_eq!((ab.clone() * ab.clone()).to_string(), "(A·B)⊙(A·B)");
    assert_eq!(
        c(2.0).matmul(a.clone().matmul(b.clone())).to_string(),
        "2·A·B"
    );
    // A coefficient inside an operand stays there.
    assert_eq!(
        (c(2.0) * a.clone()).matmul(b.clone()).to_string(),
        "(2·A)·B"
    );
    assert_eq!((c(2.0) * a.clone()).transpose().to_string(), "(2·A)ᵀ");
    assert_eq!(
        (a.clone().matmul(b.clone()) + sym("d")).to_string(),
        "A·B + d"
    );
    assert_eq!(Expr::one().matmul(b.clone()), b);
    assert_eq!(a.clone().matmul(Expr::zero()), Expr::zero());
    assert_eq!((sym("x") * ab.clone()).to_string(), "x·(A·B)");
    assert_eq!(ab.to_latex(), "A B");
    assert_eq!(a.clone().transpose().to_latex(), r"A^{\top}");
    assert_eq!(sym("s").diag().to_latex(), r"\operatorname{diag}(s)");
}

#[test]
fn text_rendering() {
    let (x, y, u) = (sym("x"), sym("y"), sym("u"));
    assert_eq!((x.clone() / y.clone()).to_string(), "x/y");
    assert_eq!((Expr::one() / x.clone()).to_string(), "1/x");
    assert_eq!((x.clone() / c(2.0)).to_string(), "x/2");
    assert_eq!((x.clone() / c(3.0)).to_string(), "x/3");
    assert_eq!(
        (x.clone() / (y.clone() + Expr::one())).to_string(),
        "x/(1 + y)"
    );
    assert_eq!(
        ((x.clone() + y.clone()) / u.clone()).to_string(),
        "(x + y)/u"
    );
    assert_eq!((Expr::one() - x.clone()).to_string(), "1 − x");
    assert_eq!((x.clone() - Expr::one()).to_string(), "x − 1");
    assert_eq!((-x.clone() - y.clone()).to_string(), "−x − y");
    assert_eq!((-(Expr::one() - x.clone())).to_string(), "−(1 − x)");
    assert_eq!((c(0.1) * x.clone()).to_string(), "x/10");
    assert_eq!((c(0.3) * x.clone()).to_string(), "0.3·x");
    assert_eq!((c(-2.5) * x.clone()).to_string(), "−2.5·x");
    assert_eq!(c(1.0 / 7.0).to_string(), "0.142857");
    assert_eq!(c(1.5f64.powi(50)).to_string(), "6.37622e8");
    assert_eq!(c(-50.0).to_string(), "−50");
    assert_eq!(x.clone().powf(0.5).to_string(), "x^0.5");
    assert_eq!(x.clone().powf(-0.5).to_string(), "1/x^0.5");
    assert_eq!(Expr::call1("abs", x.clone()).to_string(), "|x|");
    assert_eq!(Expr::call1("σ", u.clone()).to_string(), "σ(u)");
    assert_eq!(
        Expr::call("f", vec![x.clone(), y.clone()]).to_string(),
        "f(x, y)"
    );
    assert_eq!((sym("w1") * sym("w_2")).to_string(), "w₁·w₂");
    assert_eq!(sym("∂L/∂y").to_string(), "∂L/∂y");
    let upstream = sym("∂L/∂y");
    assert_eq!((x.clone() / upstream.clone()).to_string(), "x/(∂L/∂y)");
    assert_eq!((upstream.clone() * x.clone()).to_string(), "x·(∂L/∂y)");
    assert_eq!(upstream.powf(2.0).to_string(), "(∂L/∂y)²");
    assert_eq!((sym("A") + sym("B")).transpose().to_string(), "(A + B)ᵀ");
    assert_eq!(sym("A").transpose().powf(2.0).to_string(), "(Aᵀ)²");
    assert_eq!(c(2.0).pow(x.clone()).to_string(), "2^x");
    assert_eq!(c(-2.0).pow(x.clone()).to_string(), "(−2)^x");
    assert_eq!(x.clone().pow(-y.clone()).to_string(), "x^(−y)");
}

#[test]
fn latex_rendering() {
    let (x, y, u) = (sym("x"), sym("y"), sym("u"));
    assert_eq!((x.clone() / y.clone()).to_latex(), r"\frac{x}{y}");
    assert_eq!(
        ((x.clone() + y.clone()) / u.clone()).to_latex(),
        r"\frac{x + y}{u}"
    );
    assert_eq!(
        (x.clone() / (c(2.0) * u.clone())).to_latex(),
        r"\frac{x}{2 u}"
    );
    assert_eq!((-(x.clone() * y.clone())).to_latex(), "-x y");
    assert_eq!((x.clone() - y.clone()).to_latex(), "x - y");
    assert_eq!((-(Expr::one() - x.clone())).to_latex(), "-(1 - x)");
    assert_eq!((sym("w1") * sym("w2")).to_latex(), "w_{1} w_{2}");
    assert_eq!(sym("w").powf(50.0).to_latex(), "w^{50}");
    assert_eq!(Expr::call1("σ", u.clone()).to_latex(), r"\sigma(u)");
    assert_eq!(Expr::call1("sqrt", u.clone()).to_latex(), r"\sqrt{u}");
    assert_eq!(Expr::call1("abs", u.clone()).to_latex(), r"\left|u\right|");
    assert_eq!(
        Expr::call1("relu", u.clone()).to_latex(),
        r"\operatorname{relu}(u)"
    );
    assert_eq!(
        Expr::call1("log_softmax", u.clone()).to_latex(),
        r"\operatorname{log\_softmax}(u)"
    );
    assert_eq!(
        (c(2.0) * c(2.0).pow(x.clone())).to_latex(),
        r"2 \cdot 2^{x}"
    );
    assert_eq!(x.clone().powf(0.5).to_latex(), "x^{0.5}");
    assert_eq!(c(1.5f64.powi(50)).to_latex(), r"6.37622 \times 10^{8}");
    assert_eq!(sym("∂L/∂y").to_latex(), r"\partial L/\partial y");
    assert_eq!(sym("loss").to_latex(), r"\mathrm{loss}");
    assert_eq!(sym("w_out").to_latex(), r"w_{\mathrm{out}}");
}

#[test]
fn simplify_brings_hand_built_trees_to_canonical_form() {
    let (w, x) = (sym("w"), sym("x"));
    let raw = Expr::Sum(vec![
        Expr::Product(vec![w.clone(), x.clone(), c(2.0)]),
        Expr::Product(vec![x.clone(), Expr::Product(vec![c(3.0), w.clone()])]),
        c(0.0),
    ]);
    assert_eq!(raw.simplify().to_string(), "5·w·x");
    assert_eq!(raw.simplify().simplify(), raw.simplify());
    let transposed = Expr::Transpose(Box::new(Expr::MatMul(
        Box::new(sym("A")),
        Box::new(Expr::Transpose(Box::new(sym("B")))),
    )));
    assert_eq!(transposed.simplify().to_string(), "B·Aᵀ");
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

#[test]
fn gradient_of_unrelated_and_missing_nodes() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let k = tape.named_constant("k", 3.0);
    let y = k * x;
    let later = tape.var("z", 2.0);
    let zero = |wrt: Var<'_, f64>| symbolic::gradient(y, wrt).unwrap();
    assert_eq!(zero(k), Expr::zero(), "constants keep no gradient");
    assert_eq!(
        zero(later),
        Expr::zero(),
        "y does not depend on a later node"
    );
    assert_eq!(zero(x).to_string(), "k");
    assert_eq!(zero(y), Expr::one());
    let longer = Tape::<f64>::new();
    let missing = (0..100).fold(longer.var("z", 0.0), |z, _| z + 1.0).id(); // node 199
    assert!(symbolic::forward_expressions(&tape, missing).is_err());
}

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

#[test]
fn expressions_round_trip_through_json() {
    let e = sym("x") * (Expr::one() - Expr::call1("tanh", sym("w") * sym("x")).powf(2.0));
    let json = serde_json::to_string(&e).unwrap();
    let back: Expr = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
}

mod properties {
    //! Laws of the canonical form on random trees built from the variants directly (so not
    //! already canonical), over the symbols x, y, z with positive values.

    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

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
                .prop_map(|(op, i, j)| Step::Binary(
                    op,
                    i.index(1 << 16),
                    j.index(1 << 16)
                )),
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
}
