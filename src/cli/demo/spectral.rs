//! How much a square matrix can stretch a vector, once and over many applications: its largest
//! singular value and its spectral radius, computed by plain iteration (no eigen-solver).
//!
//! The recurrent demo needs both for `W_hh`: one step back through time multiplies the gradient
//! by at most `σ_max(W_hh)`, and `k` steps by `‖W_hh^k‖`, which grows like `ρ(W_hh)^k`.

/// A dense matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

/// Iterations of the power method; it stops earlier once the estimate settles.
const POWER_ITERATIONS: usize = 2000;

/// Squarings in the spectral radius: `ρ ≈ ‖M^(2^k)‖^(1/2^k)` with `2^k = 4096`.
const SQUARINGS: u32 = 12;

impl Matrix {
    /// A `rows × cols` matrix from row-major data.
    ///
    /// # Panics
    /// If `data` does not have `rows · cols` elements.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        assert_eq!(data.len(), rows * cols, "a {rows}×{cols} matrix");
        Matrix { rows, cols, data }
    }

    fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// `M·v`.
    fn apply(&self, v: &[f64]) -> Vec<f64> {
        (0..self.rows)
            .map(|i| (0..self.cols).map(|j| self.at(i, j) * v[j]).sum())
            .collect()
    }

    /// `Mᵀ·v`.
    fn apply_transposed(&self, v: &[f64]) -> Vec<f64> {
        (0..self.cols)
            .map(|j| (0..self.rows).map(|i| self.at(i, j) * v[i]).sum())
            .collect()
    }

    fn square(&self) -> Matrix {
        let n = self.rows;
        let mut data = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                let a = self.at(i, k);
                if a != 0.0 {
                    for j in 0..n {
                        data[i * n + j] += a * self.at(k, j);
                    }
                }
            }
        }
        Matrix::new(n, n, data)
    }

    fn frobenius(&self) -> f64 {
        self.data.iter().map(|x| x * x).sum::<f64>().sqrt()
    }

    /// The largest singular value `σ_max = max ‖M·v‖/‖v‖`, by the power method on `MᵀM`
    /// (symmetric, so the iteration converges to its largest eigenvalue `σ_max²`) from the
    /// all-ones direction plus a small ramp, so no common structure hides it.
    pub fn largest_singular_value(&self) -> f64 {
        let mut v: Vec<f64> = (0..self.cols).map(|j| 1.0 + j as f64 * 1e-3).collect();
        let mut estimate = 0.0;
        for _ in 0..POWER_ITERATIONS {
            let norm = norm(&v);
            if norm == 0.0 || !norm.is_finite() {
                return 0.0;
            }
            v.iter_mut().for_each(|x| *x /= norm);
            let next = self.apply_transposed(&self.apply(&v));
            let previous = estimate;
            // vᵀ(MᵀM)v = ‖Mv‖² for a unit v: the Rayleigh quotient, a lower bound that rises
            // to σ_max².
            estimate = dot(&v, &next).max(0.0).sqrt();
            v = next;
            if (estimate - previous).abs() <= 1e-13 * estimate {
                break;
            }
        }
        estimate
    }

    /// The spectral radius `ρ = max |λ|` of a square matrix by Gelfand's formula
    /// `ρ = lim ‖M^k‖^(1/k)`, with `k = 4096` reached by squaring twelve times (each square
    /// rescaled to unit Frobenius norm, its logarithm kept aside, so nothing overflows).
    /// `ρ ≤ σ_max` always; for a normal matrix they are equal.
    ///
    /// # Panics
    /// If the matrix is not square.
    pub fn spectral_radius(&self) -> f64 {
        assert_eq!(
            self.rows, self.cols,
            "the spectral radius needs a square matrix"
        );
        let mut power = self.clone();
        let mut log_scale = 0.0;
        for _ in 0..SQUARINGS {
            power = power.square();
            let size = power.frobenius();
            if size == 0.0 {
                return 0.0;
            }
            power.data.iter_mut().for_each(|x| *x /= size);
            log_scale = 2.0 * log_scale + size.ln();
        }
        let k = f64::from(1u32 << SQUARINGS);
        ((log_scale + power.largest_singular_value().ln()) / k).exp()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn diagonal_and_symmetric_matrices() {
        // diag(−3, 2): σ_max = ρ = 3.
        let d = Matrix::new(2, 2, vec![-3.0, 0.0, 0.0, 2.0]);
        assert!(close(d.largest_singular_value(), 3.0, 1e-10));
        assert!(close(d.spectral_radius(), 3.0, 1e-3));
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let s = Matrix::new(2, 2, vec![2.0, 1.0, 1.0, 2.0]);
        assert!(close(s.largest_singular_value(), 3.0, 1e-10));
        assert!(close(s.spectral_radius(), 3.0, 1e-3));
    }

    #[test]
    fn a_rotation_has_complex_eigenvalues_of_modulus_its_scale() {
        // 0.5·R(θ): eigenvalues 0.5·e^(±iθ), so ρ = 0.5 although no real vector is an
        // eigenvector (plain power iteration on M itself would not settle).
        let (c, s) = (0.5 * 1.1f64.cos(), 0.5 * 1.1f64.sin());
        let r = Matrix::new(2, 2, vec![c, -s, s, c]);
        assert!(close(r.spectral_radius(), 0.5, 1e-3));
        assert!(close(r.largest_singular_value(), 0.5, 1e-10));
    }

    #[test]
    fn a_non_normal_matrix_stretches_more_than_its_eigenvalues() {
        // [[0.5, 10], [0, 0.5]]: both eigenvalues 0.5, but one step can stretch by
        // σ_max = (√(100 + 1) + 10)/2 ≈ 10.0249 (the singular values of [[a, b], [0, a]] are
        // (√(b² + 4a²) ± b)/2).
        let m = Matrix::new(2, 2, vec![0.5, 10.0, 0.0, 0.5]);
        assert!(close(
            m.largest_singular_value(),
            (101f64.sqrt() + 10.0) / 2.0,
            1e-9
        ));
        // ‖M^k‖ ≈ k·10·0.5^(k−1), so ‖M^k‖^(1/k) = 0.5·(20k)^(1/k): at k = 4096 within 0.3 %.
        assert!(close(m.spectral_radius(), 0.5, 3e-3));
        // Nilpotent: every power past the first is zero.
        let n = Matrix::new(2, 2, vec![0.0, 1.0, 0.0, 0.0]);
        assert_eq!(n.spectral_radius(), 0.0);
    }
}
