//! Clip limits that are negative, NaN or infinite are errors naming the argument, never obeyed
//! (issue 12, item 3): `clip_grad_norm(max_norm = -1)` reversed the gradient, NaN clipped
//! nothing.

use chaintrace::hooks::{ClipNorm, ClipValue, GradHook, Normalize, clip_grad_norm};
use chaintrace::{Error, Tape, Tensor};

/// The gradient `g` as it reaches leaf `x` through `L = Σ x·g` with `x = 1`, after `hook`
/// ran on it.
fn hooked(g: &[f64], hook: impl GradHook<f64> + 'static) -> chaintrace::Result<Vec<f64>> {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", Tensor::ones(&[g.len()]));
    let c = tape.constant(Tensor::from_vec(g.to_vec(), &[g.len()]));
    let loss = (x * c).sum();
    tape.hook(x, hook);
    let grads = loss.try_backward()?;
    Ok(grads.wrt(x).unwrap().to_vec())
}

#[test]
fn clip_grad_norm_refuses_bad_limits_and_leaves_the_gradients() {
    for (max, shown) in [(-1.0, "-1"), (f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        let tape = Tape::<f64>::new();
        let a = tape.var("a", 3.0);
        let mut grads = (a * 4.0).backward();
        let err = clip_grad_norm(&mut grads, &[a], max).unwrap_err();
        assert!(matches!(
            err,
            Error::Invalid {
                op: "clip_grad_norm",
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            format!(
                "invalid argument to `clip_grad_norm`: `max_norm` must be a finite number ≥ 0, got {shown}"
            )
        );
        assert_eq!(grads.wrt(a).unwrap().item(), Some(4.0)); // was −4 for max_norm = −1
    }
    // 0 is a limit: everything is clipped to nothing.
    let tape = Tape::<f64>::new();
    let a = tape.var("a", 3.0);
    let mut grads = (a * 4.0).backward();
    assert_eq!(clip_grad_norm(&mut grads, &[a], 0.0).unwrap(), 4.0);
    assert_eq!(grads.wrt(a).unwrap().item(), Some(0.0));
}

#[test]
fn hooks_refuse_bad_limits_through_try_backward() {
    fn refused(hook: impl GradHook<f64> + 'static) -> String {
        let err = hooked(&[3.0, 4.0], hook).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        err.to_string()
    }
    let must = "must be a finite number ≥ 0, got";
    let cases = [
        (
            refused(ClipNorm(-1.0)),
            format!("`ClipNorm`: `max_norm` {must} -1"),
        ),
        (
            refused(ClipNorm(f64::NAN)),
            format!("`ClipNorm`: `max_norm` {must} NaN"),
        ),
        (
            refused(ClipNorm(f64::INFINITY)),
            format!("`ClipNorm`: `max_norm` {must} inf"),
        ),
        (
            refused(ClipValue(-1.0)),
            format!("`ClipValue`: `clip_value` {must} -1"),
        ),
        (
            refused(ClipValue(f64::NAN)),
            format!("`ClipValue`: `clip_value` {must} NaN"),
        ),
        (
            refused(Normalize { eps: -1.0 }),
            format!("`Normalize`: `eps` {must} -1"),
        ),
        (
            refused(Normalize { eps: f64::NAN }),
            format!("`Normalize`: `eps` {must} NaN"),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, format!("invalid argument to {want}"));
    }
    // Zero limits are allowed: ClipNorm(0) and ClipValue(0) zero the gradient, eps = 0 is plain
    // normalisation.
    assert_eq!(hooked(&[3.0, 4.0], ClipNorm(0.0)).unwrap(), vec![0.0, 0.0]);
    assert_eq!(
        hooked(&[3.0, -4.0], ClipValue(0.0)).unwrap(),
        vec![0.0, 0.0]
    );
    assert_eq!(
        hooked(&[3.0, 4.0], Normalize { eps: 0.0 }).unwrap(),
        vec![0.6, 0.8]
    );
    assert_eq!(
        hooked(&[0.0, 0.0], Normalize { eps: 0.0 }).unwrap(),
        vec![0.0, 0.0]
    );
}

#[test]
#[should_panic(
    expected = "invalid argument to `ClipNorm`: `max_norm` must be a finite number ≥ 0, got -1"
)]
fn backward_panics_with_the_bad_limit() {
    let tape = Tape::<f64>::new();
    let x = tape.var("x", 2.0);
    tape.hook(x, ClipNorm(-1.0));
    let _ = x.square().backward();
}
