//! A traced backward of a second-order graph: the gradient `grad` recorded is a graph like any
//! other, its nodes grouped under the layer `grad/<layer>` (`grad` at the top level), and the
//! traced sweep through it records each multiplication and ends at the second derivative.

use std::collections::BTreeMap;

use chaintrace::hooks::Scale;
use chaintrace::{Tape, TraceOptions, grad};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

/// (op, layer, local derivative formula, its value) of every multiplication, in sweep order.
fn steps(trace: &chaintrace::Trace) -> Vec<(String, String, String, f64)> {
    trace
        .events()
        .iter()
        .map(|e| {
            let l = e.labels();
            let formula = l.formula.unwrap_or("").to_string();
            (
                l.op.to_string(),
                l.layer.to_string(),
                formula,
                e.local().unwrap(),
            )
        })
        .collect()
}

#[test]
fn second_derivative_of_a_layer_is_traced_under_grad_slash_layer() {
    let (w0, x0) = (0.7f64, 1.2f64);
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", w0), tape.var("x", x0));
    let f = tape.layer("hidden", || (w * x).tanh());
    // d = ∂f/∂x = w·(1 − tanh(w·x)²), recorded by grad under grad/hidden:
    // u₅ = u₃², u₇ = −1·u₅, u₉ = 1 + u₇, u₁₀ = 1·u₉ (the seed), u₁₁ = u₁₀·w.
    let d = grad(f, &[x]).unwrap()[0];
    let (grads, trace) = d.backward_traced(TraceOptions::default());
    let t = (w0 * x0).tanh();
    // ∂²f/∂x² = −2·w²·tanh(w·x)·(1 − tanh(w·x)²).
    let expected = -2.0 * w0 * w0 * t * (1.0 - t * t);
    assert!(close(grads.scalar(x).unwrap(), expected));
    assert!(trace.layers().iter().any(|l| l == "grad/hidden"));

    let rows: Vec<&str> = trace
        .ledger()
        .rows
        .iter()
        .map(|r| r.layer.as_str())
        .collect();
    assert_eq!(rows, ["grad/hidden", "hidden"]);

    let s = steps(&trace);
    let layered = |layer: &str| -> Vec<(&str, &str)> {
        s.iter()
            .filter(|e| e.1 == layer)
            .map(|e| (e.0.as_str(), e.2.as_str()))
            .collect()
    };
    // The gradient's own multiplications: through the product with w, the seed, 1 − (·), and
    // the square of tanh, recorded as y·y (two edges into y, each times the other factor);
    // each local derivative is the op's rule, printed as for any graph.
    assert_eq!(
        layered("grad/hidden"),
        [
            ("mul", "w"),
            ("mul", "u₁₀"),
            ("mul", "1"),
            ("add", "1"),
            ("mul", "−1"),
            ("mul", "u₃"),
            ("mul", "u₃"),
        ]
    );
    // Then the forward graph's, in the layer they were recorded in.
    assert_eq!(
        layered("hidden"),
        [("tanh", "1 − tanh(u₂)²"), ("mul", "x"), ("mul", "w")]
    );
    // The values: the edge u₁₁ ← w is 1 − tanh²; the square y·y sends t = tanh(w·x) along
    // each of its two edges into y.
    assert!(close(s[1].3, 1.0 - t * t));
    assert!(close(s[5].3, t) && close(s[6].3, t));
    // Two paths from d to x, through either factor of y·y, summed where they meet at y:
    // w · 1 · 1 · (−1) · (t + t) · (1 − t²) · w.
    let to_y: f64 = [0, 2, 3, 4].iter().map(|&k| s[k].3).product();
    let along = to_y * (s[5].3 + s[6].3) * s[7].3 * s[9].3;
    assert!(close(along, expected));

    // The closed form the trace gives is the second derivative too.
    let closed = trace.try_symbolic_gradient(x).unwrap();
    assert_eq!(closed.to_string(), "−2·w²·tanh(w·x)·(1 − tanh(w·x)²)");
    let env = BTreeMap::from([("w".to_string(), w0), ("x".to_string(), x0)]);
    assert!(close(closed.eval(&env).unwrap(), expected));
}

#[test]
fn top_level_gradient_nodes_are_in_the_layer_grad() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.8);
    let d = grad(x.powf(3.0), &[x]).unwrap()[0]; // 3x²
    let (grads, trace) = d.backward_traced(TraceOptions::default());
    assert!(close(grads.scalar(x).unwrap(), 6.0 * 0.8));
    let layers: Vec<String> = steps(&trace).into_iter().map(|e| e.1).collect();
    assert_eq!(layers, ["grad", "grad", "grad"]);
    let rows: Vec<&str> = trace
        .ledger()
        .rows
        .iter()
        .map(|r| r.layer.as_str())
        .collect();
    assert_eq!(rows, ["grad"]);
}

#[test]
fn a_third_order_trace_nests_the_layers() {
    // d³(tanh(x))/dx³ = −2·(1 − t²)·(1 − 3t²) with t = tanh(x).
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 0.4);
    let f = tape.layer("act", || x.tanh());
    let d1 = grad(f, &[x]).unwrap()[0];
    let d2 = grad(d1, &[x]).unwrap()[0];
    let (grads, trace) = d2.backward_traced(TraceOptions::default());
    let t = 0.4f64.tanh();
    let expected = -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t);
    assert!(close(grads.scalar(x).unwrap(), expected));
    let mut layers: Vec<&str> = trace
        .ledger()
        .rows
        .iter()
        .map(|r| r.layer.as_str())
        .collect();
    layers.sort_unstable();
    // The gradient of d1's nodes (in grad/act) is recorded in grad/grad/act.
    assert_eq!(layers, ["act", "grad/act", "grad/grad/act"]);
}

#[test]
fn a_hook_is_a_node_of_the_recorded_gradient_and_fires_again_in_the_second_sweep() {
    let (w0, x0) = (0.7f64, 1.2f64);
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", w0), tape.var("x", x0));
    let u = w * x;
    tape.hook(u, Scale(0.5));
    let f = u.tanh();
    let d = grad(f, &[x]).unwrap()[0];
    let t = (w0 * x0).tanh();
    // The first-order gradient is the one the hook let through: half of w·(1 − t²).
    assert!(close(d.item().unwrap(), 0.5 * w0 * (1.0 - t * t)));
    let (grads, trace) = d.backward_traced(TraceOptions::default());
    let hook: Vec<_> = steps(&trace)
        .into_iter()
        .filter(|e| e.0.starts_with("hook"))
        .collect();
    // hook(Scale(0.5)) scales the gradient by r = 0.5, a constant to the second order.
    assert_eq!(hook.len(), 1);
    assert_eq!(
        (hook[0].0.as_str(), hook[0].1.as_str(), hook[0].2.as_str()),
        ("hook(Scale(0.5))", "grad", "r")
    );
    assert_eq!(hook[0].3, 0.5);
    // The hook still sits on u, so the second sweep halves ∂d/∂u once more: a quarter of
    // −2·w²·t·(1 − t²) in all (as a PyTorch tensor hook does under create_graph).
    let expected = 0.25 * -2.0 * w0 * w0 * t * (1.0 - t * t);
    assert!(close(grads.scalar(x).unwrap(), expected));
    assert!(close(grad(d, &[x]).unwrap()[0].item().unwrap(), expected));
    assert_eq!(trace.hooks().len(), 1);
}
