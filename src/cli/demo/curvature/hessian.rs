//! Curvature of a loss from its gradients: Hessian-vector products, the curvature along a
//! direction, and the top eigenvalue λ_max of the Hessian by power iteration.
//!
//! A loss is an [`Objective`]: parameter shapes and a way to record the loss on a tape from
//! parameter vars. Points and directions in parameter space are flat `f64` vectors, the
//! parameters one after the other in the objective's order.
//!
//! Every second-order number goes through [`hvp`], the one place that says how `H·v` is
//! computed: exactly, by differentiating the gradient again ([`chaintrace::grad`] records the
//! gradients `g` on the tape as vars; `grad(g·v)` is `H·v`, Pearlmutter's trick). One product
//! costs one forward pass and two recorded backward passes, against two full gradients for
//! the central finite difference [`hvp_finite_differences`], which the tests keep as a check.
//!
//! This file uses only the library (`chaintrace::…`), so the tests include it as it is
//! (tests/demo_curvature.rs) and check it against a Hessian built column by column.

use chaintrace::{Error, Result, Tape, Tensor, Var, grad};

/// A loss of some parameters, recorded on a tape on demand.
pub trait Objective {
    /// The shapes of the parameters, in order.
    fn shapes(&self) -> Vec<Vec<usize>>;

    /// Records the loss (a scalar) on `tape` from the parameter vars, in [`Self::shapes`]'s
    /// order.
    ///
    /// # Errors
    /// What recording the loss returns.
    fn loss<'t>(&self, tape: &'t Tape<f64>, params: &[Var<'t, f64>]) -> Result<Var<'t, f64>>;

    /// The number of parameters, all tensors together.
    fn dim(&self) -> usize {
        self.shapes()
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum()
    }
}

/// The parameters at the flat point `w`, as leaves of `tape`.
fn leaves<'t>(obj: &impl Objective, tape: &'t Tape<f64>, w: &[f64]) -> Result<Vec<Var<'t, f64>>> {
    if w.len() != obj.dim() {
        return Err(Error::invalid(
            "curvature",
            format!(
                "a point of {} numbers for {} parameters",
                w.len(),
                obj.dim()
            ),
        ));
    }
    let mut at = 0;
    Ok(obj
        .shapes()
        .iter()
        .enumerate()
        .map(|(k, shape)| {
            let n: usize = shape.iter().product();
            let value = Tensor::from_vec(w[at..at + n].to_vec(), shape);
            at += n;
            tape.var(&format!("p{k}"), value)
        })
        .collect())
}

/// The loss and its gradient at `w`, flat.
///
/// # Errors
/// What recording the loss or its backward pass returns.
pub fn gradient(obj: &impl Objective, w: &[f64]) -> Result<(f64, Vec<f64>)> {
    let tape = Tape::new();
    let params = leaves(obj, &tape, w)?;
    let loss = obj.loss(&tape, &params)?;
    let value = loss.item()?;
    let grads = loss.try_backward()?;
    let mut flat = Vec::with_capacity(w.len());
    for p in &params {
        match grads.wrt(*p) {
            Some(g) => flat.extend(g.to_vec()),
            None => flat.extend(std::iter::repeat_n(0.0, p.value().len())),
        }
    }
    Ok((value, flat))
}

/// The Hessian of the loss at `w` times `v`, exactly: the gradients `g = ∇L` recorded as vars,
/// then the gradient of `g·v`, which is `H·v` (`v` a constant).
///
/// # Errors
/// What recording the loss and its gradients returns; [`Error::Invalid`] for a point or a
/// direction of the wrong length, or a non-finite direction.
pub fn hvp(obj: &impl Objective, w: &[f64], v: &[f64]) -> Result<Vec<f64>> {
    if v.len() != w.len() || !v.iter().all(|x| x.is_finite()) {
        return Err(Error::invalid(
            "curvature",
            "a Hessian-vector product needs a finite direction of one number per parameter",
        ));
    }
    let tape = Tape::new();
    let params = leaves(obj, &tape, w)?;
    let loss = obj.loss(&tape, &params)?;
    let grads = grad(loss, &params)?;
    let mut at = 0;
    let mut g_dot_v: Option<Var<'_, f64>> = None;
    for (g, shape) in grads.iter().zip(obj.shapes()) {
        let n: usize = shape.iter().product();
        let direction = tape.constant(Tensor::from_vec(v[at..at + n].to_vec(), &shape));
        at += n;
        let term = g.try_mul(direction)?.sum();
        g_dot_v = Some(match g_dot_v {
            Some(sum) => sum.try_add(term)?,
            None => term,
        });
    }
    let Some(g_dot_v) = g_dot_v else {
        return Ok(Vec::new());
    };
    let mut flat = Vec::with_capacity(w.len());
    for hv in grad(g_dot_v, &params)? {
        flat.extend(hv.value().to_vec());
    }
    Ok(flat)
}

/// The Hessian of the loss at `w` times `v` by central differences of two gradients,
/// `(∇L(w + εv) − ∇L(w − εv)) / (2ε)`, with a relative step `ε = 1e-5·max(1, ‖w‖)/‖v‖`: the
/// truncation error is O(ε²) times the third derivative, the rounding error about
/// `1e-16·‖∇L‖/ε`, both near 1e-9 relative. The check of [`hvp`].
///
/// # Errors
/// What [`gradient`] returns; [`Error::Invalid`] for a zero or non-finite `v`.
pub fn hvp_finite_differences(obj: &impl Objective, w: &[f64], v: &[f64]) -> Result<Vec<f64>> {
    let norm_v = norm(v);
    if !(norm_v.is_finite() && norm_v > 0.0) {
        return Err(Error::invalid(
            "curvature",
            "a Hessian-vector product needs a finite, non-zero direction",
        ));
    }
    let eps = 1e-5 * norm(w).max(1.0) / norm_v;
    let shifted =
        |sign: f64| -> Vec<f64> { w.iter().zip(v).map(|(a, b)| a + sign * eps * b).collect() };
    let (_, plus) = gradient(obj, &shifted(1.0))?;
    let (_, minus) = gradient(obj, &shifted(-1.0))?;
    Ok(plus
        .iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect())
}

/// The curvature of the loss at `w` along `d`: `dᵀ·H·d / ‖d‖²`, the second derivative of
/// `t ↦ L(w + t·d/‖d‖)` at 0. On a quadratic a gradient step of length `lr·‖g‖` along
/// `d = −g` raises the loss exactly when `lr · curvature > 2`.
///
/// # Errors
/// What [`hvp`] returns.
pub fn curvature_along(obj: &impl Objective, w: &[f64], d: &[f64]) -> Result<f64> {
    let hd = hvp(obj, w, d)?;
    Ok(dot(d, &hd) / dot(d, d))
}

/// The top eigenvalue of the Hessian and its eigenvector, found by power iteration.
#[derive(Clone, Debug)]
pub struct TopEigen {
    /// λ_max, the largest eigenvalue (the sharpness of Cohen et al. 2021).
    pub value: f64,
    /// Its unit eigenvector: the start of the next power iteration along a training run.
    pub vector: Vec<f64>,
    /// Hessian-vector products used.
    pub products: usize,
}

/// λ_max of the Hessian at `w` by power iteration from `start`: `v ← H·v / ‖H·v‖` until the
/// Rayleigh quotient `vᵀ·H·v` changes by less than `tolerance` (relative), at most
/// `max_products` products. Power iteration finds the eigenvalue of largest magnitude; if that
/// one is negative, the iteration is run again on `H − λ·I`, whose largest-magnitude
/// eigenvalue is then `λ_max − λ`.
///
/// # Errors
/// What [`hvp`] returns.
pub fn top_eigen(
    obj: &impl Objective,
    w: &[f64],
    start: &[f64],
    tolerance: f64,
    max_products: usize,
) -> Result<TopEigen> {
    let first = iterate(obj, w, start, 0.0, tolerance, max_products)?;
    if first.value >= 0.0 {
        return Ok(first);
    }
    let shift = first.value;
    let mut shifted = iterate(obj, w, start, shift, tolerance, max_products)?;
    shifted.value += shift;
    shifted.products += first.products;
    Ok(shifted)
}

/// Power iteration on `H − shift·I`.
fn iterate(
    obj: &impl Objective,
    w: &[f64],
    start: &[f64],
    shift: f64,
    tolerance: f64,
    max_products: usize,
) -> Result<TopEigen> {
    let mut v = unit(start)?;
    let mut value = f64::NAN;
    let mut products = 0;
    while products < max_products.max(1) {
        let hv: Vec<f64> = hvp(obj, w, &v)?
            .iter()
            .zip(&v)
            .map(|(h, x)| h - shift * x)
            .collect();
        products += 1;
        let rayleigh = dot(&v, &hv);
        let converged = (rayleigh - value).abs() <= tolerance * rayleigh.abs();
        value = rayleigh;
        match unit(&hv) {
            Ok(next) => v = next,
            Err(_) => break, // H·v = 0: v is in the null space, and λ = 0 along it
        }
        if converged {
            break;
        }
    }
    Ok(TopEigen {
        value,
        vector: v,
        products,
    })
}

/// `v / ‖v‖`.
fn unit(v: &[f64]) -> Result<Vec<f64>> {
    let n = norm(v);
    if !(n.is_finite() && n > 0.0) {
        return Err(Error::invalid(
            "curvature",
            "power iteration met a zero or non-finite vector",
        ));
    }
    Ok(v.iter().map(|x| x / n).collect())
}

/// The dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The Euclidean norm, scaled so that it does not overflow on the way (as `f64::hypot`).
pub fn norm(v: &[f64]) -> f64 {
    let big = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if big == 0.0 || !big.is_finite() {
        return big;
    }
    big * v.iter().map(|x| (x / big).powi(2)).sum::<f64>().sqrt()
}
