//! Tests of the page model built from a trace, and of the renderers.

use super::*;
use crate::tape::NodeId;
use crate::{Tape, TraceOptions};

/// micrograd's README expression (see tests/core.rs): a graph with fan-out, relu, powf, div.
fn micrograd(tape: &Tape<f64>) -> crate::Var<'_, f64> {
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
    g
}

#[test]
fn the_page_reads_the_traces_numbers() {
    let tape = Tape::<f64>::new();
    let g = micrograd(&tape);
    let (grads, trace) = g.backward_traced(TraceOptions::default());
    let page = HtmlTrace::from_trace(&trace, "g");
    for node in &page.nodes {
        let expected = grads.get(NodeId(node.id)).map(|t| t.item().unwrap());
        assert_eq!(node.grad, expected, "{}", node.name);
    }
    // The README's values: dg/da = 138.8338, dg/db = 645.5773.
    assert!((page.nodes[0].grad.unwrap() - 138.8338).abs() < 5e-5);
    assert!((page.nodes[1].grad.unwrap() - 645.5773).abs() < 5e-5);
    // One step per event, one edge per recorded edge, in the same order.
    assert_eq!(page.steps.len(), trace.events().len());
    assert_eq!(page.edges.len(), trace.edges().len());
    for (step, event) in page.steps.iter().zip(trace.events()) {
        assert_eq!((step.node, step.input), (event.to().0, event.from().0));
        assert_eq!(Some(step.product), event.contribution().as_scalar());
    }
}

#[test]
fn steps_show_the_chain_rule_and_fan_in() {
    // f = x·x at x = 3: two multiplications into x, 3 then 3 + 3 = 6 = 2x.
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 3.0);
    let (_, trace) = (x * x).backward_traced(TraceOptions::default());
    let page = HtmlTrace::from_trace(&trace, "f");
    let formulas: Vec<&str> = page.steps.iter().map(|s| s.formula.as_str()).collect();
    assert_eq!(
        formulas,
        [
            "∂f/∂x = ∂f/∂u₁ · ∂u₁/∂x = 1 × 3 = 3",
            "∂f/∂x = ∂f/∂u₁ · ∂u₁/∂x = 1 × 3 = 3"
        ]
    );
    assert_eq!(page.steps[0].local_formula, "∂u₁/∂x = x");
    assert_eq!(page.steps[1].accumulated, 6.0);
    assert!(!page.steps[0].sums() && page.steps[1].sums());
    assert_eq!(page.nodes[1].formula, "x²");
}

#[test]
fn tensor_steps_show_norms() {
    // f = Σ 2·x for x = (3, 4): the contribution into x is (2, 2), of norm √8.
    let tape = Tape::<f64>::new();
    let x = tape.var("x", crate::Tensor::from_vec(vec![3.0, 4.0], &[2]));
    let (_, trace) = (2.0 * x).sum().backward_traced(TraceOptions::default());
    let page = HtmlTrace::from_trace(&trace, "f");
    let last = page.steps.last().unwrap();
    assert_eq!(last.local, None);
    assert_eq!(
        last.formula,
        "∂f/∂x = ∂f/∂u₂ · ∂u₂/∂x: ‖1.41421‖ → ‖2.82843‖"
    );
    assert_eq!(page.nodes[0].value, 5.0);
}

#[test]
fn layers_make_a_ledger_from_the_output_back() {
    // y = w·(w·x) at w = 3, one multiplication per layer: ∂y/∂h2 = 1, ∂y/∂h1 = w = 3, and the
    // input x of layer one gets w·w = 9.
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 3.0), tape.var("x", 1.0));
    let h1 = tape.layer("one", || w * x);
    let h2 = tape.layer("two", || w * h1);
    let (_, trace) = h2.backward_traced(TraceOptions::default());
    let page = HtmlTrace::from_trace(&trace, "y");
    let rows: Vec<(&str, Vec<Option<f64>>)> = page
        .ledger
        .rows
        .iter()
        .map(|r| (r.layer.as_str(), r.values.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("two", vec![Some(1.0), Some(3.0), Some(3.0), Some(3.0)]),
            ("one", vec![Some(3.0), Some(9.0), Some(3.0), Some(9.0)])
        ]
    );
    assert_eq!(page.ledger.columns[0], "‖∂y/∂(layer output)‖");
    assert_eq!(
        (page.nodes[2].layer.as_str(), page.nodes[2].depth),
        ("one", 1)
    );
}

#[test]
fn non_finite_values_are_noted() {
    // f = 1/x at x = 0 is inf; its gradient −1/x² is −inf, but the tracer blames no
    // multiplication: the op's own value was already infinite.
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.0);
    let (_, trace) = (1.0 / x).backward_traced(TraceOptions::default());
    let notes = HtmlTrace::from_trace(&trace, "f").notes;
    assert_eq!(
        notes,
        [
            "u₂ = 1/x is inf: the first non-finite value in forward order (op div); its \
             operands: 1, x = 0",
            "multiplication 1 of the backward pass (∂f/∂x, op div) is the first to give a \
             non-finite product, -inf; its operands were already non-finite, so no \
             multiplication of finite numbers overflowed"
        ]
    );
}

#[test]
fn an_overflowing_multiplication_is_blamed() {
    // y = (w·x)·k with finite values everywhere, but ∂y/∂x = k·w = 1e200·1e200 overflows.
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 1e200), tape.var("x", 1e-200));
    let k = tape.var("k", 1e200);
    let (_, trace) = ((w * x) * k).backward_traced(TraceOptions::default());
    let notes = HtmlTrace::from_trace(&trace, "y").notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "multiplication 4 of the backward pass (∂y/∂x, op mul) is the first of finite \
             numbers to overflow: ∂y/∂u₃ = 1e200 × ∂u₃/∂x = 1e200 gives inf; operands w = \
             1e200, x = 1e-200"
        ),
        "{}",
        notes[0]
    );
}

#[test]
fn the_page_is_self_contained_and_escapes_its_text() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let (_, trace) = x.tanh().backward_traced(TraceOptions::default());
    let mut page_model = HtmlTrace::from_trace(&trace, "f");
    page_model.title = "</script><script>alert(1)</script>".into();
    let page = html::page(&page_model);
    assert!(!page.contains("<script>alert"));
    let json_start = page.find("id=\"trace-data\">").unwrap();
    let json_end = json_start + page[json_start..].find("</script>").unwrap();
    assert!(!page[json_start + 16..json_end].contains('<'));
    for external in ["src=", "href=", "<link", "@import", "url(http"] {
        assert!(!page.contains(external), "{external}");
    }
    let embedded: HtmlTrace =
        serde_json::from_str(&page[json_start + 16..json_end].replace("\\u003c", "<")).unwrap();
    assert_eq!(embedded, page_model);
}

#[test]
fn a_trace_without_a_graph_gets_no_stepper() {
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 3.0), tape.var("x", 1.0));
    let h1 = tape.layer("one", || w * x);
    let h2 = tape.layer("two", || w * h1);
    let (_, trace) = h2.backward_traced(TraceOptions::ledger_only());
    let page = html::page(&HtmlTrace::from_trace(&trace, "y"));
    assert!(page.contains("<tr data-layer=\"one\">"));
    assert!(!page.contains("id=\"stepper\"") && !page.contains("<script>\n"));
}

#[test]
fn residual_edges_are_drawn_dashed() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.5);
    let y = tape.residual(x, |x| x.tanh());
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let svg = graph_svg::graph_svg(&HtmlTrace::from_trace(&trace, "y")).unwrap();
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

/// A weight shared by every layer of a chain is drawn again beside each layer's op (one copy
/// per edge more than one column from the weight), not as edges across the whole graph; its
/// use in the first layer keeps the edge from the weight's own box.
#[test]
fn a_shared_weight_is_drawn_again_beside_each_far_use() {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 1.0);
    let mut y = x;
    for k in 1..=6 {
        y = tape.layer(&format!("layer{k}"), || w * y);
    }
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let model = HtmlTrace::from_trace(&trace, "y");
    let svg = graph_svg::graph_svg(&model).unwrap();
    let w_edges: Vec<usize> = (0..model.edges.len())
        .filter(|&i| model.edges[i].from == w.id().0)
        .collect();
    assert_eq!(w_edges.len(), 6);
    let ghosts: Vec<usize> = w_edges
        .iter()
        .copied()
        .filter(|i| {
            svg.contains(&format!(
                "<g id=\"ghost-{i}\" class=\"node ghost\" data-node=\"0\">"
            ))
        })
        .collect();
    assert_eq!(ghosts.len(), 5, "{svg}");
    assert_eq!(svg.matches("class=\"node ghost\"").count(), 5);
    // x feeds one op: never repeated.
    assert!(!svg.contains(&format!("data-node=\"{}\"", x.id().0)));
}

/// An op whose inputs are all leaves is drawn beside its use, not in the first column: in
/// y = ((x·x)·x)·x + w·v the product w·v (as early as column 1) is drawn in column 3, one before
/// the sum in column 4; its leaves follow it.
#[test]
fn an_op_of_leaves_is_drawn_beside_its_use() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let cube = x * x * x * x;
    let (w, v) = (tape.var("w", 2.0), tape.var("v", 3.0));
    let wv = w * v;
    let y = cube + wv;
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let page = HtmlTrace::from_trace(&trace, "y");
    let depth = |id: NodeId| page.nodes[id.0].depth;
    assert_eq!(depth(y.id()), 4);
    assert_eq!(depth(cube.id()), 3);
    assert_eq!(depth(wv.id()), 3);
    assert_eq!((depth(w.id()), depth(v.id())), (2, 2));
    assert_eq!(depth(x.id()), 0);
}

/// A small traced page: f = tanh(w·x) at w = 1.5, x = 2, two layers.
fn small_page(title: &str) -> HtmlTrace {
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    let u = tape.layer("one", || w * x);
    let f = tape.layer("two", || u.tanh());
    let (_, trace) = f.backward_traced(TraceOptions::default());
    let mut page = HtmlTrace::from_trace(&trace, "f");
    page.title = title.into();
    page.context = vec!["look <here>".into()];
    page
}

/// A document's stepper is drawn where the document places it, with the stepper's controls,
/// state on `<body>`, the page model and the script once; a second stepper is listed, not
/// driven (the script drives one); a text or Markdown document says what the page shows.
#[test]
fn a_document_steps_through_its_first_stepper() {
    let mut doc = Document::new("Report");
    doc.paragraph("before")
        .stepper(small_page("First"))
        .heading("after")
        .paragraph("a table would be here")
        .stepper(small_page("Second"));
    let page = html::document_page(&doc);
    assert!(page.contains("<body data-step=\"0\" data-steps=\"3\" data-formula=\"∂f/∂u₃ = 1\">"));
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} in {page}"));
    assert!(at("<p>before</p>") < at("<h2 class=\"as-written\">First</h2>"));
    assert!(at("First</h2>") < at("<section id=\"stepper\""));
    assert!(at("<section id=\"stepper\"") < at("<h2 class=\"as-written\">after</h2>"));
    assert!(at("after</h2>") < at("<h2 class=\"as-written\">Second</h2>"));
    assert!(page.contains("<p class=\"context\">look &lt;here&gt;</p>"));
    for once in [
        "id=\"stepper\"",
        "id=\"trace-data\"",
        "<script>\n",
        "class=\"graph\"",
        "id=\"prev\"",
        "aria-live=\"polite\"",
    ] {
        assert_eq!(page.matches(once).count(), 1, "{once}");
    }
    // The second stepper's three steps, listed without the ids the script drives.
    let second = &page[at("Second</h2>")..];
    assert_eq!(second.matches("<li>∂f/∂").count(), 3, "{second}");
    assert!(!second.contains("id=\"step-"));
    // Balanced sections.
    assert_eq!(
        page.matches("<section").count(),
        page.matches("</section>").count()
    );

    let text = doc.to_text();
    assert!(
        text.contains("First\n-----\nlook <here>\n--format html steps through its 3 chain-rule")
    );
    let markdown = doc.to_markdown();
    assert!(markdown.contains("## First\n\n- look <here>\n\n*`--format html` steps through its 3"));
}

/// A document whose only stepper has no graph (a ledger-only trace) gets no script, as a
/// trace page without a graph does.
#[test]
fn a_stepper_without_a_graph_is_not_driven() {
    let mut small = small_page("Ledger only");
    small.nodes.clear();
    let mut doc = Document::new("Report");
    doc.stepper(small);
    let page = html::document_page(&doc);
    assert!(page.contains("<body>\n"));
    assert!(!page.contains("<script"));
    assert!(page.contains("<h2 class=\"as-written\">Ledger only</h2>"));
}
