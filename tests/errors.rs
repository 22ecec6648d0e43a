//! The error policy of docs/errors.md: the messages it quotes, and `try_` forms that fail
//! without recording the failing op.

use chaintrace::{Error, Tape, Tensor};

#[test]
fn invalid_target_class_is_named() {
    let tape = Tape::<f64>::new();
    let z = tape.var("z", Tensor::zeros(&[2, 3]));
    let err = z.try_cross_entropy(&[0, 7]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument to `cross_entropy`: target class 7 does not exist (there are 3 classes)"
    );
}

#[test]
fn vars_of_two_tapes_do_not_mix() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a, b) = (t1.var("a", 1.0), t2.var("b", 2.0));
    let err = a.try_add(b).unwrap_err();
    assert_eq!(err, Error::ForeignVar { op: "add" });
    assert_eq!(
        err.to_string(),
        "`add` got a var of another tape: a var works only with the tape that recorded it and \
         with that tape's gradients and traces"
    );
}

#[test]
fn a_failing_try_form_records_nothing() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::zeros(&[2, 3]));
    let b = tape.var("b", Tensor::zeros(&[4]));
    let before = tape.len();
    let err = tape.layer("head", || a.try_add(b)).unwrap_err();
    assert_eq!(tape.len(), before);
    assert_eq!(
        err.to_string(),
        "shape mismatch in `add` (layer `head`): [2, 3] and [4]: axis 1: sizes 3 and 4 do not broadcast"
    );
}

#[test]
#[should_panic(expected = "shape mismatch in `reshape`: [2, 3] and [4]: element counts differ")]
fn sugar_panics_with_the_same_message() {
    let tape = Tape::<f64>::new();
    let a = tape.var("a", Tensor::zeros(&[2, 3]));
    let _ = a.reshape(&[4]);
}
