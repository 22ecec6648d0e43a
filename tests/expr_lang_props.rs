//! What the fuzz targets in `fuzz/` check, on the stable toolchain with modest case counts:
//! arbitrary text through the expression language (parse, build, backward, trace, closed-form
//! gradient, JSON round trip) and arbitrary or mutated trace files through the loader and
//! every renderer. Nothing may panic; what loads must read back equal to what was written.

use std::collections::BTreeMap;

use chaintrace::expr_lang;
use chaintrace::report::{HtmlTrace, html, svg};
use chaintrace::{Tape, Trace, TraceOptions};
use proptest::prelude::*;

/// A well-formed expression of x and y with any function and operator, constants from 0 to
/// 1e308 and 0/0: its values and gradients include 0, ±inf and NaN.
fn well_formed() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "x", "y", "0", "1", "2.5", "1e308", "1e-308", "0e-999", "(0-1)", "(0/0)",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(5, 40, 2, |inner| {
        let function = prop::sample::select(vec![
            "tanh", "sigmoid", "relu", "exp", "ln", "log", "sqrt", "abs", "square",
        ]);
        let operator = prop::sample::select(vec!["+", "-", "*", "/", "^", "−", "·", "÷"]);
        prop_oneof![
            (inner.clone(), operator, inner.clone()).prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            (inner.clone(), operator_free()).prop_map(|(a, sign)| format!("{sign}({a})")),
            (function, inner).prop_map(|(f, a)| format!("{f}({a})")),
        ]
    })
}

fn operator_free() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "-", "+", "--"])
}

/// Text made of the language's own pieces, with some noise, so that some of it parses.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "x", "y", "w", "1", "0", "2.5", "1e308", "1e-308", "0e-999", "+", "-", "*", "/", "^",
            "(", ")", "tanh(", "sigmoid(", "relu(", "exp(", "ln(", "log(", "sqrt(", "abs(",
            "square(", "−", "·", "÷", " ",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[0-9.eE+-]{1,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

/// Well-formed expressions, noise, and well-formed expressions with noise spliced in.
fn expression_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => well_formed(),
        1 => noise(),
        1 => (well_formed(), noise(), any::<prop::sample::Index>()).prop_map(|(e, n, at)| {
            let cut = e
                .char_indices()
                .nth(at.index(e.chars().count().max(1)))
                .map_or(0, |c| c.0);
            format!("{}{n}{}", &e[..cut], &e[cut..])
        }),
    ]
}

/// A trace of an expression, recorded and traced, as the CLI would save it.
fn trace_of(source: &str) -> Option<Trace> {
    let program = expr_lang::parse(source).ok()?;
    let values: BTreeMap<String, f64> = program
        .variables()
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.to_string(), 0.5 + 0.25 * i as f64))
        .collect();
    let tape = Tape::<f64>::new();
    let built = program
        .build(&tape, &values)
        .expect("every variable has a value");
    let grads = built.output.backward();
    let (traced, trace) = built
        .output
        .try_backward_traced(TraceOptions::default())
        .expect("a scalar output traces");
    for (_, leaf) in built.leaves.iter().take(2) {
        let plain = grads.wrt(*leaf).unwrap().item().unwrap();
        let seen = traced.wrt(*leaf).unwrap().item().unwrap();
        assert!(plain.to_bits() == seen.to_bits() || (plain.is_nan() && seen.is_nan()));
        let _ = trace.try_symbolic_gradient(*leaf).map(|e| e.to_string());
    }
    Some(trace)
}

/// Every renderer of a loaded trace, then its JSON read back.
fn render_all(trace: &Trace) -> Trace {
    let _ = trace.to_text();
    let _ = trace.to_markdown();
    let _ = trace.to_dot();
    let _ = svg::trace_chart(trace, "f");
    let _ = html::page(&HtmlTrace::from_trace(trace, "f"));
    Trace::from_json(&trace.to_json()).expect("a written trace reads back")
}

/// A saved trace with one edit: a byte replaced, text inserted, or a range removed.
fn mutated_trace() -> impl Strategy<Value = String> {
    let seeds = prop::sample::select(vec!["tanh(w*x + b)", "sigmoid(a*b) + a^2", "ln(x) / x"]);
    let edit = prop_oneof![
        (any::<prop::sample::Index>(), any::<char>()).prop_map(|(i, c)| (0, i, c.to_string())),
        (
            any::<prop::sample::Index>(),
            "[0-9e.+\\-\"{}\\[\\],:NaIfy]{1,24}"
        )
            .prop_map(|(i, s)| (1, i, s)),
        (any::<prop::sample::Index>(), "[0-9]{1,3}").prop_map(|(i, s)| (2, i, s)),
    ];
    (seeds, prop::collection::vec(edit, 1..4)).prop_map(|(seed, edits)| {
        let mut text = trace_of(seed).unwrap().to_json().into_bytes();
        for (kind, at, insert) in edits {
            let i = at.index(text.len());
            match kind {
                0 => {
                    text.splice(i..i + 1, insert.bytes());
                }
                1 => {
                    text.splice(i..i, insert.bytes());
                }
                _ => {
                    let end = (i + insert.parse::<usize>().unwrap()).min(text.len());
                    text.drain(i..end);
                }
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    /// Any text: rejected with a one-line message and a two-line excerpt, both short, or
    /// built, swept, traced and written as JSON that reads back to the same JSON.
    #[test]
    fn any_text_through_the_expression_language(source in expression_text()) {
        match expr_lang::parse(&source) {
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.contains('\n') && message.len() < 1024, "{message:?}");
                let caret = error.caret(&source);
                prop_assert_eq!(caret.lines().count(), 2, "{:?}", caret);
                prop_assert!(caret.len() < 2048);
            }
            Ok(_) => {
                let trace = trace_of(&source).unwrap();
                let json = trace.to_json();
                let back = Trace::from_json(&json).expect("a written trace reads back");
                prop_assert_eq!(back.to_json(), json);
            }
        }
    }

    /// Arbitrary bytes and mutated trace files: the loader refuses them or loads a trace that
    /// every renderer takes and whose JSON reads back to the same JSON.
    #[test]
    fn any_bytes_through_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(trace) = Trace::from_json(&String::from_utf8_lossy(&bytes)) {
            let back = render_all(&trace);
            prop_assert_eq!(back.to_json(), trace.to_json());
        }
    }

    #[test]
    fn mutated_trace_files_through_the_loader(text in mutated_trace()) {
        if let Ok(trace) = Trace::from_json(&text) {
            let back = render_all(&trace);
            prop_assert_eq!(back.to_json(), trace.to_json());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A trace read back equals the one written (`from_json(to_json(t)) == t`), NaN included.
    #[test]
    fn expression_traces_round_trip_equal(source in expression_text()) {
        if let Some(trace) = trace_of(&source) {
            prop_assert_eq!(Trace::from_json(&trace.to_json()).unwrap(), trace);
        }
    }

    /// The same for a mutated file that loads.
    #[test]
    fn loaded_traces_round_trip_equal(text in mutated_trace()) {
        if let Ok(trace) = Trace::from_json(&text) {
            prop_assert_eq!(Trace::from_json(&trace.to_json()).unwrap(), trace);
        }
    }
}

/// Extreme exponents keep the op label short (`powf(1e308)`, not 309 digits), so a trace that
/// uses them is under the loader's 256-byte name limit and reads back (found by the property
/// test above: `x+x^1e308+x`).
#[test]
fn extreme_exponents_trace_and_read_back() {
    for (source, label) in [
        ("x^1e308", "powf(1e308)"),
        ("x^1e-300", "powf(1e-300)"),
        ("x^2", "powf(2)"),
        ("x^0.5", "powf(0.5)"),
    ] {
        let trace = trace_of(source).unwrap();
        let json = trace.to_json();
        assert!(json.contains(label), "{source}: no `{label}` in the trace");
        assert_eq!(Trace::from_json(&json).unwrap(), trace, "{source}");
    }
}

/// A trace holds no name the loader would refuse: a leaf, layer or op named past the 256-byte
/// limit is recorded cut, ending in `…`, and the trace reads back equal (the fuzzer found a
/// 96-digit variable name, `x333…3`, spelt with 3-byte subscript digits, that did not).
#[test]
fn long_names_are_recorded_cut_and_read_back() {
    let long = "x".to_string() + &"3".repeat(96);
    let trace = trace_of(&format!("g10/5/Q*{long}")).unwrap();
    assert_eq!(Trace::from_json(&trace.to_json()).unwrap(), trace);

    let tape = Tape::<f64>::new();
    let w = tape.var(&"w".repeat(1000), 1.5);
    let y = tape.layer(&"L".repeat(300), || (w * w).tanh());
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let names: Vec<String> = trace
        .nodes()
        .iter()
        .map(|n| n.display_name().to_string())
        .collect();
    assert!(names.iter().all(|n| n.len() <= 256), "{names:?}");
    assert!(names[0].starts_with("www") && names[0].ends_with('…'));
    let layer = &trace.layers()[1];
    assert!(layer.len() <= 256 && layer.starts_with("LLL") && layer.ends_with('…'));
    assert_eq!(Trace::from_json(&trace.to_json()).unwrap(), trace);
}
