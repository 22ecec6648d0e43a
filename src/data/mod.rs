//! Generated data sets for the demonstrations: no downloads, seeded, reproducible.
//!
//! * [`two_moons`] and [`spirals`]: 2-D classification (a small MLP, init and depth demos).
//! * [`noisy_regression`]: a 1-D curve with Gaussian noise.
//! * [`adding_problem`] and [`copy_task`]: the sequence tasks that expose long-range gradient
//!   problems — the signal the loss needs sits `T` steps before it, so the gradient must cross
//!   `T` recurrent steps to reach it.
//!
//! Every generator takes a `seed` and draws from a ChaCha8 generator, so the same arguments
//! always give the same data, on every platform.
//!
//! ```
//! use chaintrace::data;
//! let moons = data::two_moons::<f64>(200, 0.1, 0);
//! assert_eq!(moons.x.shape(), &[200, 2]);
//! assert_eq!(moons.labels.iter().filter(|&&c| c == 1).count(), 100);
//! assert_eq!(moons.x, data::two_moons::<f64>(200, 0.1, 0).x);
//! ```

mod sequences;
mod tabular;

pub use sequences::{AddingProblem, COPY_CLASSES, CopyTask, adding_problem, copy_task};
pub use tabular::{Classification, Regression, noisy_regression, spirals, two_moons};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// `n` evenly spaced points from `start` to `end` inclusive (numpy's `linspace`).
fn linspace(start: f64, end: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 {
        (end - start) / (n - 1) as f64
    } else {
        0.0
    };
    (0..n).map(move |i| start + step * i as f64)
}
