//! Initialisers: how the first weights are drawn, seeded and reproducible.
//!
//! # Why the scale matters
//! A layer `y = W·x` with `n` inputs and weights of variance `σ²` multiplies the variance of
//! its activations by `n·σ²` on the way forward, and the variance of the gradients by
//! `n_out·σ²` on the way back. Through `L` layers these factors compound to `(n·σ²)^L`, so any
//! factor other than 1 explodes or vanishes geometrically with depth: the article's exploding
//! and vanishing gradients, present before a single step of training.
//!
//! * **Xavier (Glorot & Bengio, 2010)** picks `σ² = 2/(fan_in + fan_out)`, a compromise between
//!   keeping forward variance (`fan_in·σ² = 1`) and backward variance (`fan_out·σ² = 1`). It
//!   suits activations that are linear around zero: tanh (with [`gain`] 5/3, which makes up for
//!   tanh shrinking its input) and sigmoid (gain 1), and plain linear layers.
//! * **He / Kaiming (He et al., 2015)** picks `σ² = 2/fan_in`: ReLU zeroes half of its inputs,
//!   halving the second moment, so the weights must double it back ([`gain`] `√2`, with the
//!   fan-in form `std = gain/√fan_in`). It suits ReLU and its relatives.
//! * **Orthogonal (Saxe et al., 2014)** makes every singular value equal to the gain, so the
//!   norm of a vector is preserved exactly through a linear layer — the usual choice for the
//!   hidden-to-hidden matrix of a recurrent network, which is applied `T` times.
//! * **Naive** `N(0, 1)` gives `n·σ² = n`: activations saturate (tanh) or blow up (ReLU) after a
//!   few layers. **Too small** (`N(0, 0.01²)`) gives `n·σ² ≪ 1`: activations and gradients
//!   shrink to nothing. Both are here so demonstrations can show the failure.
//!
//! The shape convention is PyTorch's: a weight is `[fan_out, fan_in, …]`, and any further axes
//! (a receptive field) multiply both fans.
//!
//! # Example
//! ```
//! use chaintrace::nn::init::{self, Activation};
//! use rand::SeedableRng;
//! use rand_chacha::ChaCha8Rng;
//!
//! let mut rng = ChaCha8Rng::seed_from_u64(7);
//! let w = init::xavier_uniform::<f64>(&[64, 32], init::gain(Activation::Tanh), &mut rng);
//! let bound = 5.0 / 3.0 * (6.0f64 / (32.0 + 64.0)).sqrt();
//! assert!(w.to_vec().iter().all(|x| x.abs() <= bound));
//!
//! // The same seed gives the same weights.
//! let again = init::xavier_uniform::<f64>(&[64, 32], 5.0 / 3.0, &mut ChaCha8Rng::seed_from_u64(7));
//! assert_eq!(w, again);
//! ```

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Error, Result};
use crate::tensor::{Float, Tensor};

/// The nonlinearity that follows a layer, for [`gain`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// No nonlinearity (or a linear output layer): gain 1.
    Linear,
    /// Logistic sigmoid: gain 1.
    Sigmoid,
    /// Hyperbolic tangent: gain 5/3.
    Tanh,
    /// Rectified linear unit: gain √2.
    Relu,
    /// Leaky ReLU with the given negative slope: gain √(2/(1 + slope²)).
    LeakyRelu(f64),
}

/// The recommended gain for weights feeding `activation` (PyTorch's `calculate_gain`):
/// linear 1, sigmoid 1, tanh 5/3, ReLU √2, leaky ReLU √(2/(1 + slope²)).
///
/// The gain rescales an initialiser's standard deviation to make up for what the activation
/// does to the variance: ReLU halves the second moment (so √2), tanh is contractive (5/3 is the
/// empirical value that keeps tanh networks' activations at a steady scale).
pub fn gain(activation: Activation) -> f64 {
    match activation {
        Activation::Linear | Activation::Sigmoid => 1.0,
        Activation::Tanh => 5.0 / 3.0,
        Activation::Relu => 2f64.sqrt(),
        Activation::LeakyRelu(slope) => (2.0 / (1.0 + slope * slope)).sqrt(),
    }
}

/// `(fan_in, fan_out)` of a weight of shape `[fan_out, fan_in, k₁, k₂, …]`: the receptive
/// field `k₁·k₂·…` multiplies both.
///
/// # Errors
/// [`Error::Invalid`] for a shape of rank below 2 (a bias has no fan-in and fan-out).
pub fn fans(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::invalid(
            "init",
            format!(
                "fan-in and fan-out need a weight of rank 2 or more ([out, in, …]); got shape {shape:?}"
            ),
        ));
    }
    let receptive: usize = shape[2..].iter().product();
    Ok((shape[1] * receptive, shape[0] * receptive))
}

fn fans_or_panic(shape: &[usize]) -> (f64, f64) {
    let (fan_in, fan_out) = fans(shape).unwrap_or_else(|e| panic!("{e}"));
    (fan_in as f64, fan_out as f64)
}

/// Every element equal to `c`.
pub fn constant<T: Float>(shape: &[usize], c: f64) -> Tensor<T> {
    Tensor::full(shape, T::from_f64(c))
}

/// Independent draws from the uniform distribution on `[a, b)`; variance `(b − a)²/12`.
pub fn uniform<T: Float>(
    shape: &[usize],
    a: f64,
    b: f64,
    rng: &mut (impl Rng + ?Sized),
) -> Tensor<T> {
    draw(shape, || a + (b - a) * rng.random::<f64>())
}

/// Independent draws from `N(0, std²)`.
pub fn normal<T: Float>(shape: &[usize], std: f64, rng: &mut (impl Rng + ?Sized)) -> Tensor<T> {
    draw(shape, || {
        let z: f64 = StandardNormal.sample(rng);
        std * z
    })
}

/// Xavier/Glorot uniform: `U(−a, a)` with `a = gain·√(6/(fan_in + fan_out))`, so the variance
/// is `gain²·2/(fan_in + fan_out)`. For tanh (gain 5/3), sigmoid and linear layers.
///
/// # Panics
/// For a shape of rank below 2; see [`fans`].
pub fn xavier_uniform<T: Float>(
    shape: &[usize],
    gain: f64,
    rng: &mut (impl Rng + ?Sized),
) -> Tensor<T> {
    let (fan_in, fan_out) = fans_or_panic(shape);
    let a = gain * (6.0 / (fan_in + fan_out)).sqrt();
    uniform(shape, -a, a, rng)
}

/// Xavier/Glorot normal: `N(0, std²)` with `std = gain·√(2/(fan_in + fan_out))`.
///
/// # Panics
/// For a shape of rank below 2; see [`fans`].
pub fn xavier_normal<T: Float>(
    shape: &[usize],
    gain: f64,
    rng: &mut (impl Rng + ?Sized),
) -> Tensor<T> {
    let (fan_in, fan_out) = fans_or_panic(shape);
    normal(shape, gain * (2.0 / (fan_in + fan_out)).sqrt(), rng)
}

/// He/Kaiming uniform (fan-in mode): `U(−a, a)` with `a = gain·√(3/fan_in)`, so the standard
/// deviation is `gain/√fan_in`. For ReLU, use gain √2.
///
/// # Panics
/// For a shape of rank below 2; see [`fans`].
pub fn he_uniform<T: Float>(
    shape: &[usize],
    gain: f64,
    rng: &mut (impl Rng + ?Sized),
) -> Tensor<T> {
    let (fan_in, _) = fans_or_panic(shape);
    let a = gain * (3.0 / fan_in).sqrt();
    uniform(shape, -a, a, rng)
}

/// He/Kaiming normal (fan-in mode): `N(0, std²)` with `std = gain/√fan_in`. For ReLU, use
/// gain √2, giving `std = √(2/fan_in)`.
///
/// # Panics
/// For a shape of rank below 2; see [`fans`].
pub fn he_normal<T: Float>(shape: &[usize], gain: f64, rng: &mut (impl Rng + ?Sized)) -> Tensor<T> {
    let (fan_in, _) = fans_or_panic(shape);
    normal(shape, gain / fan_in.sqrt(), rng)
}

/// A (semi-)orthogonal matrix times `gain`: the weight, flattened to `[rows, cols]` with
/// `rows = shape[0]`, has orthonormal rows (if `rows ≤ cols`) or orthonormal columns.
///
/// Drawn as PyTorch does: a standard normal matrix, made orthogonal by QR (here modified
/// Gram–Schmidt, whose `R` has a positive diagonal, so the result is uniformly distributed over
/// the orthogonal matrices).
///
/// # Panics
/// For a shape of rank below 2.
pub fn orthogonal<T: Float>(
    shape: &[usize],
    gain: f64,
    rng: &mut (impl Rng + ?Sized),
) -> Tensor<T> {
    fans_or_panic(shape);
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    // Orthonormalise the columns of a tall [long, short] matrix, then lay it out as [rows, cols].
    let (long, short) = (rows.max(cols), rows.min(cols));
    let mut columns: Vec<Vec<f64>> = (0..short)
        .map(|_| (0..long).map(|_| StandardNormal.sample(rng)).collect())
        .collect();
    gram_schmidt(&mut columns);
    let element = |r: usize, c: usize| {
        if rows >= cols {
            columns[c][r]
        } else {
            columns[r][c]
        }
    };
    let data = (0..rows * cols)
        .map(|k| T::from_f64(gain * element(k / cols, k % cols)))
        .collect();
    Tensor::from_vec(data, shape)
}

/// Modified Gram–Schmidt: makes `columns` orthonormal in place, in order.
fn gram_schmidt(columns: &mut [Vec<f64>]) {
    for j in 0..columns.len() {
        let (done, rest) = columns.split_at_mut(j);
        let v = &mut rest[0];
        for q in done.iter() {
            let dot: f64 = q.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(q).for_each(|(x, qi)| *x -= dot * qi);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

fn draw<T: Float>(shape: &[usize], mut sample: impl FnMut() -> f64) -> Tensor<T> {
    let n: usize = shape.iter().product();
    let data = (0..n).map(|_| T::from_f64(sample())).collect();
    Tensor::from_vec(data, shape)
}

/// How a layer initialises its weights: one choice per layer, so demonstrations can compare.
///
/// Biases start at zero, except with [`Init::Torch`], which reproduces PyTorch's default for
/// the layer (weights and biases both `U(−1/√k, 1/√k)`, with `k` the layer's fan-in for
/// `Linear` and its hidden size for the recurrent layers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// PyTorch's default for the layer, biases included.
    Torch,
    /// Every weight equal to the value.
    Constant(f64),
    /// `U(a, b)`.
    Uniform(f64, f64),
    /// `N(0, std²)`: `Normal(1.0)` is the naive choice, `Normal(0.01)` the too-small one.
    Normal(f64),
    /// [`xavier_uniform`] with the given gain.
    XavierUniform(f64),
    /// [`xavier_normal`] with the given gain.
    XavierNormal(f64),
    /// [`he_uniform`] with the given gain.
    HeUniform(f64),
    /// [`he_normal`] with the given gain.
    HeNormal(f64),
    /// [`orthogonal`] with the given gain.
    Orthogonal(f64),
}

impl Init {
    /// Draws a weight of `shape`. [`Init::Torch`] draws `U(−1/√fan_in, 1/√fan_in)`; layers
    /// whose PyTorch default uses another `k` resolve it first with [`Init::torch_as`].
    ///
    /// # Panics
    /// For the fan-based choices on a shape of rank below 2.
    pub fn sample<T: Float>(self, shape: &[usize], rng: &mut (impl Rng + ?Sized)) -> Tensor<T> {
        match self {
            Init::Torch => {
                let (fan_in, _) = fans_or_panic(shape);
                let k = 1.0 / fan_in.sqrt();
                uniform(shape, -k, k, rng)
            }
            Init::Constant(c) => constant(shape, c),
            Init::Uniform(a, b) => uniform(shape, a, b, rng),
            Init::Normal(std) => normal(shape, std, rng),
            Init::XavierUniform(g) => xavier_uniform(shape, g, rng),
            Init::XavierNormal(g) => xavier_normal(shape, g, rng),
            Init::HeUniform(g) => he_uniform(shape, g, rng),
            Init::HeNormal(g) => he_normal(shape, g, rng),
            Init::Orthogonal(g) => orthogonal(shape, g, rng),
        }
    }

    /// [`Init::Torch`] resolved to `U(−1/√k, 1/√k)`; any other choice unchanged.
    pub fn torch_as(self, k: usize) -> Init {
        match self {
            Init::Torch => {
                let bound = 1.0 / (k as f64).sqrt();
                Init::Uniform(-bound, bound)
            }
            other => other,
        }
    }

    /// How the layer's biases start: PyTorch's `U(−1/√k, 1/√k)` for [`Init::Torch`], else zeros.
    pub fn bias(self, k: usize) -> Init {
        match self {
            Init::Torch => self.torch_as(k),
            _ => Init::Constant(0.0),
        }
    }
}
