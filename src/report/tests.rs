//! Tests of the tape-to-trace bridge and the renderers.

use super::*;
use crate::tape::NodeId;
use crate::{Error, Tape};

/// micrograd's README expression (see tests/core.rs): a graph with fan-out, relu, powf, div.
fn micrograd(tape: &Tape<f64>) -> (crate::Var<'_, f64>, Vec<crate::Var<'_, f64>>) {
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
    (g, vec![a, b])
}

#[test]
fn the_bridge_sweep_equals_backward_bit_for_bit() {
    let tape = Tape::<f64>::new();
    let (g, leaves) = micrograd(&tape);
    let trace = HtmlTrace::from_scalar_tape(g, "g", &leaves).unwrap();
    let grads = g.backward();
    for node in &trace.nodes {
        let expected = grads.get(NodeId(node.id)).map(|t| t.item().unwrap());
        assert_eq!(
            node.grad.map(f64::to_bits),
            expected.map(f64::to_bits),
            "{}",
            node.name
        );
    }
    // The README's values: dg/da = 138.8338, dg/db = 645.5773.
    assert!((trace.gradients[0].value - 138.8338).abs() < 5e-5);
    assert!((trace.gradients[1].value - 645.5773).abs() < 5e-5);
    // One step per edge into a node that needs a gradient (constants get none).
    let nodes = tape.nodes();
    let edges = trace
        .edges
        .iter()
        .filter(|e| nodes[e.from].requires_grad)
        .count();
    assert_eq!(trace.steps.len(), edges);
}

#[test]
fn steps_show_the_chain_rule_and_fan_in() {
    // f = x·x at x = 3: two multiplications into x, 3 then 3 + 3 = 6 = 2x.
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 3.0);
    let trace = HtmlTrace::from_scalar_tape(x * x, "f", &[x]).unwrap();
    let formulas: Vec<&str> = trace.steps.iter().map(|s| s.formula.as_str()).collect();
    assert_eq!(
        formulas,
        [
            "∂f/∂x = ∂f/∂u1 · ∂u1/∂x = 1 × 3 = 3",
            "∂f/∂x = ∂f/∂u1 · ∂u1/∂x = 1 × 3 = 3"
        ]
    );
    assert_eq!(trace.steps[1].accumulated, 6.0);
    assert!(!trace.steps[0].sums() && trace.steps[1].sums());
    // The closed form is the core's symbolic sweep (2·x once like terms are collected).
    assert!(!trace.gradients[0].formula.is_empty());
}

#[test]
fn op_names_avoid_the_leaves_names() {
    let tape = Tape::<f64>::new();
    let u1 = tape.var("u1", 1.0);
    let trace = HtmlTrace::from_scalar_tape(u1.exp(), "f", &[]).unwrap();
    assert_eq!(trace.nodes[1].name, "v1");
}

#[test]
fn tensors_are_refused_with_a_reason() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", crate::Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let e = HtmlTrace::from_scalar_tape(x.sum(), "f", &[x]).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("[2]"), "{e}");
}

#[test]
fn layers_make_a_ledger_from_the_output_back() {
    // y = w·(w·x) at w = 3, one multiplication per layer: ∂y/∂h2 = 1, ∂y/∂h1 = w = 3.
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 3.0), tape.var("x", 1.0));
    let h1 = tape.layer("one", || w * x);
    let h2 = tape.layer("two", || w * h1);
    let trace = HtmlTrace::from_scalar_tape(h2, "y", &[x]).unwrap();
    let rows: Vec<(&str, Vec<Option<f64>>)> = trace
        .ledger
        .rows
        .iter()
        .map(|r| (r.layer.as_str(), r.values.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("two", vec![Some(1.0), None]),
            ("one", vec![Some(3.0), Some(3.0)])
        ]
    );
}

#[test]
fn non_finite_values_are_noted_and_survive_json() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.0);
    let trace = HtmlTrace::from_scalar_tape(1.0 / x, "f", &[x]).unwrap();
    assert_eq!(trace.notes.len(), 2);
    assert!(trace.notes[0].starts_with("u1 = "), "{}", trace.notes[0]);
    assert!(trace.notes[0].ends_with(" is inf: the first non-finite value in forward order"));
    assert_eq!(
        trace.notes[1],
        "step 1 (∂f/∂x) is -inf: the first non-finite multiplication of the backward pass"
    );
    let json = trace.to_json();
    assert!(json.contains("\"value\": \"Infinity\"") && json.contains("\"-Infinity\""));
    assert_eq!(HtmlTrace::from_json(&json).unwrap(), trace);
}

#[test]
fn malformed_json_is_an_error_with_a_reason() {
    let reason = |json: &str| match HtmlTrace::from_json(json) {
        Err(Error::Malformed { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason("{").contains("line 1"));
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let mut trace = HtmlTrace::from_scalar_tape(x.exp(), "f", &[x]).unwrap();
    trace.version = 99;
    assert!(reason(&trace.to_json()).contains("format version 99"));
    trace.version = FORMAT_VERSION;
    trace.steps[0].edge = 7;
    assert_eq!(
        reason(&trace.to_json()),
        "step 0 refers to a missing node or edge"
    );
    let json = trace.to_json().replace("\"Infinity\"", "\"lots\"");
    let json = json.replacen("\"value\": 2.0", "\"value\": \"lots\"", 1);
    assert!(reason(&json).contains("\"Infinity\", \"-Infinity\" or \"NaN\""));
}

#[test]
fn the_page_is_self_contained_and_escapes_its_text() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let mut trace = HtmlTrace::from_scalar_tape(x.tanh(), "f", &[x]).unwrap();
    trace.title = "</script><script>alert(1)</script>".into();
    let page = html::page(&trace);
    assert!(!page.contains("<script>alert"));
    let json_start = page.find("id=\"trace-data\">").unwrap();
    let json_end = json_start + page[json_start..].find("</script>").unwrap();
    assert!(!page[json_start + 16..json_end].contains('<'));
    for external in ["src=", "href=", "<link", "@import", "url(http"] {
        assert!(!page.contains(external), "{external}");
    }
    let embedded: HtmlTrace =
        serde_json::from_str(&page[json_start + 16..json_end].replace("\\u003c", "<")).unwrap();
    assert_eq!(embedded, trace);
}

#[test]
fn dot_names_edges_by_local_derivative_and_dashes_residuals() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.5);
    let y = tape.residual(x, |x| x.tanh());
    let dot = HtmlTrace::from_scalar_tape(y, "y", &[x]).unwrap().to_dot();
    assert!(
        dot.contains("n0 -> n2 [label=\"∂u2/∂x = 1\\n= 1\", style=dashed];"),
        "{dot}"
    );
    assert!(
        dot.contains("n1 -> n2 [label=\"∂u2/∂u1 = 1\\n= 1\"];"),
        "{dot}"
    );
    let svg = graph_svg::graph_svg(&HtmlTrace::from_scalar_tape(y, "y", &[x]).unwrap()).unwrap();
    assert!(svg.contains("class=\"edge residual\""));
}

#[test]
fn numbers_print_with_six_significant_digits() {
    let cases = [
        (3.0, "3"),
        (-0.5, "-0.5"),
        (0.99594, "0.99594"),
        (0.995949, "0.995949"),
        (3.1f64.tanh(), "0.995949"),
        (123456.7, "123457"),
        (999999.0, "999999"),
        (1e6, "1e6"),
        (0.0001, "0.0001"),
        (0.00009, "9e-5"),
        (-2.5e-20, "-2.5e-20"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "NaN"),
        (f64::MAX, "1.79769e308"),
    ];
    for (x, s) in cases {
        assert_eq!(fmt_num(x), s, "{x:e}");
    }
}
