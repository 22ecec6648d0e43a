//! Vars of another tape are refused wherever a handle crosses an API (issue 12, item 2):
//! `Gradients::wrt` answers `None`, every `Result` form returns `Error::ForeignVar`, the sugar
//! panics with its message; the same calls with vars of the right tape keep their values.

use chaintrace::check::{GradcheckOptions, gradcheck, try_gradcheck};
use chaintrace::hooks::{ClipNorm, Scale, clip_grad_norm};
use chaintrace::nn::ParamStore;
use chaintrace::optim::{Optimizer, Sgd};
use chaintrace::{Error, Tape, Tensor, Trace, TraceOptions};

/// The message every `ForeignVar` error (and its panic) shows, for `op`.
fn message(op: &str) -> String {
    format!(
        "`{op}` got a var of another tape: a var works only with the tape that recorded it and \
         with that tape's gradients and traces"
    )
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().unwrap().to_string(),
    }
}

fn item(t: Option<&Tensor<f64>>) -> Option<f64> {
    t.and_then(Tensor::item)
}

/// Two tapes with the same shape of graph: `y = a·b` at (2, 3) and (5, 7), so node ids agree.
#[test]
fn wrt_answers_none_for_a_var_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a1, b1) = (t1.var("a", 2.0), t1.var("b", 3.0));
    let (a2, b2) = (t2.var("a", 5.0), t2.var("b", 7.0));
    let mut grads = (a1 * b1).backward();
    let _ = a2 * b2;
    // ∂(ab)/∂a = b = 3, ∂(ab)/∂b = a = 2.
    assert_eq!(item(grads.wrt(a1)), Some(3.0));
    assert_eq!(item(grads.wrt(b1)), Some(2.0));
    assert!(grads.is_from(&t1) && !grads.is_from(&t2));
    assert_eq!(grads.wrt(a2), None);
    assert_eq!(grads.wrt(b2), None);
    assert!(grads.wrt_mut(a2).is_none());
    *grads.wrt_mut(a1).unwrap() = Tensor::scalar(-1.0);
    assert_eq!(item(grads.wrt(a1)), Some(-1.0));
}

#[test]
fn node_ids_past_the_output_are_none_not_a_panic() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    let mut grads = x.square().backward();
    // Ids past the output, taken from a longer tape (an id carries no tape).
    let longer = Tape::<f64>::new();
    let ids: Vec<_> = (0..10)
        .map(|i| longer.var("z", f64::from(i)).id())
        .collect();
    assert_eq!(item(grads.get(x.id())), Some(4.0));
    assert_eq!(grads.get(ids[2]), None);
    assert_eq!(grads.get(ids[9]), None);
    assert!(grads.get_mut(ids[9]).is_none());
    let err = tape.try_var_at(ids[9]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `var_at`: node 9 is not on this tape (it holds 2 nodes)"
    );
    assert_eq!(tape.try_var_at(x.id()).unwrap().id(), x.id());
}

/// Gradients kept across a reset refuse the vars recorded after it: their node ids start
/// again from 0 and name other nodes.
#[test]
fn gradients_from_before_a_reset_refuse_later_vars() {
    let mut tape = Tape::<f64>::new();
    let old = {
        let x = tape.var("x", 3.0);
        let grads = x.square().backward();
        assert_eq!(item(grads.wrt(x)), Some(6.0));
        grads
    };
    tape.reset();
    let y = tape.var("y", 10.0); // node 0 again
    assert_eq!(y.id().index(), 0);
    assert!(!old.is_from(&tape));
    assert_eq!(old.wrt(y), None);
    let new = (y * y).backward();
    assert_eq!(item(new.wrt(y)), Some(20.0));
    // The old store still reads its own slots by id.
    assert_eq!(item(old.get(y.id())), Some(6.0));
}

/// A tape built where an earlier one lived (same stack slot, possibly the same address) is
/// still another tape to the earlier tape's gradients.
#[test]
fn a_later_tape_at_the_same_place_is_another_tape() {
    let mut kept = Vec::new();
    for step in 0..4 {
        let tape = Tape::<f64>::new();
        let x = tape.var("x", f64::from(step));
        for earlier in &kept {
            assert_eq!(chaintrace::Gradients::wrt(earlier, x), None);
        }
        let grads = (x * 2.0).backward();
        assert_eq!(item(grads.wrt(x)), Some(2.0));
        kept.push(grads);
    }
}

/// `tape.hook(var_of_tape_2, ClipNorm(0.0))` used to zero node 0's gradient on tape 1.
#[test]
fn hooks_refuse_a_var_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = t1.var("x", 3.0);
    let stranger = t2.var("s", 1.0);
    let y = x.square();
    let err = t1.try_hook(stranger, ClipNorm(0.0)).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "hook" });
    assert_eq!(err.to_string(), message("hook"));
    let panic = panic_message(|| t1.hook(stranger, ClipNorm(0.0)));
    assert_eq!(panic, message("hook"));
    // Nothing was attached: ∂x²/∂x = 2x = 6.
    assert_eq!(item(y.backward().wrt(x)), Some(6.0));
    // A hook on the tape's own var works: ClipNorm(0) zeroes it.
    t1.try_hook(x, ClipNorm(0.0)).unwrap();
    assert_eq!(item(y.backward().wrt(x)), Some(0.0));
}

#[test]
fn edge_hooks_refuse_a_var_of_another_tape_and_a_missing_slot() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a, b) = (t1.var("a", 2.0), t1.var("b", 3.0));
    let y = a * b;
    let (c, d) = (t2.var("c", 1.0), t2.var("d", 1.0));
    let stranger = c * d; // node 2 as well
    let err = t1.try_hook_edge(stranger, 0, Scale(0.0)).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "hook_edge" });
    assert_eq!(
        panic_message(|| t1.hook_edge(stranger, 0, Scale(0.0))),
        message("hook_edge")
    );
    let err = t1.try_hook_edge(y, 2, Scale(0.0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `hook_edge`: node #2 has 2 inputs, so there is no input slot 2"
    );
    let grads = y.backward();
    assert_eq!(
        (item(grads.wrt(a)), item(grads.wrt(b))),
        (Some(3.0), Some(2.0))
    );
    // On the tape's own product, slot 0 (the edge to `a`) is cut.
    t1.try_hook_edge(y, 0, Scale(0.0)).unwrap();
    let grads = y.backward();
    assert_eq!(
        (item(grads.wrt(a)), item(grads.wrt(b))),
        (Some(0.0), Some(2.0))
    );
}

/// y = tanh(w·x) traced on one tape; the other tape records the same graph.
fn traced(tape: &Tape<f64>) -> (chaintrace::Var<'_, f64>, chaintrace::Var<'_, f64>, Trace) {
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 2.0);
    let y = (w * x).tanh();
    let (_, trace) = y.backward_traced(TraceOptions::default());
    (x, y, trace)
}

#[test]
fn symbolic_gradient_refuses_a_var_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (x1, _, trace) = traced(&t1);
    let (x2, _, _) = traced(&t2);
    assert_eq!(
        trace.try_symbolic_gradient(x1).unwrap().to_string(),
        "w·(1 − tanh(w·x)²)"
    );
    let err = trace.try_symbolic_gradient(x2).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "symbolic_gradient"
        }
    );
    assert_eq!(
        panic_message(|| {
            trace.symbolic_gradient(x2);
        }),
        message("symbolic_gradient")
    );
}

/// A trace read back from JSON keeps no tape: every var is foreign to it, while bare node
/// ids still work for paths.
#[cfg(feature = "serde")]
#[test]
fn a_trace_read_from_json_refuses_every_var() {
    let tape = Tape::<f64>::new();
    let (x, y, trace) = traced(&tape);
    let read = Trace::from_json(&trace.to_json()).unwrap();
    assert_eq!(read, trace);
    let err = read.try_symbolic_gradient(x).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "symbolic_gradient"
        }
    );
    assert_eq!(
        read.try_paths(x, y, 3).unwrap_err(),
        Error::ForeignVar { op: "paths" }
    );
    // ∂y/∂x = w·(1 − tanh(3)²) along the one path x → w·x → y.
    let expected = 1.5 * (1.0 - 3.0f64.tanh().powi(2));
    let paths = read.try_paths(x.id(), y.id(), 3).unwrap();
    assert!((paths.gradient() - expected).abs() < 1e-15);
    let paths = trace.try_paths(x, y, 3).unwrap();
    assert!((paths.gradient() - expected).abs() < 1e-15);
}

#[test]
fn paths_refuse_a_var_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (_, y1, trace) = traced(&t1);
    let (x2, _, _) = traced(&t2);
    let err = trace.try_paths(x2, y1, 3).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "paths" });
    assert_eq!(
        panic_message(|| {
            trace.paths(x2, y1, 3);
        }),
        message("paths")
    );
}

#[test]
fn a_trace_from_before_a_reset_refuses_later_vars() {
    let mut tape = Tape::<f64>::new();
    let trace = traced(&tape).2;
    tape.reset();
    let (x, _, _) = traced(&tape);
    let err = trace.try_symbolic_gradient(x).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "symbolic_gradient"
        }
    );
}

#[test]
fn clip_grad_norm_refuses_a_parameter_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a, b) = (t1.var("a", 3.0), t1.var("b", 4.0));
    let stranger = t2.var("a", 30.0);
    let loss = 0.5 * (a.square() + b.square()); // gradients (3, 4)
    let mut grads = loss.backward();
    let err = clip_grad_norm(&mut grads, &[a, stranger], 1.0).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "clip_grad_norm"
        }
    );
    // No gradient changed.
    assert_eq!(
        (item(grads.wrt(a)), item(grads.wrt(b))),
        (Some(3.0), Some(4.0))
    );
    assert_eq!(clip_grad_norm(&mut grads, &[a, b], 1.0).unwrap(), 5.0);
    assert!((item(grads.wrt(a)).unwrap() - 0.6).abs() < 1e-6);
}

#[test]
fn an_optimiser_refuses_gradients_of_another_tape() {
    let mut store = ParamStore::<f64>::new(0);
    let w = store.add("w", Tensor::scalar(1.0));
    let mut opt = Sgd::new(0.5);
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let p = store.bind(&t1);
    let loss = p.var(w).square(); // ∂w²/∂w = 2 at w = 1
    let grads = loss.backward();
    // Another tape whose node 0 has gradient 100.
    let v = t2.var("v", 50.0);
    let other = v.square().backward();
    let err = opt.try_step(&mut store, &p, &other).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "Optimizer::step"
        }
    );
    assert_eq!(
        panic_message(|| opt.step(&mut store, &p, &other)),
        message("Optimizer::step")
    );
    assert_eq!(store.get(w).item(), Some(1.0));
    opt.try_step(&mut store, &p, &grads).unwrap();
    assert_eq!(store.get(w).item(), Some(0.0)); // 1 − 0.5·2
}

#[test]
fn bind_vars_refuses_a_var_of_another_tape() {
    let mut store = ParamStore::<f64>::new(0);
    store.add("w", Tensor::scalar(1.0));
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let stranger = t2.var("w", 1.0);
    let err = store.try_bind_vars(&t1, &[stranger]).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "bind_vars" });
    assert_eq!(
        panic_message(|| {
            store.bind_vars(&t1, &[stranger]);
        }),
        message("bind_vars")
    );
    let own = t1.var("w", 2.0);
    let p = store.try_bind_vars(&t1, &[own]).unwrap();
    assert_eq!(p.node(store.id("w").unwrap()), Some(own.id()));
}

#[test]
fn residual_refuses_a_block_output_of_another_tape() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = t1.var("x", 1.0);
    let stranger = t2.var("s", 5.0);
    let err = t1.try_residual(x, |_| stranger).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "residual" });
    assert_eq!(t1.len(), 1);
    // A foreign `x` is refused before the block runs: nothing is recorded on its tape.
    let err = t1.try_residual(stranger, |s| s * 2.0).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "residual" });
    assert_eq!(t2.len(), 1);
    // x + 3x at x = 1: 4, gradient 1 + 3.
    let y = t1.try_residual(x, |x| 3.0 * x).unwrap();
    assert_eq!(y.value().item(), Some(4.0));
    assert_eq!(item(y.backward().wrt(x)), Some(4.0));
}

/// A gradient check whose function returns a var of a tape that outlives it (leaked, the only
/// way past the closure's lifetime) checks nothing real: refused.
#[test]
fn gradcheck_refuses_an_output_of_another_tape() {
    let leaked: &'static Tape<f64> = Box::leak(Box::new(Tape::new()));
    let stranger = leaked.var("s", 1.0);
    let inputs = [Tensor::scalar(0.5)];
    let err = try_gradcheck(&inputs, |_, _| stranger, GradcheckOptions::default()).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "gradcheck" });
    assert_eq!(
        panic_message(|| {
            gradcheck(&inputs, |_, _| stranger, GradcheckOptions::default());
        }),
        message("gradcheck")
    );
    let report = try_gradcheck(&inputs, |_, v| v[0].tanh(), GradcheckOptions::default()).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.checked, 1);
}

#[test]
fn combining_vars_of_two_tapes_names_the_op() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a, b) = (t1.var("a", 1.0), t2.var("b", 2.0));
    assert_eq!(a.try_mul(b).unwrap_err().to_string(), message("mul"));
    assert!(t1.owns(a) && !t1.owns(b));
}
