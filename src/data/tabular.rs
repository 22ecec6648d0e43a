//! Points in the plane (two moons, spirals) and a noisy curve.

use rand::RngExt;
use rand::seq::SliceRandom;

use super::{gaussian, linspace, rng};
use crate::tensor::{Float, Tensor};

/// A classification set: `x` is `[n, features]`, `labels[i]` the class of row `i`.
#[derive(Clone, Debug, PartialEq)]
pub struct Classification<T: Float> {
    /// The inputs, one example per row.
    pub x: Tensor<T>,
    /// The class of each row, in `0..classes`.
    pub labels: Vec<usize>,
    /// The number of classes.
    pub classes: usize,
}

impl<T: Float> Classification<T> {
    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The fraction of rows of `logits` (`[n, classes]`) whose largest entry is the label.
    ///
    /// # Panics
    /// If `logits` is not `[n, classes]`.
    pub fn accuracy(&self, logits: &Tensor<T>) -> f64 {
        assert_eq!(
            logits.shape(),
            &[self.len(), self.classes],
            "accuracy needs logits of shape [examples, classes]"
        );
        let values = logits.to_vec();
        let correct = values
            .chunks(self.classes)
            .zip(&self.labels)
            .filter(|(row, label)| argmax(row) == **label)
            .count();
        correct as f64 / self.len() as f64
    }
}

fn argmax<T: Float>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// A regression set: `x` and `y` are `[n, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression<T: Float> {
    /// The inputs.
    pub x: Tensor<T>,
    /// The noisy targets.
    pub y: Tensor<T>,
}

/// Builds a shuffled classification set from `(point, label)` pairs.
fn classification<T: Float>(
    mut points: Vec<([f64; 2], usize)>,
    classes: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Classification<T> {
    points.shuffle(rng);
    let n = points.len();
    let data = points
        .iter()
        .flat_map(|(p, _)| p.iter().map(|&v| T::from_f64(v)))
        .collect();
    Classification {
        x: Tensor::from_vec(data, &[n, 2]),
        labels: points.iter().map(|(_, c)| *c).collect(),
        classes,
    }
}

/// Two interleaving half circles, as scikit-learn's `make_moons`: `n / 2` points (rounded
/// down) on the upper moon `(cos θ, sin θ)`, class 0, the rest on the lower moon
/// `(1 − cos θ, 1 − sin θ − 0.5)`, class 1, with `θ` evenly spaced over `[0, π]`; Gaussian
/// noise of standard deviation `noise` is added to each coordinate, and the rows shuffled.
pub fn two_moons<T: Float>(n: usize, noise: f64, seed: u64) -> Classification<T> {
    let mut rng = rng(seed);
    let upper = n / 2;
    let mut points = Vec::with_capacity(n);
    for theta in linspace(0.0, std::f64::consts::PI, upper) {
        points.push(([theta.cos(), theta.sin()], 0));
    }
    for theta in linspace(0.0, std::f64::consts::PI, n - upper) {
        points.push(([1.0 - theta.cos(), 1.0 - theta.sin() - 0.5], 1));
    }
    for (p, _) in &mut points {
        for v in p.iter_mut() {
            *v += noise * gaussian(&mut rng);
        }
    }
    classification(points, 2, &mut rng)
}

/// `classes` interleaved spiral arms of `per_class` points each (the CS231n spiral): for arm
/// `k`, radius `r` evenly spaced over `[0, 1]` and angle `θ` evenly spaced over
/// `[4k, 4(k + 1)]` plus Gaussian noise of standard deviation `noise` (0.2 is the classic
/// value); the point is `(r·sin θ, r·cos θ)`. Rows shuffled.
pub fn spirals<T: Float>(
    per_class: usize,
    classes: usize,
    noise: f64,
    seed: u64,
) -> Classification<T> {
    let mut rng = rng(seed);
    let mut points = Vec::with_capacity(per_class * classes);
    for k in 0..classes {
        let start = 4.0 * k as f64;
        let radii = linspace(0.0, 1.0, per_class);
        let angles = linspace(start, start + 4.0, per_class);
        for (r, theta) in radii.zip(angles) {
            let theta = theta + noise * gaussian(&mut rng);
            points.push(([r * theta.sin(), r * theta.cos()], k));
        }
    }
    classification(points, classes, &mut rng)
}

/// `n` points of `y = sin(πx) + noise·ε`, with `x` uniform on `[−1, 1)` and `ε ~ N(0, 1)`.
pub fn noisy_regression<T: Float>(n: usize, noise: f64, seed: u64) -> Regression<T> {
    let mut rng = rng(seed);
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let x = 2.0 * rng.random::<f64>() - 1.0;
        let y = (std::f64::consts::PI * x).sin() + noise * gaussian(&mut rng);
        xs.push(T::from_f64(x));
        ys.push(T::from_f64(y));
    }
    Regression {
        x: Tensor::from_vec(xs, &[n, 1]),
        y: Tensor::from_vec(ys, &[n, 1]),
    }
}
