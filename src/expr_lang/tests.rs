use std::collections::BTreeMap;

use super::*;
use crate::tape::Tape;

/// The program fully parenthesised, to read the parse tree off a string.
fn tree(source: &str) -> String {
    let program = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let mut shown: Vec<String> = Vec::new();
    for node in program.nodes() {
        let s = match &node.kind {
            AstKind::Number(x) => x.to_string(),
            AstKind::Variable(name) => name.clone(),
            AstKind::Unary(UnaryOp::Neg, a) => format!("(-{})", shown[*a]),
            AstKind::Unary(UnaryOp::Plus, a) => format!("(+{})", shown[*a]),
            AstKind::Call(f, a) => format!("{f:?}({})", shown[*a]),
            AstKind::Binary(op, a, b) => {
                let sym = match op {
                    BinaryOp::Add => "+",
                    BinaryOp::Sub => "-",
                    BinaryOp::Mul => "*",
                    BinaryOp::Div => "/",
                    BinaryOp::Pow => "^",
                };
                format!("({} {sym} {})", shown[*a], shown[*b])
            }
        };
        shown.push(s);
    }
    shown.pop().unwrap()
}

fn error(source: &str) -> (String, usize, usize) {
    let e = parse(source).expect_err(source);
    (e.message, e.span.column, e.span.width)
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(tree("a + b * c"), "(a + (b * c))");
    assert_eq!(tree("a - b - c"), "((a - b) - c)");
    assert_eq!(tree("a / b / c"), "((a / b) / c)");
    assert_eq!(tree("2^3^2"), "(2 ^ (3 ^ 2))");
    assert_eq!(tree("-x^2"), "(-(x ^ 2))");
    assert_eq!(tree("x^-2"), "(x ^ (-2))");
    assert_eq!(tree("x^-2*3"), "((x ^ (-2)) * 3)");
    assert_eq!(tree("-a*b"), "((-a) * b)");
    assert_eq!(tree("a*-b"), "(a * (-b))");
    assert_eq!(tree("--a"), "(-(-a))");
    assert_eq!(tree("+a"), "(+a)");
    assert_eq!(tree("(a + b) * c"), "((a + b) * c)");
    assert_eq!(tree("tanh(w*x + b)"), "Tanh(((w * x) + b))");
    assert_eq!(tree("log(exp(x))"), "Ln(Exp(x))");
    assert_eq!(tree("w·x − b ÷ 2"), "((w * x) - (b / 2))");
}

#[test]
fn variables_in_order_of_first_appearance() {
    let p = parse("y*x + x*z + y").unwrap();
    let names: Vec<&str> = p.variables().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["y", "x", "z"]);
    assert_eq!(p.variables()[1].1.column, 3);
}

#[test]
fn positioned_errors() {
    assert_eq!(error(""), ("empty expression".into(), 1, 0));
    assert_eq!(error("   "), ("empty expression".into(), 4, 0));
    assert_eq!(
        error("tan(x)"),
        (
            "unknown function `tan` (known: tanh, sigmoid, relu, exp, ln, log, sqrt, abs, square)"
                .into(),
            1,
            3
        )
    );
    assert_eq!(error("(x + 1"), ("unclosed parenthesis".into(), 1, 1));
    assert_eq!(error("exp(x + 1"), ("unclosed parenthesis".into(), 1, 3));
    assert_eq!(error("x + 1)"), ("unmatched `)`".into(), 6, 1));
    assert_eq!(
        error("x y"),
        (
            "expected an operator or the end of the expression, found `y`".into(),
            3,
            1
        )
    );
    assert_eq!(
        error("x +"),
        (
            "expected a number, a variable, a function or `(`, found the end of the expression"
                .into(),
            4,
            0
        )
    );
    assert_eq!(
        error("()"),
        (
            "expected a number, a variable, a function or `(`, found `)`".into(),
            2,
            1
        )
    );
    assert_eq!(
        error("exp + 1"),
        (
            "function `exp` needs its argument in parentheses: `exp(…)`".into(),
            1,
            3
        )
    );
    assert_eq!(error("x $"), ("unexpected character `$`".into(), 3, 1));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}x{}", "tanh(".repeat(150), ")".repeat(150));
    assert_eq!(
        error(&deep).0,
        format!("expression nested deeper than {MAX_DEPTH} levels")
    );
    let ok = format!("{}x{}", "(".repeat(400), ")".repeat(400));
    assert_eq!(tree(&ok), "x");
    let long = "x+".repeat(MAX_TOKENS) + "x";
    assert_eq!(
        error(&long).0,
        format!("expression too long: more than {MAX_TOKENS} tokens")
    );
}

#[test]
fn caret_points_at_the_span() {
    let e = parse("w·x + foo(b)").unwrap_err();
    assert_eq!(e.caret("w·x + foo(b)"), "  w·x + foo(b)\n        ^^^");
}

#[test]
fn carets_line_up_under_wide_and_combining_characters() {
    // `変数` takes four columns on a terminal, so `foo` starts at column 8 on screen.
    let source = "変数 + foo(b)";
    let e = parse(source).unwrap_err();
    assert_eq!(e.caret(source), "  変数 + foo(b)\n         ^^^");
    // A combining macron is not part of a name; it takes no column of its own.
    let source = "x\u{304} + 1";
    let e = parse(source).unwrap_err();
    assert_eq!(e.span.column, 2);
    assert_eq!(e.caret(source), "  x\u{304} + 1\n   ^");
}

fn eval(source: &str, values: &[(&str, f64)]) -> (f64, Vec<f64>) {
    let values: BTreeMap<String, f64> = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let tape = Tape::<f64>::new();
    let built = parse(source).unwrap().build(&tape, &values).unwrap();
    let grads = built.output.backward();
    let g = built
        .leaves
        .iter()
        .map(|(_, v)| grads.wrt(*v).map_or(0.0, |g| g.item().unwrap()))
        .collect();
    (built.output.value().item().unwrap(), g)
}

#[test]
fn values_and_gradients_by_hand() {
    // f = tanh(w·x + b) at 1.5, 2, 0.1: f = tanh(3.1); ∂f/∂w = (1 − f²)·x, ∂f/∂x = (1 − f²)·w.
    let (f, g) = eval("tanh(w*x + b)", &[("w", 1.5), ("x", 2.0), ("b", 0.1)]);
    let d = 1.0 - 3.1f64.tanh().powi(2);
    assert_eq!(f, 3.1f64.tanh());
    assert!((g[0] - d * 2.0).abs() < 1e-15 && (g[1] - d * 1.5).abs() < 1e-15);
    assert!((g[2] - d).abs() < 1e-15);
    // x^3 with a constant exponent: 3x² = 12 at x = 2.
    assert_eq!(eval("x^3", &[("x", 2.0)]), (8.0, vec![12.0]));
    // x^y = exp(y ln x): ∂/∂x = y·x^(y−1) = 12, ∂/∂y = x^y ln x = 8 ln 2.
    let (f, g) = eval("x^y", &[("x", 2.0), ("y", 3.0)]);
    assert!((f - 8.0).abs() < 1e-12 && (g[0] - 12.0).abs() < 1e-12);
    assert!((g[1] - 8.0 * 2f64.ln()).abs() < 1e-12);
}

#[test]
fn constant_exponents_fold_to_powf() {
    let tape = Tape::<f64>::new();
    let values = BTreeMap::from([("x".to_string(), 4.0)]);
    let built = parse("x^(1/2)").unwrap().build(&tape, &values).unwrap();
    // Leaf x, then one powf node: the exponent's 1/2 is not recorded.
    assert_eq!(tape.len(), 2);
    assert_eq!(tape.nodes().node(1).op_label(), "powf(0.5)");
    assert_eq!(built.output.value().item(), Some(2.0));
}

#[test]
fn division_by_zero_is_inf() {
    let (f, g) = eval("1/x", &[("x", 0.0)]);
    assert_eq!(f, f64::INFINITY);
    assert!(g[0].is_infinite());
}

#[test]
fn missing_value_names_the_variable() {
    let tape = Tape::<f64>::new();
    let values = BTreeMap::from([("x".to_string(), 1.0)]);
    let e = parse("x + y").unwrap().build(&tape, &values).unwrap_err();
    assert_eq!(e.to_string(), "no value given for variable `y` at column 5");
}
