//! Both renderings of expressions, text and LaTeX, with exact strings, and JSON.

use chaintrace::symbolic::Expr;

mod symbolic_common;

use symbolic_common::*;

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

#[cfg(feature = "serde")]
#[test]
fn expressions_round_trip_through_json() {
    let e = sym("x") * (Expr::one() - Expr::call1("tanh", sym("w") * sym("x")).powf(2.0));
    let json = serde_json::to_string(&e).unwrap();
    let back: Expr = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
}
