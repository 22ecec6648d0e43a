//! The simplification laws of the canonical form, with exact strings.

use chaintrace::symbolic::Expr;

mod symbolic_common;

use symbolic_common::*;

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
