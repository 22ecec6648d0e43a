//! Layer hooks act once per sweep on the gradient at a layer's outputs (PyTorch's full
//! backward pre-hook), find their layer by full path or by a unique suffix, and fail loudly
//! on a name that picks no layer or several.

use chaintrace::hooks::{ClipNorm, Scale};
use chaintrace::nn::{Init, Layer, Linear, ParamStore, Sequential};
use chaintrace::{Tape, Tensor, TraceOptions, Var};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// `net/block1`: h1 = tanh(W1·x); `net/block2`: h2 = 2·tanh(W2·h1) (three op nodes: matmul,
/// tanh, mul); `net/head`: L = Σ h2². Returns (h1, W2, h2, L).
fn build(tape: &Tape<f64>) -> [Var<'_, f64>; 4] {
    let x = tape.var("x", Tensor::from_vec(vec![0.5, -1.0], &[2, 1]));
    let w1 = tape.var(
        "W1",
        Tensor::from_vec(vec![0.3, -0.2, 0.8, 0.1, -0.5, 0.7], &[3, 2]),
    );
    let w2 = tape.var(
        "W2",
        Tensor::from_vec(
            vec![0.2, -0.4, 0.9, 0.6, 0.3, -0.1, -0.7, 0.5, 0.4],
            &[3, 3],
        ),
    );
    tape.layer("net", || {
        let h1 = tape.layer("block1", || w1.matmul(x).tanh());
        let h2 = tape.layer("block2", || w2.matmul(h1).tanh() * 2.0);
        let loss = tape.layer("head", || (h2 * h2).sum());
        [h1, w2, h2, loss]
    })
}

/// ∂L/∂h1, ∂L/∂W2 and ∂L/∂h2 after `attach` (which attaches hooks, or none).
fn grads(attach: impl Fn(&Tape<f64>)) -> [Vec<f64>; 3] {
    let tape = Tape::<f64>::new();
    let [h1, w2, h2, loss] = build(&tape);
    attach(&tape);
    let g = loss.backward();
    [h1, w2, h2].map(|v| g.wrt(v).unwrap().to_vec())
}

fn halve(name: &'static str) -> impl Fn(&Tape<f64>) {
    move |tape| tape.hook_layer(name, Scale(0.5))
}

fn scaled(v: &[f64], k: f64) -> Vec<f64> {
    v.iter().map(|g| g * k).collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|g| g * g).sum::<f64>().sqrt()
}

/// Scale(0.5) on block2 halves what block2 sends to block1 (and to its weight), exactly —
/// not 0.5³ as when the hook fired on each of the block's three op nodes. Halving is exact
/// in binary floating point, so the comparison is exact.
#[test]
fn scale_on_a_layer_halves_what_it_sends_to_its_inputs_exactly() {
    let [h1, w2, h2] = grads(|_| {});
    let [h1_hooked, w2_hooked, h2_hooked] = grads(halve("net/block2"));
    assert_eq!(
        h1_hooked,
        scaled(&h1, 0.5),
        "not 0.5³ = {:?}",
        scaled(&h1, 0.125)
    );
    assert_eq!(w2_hooked, scaled(&w2, 0.5));
    // The gradient stored at the layer's output is the hooked one, as for a node hook.
    assert_eq!(h2_hooked, scaled(&h2, 0.5));
    assert!(norm(&h1) > 0.1, "the test needs a real gradient: {h1:?}");
}

/// A suffix of whole path segments picks the layer; a partial segment picks none.
#[test]
fn a_unique_suffix_names_the_layer() {
    let full = grads(halve("net/block2"));
    let short = grads(halve("block2"));
    assert_eq!(short, full);
    let tape = Tape::<f64>::new();
    let [.., loss] = build(&tape);
    tape.hook_layer("lock2", Scale(0.5));
    let err = loss.try_backward().unwrap_err().to_string();
    assert!(err.contains("`lock2`"), "{err}");
}

/// Two layers end in `block`: the short name is an error listing both; the full path works.
#[test]
fn an_ambiguous_name_is_an_error_listing_the_candidates() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.5);
    let a = tape.layer("a", || tape.layer("block", || x * 3.0));
    let y = tape.layer("b", || tape.layer("block", || a * 2.0));
    tape.hook_layer("block", Scale(0.5));
    let err = y.try_backward().unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid argument to `hook_layer`: `block` names several layers: `a/block`, \
         `b/block`; give the full path"
    );
    let panic = catch_unwind(AssertUnwindSafe(|| y.backward())).unwrap_err();
    assert_eq!(panic.downcast_ref::<String>(), Some(&err));
    tape.clear_hooks();
    tape.hook_layer("b/block", Scale(0.5));
    // dy/dx = 2·3 = 6, halved at the output of b/block.
    assert_eq!(y.backward().wrt(x).unwrap().item(), Some(3.0));
}

/// A name that matches no layer fails the sweep (plain and traced) naming it and listing
/// the layers present; it does not silently do nothing.
#[test]
fn an_unknown_name_is_an_error_listing_the_layers() {
    let tape = Tape::<f64>::new();
    let [.., loss] = build(&tape);
    tape.hook_layer("block9", Scale(0.5));
    let expected = "invalid argument to `hook_layer`: no layer is called `block9`; layers on \
                    the tape: `net`, `net/block1`, `net/block2`, `net/head`";
    assert_eq!(loss.try_backward().unwrap_err().to_string(), expected);
    let panic = catch_unwind(AssertUnwindSafe(|| loss.backward())).unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().map(String::as_str),
        Some(expected)
    );
    let traced = loss.try_backward_traced(TraceOptions::default());
    assert_eq!(traced.unwrap_err().to_string(), expected);
}

/// ClipNorm(c) on block2 clips the gradient at its output to norm c, and what flows into
/// block1 is the unhooked flow scaled by c/‖∂L/∂h2‖ (the block is linear in its upstream).
#[test]
fn clip_norm_on_a_layer_clips_the_gradient_at_its_output() {
    let [h1, _, h2] = grads(|_| {});
    let limit = 0.25;
    assert!(
        norm(&h2) > 4.0 * limit,
        "the gradient must need clipping: {h2:?}"
    );
    let [h1_hooked, _, h2_hooked] = grads(|tape| tape.hook_layer("block2", ClipNorm(limit)));
    assert!((norm(&h2_hooked) - limit).abs() < 1e-12, "{h2_hooked:?}");
    let factor = limit / norm(&h2);
    for (hooked, plain) in h1_hooked.iter().zip(&h1) {
        assert!(
            (hooked - plain * factor).abs() < 1e-12,
            "{h1_hooked:?} vs {h1:?}"
        );
    }
}

/// A layer with two outputs, each consumed outside: the hook runs once on each, and the
/// input gets exactly half. y = a² + b with a = (3x)·1, b = 5x in `split`: dy/dx = 18x + 5
/// (the inner node 3x is not hooked: a hook on every node would quarter the a path).
#[test]
fn a_layer_with_several_outputs_is_hooked_at_each() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let (a, b) = tape.layer("split", || (x * 3.0 * 1.0, x * 5.0));
    let y = a * a + b;
    assert_eq!(y.backward().wrt(x).unwrap().item(), Some(41.0));
    tape.hook_layer("split", Scale(0.5));
    let (grads, trace) = y.backward_traced(TraceOptions::default());
    assert_eq!(grads.wrt(x).unwrap().item(), Some(20.5));
    let fired: Vec<usize> = trace
        .hooks()
        .iter()
        .map(|f| f.context.node.index())
        .collect();
    // In sweep order: b (recorded last) first.
    assert_eq!(
        fired,
        [b.id().index(), a.id().index()],
        "once per output, at the outputs only"
    );
}

/// A layer holding the sweep's root is hooked at the root (its gradient of ones).
#[test]
fn the_root_is_an_output_of_its_layer() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let y = tape.layer("top", || x * x * x); // dy/dx = 3x² = 12
    tape.hook_layer("top", Scale(0.5));
    assert_eq!(y.backward().wrt(x).unwrap().item(), Some(6.0));
}

/// A nested layer named with its parent's prefix (`block2.lin` inside `block2`, so its
/// parameters read `block2.lin.weight` as in PyTorch) gets the path `net/block2/lin`.
#[test]
fn nested_layer_paths_drop_the_parents_prefix() {
    let mut store = ParamStore::<f64>::new(0);
    let net = Sequential::new("net").with(Sequential::new("block2").with(Linear::new(
        &mut store,
        "block2.lin",
        2,
        2,
        Init::Torch,
    )));
    let tape = Tape::new();
    let p = store.bind(&tape);
    let y = net.forward(&tape, &p, tape.constant(Tensor::ones(&[1, 2])));
    let names = tape.layer_names();
    assert!(names.contains(&"net/block2/lin".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("block2.lin")), "{names:?}");
    assert_eq!(
        net.param_names(&store),
        ["block2.lin.weight", "block2.lin.bias"]
    );
    tape.hook_layer("block2/lin", Scale(0.5));
    assert!(y.sum().try_backward().is_ok());
    // A name that only starts like its parent keeps its full name.
    let tape = Tape::<f64>::new();
    tape.layer("block2", || {
        tape.layer("block2x", || tape.var("v", 1.0) * 2.0)
    });
    tape.layer("a", || tape.layer("a.", || tape.var("w", 1.0) * 2.0));
    let names = tape.layer_names();
    assert!(names.contains(&"block2/block2x".to_string()), "{names:?}");
    assert!(names.contains(&"a/a.".to_string()), "{names:?}");
}
