//! The expression language's limits: nesting is counted, not terms (a long flat sum parses,
//! and a sum thousands of terms long builds, sweeps and traces without recursing); number
//! literals out of range at either end are refused alike; error messages quote at most
//! [`QUOTE_CHARS`] characters of the input, with the carets still under the right text.

use std::collections::BTreeMap;

use chaintrace::expr_lang::{self, CONTEXT_CHARS, MAX_DEPTH, MAX_TOKENS, QUOTE_CHARS};
use chaintrace::{Tape, TraceOptions};

/// The value of `source` and its gradient with respect to each variable, in order of first
/// appearance.
fn eval(source: &str, values: &[(&str, f64)]) -> (f64, Vec<f64>) {
    let program = expr_lang::parse(source).unwrap_or_else(|e| panic!("{e}"));
    let values: BTreeMap<String, f64> = values.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let tape = Tape::<f64>::new();
    let built = program.build(&tape, &values).unwrap();
    let grads = built.output.backward();
    let value = built.output.value().item().unwrap();
    let gradient = built
        .leaves
        .iter()
        .map(|(_, v)| grads.wrt(*v).unwrap().item().unwrap())
        .collect();
    (value, gradient)
}

fn message(source: &str) -> String {
    expr_lang::parse(source).expect_err(source).message
}

#[test]
fn a_flat_sum_is_one_level_however_many_terms() {
    // 101 terms: refused on the old limit, which counted each `+` as a level.
    let sum = vec!["x"; 101].join(" + ");
    // f = 101·x, so ∂f/∂x = 101.
    assert_eq!(eval(&sum, &[("x", 2.0)]), (202.0, vec![101.0]));
    // As many terms as the token limit allows: 500 terms are 999 tokens.
    let longest = vec!["x"; MAX_TOKENS.div_ceil(2)].join("+");
    assert_eq!(eval(&longest, &[("x", 1.0)]), (500.0, vec![500.0]));
    // Mixed `+`/`−` and `*`/`/` chains are chains too: 1 + 1 − 1 + … and x·x/x·x/… .
    let mixed: String = (0..300)
        .map(|i| if i % 2 == 0 { "+x" } else { "-x" })
        .collect();
    assert_eq!(eval(&format!("x{mixed}"), &[("x", 3.0)]), (3.0, vec![1.0]));
    let product: String = (0..300)
        .map(|i| if i % 2 == 0 { "*x" } else { "/x" })
        .collect();
    let (value, gradient) = eval(&format!("x{product}"), &[("x", 3.0)]);
    assert!((value - 3.0).abs() < 1e-12 && (gradient[0] - 1.0).abs() < 1e-9);
    // A right-associative power tower is a chain: x^1^1^…^1 = x.
    let tower = format!("x{}", "^1".repeat(300));
    assert_eq!(eval(&tower, &[("x", 3.0)]), (3.0, vec![1.0]));
    // A sum of products of sums is three levels, whatever the lengths.
    let terms = vec!["(x + 1) * (x - 1)"; 60].join(" + ");
    assert_eq!(eval(&terms, &[("x", 2.0)]), (180.0, vec![240.0]));
}

#[test]
fn nesting_is_still_limited() {
    let too_deep = format!("expression nested deeper than {MAX_DEPTH} levels");
    // x is level 1, each call one more: MAX_DEPTH − 1 calls fit, MAX_DEPTH do not.
    let calls = |n: usize| format!("{}x{}", "tanh(".repeat(n), ")".repeat(n));
    assert!(expr_lang::parse(&calls(MAX_DEPTH - 1)).is_ok());
    assert_eq!(message(&calls(MAX_DEPTH)), too_deep);
    assert_eq!(message(&format!("{}x", "-".repeat(MAX_DEPTH))), too_deep);
    // Brackets that change the grouping nest: x − (x − (x − …)).
    let right = format!("{}x{}", "x - (".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(message(&right), too_deep);
    // Brackets that only group do not.
    let grouped = format!("{}x{}", "(".repeat(400), ")".repeat(400));
    assert!(expr_lang::parse(&grouped).is_ok());
    // The error points at the operator that went one level too deep.
    let error = expr_lang::parse(&calls(MAX_DEPTH)).unwrap_err();
    assert_eq!(error.span.column, 1);
}

/// A left-deep sum of 5,000 terms (ten times what the language accepts, built on the tape
/// directly) records, sweeps, traces, gives its closed-form gradient, renders and reads back
/// on a 2 MiB thread: nothing on the way recurses over the sum's depth.
#[test]
fn a_left_deep_sum_of_5000_terms_does_not_recurse() {
    const TERMS: usize = 5000;
    let run = || {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", 0.5);
        let mut sum = x;
        for _ in 1..TERMS {
            sum = sum + x;
        }
        assert_eq!(sum.value().item(), Some(2500.0));
        let grads = sum.backward();
        assert_eq!(grads.wrt(x).unwrap().item(), Some(TERMS as f64));
        let (traced, trace) = sum.try_backward_traced(TraceOptions::default()).unwrap();
        assert_eq!(traced.wrt(x).unwrap().item(), Some(TERMS as f64));
        let formula = trace.try_symbolic_gradient(x).unwrap();
        assert!(!formula.to_string().is_empty());
        assert!(!trace.to_text().is_empty());
        #[cfg(feature = "serde")]
        assert_eq!(
            chaintrace::Trace::from_json(&trace.to_json()).unwrap(),
            trace
        );
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .expect("no stack overflow");
}

#[test]
fn out_of_range_literals_are_refused_at_both_ends() {
    let refused = |literal: &str| {
        let source = format!("x + {literal}");
        let error = expr_lang::parse(&source).expect_err(literal);
        assert_eq!(
            error.message,
            format!(
                "number `{literal}` is out of range: nonzero magnitudes run from \
                 2.2250738585072014e-308 to 1.7976931348623157e308"
            )
        );
        assert_eq!((error.span.column, error.span.width), (5, literal.len()));
    };
    refused("1e999");
    refused("1e-400"); // underflows to 0: silently 0 before
    refused("4e-320"); // a subnormal
    refused("2.2250738585072009e-308"); // the largest subnormal
    refused("0.00000000000000000000000000001e-300");
    refused("1.7976931348623159e308"); // rounds to infinity
    let value = |source: &str| eval(source, &[]).0;
    // The ends of the range, and zero however written.
    assert_eq!(value("2.2250738585072014e-308"), f64::MIN_POSITIVE);
    assert_eq!(value("1.7976931348623157e308"), f64::MAX);
    assert_eq!(value("-2.2250738585072014e-308"), -f64::MIN_POSITIVE);
    for zero in ["0", "0.0", ".0e-999", "0e999", "000.000e-400"] {
        assert_eq!(value(zero), 0.0, "{zero}");
    }
}

/// `x + ` then a malformed number of a million digits: the message quotes QUOTE_CHARS of them
/// and `…`; the caret line shows the same and points at all of it, from column 5.
#[test]
fn long_tokens_are_quoted_short_and_pointed_at_exactly() {
    let digits = "9".repeat(1_000_000);
    let source = format!("x + {digits}.5.5 + y");
    let error = expr_lang::parse(&source).unwrap_err();
    let shown = format!("{}…", "9".repeat(QUOTE_CHARS));
    assert_eq!(error.message, format!("malformed number `{shown}`"));
    assert_eq!(error.span.column, 5);
    assert_eq!(
        error.to_string(),
        format!("malformed number `{shown}` at column 5")
    );
    let carets = "^".repeat(QUOTE_CHARS + 1);
    assert_eq!(
        error.caret(&source),
        format!("  x + {shown} + y\n      {carets}")
    );

    // An unknown function with a long name.
    let name = "f".repeat(10_000);
    let error = expr_lang::parse(&format!("{name}(x)")).unwrap_err();
    assert!(
        error
            .message
            .starts_with(&format!("unknown function `{}…`", &name[..QUOTE_CHARS]))
    );
    assert!(error.message.len() < 200, "{}", error.message);

    // A variable with no value.
    let program = expr_lang::parse(&name).unwrap();
    let tape = Tape::<f64>::new();
    let error = program.build(&tape, &BTreeMap::new()).unwrap_err();
    assert_eq!(
        error.message,
        format!("no value given for variable `{}…`", &name[..QUOTE_CHARS])
    );
}

/// Far into a long input, the caret line shows CONTEXT_CHARS characters either side of the
/// error, `…` for the rest, and the carets under the offending character.
#[test]
fn the_caret_line_is_a_window_around_the_error() {
    let source = format!("{}$ {}", "x+".repeat(300), "+y".repeat(300));
    let error = expr_lang::parse(&source).unwrap_err();
    assert_eq!(error.message, "unexpected character `$`");
    assert_eq!(error.span.column, 601);
    let before = &"x+".repeat(300)[600 - CONTEXT_CHARS..];
    let after = &format!(" {}", "+y".repeat(300))[..CONTEXT_CHARS];
    assert_eq!(
        error.caret(&source),
        format!("  …{before}${after}…\n  {}^", " ".repeat(CONTEXT_CHARS + 1))
    );
    // Wide characters before the error: the padding is their display width (2 each).
    let source = format!("{} + $", "変".repeat(100));
    let error = expr_lang::parse(&source).unwrap_err();
    let shown = format!("{} + ", "変".repeat(CONTEXT_CHARS - 3));
    assert_eq!(
        error.caret(&source),
        format!(
            "  …{shown}$\n  {}^",
            " ".repeat(1 + 2 * (CONTEXT_CHARS - 3) + 3)
        )
    );
}

/// A control character is shown escaped, so the message and the excerpt stay one line each.
#[test]
fn control_characters_are_escaped() {
    let source = "x + \u{1b}[31m";
    let error = expr_lang::parse(source).unwrap_err();
    assert_eq!(error.message, "unexpected character `\\u{1b}`");
    assert_eq!(error.caret(source), "  x + \\u{1b}[31m\n      ^^^^^^");
    // Line breaks and tabs between tokens are whitespace, shown as spaces.
    let source = "x +\n\t$";
    let error = expr_lang::parse(source).unwrap_err();
    assert_eq!(error.caret(source), "  x +  $\n       ^");
}
