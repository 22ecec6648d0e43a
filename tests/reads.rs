//! One-line reads: `Var::item`, `Gradients::scalar` and `symbolic::gradient(y, x)`, with the
//! value they give and each error they return.

use chaintrace::{Error, Tape, Tensor, symbolic};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-14 * b.abs().max(1.0)
}

#[test]
fn item_reads_a_scalar_var() {
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    let y = (w * x).tanh();
    assert!(close(y.item().unwrap(), 3.0f64.tanh()));
    assert_eq!(x.item(), Ok(2.0));
    // One element is a scalar whatever the rank, as for `Tensor::item`.
    let one = tape.constant(Tensor::from_vec(vec![4.0], &[1, 1]));
    assert_eq!(one.item(), Ok(4.0));
}

#[test]
fn item_of_a_tensor_names_its_shape() {
    let tape = Tape::<f64>::new();
    let m = tape.var("m", Tensor::from_vec(vec![1.0; 6], &[2, 3]));
    let err = m.item().unwrap_err();
    assert!(matches!(&err, Error::Shape { op: "Var::item", lhs, .. } if lhs == &[2, 3]));
    assert_eq!(
        err.to_string(),
        "shape mismatch in `Var::item`: [2, 3] and []: `m` (node 0) has 6 elements, not one: \
         read its tensor with `value()`"
    );
    let h = tape.layer("hidden", || m.tanh());
    assert_eq!(
        h.item().unwrap_err().to_string(),
        "shape mismatch in `Var::item` (layer `hidden`): [2, 3] and []: node 1 (tanh) has 6 \
         elements, not one: read its tensor with `value()`"
    );
    let empty = tape.constant(Tensor::<f64>::from_vec(vec![], &[0]));
    assert!(matches!(empty.item(), Err(Error::Shape { .. })));
}

/// y = tanh(w·x): ∂y/∂x = w·(1 − tanh²(w·x)), ∂y/∂w = x·(1 − tanh²(w·x)); and for a chain of
/// fifty `w·`, ∂/∂x = w⁵⁰.
#[test]
fn scalar_reads_a_gradient_as_a_number() {
    let tape = Tape::<f64>::new();
    let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
    let y = (w * x).tanh();
    let grads = y.backward();
    let sech2 = 1.0 - 3.0f64.tanh().powi(2);
    assert!(close(grads.scalar(x).unwrap(), 1.5 * sech2));
    assert!(close(grads.scalar(w).unwrap(), 2.0 * sech2));
    assert_eq!(grads.scalar(y), Ok(1.0));
    let mut deep = x;
    for _ in 0..50 {
        deep = w * deep;
    }
    let grads = deep.backward();
    assert!(close(grads.scalar(x).unwrap(), 1.5f64.powi(50)));
}

#[test]
fn scalar_of_a_var_off_the_path_says_why() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 1.0);
    let unused = tape.var("u", 2.0);
    let k = tape.named_constant("k", 3.0);
    let y = k * x;
    let later = tape.var("z", 4.0);
    let grads = y.backward();
    let message = |v| grads.scalar(v).unwrap_err().to_string();
    assert_eq!(
        message(unused),
        "invalid argument to `Gradients::scalar`: `u` (node 1) is not on a path to the output: \
         the output does not depend on it, so it has no gradient"
    );
    assert_eq!(
        message(k),
        "invalid argument to `Gradients::scalar`: `k` (node 2) is a constant, or computed from \
         constants only, so it has no gradient"
    );
    assert_eq!(
        message(later),
        "invalid argument to `Gradients::scalar`: `z` (node 4) was recorded after the output, \
         so it has no gradient"
    );
    // `wrt` keeps answering `None` in the same cases.
    assert!(grads.wrt(unused).is_none() && grads.wrt(k).is_none() && grads.wrt(later).is_none());
}

#[test]
fn scalar_of_a_tensor_gradient_names_its_shape() {
    let tape = Tape::<f64>::new();
    let v = tape.var("v", Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
    let loss = v.square().sum();
    let grads = loss.backward();
    let err = grads.scalar(v).unwrap_err();
    assert!(matches!(&err, Error::Shape { op: "Gradients::scalar", lhs, .. } if lhs == &[3]));
    assert_eq!(
        err.to_string(),
        "shape mismatch in `Gradients::scalar`: [3] and []: `v` (node 0) has 3 elements, not \
         one: read its gradient tensor with `wrt`"
    );
    assert_eq!(
        grads.wrt(v).unwrap(),
        &Tensor::from_vec(vec![2.0, 4.0, 6.0], &[3])
    );
}

/// A var of another tape, even at the same index, is refused; so is a var recorded after a
/// reset of the swept tape.
#[test]
fn scalar_of_a_var_of_another_tape_is_foreign() {
    let (tape, other) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = tape.var("x", 3.0);
    let grads = x.square().backward();
    assert_eq!(grads.scalar(x), Ok(6.0));
    let stranger = other.var("x", 3.0);
    let err = grads.scalar(stranger).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "Gradients::scalar"
        }
    );
    assert_eq!(
        err.to_string(),
        "`Gradients::scalar` got a var of another tape: a var works only with the tape that \
         recorded it and with that tape's gradients and traces"
    );
    let mut tape = tape;
    tape.reset();
    let again = tape.var("x", 3.0);
    assert!(matches!(grads.scalar(again), Err(Error::ForeignVar { .. })));
}

/// The tape is read from the two vars, so they must share one: a var of another tape (which
/// may have a node of the same index) is refused, in either place.
#[test]
fn gradient_refuses_vars_of_two_tapes() {
    let (tape, other) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = tape.var("x", 1.0);
    let y = x.tanh();
    let stranger = other.var("x", 1.0);
    let z = stranger.tanh();
    for err in [
        symbolic::gradient(y, stranger).unwrap_err(),
        symbolic::gradient(z, x).unwrap_err(),
    ] {
        assert_eq!(
            err,
            Error::ForeignVar {
                op: "symbolic::gradient"
            }
        );
        assert_eq!(
            err.to_string(),
            "`symbolic::gradient` got a var of another tape: a var works only with the tape \
             that recorded it and with that tape's gradients and traces"
        );
    }
    assert_eq!(
        symbolic::gradient(z, stranger).unwrap().to_string(),
        "1 − tanh(x)²"
    );
}

/// `Var::value` hands out the tape's own storage, not a copy; changing the copy it gave
/// leaves the tape's value alone (copy-on-write).
#[test]
fn value_shares_the_tapes_storage() {
    let tape = Tape::<f64>::new();
    let data = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
    let x = tape.var("x", data.clone());
    assert!(
        x.value().shares_storage(&data),
        "the leaf keeps the tensor given"
    );
    assert!(
        x.value().shares_storage(&x.value()),
        "value() does not copy"
    );
    let y = x.tanh();
    assert!(
        y.value()
            .shares_storage(&tape.nodes().node(1).value().clone())
    );
    let mut changed = x.value() * 2.0; // in place only when unshared: here it is shared
    changed = changed + 1.0;
    assert_eq!(changed.to_vec(), [3.0, 5.0, 7.0]);
    assert_eq!(x.value().to_vec(), [1.0, 2.0, 3.0]);
    assert_eq!(data.to_vec(), [1.0, 2.0, 3.0]);
}

/// Binding a parameter store to a tape puts each parameter on it without copying it, and an
/// optimiser's step then leaves the recorded values as they were.
#[test]
fn bind_shares_parameters_with_the_tape() {
    use chaintrace::nn::ParamStore;
    use chaintrace::optim::{Optimizer, Sgd};
    let mut store = ParamStore::<f64>::new(0);
    let w = store.add("w", Tensor::from_vec(vec![1.0, -2.0], &[2]));
    let tape = Tape::new();
    let params = store.bind(&tape);
    let var = params.var(w);
    assert!(var.value().shares_storage(store.get(w)));
    let grads = var.square().sum().backward();
    Sgd::new(0.5).step(&mut store, &params, &grads);
    // w − 0.5·2w = 0
    assert_eq!(store.get(w).to_vec(), [0.0, 0.0]);
    assert_eq!(var.value().to_vec(), [1.0, -2.0]);
    assert!(!var.value().shares_storage(store.get(w)));
}
