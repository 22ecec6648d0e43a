//! The elementwise functions' gradients against central finite differences (f64): each
//! built-in by its method, every registered built-in read from the registry, and the
//! negative control (gradcheck rejects a wrong rule).

use chaintrace::check::{GradcheckOptions, gradcheck};
use chaintrace::ops::{BUILTIN_FUNCTIONS, Op};
use chaintrace::symbolic::Expr;
use chaintrace::{Float, Tensor};
use proptest::prelude::*;

mod ops_common;

use ops_common::*;

// ---------------------------------------------------------------------------------------------
// Elementwise functions
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tanh(x in tensor(-3.0, 3.0)) {
        check(&[x], |_, v| v[0].tanh())?;
    }

    #[test]
    fn sigmoid(x in tensor(-4.0, 4.0)) {
        check(&[x], |_, v| v[0].sigmoid())?;
    }

    #[test]
    fn relu(x in tensor_away_from_zero()) {
        check(&[x], |_, v| v[0].relu())?;
    }

    #[test]
    fn exp(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].exp())?;
    }

    #[test]
    fn ln(x in tensor(0.2, 3.0)) {
        check(&[x], |_, v| v[0].ln())?;
    }

    #[test]
    fn sqrt(x in tensor(0.2, 3.0)) {
        check(&[x], |_, v| v[0].sqrt())?;
    }

    #[test]
    fn square(x in tensor(-2.0, 2.0)) {
        check(&[x], |_, v| v[0].square())?;
    }

    #[test]
    fn abs(x in tensor_away_from_zero()) {
        check(&[x], |_, v| v[0].abs())?;
    }

    #[test]
    fn powf(x in tensor(0.2, 3.0), p in -2.5f64..3.0) {
        check(&[x], move |_, v| v[0].powf(p))?;
    }

    /// Every registered built-in function (read from the registry, so none can escape), as
    /// `x.apply_fn(&F)` records it: on positive values away from zero (every built-in's
    /// domain, clear of the kinks of relu, abs, step and sign), and on negative ones for the
    /// functions defined there.
    #[test]
    fn every_builtin_function(
        positive in tensor(0.2, 3.0),
        negative in tensor(-3.0, -0.2),
    ) {
        for f in BUILTIN_FUNCTIONS {
            check(std::slice::from_ref(&positive), |_, v| v[0].apply_fn(f))?;
            if f.value(-1.0f64).is_finite() {
                check(std::slice::from_ref(&negative), |_, v| v[0].apply_fn(f))?;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The checker can fail
// ---------------------------------------------------------------------------------------------

/// `y = u³` with a deliberately wrong derivative (`2u²` instead of `3u²`).
#[derive(Debug)]
struct WrongCube;

impl<T: Float> Op<T> for WrongCube {
    fn name(&self) -> &'static str {
        "wrong_cube"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> chaintrace::Result<Tensor<T>> {
        Ok(x[0].map(|u| u * u * u))
    }
    fn vjp(&self, _slot: usize, x: &[&Tensor<T>], _y: &Tensor<T>, g: &Tensor<T>) -> Tensor<T> {
        let two = T::from_f64(2.0);
        g.zip_map(&x[0].map(|u| two * u * u), "wrong_cube", |g, d| g * d)
            .unwrap()
    }
    fn symbolic(&self, x: &[Expr]) -> Expr {
        x[0].clone().powf(3.0)
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        Expr::constant(2.0) * x[0].clone().powf(2.0)
    }
}

/// The property tests above are only worth something if gradcheck rejects a wrong rule.
#[test]
fn gradcheck_rejects_a_wrong_derivative() {
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0], &[3]);
    let report = gradcheck(
        &[x],
        |tape, v| weighted(tape, tape.apply(WrongCube, &[v[0]])),
        GradcheckOptions::default(),
    );
    assert!(!report.passed(), "{report}");
    // The worst element is u = 2: analytic 2u²·c₂ against numeric 3u²·c₂, off by 4·|c₂|.
    let worst = report.worst.expect("three elements were compared");
    assert_eq!(worst.element, 2);
    let c2 = weights(&[3]).to_vec()[2];
    assert!((worst.analytic - 8.0 * c2).abs() < 1e-12);
    assert!((worst.numeric - 12.0 * c2).abs() < 1e-6);
}
