//! Closed-form gradients checked against the tape's numbers, with exact strings: chains,
//! a tanh neuron, micrograd's expression, fan-out and matrix products.

use chaintrace::symbolic::{self, Expr};
use chaintrace::{Tape, Tensor, Var};

mod symbolic_common;

use symbolic_common::*;

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
