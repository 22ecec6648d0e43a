//! `Var::backward_into`: the gradients of `backward`, into a store handed back each step, with
//! the store's tape checks kept. (That the slots' memory is reused is a unit test in
//! src/tape/gradients.rs, which can see the buffer.)

use chaintrace::hooks::NanGuard;
use chaintrace::{Error, Gradients, Tape, Tensor};

/// y = tanh(w·x + b) on tensors, so the store holds heap-backed tensors as well as scalars.
#[test]
fn backward_into_gives_backwards_gradients_step_after_step() {
    let mut tape = Tape::<f64>::new();
    let mut store = Gradients::default();
    for step in 0..4 {
        tape.reset();
        let s = f64::from(step);
        let w = tape.var(
            "w",
            Tensor::from_vec(vec![0.5 + s, -1.0, 0.25, 2.0], &[2, 2]),
        );
        let x = tape.var("x", Tensor::from_vec(vec![1.0, -s], &[2, 1]));
        let b = tape.var("b", 0.1 * s);
        let y = (w.matmul(x) + b).tanh().sum();
        y.backward_into(&mut store);
        let fresh = y.backward();
        for v in [w, x, b, y] {
            assert_eq!(store.wrt(v), fresh.wrt(v), "step {step}, {v:?}");
        }
        assert!(store.is_from(&tape));
    }
}

#[test]
fn an_empty_store_answers_none_and_refuses_as_foreign() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 3.0);
    let store = Gradients::<f64>::default();
    assert!(store.wrt(x).is_none());
    assert!(!store.is_from(&tape));
    assert!(matches!(
        store.scalar(x),
        Err(Error::ForeignVar {
            op: "Gradients::scalar"
        })
    ));
}

#[test]
fn a_hooks_error_leaves_the_store_empty() {
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 1e200), tape.var("x", 1.0));
    let mut store = Gradients::default();
    (w * x).backward_into(&mut store);
    assert_eq!(store.scalar(x), Ok(1e200));
    let y = w * w * x; // ∂y/∂x = w² = inf in f64
    tape.hook(x, NanGuard::Error);
    let err = y.try_backward_into(&mut store).unwrap_err();
    assert!(matches!(err, Error::NonFinite(_)), "{err}");
    assert!(store.wrt(x).is_none() && store.wrt(w).is_none());
}
