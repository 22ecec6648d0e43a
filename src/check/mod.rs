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
/// # Complexity
/// Two forward passes per input element plus one backward pass.
pub fn gradcheck<T, F>(inputs: &[Tensor<T>], f: F, options: GradcheckOptions) -> GradcheckReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let evaluate = |values: &[Tensor<T>]| -> f64 {
        let tape = Tape::new();
        let vars = leaves(&tape, values);
        f(&tape, &vars).value().sum().as_f64()
    };
    let analytic: Vec<Vec<f64>> = {
        let tape = Tape::new();
        let vars = leaves(&tape, inputs);
        let out = f(&tape, &vars);
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
    for (input, gradient) in analytic.iter().enumerate() {
        for (element, &analytic) in gradient.iter().enumerate() {
            let numeric = central_difference(inputs, input, element, options.eps, &evaluate);
            let candidate = Mismatch {
                input,
                element,
                analytic,
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
    GradcheckReport {
        worst,
        options,
        checked,
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
    evaluate: &impl Fn(&[Tensor<T>]) -> f64,
) -> f64 {
    let shifted = |delta: f64| {
        let mut values = inputs.to_vec();
        let mut data = values[input].to_vec();
        data[element] = T::from_f64(data[element].as_f64() + delta);
        values[input] = Tensor::from_vec(data, inputs[input].shape());
        evaluate(&values)
    };
    (shifted(eps) - shifted(-eps)) / (2.0 * eps)
}
