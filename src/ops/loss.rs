//! Softmax, log-softmax and the losses: cross-entropy from logits, mean squared error.
//!
//! Softmax and log-softmax act along the last axis. Their vector-Jacobian products never form
//! the Jacobian `diag(s) − s·sᵀ`; they use `s ⊙ (g − Σ g⊙s)` and `g − s·Σg`.

use ndarray::{ArrayD, Axis};

use super::{EXP, Op, Operand};
use crate::error::{Error, Result};
use crate::symbolic::Expr;
use crate::tape::Var;
use crate::tensor::{Float, Tensor};

fn last_axis<T: Float>(op: &'static str, x: &Tensor<T>) -> Result<Axis> {
    if x.ndim() == 0 {
        return Err(Error::shape(
            op,
            x.shape(),
            &[],
            "needs at least one axis (got a scalar)",
        ));
    }
    Ok(Axis(x.ndim() - 1))
}

/// Sums along `axis`, keeping it with size 1 (so the result broadcasts back).
fn sum_keep<T: Float>(a: &ArrayD<T>, axis: Axis) -> ArrayD<T> {
    a.sum_axis(axis).insert_axis(axis)
}

/// Numerically stable log-softmax along `axis`: `z − max − ln Σ exp(z − max)`.
fn log_softmax_array<T: Float>(z: &ArrayD<T>, axis: Axis) -> ArrayD<T> {
    if z.is_empty() {
        return z.clone(); // ndarray would visit every lane of an empty `[0, 2⁴⁰]`, for nothing
    }
    if axis.index() + 1 == z.ndim()
        && let Some(values) = z.as_slice()
    {
        let rows = log_softmax_rows(values, z.shape()[axis.index()]);
        return ArrayD::from_shape_vec(z.raw_dim(), rows).expect("one value per element");
    }
    log_softmax_lanes(z, axis)
}

/// [`log_softmax_array`] on any layout and axis, through ndarray's lanes.
fn log_softmax_lanes<T: Float>(z: &ArrayD<T>, axis: Axis) -> ArrayD<T> {
    // A NaN is the row's maximum, so it is not skipped over (the row's result is NaN).
    let max = z
        .fold_axis(axis, T::neg_infinity(), |&m, &x| {
            if x > m || x.is_nan() { x } else { m }
        })
        .insert_axis(axis);
    let shifted = z - &max;
    let log_sum = sum_keep(&shifted.mapv(T::exp), axis).mapv(T::ln);
    shifted - log_sum
}

/// [`log_softmax_array`] along the last axis of a row-major array, one row of `width` values
/// after another: the same operations in the same order (so the same bits), without ndarray's
/// lane machinery, which cost a training step's loss more than its arithmetic (a 64 × 10
/// batch of logits).
fn log_softmax_rows<T: Float>(z: &[T], width: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(z.len());
    let mut exps = Vec::with_capacity(width);
    for row in z.chunks_exact(width) {
        let max = row.iter().fold(
            T::neg_infinity(),
            |m, &x| {
                if x > m || x.is_nan() { x } else { m }
            },
        );
        exps.clear();
        exps.extend(row.iter().map(|&x| (x - max).exp()));
        // ndarray's own sum of a contiguous slice, as `sum_axis` runs on each lane.
        let log_sum = ndarray::aview1(&exps).sum().ln();
        out.extend(row.iter().map(|&x| (x - max) - log_sum));
    }
    out
}

/// `softmax(z)ᵢ = exp(zᵢ)/Σⱼ exp(zⱼ)` along the last axis.
#[derive(Debug, Clone, Copy)]
pub struct Softmax;

impl<T: Float> Op<T> for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let axis = last_axis("softmax", x[0])?;
        let z = x[0].view().to_owned();
        Ok(Tensor::from_array(log_softmax_array(&z, axis).mapv(T::exp)))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("softmax", x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        let s = Expr::call1("softmax", x[0].clone());
        s.clone().diag() - s.clone().matmul(s.transpose())
    }
    fn vjp_symbolic(&self, _slot: usize, x: &[Expr], g: &Expr) -> Expr {
        let s = Expr::call1("softmax", x[0].clone());
        s.clone() * (g.clone() - Expr::call1("sum", g.clone() * s))
    }
}

/// `log_softmax(z)ᵢ = zᵢ − ln Σⱼ exp(zⱼ)` along the last axis.
#[derive(Debug, Clone, Copy)]
pub struct LogSoftmax;

impl<T: Float> Op<T> for LogSoftmax {
    fn name(&self) -> &'static str {
        "log_softmax"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let axis = last_axis("log_softmax", x[0])?;
        Ok(Tensor::from_array(log_softmax_array(
            &x[0].view().to_owned(),
            axis,
        )))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call1("log_softmax", x[0].clone())
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        Expr::one() - Expr::call1("softmax", x[0].clone())
    }
    fn vjp_symbolic(&self, _slot: usize, x: &[Expr], g: &Expr) -> Expr {
        g.clone() - Expr::call1("softmax", x[0].clone()) * Expr::call1("sum", g.clone())
    }
}

/// Mean cross-entropy of logits `[n, c]` (or `[c]`) against class indices (`n` of them):
/// `L = −(1/n) Σᵢ log_softmax(zᵢ)[tᵢ]`, so `∂L/∂z = (softmax(z) − onehot(t))/n`.
#[derive(Debug, Clone)]
pub struct CrossEntropy(pub Vec<usize>);

impl CrossEntropy {
    /// The logits as a 2-D array `[n, c]`, checked against the targets.
    fn rows<T: Float>(&self, z: &Tensor<T>) -> Result<ArrayD<T>> {
        let rows = match z.shape() {
            [c] => z
                .view()
                .to_owned()
                .into_shape_with_order(vec![1, *c])
                .expect("same size"),
            [_, _] => z.view().to_owned(),
            shape => {
                return Err(Error::shape(
                    "cross_entropy",
                    shape,
                    &[self.0.len()],
                    "logits must be [classes] or [batch, classes]",
                ));
            }
        };
        let (n, c) = (rows.shape()[0], rows.shape()[1]);
        if n == 0 {
            return Err(Error::shape(
                "cross_entropy",
                z.shape(),
                &[self.0.len()],
                "an empty batch has no mean loss (0/0)",
            ));
        }
        if n != self.0.len() {
            return Err(Error::shape(
                "cross_entropy",
                z.shape(),
                &[self.0.len()],
                format!("{n} rows of logits but {} targets", self.0.len()),
            ));
        }
        if let Some(&bad) = self.0.iter().find(|&&t| t >= c) {
            return Err(Error::invalid(
                "cross_entropy",
                format!("target class {bad} does not exist (there are {c} classes)"),
            ));
        }
        Ok(rows)
    }
}

impl<T: Float> Op<T> for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross_entropy"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        let rows = self.rows(x[0])?;
        let logp = log_softmax_array(&rows, Axis(1));
        let n = T::from_f64(self.0.len() as f64);
        let total: T = self.0.iter().enumerate().map(|(i, &t)| logp[[i, t]]).sum();
        Ok(Tensor::scalar(-total / n))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call("cross_entropy", vec![x[0].clone(), Expr::sym("t")])
    }
    fn local_derivative(&self, _slot: usize, x: &[Expr]) -> Expr {
        (Expr::call1("softmax", x[0].clone()) - Expr::call1("onehot", Expr::sym("t")))
            * Expr::sym("n").powf(-1.0)
    }
}

/// Mean squared error `(1/n) Σ (aᵢ − bᵢ)²` of two same-shaped tensors.
#[derive(Debug, Clone, Copy)]
pub struct Mse;

impl<T: Float> Op<T> for Mse {
    fn name(&self) -> &'static str {
        "mse"
    }
    fn forward(&self, x: &[&Tensor<T>]) -> Result<Tensor<T>> {
        if x[0].shape() != x[1].shape() {
            return Err(Error::shape(
                "mse",
                x[0].shape(),
                x[1].shape(),
                "prediction and target must have the same shape",
            ));
        }
        if x[0].is_empty() {
            return Err(Error::shape(
                "mse",
                x[0].shape(),
                x[1].shape(),
                "no elements, and a mean over nothing is undefined (0/0)",
            ));
        }
        let n = T::from_f64(x[0].len() as f64);
        let sq = x[0].zip(x[1], |a, b| (a - b) * (a - b));
        Ok(Tensor::scalar(sq.sum() / n))
    }
    vjp_from_rule!();
    fn symbolic(&self, x: &[Expr]) -> Expr {
        Expr::call("mse", vec![x[0].clone(), x[1].clone()])
    }
    fn local_derivative(&self, slot: usize, x: &[Expr]) -> Expr {
        let sign = if slot == 0 { 2.0 } else { -2.0 };
        Expr::constant(sign) * (x[0].clone() - x[1].clone()) * Expr::sym("n").powf(-1.0)
    }
}

// The VJPs, written once for tensors and vars; none forms the softmax Jacobian.

impl Softmax {
    /// `s ⊙ (g − Σ g⊙s)` along the last axis, `s` the output.
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, _: &[&V], s: &V, g: &V) -> V {
        s.times(&g.minus(&g.times(s).sum_last_keep()))
    }
}

impl LogSoftmax {
    /// `g − exp(y)·Σg` along the last axis, `y` the output (so `exp(y)` is the softmax).
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, _: &[&V], y: &V, g: &V) -> V {
        g.minus(&y.apply(&EXP).times(&g.sum_last_keep()))
    }
}

impl CrossEntropy {
    /// `(softmax(z) − onehot(t)) · g/n`.
    fn rule<T: Float, V: Operand<T>>(&self, _: usize, x: &[&V], _: &V, g: &V) -> V {
        let dims = x[0].dims();
        let classes = dims[dims.len() - 1];
        let mut onehot = vec![T::zero(); dims.iter().product()];
        for (i, &t) in self.0.iter().enumerate() {
            onehot[i * classes + t] = T::one();
        }
        let onehot = x[0].constant(Tensor::from_vec(onehot, &dims));
        let n = T::from_f64(self.0.len() as f64);
        let d = x[0].softmax_last().minus(&onehot);
        d.times(&g.scaled(n.recip()))
    }
}

impl Mse {
    /// `±(a − b) · 2g/n`.
    fn rule<T: Float, V: Operand<T>>(&self, slot: usize, x: &[&V], _: &V, g: &V) -> V {
        let n = T::from_f64(x[0].dims().iter().product::<usize>() as f64);
        let d = x[0].minus(x[1]).times(&g.scaled(T::from_f64(2.0) / n));
        if slot == 0 { d } else { d.negated() }
    }
}

impl<T: Float> Var<'_, T> {
    /// Softmax along the last axis.
    ///
    /// # Panics
    /// On a scalar; see [`Var::try_softmax`].
    pub fn softmax(self) -> Self {
        self.unary(Softmax)
    }

    /// [`Var::softmax`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] on a scalar.
    pub fn try_softmax(self) -> Result<Self> {
        self.tape().try_apply(Softmax, &[self])
    }

    /// Log-softmax along the last axis (stable for large logits).
    ///
    /// # Panics
    /// On a scalar; see [`Var::try_log_softmax`].
    pub fn log_softmax(self) -> Self {
        self.unary(LogSoftmax)
    }

    /// [`Var::log_softmax`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] on a scalar.
    pub fn try_log_softmax(self) -> Result<Self> {
        self.tape().try_apply(LogSoftmax, &[self])
    }

    /// Mean cross-entropy of these logits (`[n, c]` or `[c]`) against class indices.
    ///
    /// # Panics
    /// When shapes or targets do not fit, or the batch is empty; see
    /// [`Var::try_cross_entropy`].
    pub fn cross_entropy(self, targets: &[usize]) -> Self {
        self.unary(CrossEntropy(targets.to_vec()))
    }

    /// [`Var::cross_entropy`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] when the row count differs from the number of targets or the batch is
    /// empty (no rows: the mean would be 0/0); [`Error::Invalid`] for a target class that does
    /// not exist.
    pub fn try_cross_entropy(self, targets: &[usize]) -> Result<Self> {
        self.tape()
            .try_apply(CrossEntropy(targets.to_vec()), &[self])
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// Mean squared error between this prediction and `target` (same shape).
    ///
    /// # Panics
    /// When the shapes differ or are empty; see [`Var::try_mse`].
    pub fn mse(self, target: Var<'t, T>) -> Self {
        self.tape().apply(Mse, &[self, target])
    }

    /// [`Var::mse`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] when the shapes differ or have no elements (the mean would be 0/0).
    pub fn try_mse(self, target: Var<'t, T>) -> Result<Self> {
        self.tape().try_apply(Mse, &[self, target])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The row loop gives ndarray's lanes' bits, NaN, infinities and one-class rows included.
        #[test]
        fn rows_give_the_lanes_bits(
            rows in 1usize..6,
            width in 1usize..12,
            seed in proptest::collection::vec(
                prop_oneof![8 => -50.0f64..50.0, 1 => Just(f64::NAN), 1 => Just(f64::NEG_INFINITY)],
                66,
            ),
        ) {
            let z = ArrayD::from_shape_fn(vec![rows, width], |i| seed[(i[0] * width + i[1]) % 66]);
            let bits = |a: ArrayD<f64>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(log_softmax_array(&z, Axis(1))), bits(log_softmax_lanes(&z, Axis(1))));
            let z32 = z.mapv(|x| x as f32);
            let bits32 = |a: ArrayD<f32>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(
                bits32(log_softmax_array(&z32, Axis(1))),
                bits32(log_softmax_lanes(&z32, Axis(1)))
            );
        }
    }
}
