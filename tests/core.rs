//! Reference tests for the core engine: hand-derived values with their derivations.

use chaintrace::{Tape, Tensor};

fn scalar(t: &Tensor<f64>) -> f64 {
    t.item().expect("a scalar")
}

/// The expression from micrograd's README; the expected numbers are the ones it prints.
#[test]
fn micrograd_readme_expression() {
    let tape = Tape::<f64>::new();
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
    assert!((scalar(&g.value()) - 24.7041).abs() < 5e-5);
    let grads = g.backward();
    assert!((scalar(grads.wrt(a).unwrap()) - 138.8338).abs() < 5e-5);
    assert!((scalar(grads.wrt(b).unwrap()) - 645.5773).abs() < 5e-5);
}

/// b = a + a, c = b + b: dc/da = dc/db · db/da = 2 · 2 = 4 (fan-out accumulates).
#[test]
fn fan_out_accumulates() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", 3.0);
    let b = a + a;
    let c = b + b;
    let grads = c.backward();
    assert_eq!(scalar(grads.wrt(a).unwrap()), 4.0);
    assert_eq!(scalar(grads.wrt(b).unwrap()), 2.0);
}

/// The example of the public contract: h = tanh(W·(x·s) + b), L = Σ h².
/// dL/dW = (2h ⊙ (1 − h²)) · (x·s)ᵀ.
#[test]
fn contract_example_matches_hand_derivation() {
    let tape = Tape::<f64>::new();
    let s = tape.var("s", 2.0);
    let x = tape.var("x", Tensor::from_vec(vec![1.0, -2.0], &[2, 1]));
    let w = tape.var("w", Tensor::from_vec(vec![0.5, -1.0, 1.5, 2.0], &[2, 2]));
    let b = tape.constant(Tensor::from_vec(vec![0.1, 0.2], &[2, 1]));
    let h = tape.layer("hidden", || (w.matmul(x * s) + b).tanh());
    let loss = h.square().sum();
    let grads = loss.backward();
    let gw = grads.wrt(w).unwrap();
    assert_eq!(gw.shape(), &[2, 2]);
    // u = W·(2x) + b = [0.5·2 + (−1)·(−4) + 0.1, 1.5·2 + 2·(−4) + 0.2] = [5.1, −4.8]
    let u = [5.1f64, -4.8];
    let xs = [2.0, -4.0];
    let mut expected = Vec::new();
    for ui in u {
        let h = ui.tanh();
        let delta = 2.0 * h * (1.0 - h * h);
        for xj in xs {
            expected.push(delta * xj);
        }
    }
    for (got, want) in gw.to_vec().iter().zip(&expected) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    assert!(grads.wrt(b).is_none(), "constants keep no gradient");
    assert!(grads.wrt(h).is_some(), "intermediate nodes answer");
    let nodes = tape.nodes();
    assert_eq!(
        tape.layer_name(nodes.node(h.id().index()).layer()),
        "hidden"
    );
}

/// A shape mismatch names the op, both shapes and the layer.
#[test]
fn shape_errors_name_op_shapes_and_layer() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::zeros(&[2, 3]));
    let b = tape.var("b", Tensor::zeros(&[2, 3]));
    let err = tape
        .layer("block3", || tape.layer("linear", || a.try_matmul(b)))
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(
        msg,
        "shape mismatch in `matmul` (layer `block3/linear`): [2, 3] and [2, 3]: inner dimensions differ (3 columns vs 2 rows)"
    );
}

/// A scalar chain of a million nodes builds and differentiates (no recursion anywhere).
#[test]
fn million_node_chain() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let w = tape.var("w", 1.0 + 1e-6);
    let mut y = x;
    for _ in 0..1_000_000 {
        y = w * y;
    }
    let grads = y.backward();
    // ∂y/∂x = w^L = (1 + 1e-6)^(10^6) ≈ e
    let gx = scalar(grads.wrt(x).unwrap());
    assert!((gx - (1.0f64 + 1e-6).powi(1_000_000)).abs() < 1e-6);
    let g = tape.graph();
    assert_eq!(g.node_count(), 1_000_002);
}

/// A panic inside a layer (caught) closes the layer's scope: later nodes are top-level again.
#[test]
fn layer_scope_closes_after_a_caught_panic() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::zeros(&[2, 3]));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tape.layer("broken", || a.matmul(a))
    }));
    assert!(caught.is_err());
    let after = a * 2.0;
    assert_eq!(
        tape.layer_name(tape.nodes().node(after.id().index()).layer()),
        ""
    );
}

/// relu passes a NaN on (value and gradient) instead of swallowing it as 0, like PyTorch.
#[test]
fn relu_does_not_swallow_nan() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", Tensor::from_vec(vec![f64::NAN, -1.0, 2.0], &[3]));
    let y = x.relu();
    let v = y.value().to_vec();
    assert!(v[0].is_nan());
    assert_eq!(&v[1..], &[0.0, 2.0]);
    let g = y.sum().backward().wrt(x).unwrap().to_vec();
    assert!(g[0].is_nan());
    assert_eq!(&g[1..], &[0.0, 1.0]);
    let s = tape.var("s", f64::NAN);
    assert!(
        s.relu().value().item().unwrap().is_nan(),
        "the scalar fast path agrees"
    );
}

/// The node store as readers see it: names, kinds, inputs, the scalar derivatives recorded
/// with a scalar op node, and spans up to a node.
#[test]
fn nodes_read_back_what_was_recorded() {
    use chaintrace::tape::{EdgeKind, NodeKind};
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 3.0);
    let x = tape.var("x", 2.0);
    let c = tape.constant(5.0);
    let y = w * x + c; // #3 = w·x, #4 = #3 + c
    let r = tape.residual(y, |y| y.tanh()); // #5 = tanh(#4), #6 = #4 + #5
    let nodes = tape.nodes();
    assert_eq!(nodes.len(), 7);
    assert_eq!(nodes.node(0).name(), Some("w"));
    assert!(matches!(nodes.node(2).kind(), NodeKind::Constant));
    assert!(nodes.node(1).is_leaf());
    let product = nodes.node(3);
    assert_eq!(product.op().map(|op| op.name()), Some("mul"));
    let inputs: Vec<_> = product.inputs().map(|i| i.node).collect();
    assert_eq!(inputs, [w.id(), x.id()]);
    // ∂(w·x)/∂w = x, ∂(w·x)/∂x = w, from the recorded values.
    let local =
        |node: chaintrace::tape::Node<'_, f64>| [0, 1, 2].map(|slot| node.scalar_derivative(slot));
    assert_eq!(local(product), [Some(2.0), Some(3.0), None]);
    // Both local derivatives of the sum are known; the constant input needs no gradient,
    // so the sweep sends it none.
    assert_eq!(local(nodes.node(4)), [Some(1.0), Some(1.0), None]);
    assert!(!nodes.node(2).requires_grad());
    let skip = nodes.node(r.id().index());
    assert_eq!(skip.input(0).kind, EdgeKind::Residual);
    assert_eq!(skip.input(1).kind, EdgeKind::Normal);
    let span = nodes.up_to(y.id());
    assert_eq!(span.len(), 5);
    assert_eq!(span.last().map(|n| n.id()), Some(y.id()));
    assert_eq!(span.iter().filter(|n| n.name().is_some()).count(), 2);
}

/// A concatenation keeps its (more than two) inputs in a side table; a failed one leaves
/// nothing behind, and the next one reads its own inputs.
#[test]
fn a_failed_concatenation_leaves_no_trace() {
    use chaintrace::Var;
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
    let b = tape.var("b", Tensor::from_vec(vec![3.0, 4.0], &[1, 2]));
    let odd = tape.var("odd", Tensor::from_vec(vec![5.0, 6.0, 7.0], &[1, 3]));
    assert!(Var::try_concat(&[a, b, odd], 0).is_err());
    let before = tape.len();
    let joined = Var::concat(&[b, a, b], 0);
    assert_eq!(tape.len(), before + 1);
    let nodes = tape.nodes();
    let inputs: Vec<_> = nodes
        .node(joined.id().index())
        .inputs()
        .map(|i| i.node)
        .collect();
    assert_eq!(inputs, [b.id(), a.id(), b.id()]);
    drop(nodes);
    assert_eq!(joined.value().to_vec(), [3.0, 4.0, 1.0, 2.0, 3.0, 4.0]);
    let grads = joined.sum().backward();
    assert_eq!(grads.wrt(b).unwrap().to_vec(), [2.0, 2.0]);
}
