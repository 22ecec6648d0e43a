//! `check::gradgradcheck` itself: it passes a right second derivative, rejects two wrong ones
//! (a recorded VJP off by a factor, and one that treats its local derivative as a constant),
//! counts what it compares, names the worst entry, and returns clear errors.

use chaintrace::check::{
    GradcheckOptions, Probe, Sampling, gradgradcheck, gradgradcheck_with, try_gradgradcheck,
    try_gradgradcheck_with,
};
use chaintrace::ops::{Op, Operand};
use chaintrace::symbolic::Expr;
use chaintrace::{Error, Float, Result, Tape, Tensor, Var};

/// How the cube's recorded VJP is written: right, off by a factor 2, or with `3u²` frozen as a
/// constant (its value right, its own derivative lost).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Recorded {
    Right,
    Doubled,
    Frozen,
    Missing,
}

/// `y = u³` with `vjp` always right (`g·3u²`) and `vjp_graph` as `Recorded` says.
#[derive(Debug)]
struct Cube(Recorded);

fn cube_vjp<T: Float, V: Operand<T>>(u: &V, g: &V) -> V {
    g.times(&u.powi_scaled(2.0, T::from_f64(3.0)))
}

impl<T: Float> Op<T> for Cube {
    fn name(&self) -> &'static str {
        "cube"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        Ok(x[0].map(|u| u * u * u))
    }
    fn vjp(&self, _: usize, x: &[&Tensor<T>], _: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        cube_vjp(x[0], g)
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        x: &[Var<'t, T>],
        _: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        let u = x[0];
        Ok(match self.0 {
            Recorded::Right => cube_vjp(&u, &g),
            Recorded::Doubled => cube_vjp(&u, &g) * T::from_f64(2.0),
            Recorded::Frozen => {
                g * u
                    .tape()
                    .constant(u.value().map(|u| T::from_f64(3.0) * u * u))
            }
            Recorded::Missing => {
                return Err(Error::invalid("grad", "no recorded VJP for `cube`"));
            }
        })
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().powf(3.0)
    }
    fn local_derivative(&self, _: usize, x: &[Expr]) -> Expr {
        Expr::constant(3.0) * x[0].clone().powf(2.0)
    }
}

fn input() -> Tensor<f64> {
    Tensor::from_vec(vec![0.7, -1.3, 0.4, 1.1, -0.6, 0.9], &[2, 3])
}

/// `sin(cube(x)) · x`: the cube's second derivative matters, and its output is a tensor.
fn with_cube(
    recorded: Recorded,
) -> impl for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64> {
    move |tape, v| tape.apply(Cube(recorded), &[v[0]]).sin() * v[0]
}

#[test]
fn a_right_second_derivative_passes() {
    let report = gradgradcheck(
        &[input()],
        with_cube(Recorded::Right),
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{report}");
    // 6 gradient elements, each differentiated by the 6 inputs and the 6 cotangent elements.
    assert_eq!(report.jacobian.checked, 6 * 12);
    assert_eq!((report.jacobian.outputs, report.jacobian.rows), (6, 6));
    assert_eq!((report.inputs, report.sizes.clone()), (1, vec![6]));
    let v = &report.grad_output;
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|w| (0.5..1.5).contains(&w.abs())), "{v:?}");
    let values = report.values.as_ref().unwrap();
    assert!((values.recorded - values.backward).abs() < 1e-12);
    assert!(
        report
            .to_string()
            .starts_with("gradgradcheck passed over 72 entries")
    );
}

#[test]
fn a_recorded_vjp_off_by_a_factor_fails() {
    let report = gradgradcheck(
        &[input()],
        with_cube(Recorded::Doubled),
        GradcheckOptions::default(),
    );
    assert!(!report.passed(), "{report}");
    assert!(!report.jacobian.passed(), "{report}");
    let values = report.values.as_ref().unwrap();
    assert!(values.excess(&report.jacobian.options) > 1.0);
    let text = report.to_string();
    assert!(text.starts_with("gradgradcheck FAILED"), "{text}");
    assert!(text.contains("worst: ∂(∂L/∂x0["), "{text}");
    assert!(text.contains("the recorded ∂L/∂x0["), "{text}");
}

#[test]
fn a_frozen_local_derivative_fails_though_its_value_is_right() {
    let report = gradgradcheck(
        &[input()],
        with_cube(Recorded::Frozen),
        GradcheckOptions::default(),
    );
    assert!(!report.passed(), "{report}");
    // The first-order values agree; only the second derivative is wrong, and only along x
    // (the derivative along the cotangent v is right).
    let values = report.values.as_ref().unwrap();
    assert!(values.excess(&report.jacobian.options) <= 1.0, "{values:?}");
    let worst = report.jacobian.worst.as_ref().unwrap();
    assert_eq!(worst.input, 0, "{report}");
}

/// A linear op's second derivative is zero, yet the check still sees its recorded VJP,
/// through the cotangent: a wrong one fails.
#[test]
fn a_linear_function_is_checked_through_the_cotangent() {
    let report = gradgradcheck(
        &[input()],
        |_, v| v[0].transpose().slice(0, 1, 3),
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{report}");
    assert_eq!(report.jacobian.checked, 6 * (6 + 4));
}

#[test]
fn gradient_elements_are_named_per_input() {
    let (a, b) = (input(), Tensor::from_vec(vec![0.5, -0.25, 2.0], &[3]));
    let report = gradgradcheck(&[a, b], |_, v| v[0] * v[1], GradcheckOptions::default());
    assert!(report.passed(), "{report}");
    assert_eq!(report.sizes, vec![6, 3]);
    assert_eq!(report.gradient_element(Probe::Element(4)), Some((0, 4)));
    assert_eq!(report.gradient_element(Probe::Element(7)), Some((1, 1)));
    assert_eq!(report.gradient_element(Probe::Element(9)), None);
    assert_eq!(report.gradient_element(Probe::Projection(0)), None);
}

#[test]
fn a_large_gradient_is_sampled() {
    let x = Tensor::from_vec((0..80).map(|k| (0.37 * k as f64).sin()).collect(), &[80]);
    let sampling = Sampling {
        full_up_to: 10,
        rows: 4,
        projections: 2,
        seed: 3,
    };
    let report = gradgradcheck_with(
        &[x],
        |_, v| v[0].tanh(),
        GradcheckOptions::default(),
        sampling,
        None,
    );
    assert!(report.passed(), "{report}");
    assert_eq!((report.jacobian.rows, report.jacobian.projections), (4, 2));
    assert!(
        report
            .to_string()
            .contains("4 of 80 gradient elements and 2 random projections")
    );
}

#[test]
fn a_given_cotangent_is_used() {
    let v = Tensor::from_vec(vec![1.0, -2.0, 0.5, 3.0, 0.0, 1.0], &[2, 3]);
    let report = gradgradcheck_with(
        &[input()],
        |_, x| x[0].exp(),
        GradcheckOptions::default(),
        Sampling::default(),
        Some(&v),
    );
    assert!(report.passed(), "{report}");
    assert_eq!(report.grad_output, v.to_vec());
}

#[test]
fn a_scalar_output_checks_the_hessian() {
    let report = gradgradcheck(
        &[input()],
        |_, v| (v[0] * v[0]).sin().sum(),
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{report}");
    assert_eq!(report.jacobian.checked, 6 * 7);
}

#[test]
fn errors_are_returned_or_raised() {
    let options = GradcheckOptions::default();
    // An op without a recorded VJP: grad's error.
    let err = try_gradgradcheck(&[input()], with_cube(Recorded::Missing), options).unwrap_err();
    assert!(matches!(err, Error::Invalid { op: "grad", .. }), "{err}");

    // A cotangent of the wrong shape.
    let v = Tensor::from_vec(vec![1.0, 2.0], &[2]);
    let err = try_gradgradcheck_with(
        &[input()],
        |_, x| x[0].exp(),
        options,
        Sampling::default(),
        Some(&v),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Shape {
                op: "gradgradcheck",
                ..
            }
        ),
        "{err}"
    );

    // A var of another tape (leaked, the only way past the closure's lifetime).
    let other: &'static Tape<f64> = Box::leak(Box::new(Tape::new()));
    let stray = other.var("stray", 1.0);
    let err = try_gradgradcheck(&[input()], |_, _| stray, options).unwrap_err();
    assert_eq!(
        err,
        Error::ForeignVar {
            op: "gradgradcheck"
        }
    );
    let message = err.to_string();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gradgradcheck(&[input()], |_, _| stray, options)
    }))
    .unwrap_err();
    assert_eq!(panic.downcast_ref::<String>(), Some(&message));
}

#[test]
fn no_inputs_compare_nothing() {
    let report = gradgradcheck(
        &[],
        |tape: &Tape<f64>, _| tape.var("a", 2.0).exp(),
        GradcheckOptions::default(),
    );
    assert!(report.passed(), "{report}");
    assert_eq!(report.jacobian.checked, 0);
}
