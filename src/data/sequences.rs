//! The long-range sequence tasks: the adding problem and the copy task.

use rand::RngExt;

use super::rng;
use crate::tensor::{Float, Tensor};

/// A batch of the adding problem.
#[derive(Clone, Debug, PartialEq)]
pub struct AddingProblem<T: Float> {
    /// `[T, batch, 2]`: feature 0 a value uniform on `[0, 1)`, feature 1 the marker (0 or 1).
    pub x: Tensor<T>,
    /// `[batch, 1]`: the sum of the two marked values.
    pub y: Tensor<T>,
}

/// The adding problem (Hochreiter & Schmidhuber 1997; this form from Arjovsky et al. 2016):
/// `batch` sequences of length `steps`, each step a value uniform on `[0, 1)` and a marker;
/// exactly two steps are marked, one uniformly in the first half (`0..steps/2`) and one in the
/// second half. The target is the sum of the two marked values. Always predicting 1 gives a
/// mean squared error of about 1/6, the baseline a model must beat.
///
/// # Panics
/// If `steps < 2`.
pub fn adding_problem<T: Float>(batch: usize, steps: usize, seed: u64) -> AddingProblem<T> {
    assert!(
        steps >= 2,
        "the adding problem needs at least 2 steps, got {steps}"
    );
    let mut rng = rng(seed);
    let mut x = vec![T::zero(); steps * batch * 2];
    let mut y = Vec::with_capacity(batch);
    let at = |t: usize, b: usize, f: usize| (t * batch + b) * 2 + f;
    for b in 0..batch {
        for t in 0..steps {
            x[at(t, b, 0)] = T::from_f64(rng.random::<f64>());
        }
        let half = steps / 2;
        let first = rng.random_range(0..half);
        let second = rng.random_range(half..steps);
        x[at(first, b, 1)] = T::one();
        x[at(second, b, 1)] = T::one();
        y.push(x[at(first, b, 0)] + x[at(second, b, 0)]);
    }
    AddingProblem {
        x: Tensor::from_vec(x, &[steps, batch, 2]),
        y: Tensor::from_vec(y, &[batch, 1]),
    }
}

/// A batch of the copy task.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyTask<T: Float> {
    /// `[length, batch, classes]`: one-hot input symbols.
    pub x: Tensor<T>,
    /// The target symbol for each (step, example), step-major: `labels[t·batch + b]`.
    pub labels: Vec<usize>,
    /// The number of symbols: 0 blank, `1..=8` data, 9 the delimiter.
    pub classes: usize,
}

/// The symbols of the copy task: blank, eight data symbols, delimiter.
pub const COPY_CLASSES: usize = 10;
const BLANK: usize = 0;
const DELIMITER: usize = 9;

/// The copy task (Hochreiter & Schmidhuber 1997; this form from Arjovsky et al. 2016): each
/// sequence starts with `copy_len` symbols drawn uniformly from `1..=8` (10 is standard),
/// followed by `delay − 1` blanks, the delimiter, and `copy_len` blanks, so its length is
/// `delay + 2·copy_len`. The target is blank for the first `delay + copy_len` steps, then the
/// first `copy_len` symbols again: the model must remember them across `delay` steps. Always
/// predicting blank, then guessing uniformly, gives a cross-entropy of
/// `copy_len·ln 8 / (delay + 2·copy_len)`, the baseline.
///
/// # Panics
/// If `delay < 1`.
pub fn copy_task<T: Float>(batch: usize, delay: usize, copy_len: usize, seed: u64) -> CopyTask<T> {
    assert!(delay >= 1, "the copy task needs a delay of at least 1 step");
    let mut rng = rng(seed);
    let length = delay + 2 * copy_len;
    let mut inputs = vec![BLANK; length * batch];
    let mut labels = vec![BLANK; length * batch];
    for b in 0..batch {
        for t in 0..copy_len {
            let symbol = rng.random_range(1..=8);
            inputs[t * batch + b] = symbol;
            labels[(delay + copy_len + t) * batch + b] = symbol;
        }
        inputs[(delay + copy_len - 1) * batch + b] = DELIMITER;
    }
    let mut x = vec![T::zero(); length * batch * COPY_CLASSES];
    for (i, &symbol) in inputs.iter().enumerate() {
        x[i * COPY_CLASSES + symbol] = T::one();
    }
    CopyTask {
        x: Tensor::from_vec(x, &[length, batch, COPY_CLASSES]),
        labels,
        classes: COPY_CLASSES,
    }
}
