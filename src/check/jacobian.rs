//! The Jacobian check itself: which rows to compare, the analytic rows (one backward pass per
//! probe) and the numeric ones (central differences of the whole output).

use super::{GradcheckOptions, GradcheckReport, Mismatch, Probe};
use crate::error::{Error, Result};
use crate::tape::{Tape, Var};
use crate::tensor::{Float, Tensor};

/// How much of a large output's Jacobian [`gradcheck_with`] compares.
///
/// Up to `full_up_to` output elements, every row (`∂y[j]/∂x` for every `j`). Beyond, `rows`
/// rows spread evenly over the output (the first and the last included) plus `projections`
/// random rows `u·J` with `u` uniform in `[−1, 1]` drawn from `seed`: each projection mixes
/// every output element, so an error anywhere in the Jacobian shows in it, and a fixed seed
/// keeps the check deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Largest output checked row by row in full (default 64).
    pub full_up_to: usize,
    /// Rows compared on a larger output (default 16).
    pub rows: usize,
    /// Random projections compared on a larger output (default 8).
    pub projections: usize,
    /// Seed of the projections (default `0x5eed`).
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            full_up_to: 64,
            rows: 16,
            projections: 8,
            seed: 0x5eed,
        }
    }
}

impl Sampling {
    /// The probes for an output of `m` elements.
    fn probes(&self, m: usize) -> Vec<Probe> {
        if m <= self.full_up_to.max(1) {
            return (0..m).map(Probe::Element).collect();
        }
        let rows = self.rows.clamp(1, m);
        let mut probes: Vec<Probe> = (0..rows)
            .map(|k| {
                Probe::Element(if rows == 1 {
                    0
                } else {
                    k * (m - 1) / (rows - 1)
                })
            })
            .collect();
        probes.dedup();
        probes.extend((0..self.projections).map(Probe::Projection));
        probes
    }
}

/// The weights `u` of a probe over `m` output elements: a one-hot, or the `k`-th seeded
/// uniform vector (splitmix64, so the values do not depend on any other crate's generator).
pub(super) fn weights(probe: Probe, m: usize, seed: u64) -> Vec<f64> {
    match probe {
        Probe::Element(j) => (0..m).map(|i| if i == j { 1.0 } else { 0.0 }).collect(),
        Probe::Projection(k) => {
            let mut state = seed ^ (k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            (0..m)
                .map(|_| {
                    state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = state;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    z ^= z >> 31;
                    // 53 random bits to [0, 1), then to [−1, 1).
                    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
                })
                .collect()
        }
    }
}

/// [`gradcheck`](super::gradcheck) with the sampling of large outputs spelled out.
///
/// # Example: a wide output, sampled
/// ```
/// use chaintrace::check::{gradcheck_with, GradcheckOptions, Sampling};
/// use chaintrace::Tensor;
/// let x = Tensor::from_vec((0..100).map(|k| (k as f64 * 0.37).sin()).collect(), &[100]);
/// let sampling = Sampling { full_up_to: 10, rows: 4, projections: 3, seed: 7 };
/// let report = gradcheck_with(&[x], |_, v| v[0].tanh(), GradcheckOptions::default(), sampling);
/// assert!(report.passed(), "{report}");
/// assert_eq!((report.outputs, report.rows, report.projections), (100, 4, 3));
/// assert_eq!(report.checked, 100 * 7);
/// ```
///
/// # Complexity
/// Two forward passes per input element, plus one backward pass per probe.
///
/// # Panics
/// If `f` returns a var of another tape than the one it is given (its value and gradient
/// would not depend on the inputs); see [`try_gradcheck_with`].
pub fn gradcheck_with<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
    sampling: Sampling,
) -> GradcheckReport
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    try_gradcheck_with(inputs, f, options, sampling).unwrap_or_else(|e| panic!("{e}"))
}

/// [`gradcheck_with`], returning an error instead of panicking.
///
/// # Errors
/// [`Error::ForeignVar`] when `f` returns a var of another tape than the one it is given.
pub fn try_gradcheck_with<T, F>(
    inputs: &[Tensor<T>],
    f: F,
    options: GradcheckOptions,
    sampling: Sampling,
) -> Result<GradcheckReport>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let tape = Tape::new();
    let vars = leaves(&tape, inputs);
    let out = output(&tape, f(&tape, &vars))?;
    let shape = out.shape();
    let m = out.value().len();
    let probes = sampling.probes(m);
    let us: Vec<Vec<f64>> = probes
        .iter()
        .map(|p| weights(*p, m, sampling.seed))
        .collect();
    // analytic[p][i][k] = ∂(u_p·y)/∂x_i[k].
    let analytic: Vec<Vec<Vec<f64>>> = us
        .iter()
        .map(|u| {
            let seeded = if m == 1 {
                out
            } else {
                let u = u.iter().map(|&w| T::from_f64(w)).collect();
                (out * tape.constant(Tensor::from_vec(u, &shape))).sum()
            };
            let grads = seeded.backward();
            vars.iter()
                .zip(inputs)
                .map(|(v, x)| match grads.wrt(*v) {
                    Some(g) => g.to_vec().into_iter().map(Float::as_f64).collect(),
                    None => vec![0.0; x.len()],
                })
                .collect()
        })
        .collect();
    let evaluate = |values: &[Tensor<T>]| -> Result<Vec<f64>> {
        let tape = Tape::new();
        let vars = leaves(&tape, values);
        let y = output(&tape, f(&tape, &vars))?.value().to_vec();
        Ok(y.into_iter().map(Float::as_f64).collect())
    };
    let mut worst: Option<Mismatch> = None;
    let mut checked = 0;
    for (input, x) in inputs.iter().enumerate() {
        for element in 0..x.len() {
            // One column of the numeric Jacobian: ∂y/∂x_input[element] for every output.
            let column = central_difference(inputs, input, element, options.eps, &evaluate)?;
            for ((probe, u), rows) in probes.iter().zip(&us).zip(&analytic) {
                // An output of another size when perturbed makes the numeric entry NaN.
                let numeric = if column.len() == m {
                    u.iter().zip(&column).map(|(w, d)| w * d).sum()
                } else {
                    f64::NAN
                };
                let candidate = Mismatch {
                    input,
                    element,
                    output: *probe,
                    // A gradient with too few elements (a wrong shape) fails as NaN.
                    analytic: rows[input].get(element).copied().unwrap_or(f64::NAN),
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
    }
    let projections = probes
        .iter()
        .filter(|p| matches!(p, Probe::Projection(_)))
        .count();
    Ok(GradcheckReport {
        worst,
        options,
        checked,
        outputs: m,
        rows: probes.len() - projections,
        projections,
    })
}

/// `out`, when it is on `tape`.
fn output<'t, T: Float>(tape: &Tape<T>, out: Var<'t, T>) -> Result<Var<'t, T>> {
    match tape.owns(out) {
        true => Ok(out),
        false => Err(Error::ForeignVar { op: "gradcheck" }),
    }
}

pub(super) fn leaves<'t, T: Float>(tape: &'t Tape<T>, values: &[Tensor<T>]) -> Vec<Var<'t, T>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| tape.var(&format!("x{i}"), v.clone()))
        .collect()
}

/// `(f(x + eps·e) − f(x − eps·e)) / 2eps` for every output element, `e` the one-hot of
/// `inputs[input][element]`.
fn central_difference<T: Float>(
    inputs: &[Tensor<T>],
    input: usize,
    element: usize,
    eps: f64,
    evaluate: &impl Fn(&[Tensor<T>]) -> Result<Vec<f64>>,
) -> Result<Vec<f64>> {
    let shifted = |delta: f64| {
        let mut values = inputs.to_vec();
        let mut data = values[input].to_vec();
        data[element] = T::from_f64(data[element].as_f64() + delta);
        values[input] = Tensor::from_vec(data, inputs[input].shape());
        evaluate(&values)
    };
    let (plus, minus) = (shifted(eps)?, shifted(-eps)?);
    if plus.len() != minus.len() {
        return Ok(Vec::new());
    }
    Ok(plus
        .iter()
        .zip(&minus)
        .map(|(p, q)| (p - q) / (2.0 * eps))
        .collect())
}
