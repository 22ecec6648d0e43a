//! `chaintrace expr … --order 2`: the Hessian of a formula, each entry's closed form and value
//! against hand-derived closed forms, against central differences of the gradient, and
//! against the closed form evaluated; symmetric entries agree; bad orders and formats are
//! refused in one line.

use std::collections::BTreeMap;

use chaintrace::ops::{COS, SIN};
use chaintrace::{Tape, expr_lang, grad, symbolic};
use proptest::prelude::*;
use serde_json::Value;

mod binary;
use binary::{chaintrace, rejects};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// The JSON of `expr SOURCE --at AT --order 2`.
fn hessian_json(source: &str, at: &str) -> Value {
    let (code, out, err) = chaintrace(&[
        "expr", source, "--at", at, "--order", "2", "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

/// `(row, col, closed_form, value)` of each Hessian entry, row by row.
fn entries(json: &Value) -> Vec<(String, String, String, f64)> {
    json["hessian"]
        .as_array()
        .expect("a hessian array")
        .iter()
        .map(|e| {
            (
                e["row"].as_str().unwrap().to_string(),
                e["col"].as_str().unwrap().to_string(),
                e["closed_form"].as_str().unwrap().to_string(),
                e["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn hessian_of_x2y_plus_sin_xy_matches_its_closed_forms() {
    let (x, y) = (0.8f64, -1.3f64);
    let json = hessian_json("x^2*y + sin(x*y)", "x=0.8,y=-1.3");
    assert_eq!(json["expression"], "x^2*y + sin(x*y)");
    assert_eq!(json["order"], 2);
    assert_eq!(json["at"]["x"], 0.8);
    let (s, c) = ((x * y).sin(), (x * y).cos());
    let gradient = json["gradient"].as_array().unwrap();
    assert_eq!(gradient[0]["wrt"], "x");
    assert_eq!(gradient[0]["closed_form"], "2·x·y + y·cos(x·y)");
    assert!(close(
        gradient[0]["value"].as_f64().unwrap(),
        2.0 * x * y + y * c,
        1e-15
    ));
    assert!(close(
        gradient[1]["value"].as_f64().unwrap(),
        x * x + x * c,
        1e-15
    ));
    // f_xx = 2y − y²·sin(xy), f_xy = 2x + cos(xy) − xy·sin(xy), f_yy = −x²·sin(xy).
    let cross = 2.0 * x + c - x * y * s;
    let want = [
        ("x", "x", "2·y − y²·sin(x·y)", 2.0 * y - y * y * s),
        ("x", "y", "2·x − x·y·sin(x·y) + cos(x·y)", cross),
        ("y", "x", "2·x − x·y·sin(x·y) + cos(x·y)", cross),
        ("y", "y", "−x²·sin(x·y)", -x * x * s),
    ];
    let got = entries(&json);
    assert_eq!(got.len(), 4);
    for ((row, col, form, value), (r, c, f, v)) in got.iter().zip(want) {
        assert_eq!((row.as_str(), col.as_str(), form.as_str()), (r, c, f));
        assert!(close(*value, v, 1e-14), "{r}{c}: {value} vs {v}");
    }
    assert_eq!(got[1].3, got[2].3, "the symmetric entries agree");
}

#[test]
fn text_shows_the_gradient_the_hessian_and_where_the_first_row_comes_from() {
    let (code, out, err) = chaintrace(&[
        "expr",
        "x^2*y + sin(x*y)",
        "--at",
        "x=0.8,y=-1.3",
        "--order",
        "2",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    for line in [
        "  ∂f/∂x     2·x·y + y·cos(x·y)  -2.73809",
        "  ∂²f/∂x²   2·y − y²·sin(x·y)              -1.14254",
        "  ∂²f/∂y²   −x²·sin(x·y)                   0.551939",
        "symmetric: ∂²f/∂a∂b = ∂²f/∂b∂a for every pair, to the bit",
        "  u₈    cos(u₄)      0.50622  grad",
        "g = u₁₉ = -2.73809",
    ] {
        assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    }
    // The traced backward of g = ∂f/∂x ends at the row: ∂g/∂x = f_xx, ∂g/∂y = f_xy.
    let last: Vec<&str> = out.lines().rev().take(2).collect();
    assert!(last[1].ends_with("-1.14254") && last[1].contains("∂g/∂x"));
    assert!(last[0].ends_with("1.20932") && last[0].contains("∂g/∂y"));
}

#[test]
fn markdown_has_both_tables() {
    let (code, out, _) = chaintrace(&[
        "expr",
        "x*y^3",
        "--at",
        "x=2,y=0.5",
        "--order",
        "2",
        "--format",
        "md",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# f = x\\*y^3\n"), "{out}");
    assert!(out.contains("| ∂f/∂y | 3·x·y² | 1.5 |\n"), "{out}");
    assert!(out.contains("| ∂²f/∂x∂y | 3·y² | 0.75 |\n"), "{out}");
    assert!(out.contains("| ∂²f/∂y² | 6·x·y | 6 |\n"), "{out}");
}

#[test]
fn wrt_picks_the_variables_and_order_1_is_the_default() {
    let json = hessian_json("x*y*z", "x=1,y=2,z=3");
    assert_eq!(entries(&json).len(), 9);
    let (code, out, _) = chaintrace(&[
        "expr",
        "x*y*z",
        "--at",
        "x=1,y=2,z=3",
        "--order",
        "2",
        "--wrt",
        "z,x",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&out).unwrap();
    let got: Vec<(String, String, f64)> = entries(&json)
        .into_iter()
        .map(|(r, c, _, v)| (r, c, v))
        .collect();
    let want = [
        ("z", "z", 0.0),
        ("z", "x", 2.0),
        ("x", "z", 2.0),
        ("x", "x", 0.0),
    ];
    for ((r, c, v), (wr, wc, wv)) in got.iter().zip(want) {
        assert_eq!((r.as_str(), c.as_str(), *v), (wr, wc, wv));
    }
    let default = chaintrace(&["expr", "tanh(w*x)", "--at", "w=1,x=2"]);
    let first = chaintrace(&["expr", "tanh(w*x)", "--at", "w=1,x=2", "--order", "1"]);
    assert_eq!(default, first);
}

#[test]
fn constants_and_linear_formulas() {
    let (code, out, _) = chaintrace(&["expr", "3", "--order", "2"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "f = 3\nno variables: a constant, so no gradient flows\n")
    );
    let (code, out, _) = chaintrace(&["expr", "x + 2*y", "--at", "x=1,y=2", "--order", "2"]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with(
            "\n∂f/∂x = 1 is a constant (no op lies between it and a variable), so the row \
             ∂²f/∂x∂· is 0\n"
        ),
        "{out}"
    );
}

#[test]
fn a_non_finite_entry_is_named() {
    let (code, out, _) = chaintrace(&["expr", "sqrt(x)", "--at", "x=0", "--order", "2"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("warning: ∂f/∂x is inf at this point\n"),
        "{out}"
    );
    assert!(
        out.contains("warning: ∂²f/∂x² is -inf at this point\n"),
        "{out}"
    );
}

#[test]
fn a_closed_form_too_large_to_build_is_null_and_its_value_is_still_given() {
    // f = tanh applied 60 times to x: the second derivative's closed form outgrows
    // symbolic::MAX_EXPR_NODES. By the recurrence y_k = tanh(y_{k−1}):
    // y_k′ = (1 − y_k²)·y_{k−1}′ and y_k″ = (1 − y_k²)·y_{k−1}″ − 2·y_k·(1 − y_k²)·y_{k−1}′².
    let depth = 60;
    let source = format!("{}x{}", "tanh(".repeat(depth), ")".repeat(depth));
    let (mut y, mut d1, mut d2) = (0.5f64, 1.0f64, 0.0f64);
    for _ in 0..depth {
        let (prev, prev1) = (y, d1);
        y = prev.tanh();
        let s = 1.0 - y * y;
        d1 = s * prev1;
        d2 = s * d2 - 2.0 * y * s * prev1 * prev1;
    }
    let json = hessian_json(&source, "x=0.5");
    let entry = &json["hessian"][0];
    assert!(entry["closed_form"].is_null(), "{entry}");
    assert!(close(entry["value"].as_f64().unwrap(), d2, 1e-12));
    assert!(close(
        json["gradient"][0]["value"].as_f64().unwrap(),
        d1,
        1e-12
    ));
    let (code, out, _) = chaintrace(&["expr", &source, "--at", "x=0.5", "--order", "2"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("  ∂²f/∂x²  (too large to show)  -0.148054\n"),
        "{out}"
    );
}

#[test]
fn other_orders_and_graph_formats_are_refused_in_one_line() {
    for order in ["0", "3", "10"] {
        rejects(
            &["expr", "x", "--at", "x=1", "--order", order],
            &format!(
                "error: --order {order}: expr shows order 1 (the gradient) or 2 (the gradient \
                 and the Hessian)\n"
            ),
        );
    }
    for format in ["dot", "svg", "html"] {
        rejects(
            &[
                "expr", "x", "--at", "x=1", "--order", "2", "--format", format,
            ],
            &format!(
                "error: --order 2 prints text, md or json, not {format}: the Hessian is a table\n"
            ),
        );
    }
}

/// The CLI's route in the library: values from `grad` twice, closed forms from
/// `symbolic::gradient` of the recorded gradient. Returns, row by row, (closed form, its value
/// evaluated, the engine's value), and the gradient by central differences of `backward`.
fn library_route(source: &str, at: &BTreeMap<String, f64>) -> (Vec<(String, f64, f64)>, Vec<f64>) {
    let program = expr_lang::Parser::new()
        .with_function(&SIN)
        .with_function(&COS)
        .parse(source)
        .unwrap();
    let tape = Tape::<f64>::new();
    let built = program.build(&tape, at).unwrap();
    let xs: Vec<_> = built.leaves.iter().map(|(_, v)| *v).collect();
    let g = grad(built.output, &xs).unwrap();
    let mut rows = Vec::new();
    for gi in &g {
        let second = grad(*gi, &xs).unwrap();
        for (h, x) in second.iter().zip(&xs) {
            let form = symbolic::gradient(*gi, *x).unwrap();
            rows.push((form.to_string(), form.eval(at).unwrap(), h.item().unwrap()));
        }
    }
    // H[i][j] ≈ (∂f/∂xᵢ(x + h·eⱼ) − ∂f/∂xᵢ(x − h·eⱼ)) / 2h, from plain backward passes.
    let names: Vec<String> = built.leaves.iter().map(|(n, _)| n.clone()).collect();
    let gradient_at = |shift: &BTreeMap<String, f64>| -> Vec<f64> {
        let tape = Tape::<f64>::new();
        let built = program.build(&tape, shift).unwrap();
        let grads = built.output.backward();
        built
            .leaves
            .iter()
            .map(|(_, v)| grads.scalar(*v).unwrap_or(0.0))
            .collect()
    };
    let h = 1e-5;
    let mut differences = vec![0.0; names.len() * names.len()];
    for (j, name) in names.iter().enumerate() {
        let (mut up, mut down) = (at.clone(), at.clone());
        *up.get_mut(name).unwrap() += h;
        *down.get_mut(name).unwrap() -= h;
        let (gu, gd) = (gradient_at(&up), gradient_at(&down));
        for i in 0..names.len() {
            differences[i * names.len() + j] = (gu[i] - gd[i]) / (2.0 * h);
        }
    }
    (rows, differences)
}

#[test]
fn the_cli_closed_forms_are_the_library_ones_and_evaluate_to_the_values() {
    let cases = [
        ("x^2*y + sin(x*y)", "x=0.8,y=-1.3"),
        ("tanh(w*x + b)", "w=1.5,x=2,b=0.1"),
        ("exp(x)/(1 + y^2) - ln(x*y)", "x=1.3,y=0.7"),
        ("sigmoid(a*b) * cos(a)", "a=0.4,b=-2"),
        ("x^y", "x=1.7,y=0.6"),
    ];
    for (source, at) in cases {
        let json = hessian_json(source, at);
        let values: BTreeMap<String, f64> = at
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect();
        let (rows, differences) = library_route(source, &values);
        let shown = entries(&json);
        assert_eq!(shown.len(), rows.len(), "{source}");
        for (k, ((_, _, form, value), (lib_form, evaluated, engine))) in
            shown.iter().zip(&rows).enumerate()
        {
            assert_eq!(form, lib_form, "{source}");
            assert_eq!(value, engine, "{source}");
            assert!(close(*evaluated, *engine, 1e-10), "{source}: {form}");
            assert!(close(*engine, differences[k], 1e-6), "{source}: {form}");
        }
    }
}

/// A random smooth formula of x0, x1, x2 (finite for inputs in [0.5, 2]).
fn smooth_expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x0".to_string()),
        Just("x1".to_string()),
        Just("x2".to_string()),
        (1..9u32).prop_map(|k| format!("{}", k as f64 / 4.0)),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} * {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / (1 + square({b}))")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("sin({a})")),
            inner.clone().prop_map(|a| format!("sigmoid({a})")),
            inner.clone().prop_map(|a| format!("sqrt(1 + square({a}))")),
            inner.prop_map(|a| format!("({a})^3")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every entry's closed form evaluates to its value, which agrees with central differences
    /// of the gradient, and the matrix is symmetric.
    #[test]
    fn second_derivatives_agree_three_ways(
        source in smooth_expression(),
        values in proptest::collection::vec(0.5f64..2.0, 3),
    ) {
        let at: BTreeMap<String, f64> =
            (0..3).map(|i| (format!("x{i}"), values[i])).collect();
        let program = expr_lang::Parser::new().with_function(&SIN).parse(&source).unwrap();
        let used: BTreeMap<String, f64> = program
            .variables()
            .iter()
            .map(|(n, _)| (n.to_string(), at[*n]))
            .collect();
        let (rows, differences) = library_route(&source, &used);
        let n = used.len();
        for (k, (form, evaluated, engine)) in rows.iter().enumerate() {
            prop_assert!(close(*evaluated, *engine, 1e-9), "{source}: {form} = {evaluated} vs {engine}");
            prop_assert!(close(*engine, differences[k], 1e-5), "{source}: {engine} vs {}", differences[k]);
            let (i, j) = (k / n, k % n);
            prop_assert!(close(*engine, rows[j * n + i].2, 1e-12), "{source}: not symmetric");
        }
    }
}
