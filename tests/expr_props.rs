//! Property tests of the expression language behind `chaintrace expr`: any text parses or
//! fails at a position inside it, parsed gradients pass gradcheck, and the binary never panics.

use chaintrace::Tensor;
use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::expr_lang;
use proptest::prelude::*;

mod binary;
use binary::chaintrace;

/// Random text over the language's own characters and some that are not in it.
fn noise() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("x"),
            Just("y"),
            Just("1"),
            Just(".5"),
            Just("e"),
            Just("1e-3"),
            Just("+"),
            Just("-"),
            Just("−"),
            Just("*"),
            Just("/"),
            Just("^"),
            Just("("),
            Just(")"),
            Just("tanh("),
            Just("exp("),
            Just("foo("),
            Just(" "),
            Just(","),
            Just("$"),
            Just("é"),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// A random well-formed expression of x0, x1, x2 whose value and gradient stay finite and
/// smooth for inputs in [0.5, 2]: every division, root and logarithm is of something ≥ 1.
fn smooth_expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x0".to_string()),
        Just("x1".to_string()),
        Just("x2".to_string()),
        (1..9u32).prop_map(|k| format!("{}", k as f64 / 4.0)),
        Just("relu(x0)".to_string()),
        Just("abs(x1)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} * {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / (1 + square({b}))")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("sigmoid({a})")),
            inner.clone().prop_map(|a| format!("exp(tanh({a}))")),
            inner.clone().prop_map(|a| format!("sqrt(1 + square({a}))")),
            inner.clone().prop_map(|a| format!("ln(1 + ({a})^2)")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.prop_map(|a| format!("({a})^3")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any text parses, or fails with a span inside the input (or just past its end).
    #[test]
    fn text_parses_or_fails_at_a_position(source in noise()) {
        match expr_lang::parse(&source) {
            Ok(program) => prop_assert!(!program.nodes().is_empty()),
            Err(e) => {
                let chars = source.chars().count();
                prop_assert!(e.span.column >= 1 && e.span.column <= chars + 1, "{e:?}");
                prop_assert!(e.span.byte_end <= source.len());
                prop_assert!(source.is_char_boundary(e.span.byte));
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    /// Parsed expressions' gradients agree with central differences.
    #[test]
    fn parsed_gradients_pass_gradcheck(
        source in smooth_expression(),
        values in proptest::collection::vec(0.5f64..2.0, 3),
    ) {
        let program = expr_lang::parse(&source).unwrap();
        let inputs: Vec<Tensor<f64>> = program
            .variables()
            .iter()
            .map(|(name, _)| Tensor::scalar(values[name[1..].parse::<usize>().unwrap()]))
            .collect();
        let report = gradcheck(
            &inputs,
            |tape, vars| program.build_on(tape, vars),
            GradcheckOptions::default(),
        );
        prop_assert!(report.passed(), "{source}: {report}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The binary never panics on random input: it prints a trace (0) or an error (2).
    #[test]
    fn the_binary_never_panics(source in noise()) {
        let (code, out, err) = chaintrace(&["expr", &source, "--at", "x=0,y=-1"]);
        prop_assert!(code == 0 || code == 2, "{code}: {err}");
        prop_assert!(!err.contains("panicked"), "{err}");
        prop_assert!(code != 0 || out.starts_with("f = "), "{out}");
    }
}
