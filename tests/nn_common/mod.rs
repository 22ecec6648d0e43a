//! Helpers shared by the nn tests: formula-defined tensors and a probe loss.
#![allow(dead_code)]

use chaintrace::{Float, Tape, Tensor, Var};

/// A tensor whose element at multi-index `ix` is `f(ix)`, row-major.
pub fn formula<T: Float>(shape: &[usize], f: impl Fn(&[usize]) -> f64) -> Tensor<T> {
    let n: usize = shape.iter().product();
    let mut ix = vec![0; shape.len()];
    let mut data = Vec::with_capacity(n);
    for _ in 0..n {
        data.push(T::from_f64(f(&ix)));
        for axis in (0..shape.len()).rev() {
            ix[axis] += 1;
            if ix[axis] < shape[axis] {
                break;
            }
            ix[axis] = 0;
        }
    }
    Tensor::from_vec(data, shape)
}

/// The probe weights `c[k] = cos(1.3·k + 0.4)` over the row-major index `k`: distinct, of both
/// signs, so `L = Σ c ⊙ y` exercises every element of `y` differently (a plain sum would hide
/// errors that cancel, e.g. in normalisation layers where Σ x̂ = 0).
pub fn probe_weight(k: usize) -> f64 {
    (1.3 * k as f64 + 0.4).cos()
}

/// `L = Σₖ c[k]·y[k]`, so `∂L/∂y = c`.
pub fn probe<'t, T: Float>(tape: &'t Tape<T>, y: Var<'t, T>) -> Var<'t, T> {
    let shape = y.shape();
    let n: usize = shape.iter().product();
    let c: Vec<T> = (0..n).map(|k| T::from_f64(probe_weight(k))).collect();
    (y * tape.constant(Tensor::from_vec(c, &shape))).sum()
}

/// Asserts two sequences agree elementwise within `tol`, naming what is compared.
pub fn assert_close(what: &str, actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol * (1.0 + e.abs()),
            "{what}[{k}]: got {a:.15e}, expected {e:.15e}"
        );
    }
}
