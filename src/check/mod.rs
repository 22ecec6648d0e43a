//! Gradient checking: the tape's gradient against central finite differences.
//!
//! ```
//! use chaintrace::check::{gradcheck, GradcheckOptions};
//! use chaintrace::Tensor;
//! let x = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
//! let report = gradcheck(&[x], |_tape, v| (v[0].tanh() * v[0]).sum(), GradcheckOptions::default());
//! assert!(report.passed(), "{report}");
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::tape::{Tape, Var};
use crate::tensor::{Float, Tensor};

/// Step and tolerances of a gradient check. The defaults fit `f64`: eps 1e-6, atol 1e-5,
/// rtol 1e-3 (an element passes when `|analytic − numeric| ≤ atol + rtol·|numeric|`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradcheckOptions {
    /// The finite-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

/// The worst element of a gradient check.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Which input (index into the `inputs` slice).
    pub input: usize,
    /// Which element of that input (row-major).
    pub element: usize,
    /// The tape's gradient.
    pub analytic: f64,
    /// The central finite difference.
    pub numeric: f64,
}

impl Mismatch {
    /// `|analytic − numeric|`.
    pub fn abs_error(&self) -> f64 {
        (self.analytic - self.numeric).abs()
    }

    /// How far over its tolerance this element is (≤ 1 passes).
    pub fn excess(&self, opts: &GradcheckOptions) -> f64 {
        let tolerance = opts.atol + opts.rtol * self.numeric.abs();
        if self.abs_error().is_nan() {
            f64::INFINITY
        } else {
            self.abs_error() / tolerance
        }
    }
}

/// The outcome of [`gradcheck`]: the worst element, judged by the tolerances used.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckReport {
    /// The element furthest over its tolerance (`None` when the inputs have no elements).
    pub worst: Option<Mismatch>,
    /// The options the check ran with.
    pub options: GradcheckOptions,
    /// How many elements were compared.
    pub checked: usize,
}

impl GradcheckReport {
    /// True when every element is within tolerance (and no gradient is missing).
    pub fn passed(&self) -> bool {
        self.worst
            .as_ref()
            .is_none_or(|w| w.excess(&self.options) <= 1.0)
    }
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        write!(f, "gradcheck {verdict} over {} elements", self.checked)?;
        if let Some(w) = &self.worst {
            write!(
                f,
                "; worst: input {} element {}: analytic {:.9e}, numeric {:.9e}, |diff| {:.3e}",
                w.input,
                w.element,
                w.analytic,
                w.numeric,
                w.abs_error()
            )?;
        }
        Ok(())
    }
}

/// Compares the tape's gradient of `f` (summed, if `f` returns a tensor) with respect to each
/// input against central differences `(f(x + eps) − f(x − eps)) / 2eps`, element by element.
///
/// `f` receives a fresh tape and the inputs as leaves named `x0`, `x1`, …. A missing gradient
/// (the output does not depend on an input) counts as zero.
///
/// # Panics
/// If `f` returns a var of another tape than the one it is given (its value and gradient
/// would not depend on the inputs); see [`try_gradcheck`].
///
/// # Complexity
/// Two forward passes per input element plus one backward pass.
pub fn gradcheck<T, F>(inputs: &[Tensor<T>], f: F, options: GradcheckOptions) -> GradcheckReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    try_gradcheck(inputs, f, options).unwrap_or_else(|e| panic!("{e}"))
}

/// [`gradcheck`], returning an error instead of panicking.
///
/// # Errors
/// [`Error::ForeignVar`] when `f` returns a var of another tape than the one it is given.
pub fn try_gradcheck<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
) -> Result<GradcheckReport>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let evaluate = |values: &[Tensor<T>]| -> Result<f64> {
        let tape = Tape::new();
        let vars = leaves(&tape, values);
        Ok(output(&tape, f(&tape, &vars))?.value().sum().as_f64())
    };
    let analytic: Vec<Vec<f64>> = {
        let tape = Tape::new();
        let vars = leaves(&tape, inputs);
        let out = output(&tape, f(&tape, &vars))?;
        let grads = out.backward();
        vars.iter()
            .zip(inputs)
            .map(|(v, x)| match grads.wrt(*v) {
                Some(g) => g.to_vec().into_iter().map(Float::as_f64).collect(),
                None => vec![0.0; x.len()],
            })
            .collect()
    };
    let mut worst: Option<Mismatch> = None;
    let mut checked = 0;
    for (input, (x, gradient)) in inputs.iter().zip(&analytic).enumerate() {
        for element in 0..x.len() {
            let numeric = central_difference(inputs, input, element, options.eps, &evaluate)?;
            let candidate = Mismatch {
                input,
                element,
                // A gradient with too few elements (a wrong shape) fails as NaN.
                analytic: gradient.get(element).copied().unwrap_or(f64::NAN),
                numeric,
            };
            checked += 1;
            if worst
                .as_ref()
                .is_none_or(|w| candidate.excess(&options) > w.excess(&options))
            {
                worst = Some(candidate);
            }
        }
    }
    Ok(GradcheckReport {
        worst,
        options,
        checked,
    })
}

/// `out`, when it is on `tape`.
fn output<'t, T: Float>(tape: &Tape<T>, out: Var<'t, T>) -> Result<Var<'t, T>> {
    match tape.owns(out) {
        true => Ok(out),
        false => Err(Error::ForeignVar { op: "gradcheck" }),
    }
}

fn leaves<'t, T: Float>(tape: &'t Tape<T>, values: &[Tensor<T>]) -> Vec<Var<'t, T>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| tape.var(&format!("x{i}"), v.clone()))
        .collect()
}

fn central_difference<T: Float>(
    inputs: &[Tensor<T>],
    input: usize,
    element: usize,
    eps: f64,
    evaluate: &impl Fn(&[Tensor<T>]) -> Result<f64>,
) -> Result<f64> {
    let shifted = |delta: f64| {
        let mut values = inputs.to_vec();
        let mut data = values[input].to_vec();
        data[element] = T::from_f64(data[element].as_f64() + delta);
        values[input] = Tensor::from_vec(data, inputs[input].shape());
        evaluate(&values)
    };
    Ok((shifted(eps)? - shifted(-eps)?) / (2.0 * eps))
}
