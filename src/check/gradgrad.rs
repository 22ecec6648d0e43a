//! The second-order check (PyTorch's `gradgradcheck`): the Jacobian of the first-order
//! gradient that [`grad`](crate::grad) records, against central differences of the gradient
//! `backward` computes.
//!
//! The first-order gradient is a function of the inputs and of the output's cotangent `v`:
//! `g(x₀, …, v) = ∂(Σ v ⊙ f(x₀, …))/∂(x₀, …)`, every input's gradient flattened and the whole
//! concatenated. [`gradcheck`](super::gradcheck)'s machinery checks `g` entry by entry: its
//! analytic Jacobian is a backward pass through the gradient `grad` recorded (the VJP of each
//! op run on vars, [`Op::vjp_graph`](crate::ops::Op::vjp_graph)), its numeric one the central
//! differences of `g` computed by `backward` (the same rule run on tensors,
//! [`Op::vjp`](crate::ops::Op::vjp)). So a wrong second derivative fails, and so does a
//! recorded VJP that drifted from the numeric one. The two gradients' values are also compared
//! at every point evaluated ([`GradgradReport::values`]).

use std::cell::RefCell;
use std::fmt;

use super::jacobian::{leaves, weights};
use super::{GradcheckOptions, GradcheckReport, Probe, Sampling, try_gradcheck_with};
use crate::error::{Error, Result};
use crate::tape::{Tape, Var, grad};
use crate::tensor::{Float, Tensor};

/// Where the gradient [`grad`](crate::grad) records and the one `backward` computes differ
/// most, over every point [`gradgradcheck`] evaluated (one rule run on vars and on tensors:
/// they agree up to rounding for every op of the crate).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueMismatch {
    /// Which input's gradient.
    pub input: usize,
    /// Which element of it (row-major).
    pub element: usize,
    /// The value `grad` recorded.
    pub recorded: f64,
    /// The value `backward` computed.
    pub backward: f64,
}

impl ValueMismatch {
    /// How far over its tolerance this entry is (≤ 1 passes), as
    /// [`Mismatch::excess`](super::Mismatch::excess) with `backward` as the reference.
    pub fn excess(&self, opts: &GradcheckOptions) -> f64 {
        let diff = (self.recorded - self.backward).abs();
        match diff.is_nan() && !(self.recorded.is_nan() && self.backward.is_nan()) {
            true => f64::INFINITY,
            false if diff.is_nan() => 0.0, // NaN in both: the same answer
            false => diff / (opts.atol + opts.rtol * self.backward.abs()),
        }
    }
}

/// The outcome of [`gradgradcheck`].
#[derive(Clone, Debug, PartialEq)]
pub struct GradgradReport {
    /// The check of the first-order gradient's Jacobian. Its inputs are `f`'s inputs followed
    /// by the cotangent `v` (input number `inputs`); its output elements are the inputs'
    /// gradients flattened and concatenated in order ([`GradgradReport::gradient_element`]
    /// tells which input's gradient an output element belongs to).
    pub jacobian: GradcheckReport,
    /// The number of inputs of `f` (the cotangent is the input after them).
    pub inputs: usize,
    /// The number of elements of each input, so of its gradient.
    pub sizes: Vec<usize>,
    /// The cotangent `v` the first-order gradient was taken with, row-major.
    pub grad_output: Vec<f64>,
    /// The worst disagreement between the recorded and the `backward` gradient's values
    /// (`None` when there was nothing to compare).
    pub values: Option<ValueMismatch>,
}

impl GradgradReport {
    /// True when every entry of the Jacobian, and every gradient value, is within tolerance.
    pub fn passed(&self) -> bool {
        self.jacobian.passed()
            && self
                .values
                .as_ref()
                .is_none_or(|v| v.excess(&self.jacobian.options) <= 1.0)
    }

    /// Which input's gradient, and which element of it, output element `probe` of
    /// [`GradgradReport::jacobian`] is (`None` for a random projection, which mixes them all).
    pub fn gradient_element(&self, probe: Probe) -> Option<(usize, usize)> {
        let Probe::Element(mut j) = probe else {
            return None;
        };
        for (input, &size) in self.sizes.iter().enumerate() {
            if j < size {
                return Some((input, j));
            }
            j -= size;
        }
        None
    }

    fn variable(&self, input: usize) -> String {
        match input == self.inputs {
            true => "v".to_string(),
            false => format!("x{input}"),
        }
    }
}

impl fmt::Display for GradgradReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let j = &self.jacobian;
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        write!(f, "gradgradcheck {verdict} over {} entries (", j.checked)?;
        if j.rows == j.outputs {
            write!(f, "all {} gradient elements", j.outputs)?;
        } else {
            write!(
                f,
                "{} of {} gradient elements and {} random projections",
                j.rows, j.outputs, j.projections
            )?;
        }
        write!(f, "; L = Σ v ⊙ f)")?;
        if let Some(w) = &j.worst {
            let of = match self.gradient_element(w.output) {
                Some((input, element)) => format!("∂L/∂x{input}[{element}]"),
                None => format!("{} of ∇L", w.output),
            };
            let by = format!("{}[{}]", self.variable(w.input), w.element);
            write!(
                f,
                "; worst: ∂({of})/∂{by}: analytic {:.9e}, numeric {:.9e}, |diff| {:.3e}",
                w.analytic,
                w.numeric,
                w.abs_error()
            )?;
        }
        if let Some(v) = self.values.as_ref().filter(|v| v.excess(&j.options) > 1.0) {
            write!(
                f,
                "; the recorded ∂L/∂x{}[{}] is {:.9e}, backward's {:.9e}",
                v.input, v.element, v.recorded, v.backward
            )?;
        }
        Ok(())
    }
}

/// Checks second derivatives: the Jacobian of the first-order gradient of `Σ v ⊙ f(x₀, …)`
/// with respect to every input and to the cotangent `v` (a seeded random tensor of `f`'s
/// output shape, elements `±[0.5, 1.5)`), recorded by [`grad`](crate::grad), against central
/// differences of the same gradient computed by `backward`, entry by entry, with the
/// tolerances of [`GradcheckOptions`] (its defaults fit `f64`). Including `v` checks the
/// derivative of every recorded VJP even for a linear op, whose second derivative is zero.
///
/// `f` is called as in [`gradcheck`](super::gradcheck): a fresh tape and the inputs as leaves.
///
/// # Example: the Hessian of `Σ tanh(a ⊙ b)` and more
/// ```
/// use chaintrace::check::{gradgradcheck, GradcheckOptions};
/// use chaintrace::Tensor;
/// let a = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
/// let b = Tensor::from_vec(vec![1.1, 0.4, -0.7], &[3]);
/// let report = gradgradcheck(&[a, b], |_, x| (x[0] * x[1]).tanh(), GradcheckOptions::default());
/// assert!(report.passed(), "{report}");
/// // 6 gradient elements, each differentiated by a, b and the cotangent v: 6 × 9 entries.
/// assert_eq!(report.jacobian.checked, 54);
/// ```
///
/// # Panics
/// As [`try_gradgradcheck`] fails.
///
/// # Complexity
/// Two forward passes, first-order gradients (recorded and `backward`) per element of the
/// inputs and of the output, plus one backward pass through the recorded gradient per checked
/// gradient element.
pub fn gradgradcheck<T, F>(inputs: &[Tensor<T>], f: F, options: GradcheckOptions) -> GradgradReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    gradgradcheck_with(inputs, f, options, Sampling::default(), None)
}

/// [`gradgradcheck`], returning an error instead of panicking.
///
/// # Errors
/// As [`try_gradgradcheck_with`].
pub fn try_gradgradcheck<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
) -> Result<GradgradReport>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    try_gradgradcheck_with(inputs, f, options, Sampling::default(), None)
}

/// [`gradgradcheck`] with the sampling of a large gradient ([`Sampling`], over the inputs'
/// gradient elements) and the cotangent `grad_output` spelled out (`None`: seeded random from
/// `sampling.seed`, as PyTorch draws `grad_outputs` at random).
///
/// # Panics
/// As [`try_gradgradcheck_with`] fails.
pub fn gradgradcheck_with<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
    sampling: Sampling,
    grad_output: Option<&Tensor<T>>,
) -> GradgradReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    try_gradgradcheck_with(inputs, f, options, sampling, grad_output)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`gradgradcheck_with`], returning an error instead of panicking.
///
/// # Errors
/// [`Error::ForeignVar`] when `f` returns a var of another tape than the one it is given;
/// [`Error::Shape`] when `grad_output` does not have the shape of `f`'s output, or when `f`'s
/// output changes shape at a perturbed input; the error [`grad`](crate::grad) or `backward`
/// returns (an op without [`Op::vjp_graph`](crate::ops::Op::vjp_graph), a failing hook).
///
/// # Example: a given cotangent on a matrix product
/// ```
/// use chaintrace::check::{gradgradcheck_with, GradcheckOptions, Sampling};
/// use chaintrace::Tensor;
/// let a = Tensor::from_vec(vec![0.5, -1.0, 2.0, 0.25], &[2, 2]);
/// let b = Tensor::from_vec(vec![1.5, 0.5, -0.5, 1.0], &[2, 2]);
/// let v = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
/// let report = gradgradcheck_with(
///     &[a, b],
///     |_, x| x[0].matmul(x[1]).sigmoid(),
///     GradcheckOptions::default(),
///     Sampling::default(),
///     Some(&v),
/// );
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.grad_output, vec![1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn try_gradgradcheck_with<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
    sampling: Sampling,
    grad_output: Option<&Tensor<T>>,
) -> Result<GradgradReport>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let shape = {
        let tape = Tape::new();
        let y = f(&tape, &leaves(&tape, inputs));
        if !tape.owns(y) {
            return Err(Error::ForeignVar {
                op: "gradgradcheck",
            });
        }
        y.shape().as_slice().to_vec()
    };
    let v = match grad_output {
        Some(v) if v.shape() == shape.as_slice() => v.clone(),
        Some(v) => {
            let why = "the grad_output must have the shape of f's output";
            return Err(Error::shape("gradgradcheck", v.shape(), &shape, why));
        }
        None => cotangent(&shape, sampling.seed),
    };
    let n = inputs.len();
    let mut all = inputs.to_vec();
    all.push(v.clone());
    let failure = RefCell::new(None);
    let values = RefCell::new(None);
    let jacobian = try_gradcheck_with(
        &all,
        |tape, x| {
            gradient(tape, &f, x, &options, &values).unwrap_or_else(|e| {
                failure.borrow_mut().get_or_insert(e);
                tape.constant(Tensor::zeros(&[0]))
            })
        },
        options,
        sampling,
    )?;
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    Ok(GradgradReport {
        jacobian,
        inputs: n,
        sizes: inputs.iter().map(Tensor::len).collect(),
        grad_output: v.to_vec().into_iter().map(Float::as_f64).collect(),
        values: values.into_inner(),
    })
}

/// The seeded cotangent: `±[0.5, 1.5)`, so no output element is weighted near zero.
fn cotangent<T: Float>(shape: &[usize], seed: u64) -> Tensor<T> {
    let m = shape.iter().product();
    // Another stream than the projections' (which use `seed` itself).
    let u = weights(Probe::Projection(0), m, seed ^ 0x636f_7461_6e67_656e);
    let v = u
        .into_iter()
        .map(|w| T::from_f64(w.signum() * (0.5 + w.abs())));
    Tensor::from_vec(v.collect(), shape)
}

/// The first-order gradient `∂(Σ v ⊙ f(x))/∂x` of every input, flattened and concatenated
/// (`x` is the inputs then `v`): its value is `backward`'s, its derivative that of the
/// gradient `grad` records (`recorded − recorded.detach()` adds zero to the value). Notes the
/// worst disagreement of the two values in `values`.
fn gradient<'t, T, F>(
    tape: &'t Tape<T>,
    f: &F,
    x: &[Var<'t, T>],
    options: &GradcheckOptions,
    values: &RefCell<Option<ValueMismatch>>,
) -> Result<Var<'t, T>>
where
    T: Float,
    F: for<'s> Fn(&'s Tape<T>, &[Var<'s, T>]) -> Var<'s, T>,
{
    let (xs, v) = x.split_at(x.len() - 1);
    let y = f(tape, xs);
    if !tape.owns(y) {
        return Err(Error::ForeignVar {
            op: "gradgradcheck",
        });
    }
    if y.shape() != v[0].shape() {
        let why = "f's output changed shape at a perturbed input";
        let (lhs, rhs) = (y.shape(), v[0].shape());
        return Err(Error::shape(
            "gradgradcheck",
            lhs.as_slice(),
            rhs.as_slice(),
            why,
        ));
    }
    let loss = (y * v[0]).sum();
    let recorded = grad(loss, xs)?;
    let computed = loss.try_backward()?;
    let mut flat = Vec::with_capacity(xs.len());
    let mut numbers = Vec::new();
    for (input, (&x, g)) in xs.iter().zip(&recorded).enumerate() {
        let b = match computed.wrt(x) {
            Some(b) => b.to_vec(),
            None => vec![T::zero(); x.value().len()],
        };
        for (element, (r, b)) in g.value().to_vec().into_iter().zip(&b).enumerate() {
            let candidate = ValueMismatch {
                input,
                element,
                recorded: r.as_f64(),
                backward: b.as_f64(),
            };
            let mut worst = values.borrow_mut();
            if worst
                .as_ref()
                .is_none_or(|w| candidate.excess(options) > w.excess(options))
            {
                *worst = Some(candidate);
            }
        }
        numbers.extend(b);
        flat.push(g.try_reshape(&[x.value().len()])?);
    }
    if flat.is_empty() {
        return Ok(tape.constant(Tensor::zeros(&[0])));
    }
    let recorded = Var::try_concat(&flat, 0)?;
    let len = numbers.len();
    Ok(tape.constant(Tensor::from_vec(numbers, &[len])) + (recorded - recorded.detach()))
}
