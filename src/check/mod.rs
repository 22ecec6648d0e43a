//! Gradient checking: the tape's whole Jacobian against central finite differences; second
//! derivatives through [`gradgradcheck`]; [`ulps_apart`], the distance an `f32` kernel's
//! accuracy is stated in.
//!
//! [`gradcheck`] checks every output element, not just their sum: a vector-Jacobian product
//! that is right on the sum and wrong elsewhere (a softmax rule whose errors cancel because its
//! outputs sum to 1) fails.
//!
//! ```
//! use chaintrace::check::{gradcheck, GradcheckOptions};
//! use chaintrace::Tensor;
//! let x = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
//! // A non-scalar output: every ∂yⱼ/∂xₖ is compared, 3 × 3 entries.
//! let report = gradcheck(&[x], |_tape, v| v[0].softmax() * v[0], GradcheckOptions::default());
//! assert!(report.passed(), "{report}");
//! assert_eq!(report.checked, 9);
//! ```

use std::fmt;

mod gradgrad;
mod jacobian;
mod ulps;

pub use gradgrad::{
    GradgradReport, ValueMismatch, gradgradcheck, gradgradcheck_with, try_gradgradcheck,
    try_gradgradcheck_with,
};
pub use jacobian::{Sampling, gradcheck_with, try_gradcheck_with};
pub use ulps::ulps_apart;

use crate::error::Result;
use crate::tape::{Tape, Var};
use crate::tensor::{Float, Tensor};

/// Step and tolerances of a gradient check. The defaults fit `f64`: eps 1e-6, atol 1e-5,
/// rtol 1e-3 (an entry passes when `|analytic − numeric| ≤ atol + rtol·|numeric|`).
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

/// Which row of the Jacobian an entry of a check comes from: the gradient of one output
/// element, or of a random projection `u·y` of the whole output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `∂y[j]/∂x`: output element `j` (row-major). A scalar output is element 0.
    Element(usize),
    /// `∂(u·y)/∂x` for the `k`-th seeded random vector `u` (see [`Sampling`]).
    Projection(usize),
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Element(j) => write!(f, "output element {j}"),
            Probe::Projection(k) => write!(f, "random projection {k}"),
        }
    }
}

/// The worst entry of a gradient check.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Which input (index into the `inputs` slice).
    pub input: usize,
    /// Which element of that input (row-major).
    pub element: usize,
    /// Which output element (or projection) was differentiated.
    pub output: Probe,
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

    /// How far over its tolerance this entry is (≤ 1 passes).
    pub fn excess(&self, opts: &GradcheckOptions) -> f64 {
        let tolerance = opts.atol + opts.rtol * self.numeric.abs();
        if self.abs_error().is_nan() {
            f64::INFINITY
        } else {
            self.abs_error() / tolerance
        }
    }
}

/// The outcome of [`gradcheck`]: the worst entry, judged by the tolerances used.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckReport {
    /// The entry furthest over its tolerance (`None` when nothing was compared).
    pub worst: Option<Mismatch>,
    /// The options the check ran with.
    pub options: GradcheckOptions,
    /// How many entries were compared: input elements × probes.
    pub checked: usize,
    /// The number of elements of `f`'s output.
    pub outputs: usize,
    /// The output elements whose Jacobian rows were compared (all of them up to
    /// [`Sampling::full_up_to`], a spread sample beyond).
    pub rows: usize,
    /// The random projections compared (0 when every row was).
    pub projections: usize,
}

impl GradcheckReport {
    /// True when every entry is within tolerance (and no gradient is missing).
    pub fn passed(&self) -> bool {
        self.worst
            .as_ref()
            .is_none_or(|w| w.excess(&self.options) <= 1.0)
    }
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        write!(f, "gradcheck {verdict} over {} entries (", self.checked)?;
        if self.rows == self.outputs {
            write!(f, "all {} output elements", self.outputs)?;
        } else {
            write!(
                f,
                "{} of {} output elements and {} random projections",
                self.rows, self.outputs, self.projections
            )?;
        }
        write!(f, ")")?;
        if let Some(w) = &self.worst {
            write!(
                f,
                "; worst: input {} element {}, {}: analytic {:.9e}, numeric {:.9e}, |diff| {:.3e}",
                w.input,
                w.element,
                w.output,
                w.analytic,
                w.numeric,
                w.abs_error()
            )?;
        }
        Ok(())
    }
}

/// Compares the tape's Jacobian of `f` with respect to each input against central differences
/// `(f(x + eps) − f(x − eps)) / 2eps`, entry by entry: for every output element `y[j]` (one
/// backward pass each) and every input element, `∂y[j]/∂x[k]`. Outputs with more than
/// [`Sampling::full_up_to`] elements are checked on a spread sample of rows plus seeded random
/// projections; [`gradcheck_with`] sets those sizes.
///
/// `f` receives a fresh tape and the inputs as leaves named `x0`, `x1`, …. A missing gradient
/// (the output does not depend on an input) counts as zero.
///
/// # Panics
/// If `f` returns a var of another tape than the one it is given (its value and gradient
/// would not depend on the inputs); see [`try_gradcheck`].
///
/// # Complexity
/// Two forward passes per input element, plus one backward pass per checked output element
/// (one for a scalar output).
pub fn gradcheck<T, F>(inputs: &[Tensor<T>], f: F, options: GradcheckOptions) -> GradcheckReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    gradcheck_with(inputs, f, options, Sampling::default())
}

/// [`gradcheck`], returning an error instead of panicking.
///
/// # Errors
/// [`Error::ForeignVar`](crate::Error::ForeignVar) when `f` returns a var of another tape than
/// the one it is given.
pub fn try_gradcheck<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
) -> Result<GradcheckReport>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    try_gradcheck_with(inputs, f, options, Sampling::default())
}
