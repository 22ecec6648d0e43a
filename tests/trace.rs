//! The tracer against hand-derived references: events, ledger, paths, path lengths; tracing
//! into an old trace; the trace options.
//!
//! Anomalies are tested in `trace_anomalies.rs`, the JSON form in `trace_json.rs`.

mod common;

use chaintrace::tape::EdgeKind;
use chaintrace::trace::{Summary, TraceOptions};
use chaintrace::{Error, NodeId, Tape, Tensor, Trace, symbolic};
use common::{close, scalar};

/// The id of node `k` (by position), as the tape reports it.
fn node(tape: &Tape<f64>, k: usize) -> NodeId {
    tape.nodes().node(k).id()
}

/// micrograd's README: ∂g/∂a = 138.8338, ∂g/∂b = 645.5773. Every event multiplies the
/// upstream gradient by the local derivative, and the last accumulated value of each node is
/// its gradient.
#[test]
fn micrograd_events_multiply_and_accumulate_to_the_readme_gradients() {
    let tape = Tape::new();
    let g = common::micrograd(&tape);
    let (grads, trace) = g.backward_traced(TraceOptions::default());
    // 33 op nodes with 1 or 2 inputs; the 4 edges from constants carry no gradient: 39.
    assert_eq!(trace.events().len(), 39);
    for e in trace.events() {
        let (up, local, c) = (
            scalar(&e.upstream()),
            e.local().unwrap(),
            scalar(&e.contribution()),
        );
        assert!((up * local - c).abs() <= 1e-12 * c.abs().max(1.0), "{e:?}");
    }
    let last_for = |id: NodeId| {
        let e = trace
            .events()
            .iter()
            .rev()
            .find(|e| e.from() == id)
            .unwrap();
        scalar(&e.accumulated())
    };
    let (a, b) = (node(&tape, 0), node(&tape, 1));
    assert!((last_for(a) - 138.8338).abs() < 5e-5);
    assert!((last_for(b) - 645.5773).abs() < 5e-5);
    assert_eq!(last_for(a), grads.get(a).unwrap().item().unwrap());
}

/// ∂g/∂a over all 24 paths sums to the gradient; the largest is
/// a → u₃ (b = 2) → u₅ → u₁₅ (·2) → u₁₈ → u₁₉ → u₂₁ (·3) → u₂₄ → u₂₅ → u₂₆ (−1) → u₂₇
/// (2e = −14) → u₂₉ (½) → g: 2·2·3·(−1)·(−14)·½ = 84.
#[test]
fn micrograd_paths_sum_to_the_gradient() {
    let tape = Tape::new();
    let g = common::micrograd(&tape);
    let (grads, trace) = g.backward_traced(TraceOptions::default());
    let a = tape.var_at(node(&tape, 0));
    let all = trace.paths(a, g, 1000);
    assert_eq!((all.count(), all.len(), all.truncated()), (24, 24, false));
    let want = grads.wrt(a).unwrap().item().unwrap();
    assert!(close(all.listed_sum(), want, 1e-12));
    assert!(close(all.gradient(), want, 1e-12));
    let top = trace.paths(g, a, 3); // either order
    assert!(top.truncated());
    assert_eq!(top[0].contribution(), 84.0);
    assert_eq!(top[0].edges().len(), 12);
    assert_eq!(top[0].nodes().first(), Some(&a.id()));
    let product: f64 = top[0].edges().iter().map(|e| e.local).product();
    assert_eq!(product, 84.0);
}

/// Each layer multiplies the gradient by w on its way back: gain w, running product wᵏ,
/// 1.5⁵⁰ = 6.3762e8 at the input; the flag turns on once 1.5ᵏ > 1e3, at k = 18
/// (1.5¹⁷ = 985.8, 1.5¹⁸ = 1477.9).
#[test]
fn chain_ledger_has_gain_w_per_layer_and_running_product_w_to_the_k() {
    let tape = Tape::new();
    let y = common::chain(&tape, 1.5);
    let (_, trace) = y.backward_traced(TraceOptions::ledger_only());
    let rows = trace.ledger();
    assert_eq!(rows.len(), 50);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.layer, format!("layer{}", 49 - k));
        assert!(close(row.gain.unwrap(), 1.5, 1e-14));
        assert!(close(row.running, 1.5f64.powi(k as i32 + 1), 1e-12));
        assert_eq!(row.exploding, k + 1 >= 18, "row {k}");
        assert!(row.params.is_empty());
    }
    assert!(close(rows[49].running, 6.3762e8, 1e-5));
    assert_eq!(rows[49].inputs[0].name, "x");
    assert_eq!(trace.ledger().shared[0].name, "w");
}

/// At w = 0.5 the gradient vanishes: 0.5⁵⁰ = 8.8818e-16, flagged once 0.5ᵏ < 1e-3, at k = 10.
#[test]
fn chain_at_one_half_vanishes() {
    let tape = Tape::new();
    let y = common::chain(&tape, 0.5);
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let rows = trace.ledger();
    assert!(close(rows[49].running, 8.8818e-16, 1e-5));
    let first = rows.iter().position(|r| r.vanishing).unwrap();
    assert_eq!(first, 9);
}

/// One path from x (50 edges, product w⁵⁰); fifty from w, each w⁴⁹·x, summing to 50·w⁴⁹.
#[test]
fn chain_paths_and_closed_form() {
    let tape = Tape::new();
    let y = common::chain(&tape, 1.5);
    let (w, x) = (tape.var_at(node(&tape, 0)), tape.var_at(node(&tape, 1)));
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let from_x = trace.paths(x, y, 3);
    assert_eq!((from_x.count(), from_x[0].edges().len()), (1, 50));
    assert!(close(from_x[0].contribution(), 1.5f64.powi(50), 1e-12));
    let from_w = trace.paths(w, y, 3);
    assert_eq!((from_w.count(), from_w.len()), (50, 3));
    assert!(close(from_w.gradient(), 50.0 * 1.5f64.powi(49), 1e-12));
    for p in from_w.iter() {
        assert!(close(p.contribution(), 1.5f64.powi(49), 1e-12));
    }
    let closed = trace.symbolic_gradient(x);
    assert_eq!(closed, symbolic::gradient(y, x).unwrap());
    assert!(!closed.to_string().is_empty());
}

/// The MLP's ledger against the hand computation (see the derivation in the snapshot
/// review): gain of layer1 = ‖W₂ᵀδ₂‖/|2h₂| = 1.28812…, of layer0 = ‖W₁ᵀδ₁‖/‖W₂ᵀδ₂‖ = 0.26937….
#[test]
fn mlp_ledger_matches_hand_computation() {
    let tape = Tape::new();
    let loss = common::mlp(&tape);
    let (grads, trace) = loss.backward_traced(TraceOptions::default());
    let rows = trace.ledger();
    let layers: Vec<&str> = rows.iter().map(|r| r.layer.as_str()).collect();
    assert_eq!(layers, ["layer1", "layer0"]);
    assert!(close(rows[0].gain.unwrap(), 1.2881216067265095, 1e-12));
    assert!(close(rows[1].gain.unwrap(), 0.26937071259906914, 1e-12));
    assert!(close(rows[1].running, 0.3469822351181778, 1e-12));
    let params: Vec<&str> = rows[1].params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["W₁", "b₁"]);
    let gx = grads.get(node(&tape, 0)).unwrap().norm();
    assert_eq!(rows[1].input_norm, Some(gx));
}

/// h = x + tanh(W·x), L = Σh². The skip path (length 0) carries ∂L/∂h = 2h; the path through
/// the block (length 1) carries Wᵀ(2h ⊙ (1 − tanh²(W·x))); they sum to ∂L/∂x.
#[test]
fn residual_gradient_splits_into_skip_and_block_paths() {
    let tape = Tape::new();
    let loss = common::residual(&tape);
    let (_, trace) = loss.backward_traced(TraceOptions::default());
    let (x, w): ([f64; 2], [[f64; 2]; 2]) = ([0.5, -1.0], [[0.9, -0.4], [0.3, 1.2]]);
    let t: Vec<f64> = (0..2)
        .map(|i| (w[i][0] * x[0] + w[i][1] * x[1]).tanh())
        .collect();
    let dh: Vec<f64> = (0..2).map(|i| 2.0 * (x[i] + t[i])).collect();
    let delta: Vec<f64> = (0..2).map(|i| dh[i] * (1.0 - t[i] * t[i])).collect();
    let through: Vec<f64> = (0..2)
        .map(|j| w[0][j] * delta[0] + w[1][j] * delta[1])
        .collect();
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let split = &trace.path_lengths()[0];
    assert_eq!(split.name, "x");
    let parts: Vec<(usize, f64)> = split.parts.iter().map(|p| (p.length, p.norm)).collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, 0);
    assert!(close(parts[0].1, norm(&dh), 1e-14));
    assert_eq!(parts[1].0, 1);
    assert!(close(parts[1].1, norm(&through), 1e-14));
    let skip = trace.events().get(2).unwrap().labels();
    assert_eq!((&*skip.output, &*skip.input, skip.op), ("u₄", "x", "add"));
    assert_eq!((skip.layer, skip.kind), ("", EdgeKind::Residual));
    let branch = trace.events().get(4).unwrap().labels();
    assert_eq!((branch.op, branch.layer), ("tanh", "block"));
    let err = trace.try_paths(node(&tape, 0), loss, 3).unwrap_err();
    assert!(err.to_string().contains("tensor"), "{err}");
}

/// Tracing into an earlier trace gives exactly the trace and gradients a fresh one would,
/// whatever the earlier trace held (tensors, formulas, more nodes or fewer).
#[test]
fn tracing_into_an_old_trace_equals_tracing_afresh() {
    type Build = fn(&Tape<f64>) -> chaintrace::Var<'_, f64>;
    let graphs: [Build; 4] = [
        common::mlp,
        |t| common::chain(t, 0.5),
        common::micrograd,
        common::residual,
    ];
    let mut reused = Trace::default();
    assert!(reused.events().is_empty() && reused.nodes().is_empty());
    for build in graphs {
        for opts in [
            TraceOptions::default(),
            TraceOptions::ledger_only().with_events(true),
        ] {
            let tape = Tape::new();
            let y = build(&tape);
            let (fresh_grads, fresh) = y.backward_traced(opts.clone());
            let grads = y.backward_traced_into(&mut reused, opts);
            assert_eq!(reused, fresh);
            let values = |g: &chaintrace::Gradients<f64>| -> Vec<(NodeId, Vec<f64>)> {
                g.iter().map(|(id, t)| (id, t.to_vec())).collect()
            };
            assert_eq!(values(&grads), values(&fresh_grads));
        }
    }
    // A failed pass leaves the trace empty rather than half old, half new.
    let tape = Tape::new();
    let bad = TraceOptions::default().with_thresholds(1.0, 2.0);
    let result = common::micrograd(&tape).try_backward_traced_into(&mut reused, bad);
    assert!(matches!(result, Err(Error::Invalid { .. })));
    assert_eq!(reused, Trace::default());
}

#[test]
fn ledger_only_keeps_the_ledger_and_draws_it() {
    let tape = Tape::new();
    let y = common::chain(&tape, 1.5);
    let (_, full) = y.backward_traced(TraceOptions::default());
    let (_, cheap) = y.backward_traced(TraceOptions::ledger_only());
    assert_eq!(cheap.ledger(), full.ledger());
    assert!(cheap.events().is_empty() && cheap.nodes().is_empty());
    assert!(cheap.path_lengths().is_empty() && cheap.anomalies().is_none());
    assert!(cheap.try_paths(node(&tape, 1), y, 3).is_err());
    assert!(cheap.to_dot().contains("  l0 -> l1 [color=\"#1a9850\"];"));
}

#[test]
fn invalid_thresholds_are_an_error() {
    let tape = Tape::new();
    let y = tape.var("a", 1.0).tanh();
    let opts = TraceOptions::default().with_thresholds(1e-3, 1e3);
    let err = y.try_backward_traced(opts).unwrap_err();
    assert!(err.to_string().contains("vanishing < exploding"), "{err}");
}

#[test]
fn f32_tapes_trace_too() {
    let tape = Tape::<f32>::new();
    let w = tape.var("w", Tensor::from_vec(vec![0.5f32, 2.0], &[2]));
    let y = (w * w).sum();
    let (grads, trace) = y.backward_traced(TraceOptions::default());
    assert_eq!(trace.element(), "f32");
    // ∂Σw²/∂w = 2w = (1, 4)
    assert_eq!(grads.wrt(w).unwrap().to_vec(), vec![1.0, 4.0]);
    let last = trace.events().last().unwrap();
    match &*last.accumulated() {
        Summary::Tensor(t) => assert_eq!(t.values.as_deref(), Some(&[1.0, 4.0][..])),
        s => panic!("{s:?}"),
    }
}

#[test]
fn symbolic_gradient_needs_the_traced_tape() {
    let tape = Tape::new();
    let y = common::chain(&tape, 1.5);
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let other = Tape::new();
    let z = other.var("z", 1.0);
    let err = trace.try_symbolic_gradient(z).unwrap_err();
    assert_eq!(
        err,
        chaintrace::Error::ForeignVar {
            op: "symbolic_gradient"
        }
    );
}
