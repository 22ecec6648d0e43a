//! The `chaintrace` binary: exit statuses, exact error messages, snapshots of its output, and
//! property tests of the expression language behind `chaintrace expr`.

use chaintrace::Tensor;
use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::expr_lang;
use proptest::prelude::*;

mod binary;
use binary::{chaintrace, rejects};

#[test]
fn unknown_variable_points_at_its_first_use() {
    rejects(
        &["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2"],
        "error at column 12: unknown variable `b`: give its value with --at b=VALUE\n\
         \x20 tanh(w*x + b)\n\
         \x20            ^\n",
    );
}

#[test]
fn bad_numbers_in_at_are_named() {
    rejects(
        &["expr", "x*y", "--at", "x=1,y=abc"],
        "error: --at: `y=abc`: `abc` is not a number\n",
    );
    rejects(
        &["expr", "x", "--at", "x=inf"],
        "error: --at: `x=inf`: `inf` is not a finite number\n",
    );
    rejects(
        &["expr", "x", "--at", "x"],
        "error: --at: expected NAME=VALUE, found `x`\n",
    );
    rejects(
        &["expr", "x", "--at", "x=1", "--at", "x=2"],
        "error: --at: `x` is given twice\n",
    );
}

#[test]
fn unknown_function_lists_the_known_ones() {
    rejects(
        &["expr", "tan(x)", "--at", "x=1"],
        "error at column 1: unknown function `tan` (known: tanh, sigmoid, relu, exp, ln, log, \
         sqrt, abs, square)\n  tan(x)\n  ^^^\n",
    );
}

#[test]
fn unbalanced_parentheses() {
    rejects(
        &["expr", "2*(x + 1", "--at", "x=1"],
        "error at column 3: unclosed parenthesis\n  2*(x + 1\n    ^\n",
    );
    rejects(
        &["expr", "x + 1)", "--at", "x=1"],
        "error at column 6: unmatched `)`\n  x + 1)\n       ^\n",
    );
}

#[test]
fn empty_input_and_trailing_garbage() {
    rejects(
        &["expr", ""],
        "error at column 1: empty expression\n  \n  ^\n",
    );
    rejects(
        &["expr", "x y", "--at", "x=1,y=2"],
        "error at column 3: expected an operator or the end of the expression, found `y`\n\
         \x20 x y\n\
         \x20   ^\n",
    );
    rejects(
        &["expr", "x", "--at", "x=1", "--wrt", "z"],
        "error: --wrt: `z` is not a variable of the expression (its variables: x)\n",
    );
}

#[test]
fn division_by_zero_is_reported_as_inf() {
    let (code, out, err) = chaintrace(&["expr", "1/x", "--at", "x=0"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // f = 1/x = inf at x = 0, and ∂f/∂x = −1/x² = −inf. The tracer's anomaly report names the
    // division as the first non-finite value, and blames no multiplication: the −inf comes
    // from an op whose own value was already infinite.
    assert!(out.contains("f = u₂ = inf\n"), "{out}");
    assert!(
        out.contains(
            "warning: u₂ = 1/x is inf: the first non-finite value in forward order (op div); \
             its operands: 1, x = 0\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "warning: multiplication 1 of the backward pass (∂f/∂x, op div) is the first to \
             give a non-finite product, -inf; its operands were already non-finite"
        ),
        "{out}"
    );
}

#[test]
fn a_malformed_trace_file_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("chaintrace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    std::fs::write(&file, "{\"version\": 1}").unwrap();
    let (code, _, err) = chaintrace(&["trace", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: ") && err.contains("malformed trace JSON: missing field"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_saved_trace_renders_again_identically() {
    let args = ["expr", "sigmoid(a*b) + a^2", "--at", "a=0.5,b=-1.5"];
    let dir = std::env::temp_dir().join(format!("chaintrace-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trace.json");
    let file = file.to_str().unwrap();
    let (code, out, _) = chaintrace(&[&args[..], &["--format", "json", "--out", file]].concat());
    assert_eq!((code, out.as_str()), (0, ""));
    // Every format but the expression's own walk-through renders from the trace alone, so
    // the saved trace gives the same output as the expression.
    for format in ["json", "md", "dot"] {
        let (code, direct, _) = chaintrace(&[&args[..], &["--format", format]].concat());
        assert_eq!(code, 0);
        let (code, again, err) = chaintrace(&["trace", file, "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert_eq!(again, direct, "{format}");
    }
    let (code, text, _) = chaintrace(&["trace", file]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with("chaintrace trace\n================\n"),
        "{text}"
    );
    let (code, page, _) = chaintrace(&["trace", file, "--format", "html"]);
    assert_eq!(code, 0);
    // The page starts at the seed: the output u₅ = σ(a·b) + a² with respect to itself.
    assert!(page.contains("data-formula=\"∂L/∂u₅ = 1\""), "{page}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_trace_names_the_position() {
    let dir = std::env::temp_dir().join(format!("chaintrace-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"schema\": \"chaintrace-trace/1\",\n  \"element\": 64\n}",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    rejects(
        &["trace", path, "--format", "html"],
        &format!(
            "error: {path}: malformed trace JSON: invalid type: integer `64`, expected a string \
             at line 3 column 15\n"
        ),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn expr_text_snapshot() {
    let (code, out, err) = chaintrace(&["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2,b=0.1"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("expr_tanh_neuron", out);
}

#[test]
fn demo_chain_snapshot() {
    let (code, out, err) = chaintrace(&["demo", "chain", "--depth", "10"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_chain_depth_10", out);
}

#[test]
fn demo_chain_default_shows_the_article_numbers() {
    let (code, out, _) = chaintrace(&["demo", "chain"]);
    assert_eq!(code, 0);
    // 1.5^50 = 637621500.21… and 0.5^50 = 8.8817841970012523e-16.
    assert!(
        out.contains("  1.5    6.37622e8    6.37622e8         6.37622e8"),
        "{out}"
    );
    assert!(
        out.contains("  0.5  8.88178e-16  8.88178e-16       8.88178e-16"),
        "{out}"
    );
    assert!(
        out.contains("1.5  f32   overflows to inf at depth 219"),
        "{out}"
    );
    assert!(
        out.contains("1.5  f64   overflows to inf at depth 1751"),
        "{out}"
    );
}

#[test]
fn demo_chain_renders_in_every_format() {
    for format in ["md", "json", "dot", "svg", "html"] {
        let (code, out, err) = chaintrace(&["demo", "chain", "--depth", "6", "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        let start = match format {
            "md" => "## The exploding chain",
            "json" => "{",
            "dot" => "digraph chaintrace {",
            "svg" => "<svg",
            _ => "<!DOCTYPE html>",
        };
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    let (_, json, _) = chaintrace(&["demo", "chain", "--depth", "300", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    // 1.5^300 overflows f32 (past depth 219) but not f64.
    assert_eq!(report["runs"][0]["gradient_f32"], "Infinity");
    assert!(report["runs"][0]["gradient_f64"].as_f64().unwrap() > 1e52);
}

#[test]
fn demo_rnn_snapshot() {
    let args = [
        "demo", "rnn", "--steps", "8", "--hidden", "4", "--batch", "2",
    ];
    let (code, out, err) = chaintrace(&args);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_rnn_t8_h4", out);
}

#[test]
fn demo_rnn_renders_in_every_format() {
    let small = [
        "demo", "rnn", "--steps", "6", "--hidden", "3", "--batch", "2",
    ];
    for (format, start) in [
        ("md", "# Gradients through time"),
        ("svg", "<svg"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let (code, out, err) = chaintrace(&[&small[..], &["--format", format]].concat());
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    let (_, json, _) = chaintrace(&[&small[..], &["--format", "json", "--seed", "3"]].concat());
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["seed"], 3);
    let cells: Vec<&str> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["rnn", "lstm", "gru"]);
    for run in report["runs"].as_array().unwrap() {
        let norms = run["gradient_norms"].as_array().unwrap();
        assert_eq!(norms.len(), 6);
        // The ratio is the first norm over the last.
        let (first, last) = (norms[0].as_f64().unwrap(), norms[5].as_f64().unwrap());
        assert!((run["ratio"].as_f64().unwrap() - first / last).abs() <= 1e-12 * first / last);
    }
    let sigma = report["w_hh"]["largest_singular_value"].as_f64().unwrap();
    let rho = report["w_hh"]["spectral_radius"].as_f64().unwrap();
    assert!(
        0.0 < rho && rho <= sigma * (1.0 + 1e-9),
        "ρ = {rho}, σ = {sigma}"
    );
}

#[test]
fn demo_rnn_rejects_bad_options() {
    rejects(
        &["demo", "rnn", "--scale", "NaN"],
        "error: --scale must be a finite number, got NaN\n",
    );
    rejects(
        &["demo", "rnn", "--steps", "4", "--format", "dot"],
        "error: demo rnn has no computation graph to draw: use --format text, md, json, svg or \
         html\n",
    );
    for bad in [
        &["--steps", "1"][..],
        &["--hidden", "0"],
        &["--batch", "x"],
        &["--init", "xavier"],
    ] {
        let (code, out, err) = chaintrace(&[&["demo", "rnn"][..], bad].concat());
        assert_eq!((code, out.as_str()), (2, ""), "{bad:?}");
        assert!(err.starts_with("error: invalid value"), "{bad:?}: {err}");
    }
}

#[test]
fn demo_clip_snapshot() {
    // Eight steps: enough for the unclipped run to reach NaN (at step 3 with seed 0).
    let (code, out, err) = chaintrace(&["demo", "clip", "--steps", "8"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!("demo_clip_8_steps", out);
}

#[test]
fn demo_clip_renders_in_every_format() {
    let small = [
        "demo", "clip", "--steps", "30", "--depth", "6", "--width", "4",
    ];
    for (format, start) in [
        ("md", "# Gradient clipping"),
        ("svg", "<svg xmlns"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let (code, out, err) = chaintrace(&[&small[..], &["--format", format]].concat());
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert!(
            out.starts_with(start),
            "{format}: {}",
            &out[..80.min(out.len())]
        );
    }
    // The default run: the unclipped run fails, is located by the tracer, and the clipped
    // run ends at the least-squares line's loss.
    let (code, json, _) = chaintrace(&["demo", "clip", "--format", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (plain, clipped) = (&report["runs"][0], &report["runs"][1]);
    assert_eq!(plain["max_norm"], serde_json::Value::Null);
    let failure = &plain["failure"];
    let step = failure["step"].as_u64().unwrap() as usize;
    assert_eq!(plain["steps"].as_array().unwrap().len(), step + 1);
    assert!(
        failure["trace"]["anomalies"]["forward"]["op"].is_string(),
        "{failure}"
    );
    assert_eq!(clipped["failure"], serde_json::Value::Null);
    let steps = clipped["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 100);
    let last = steps[99]["loss"].as_f64().unwrap();
    let best = report["best_line_loss"].as_f64().unwrap();
    assert!((last - best).abs() < 1e-6 * best, "{last} vs {best}");
    // Where it clipped, the scale is max_norm / (‖g‖ + 1e-6).
    for s in steps {
        let (g, scale) = (
            s["grad_norm"].as_f64().unwrap(),
            s["scale"].as_f64().unwrap(),
        );
        let expected = if g > 5.0 { 5.0 / (g + 1e-6) } else { 1.0 };
        assert!((scale - expected).abs() < 1e-12, "{s}");
    }
}

#[test]
fn demo_clip_rejects_bad_options() {
    rejects(
        &["demo", "clip", "--lr", "0"],
        "error: --lr must be a positive number, got 0\n",
    );
    rejects(
        &["demo", "clip", "--max-norm", "inf"],
        "error: --max-norm must be a positive number, got inf\n",
    );
    rejects(
        &["demo", "clip", "--steps", "3", "--format", "dot"],
        "error: demo clip has no computation graph to draw: use --format text, md, json, svg or \
         html\n",
    );
    for bad in [&["--depth", "0"][..], &["--steps", "0"], &["--gain", "big"]] {
        let (code, out, err) = chaintrace(&[&["demo", "clip"][..], bad].concat());
        assert_eq!((code, out.as_str()), (2, ""), "{bad:?}");
        assert!(err.starts_with("error: invalid value"), "{bad:?}: {err}");
    }
}

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
