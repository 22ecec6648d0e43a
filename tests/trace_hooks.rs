//! Hooks in the trace: every firing is recorded and rendered, with the norm before and after.

use chaintrace::hooks::{ClipNorm, Scale};
use chaintrace::{Tape, Tensor, TraceOptions, Var};

/// h₀ = x, hₖ = w·hₖ₋₁ for k = 1…8 (each in layer `layer{k}`), with ClipNorm(1) on h₄.
/// Without the hook ∂h₈/∂x = 1.5⁸ = 25.6289; with it the gradient reaching h₄ is
/// 1.5⁴ = 5.0625, clipped to 1 (factor 1/5.0625 = 0.197531), so ∂h₈/∂x = 1.5⁴ = 5.0625.
fn clipped_chain(tape: &Tape<f64>) -> (Var<'_, f64>, Var<'_, f64>) {
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 1.0);
    let mut h = x;
    for k in 1..=8 {
        h = tape.layer(&format!("layer{k}"), || w * h);
        if k == 4 {
            tape.hook(h, ClipNorm(1.0));
        }
    }
    (x, h)
}

#[test]
fn a_clip_inside_a_deep_chain_is_recorded_with_its_factor() {
    let tape = Tape::new();
    let (x, y) = clipped_chain(&tape);
    let (grads, trace) = y.backward_traced(TraceOptions::default());
    assert_eq!(grads.wrt(x).unwrap().item(), Some(1.5f64.powi(4)));
    let [firing] = trace.hooks() else {
        panic!("one firing expected, got {:?}", trace.hooks())
    };
    assert_eq!(firing.hook, "ClipNorm(1)");
    assert_eq!(firing.context.layer, "layer4");
    assert_eq!(firing.norm_before, 1.5f64.powi(4));
    assert_eq!(firing.norm_after, 1.0);
    assert!((firing.factor() - 1.0 / 5.0625).abs() < 1e-15);
    // Tracing with a hook gives the same gradients as the plain sweep.
    assert_eq!(y.backward().wrt(x), grads.wrt(x));
    insta::assert_snapshot!("clipped_chain_text", trace.to_text());
    insta::assert_snapshot!("clipped_chain_dot", trace.to_dot());
    #[cfg(feature = "serde")]
    assert_eq!(
        chaintrace::Trace::from_json(&trace.to_json()).unwrap(),
        trace,
        "hook firings survive the JSON round trip"
    );
}

/// y = x + W·x with the skip edge scaled by 0: the edge hook is in the trace, on the edge.
#[test]
fn an_edge_hook_is_recorded_on_its_edge() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", Tensor::from_vec(vec![0.5, -0.5], &[2, 1]));
    let w = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let y = tape.residual(x, |x| w.matmul(x));
    tape.hook_edge(y, 0, Scale(0.0));
    let loss = y.sum();
    let (grads, trace) = loss.backward_traced(TraceOptions::default());
    assert_eq!(grads.wrt(x).unwrap().to_vec(), vec![4.0, 6.0]);
    let [firing] = trace.hooks() else {
        panic!("one firing expected")
    };
    assert_eq!(firing.context.edge, Some((0, x.id())));
    assert_eq!(firing.norm_before, 2f64.sqrt());
    assert_eq!(firing.norm_after, 0.0);
    assert!(trace.to_text().contains("u₃ → x (edge 0 of add)"));
    assert!(trace.to_dot().contains("hook Scale(0) ×0"));
}
