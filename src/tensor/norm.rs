//! How large a tensor is: its 2-norm, computed so that nothing overflows or underflows on the
//! way (LAPACK's scaled `nrm2`), its smallest and largest elements, and whether all are finite.
//!
//! Every norm in the crate comes from [`ScaledNorm`]: [`Tensor::norm`], the hooks that clip or
//! normalise, [`clip_grad_norm`](crate::hooks::clip_grad_norm), and the trace's summaries and
//! ledger. So an exploding f32 gradient `[1e20, 1e20]` has norm `1.41421e20` everywhere, not
//! `inf` in one table and a finite number in another.

use super::repr::Repr;
use super::{Float, Tensor};

/// A 2-norm kept as a pair, `‖x‖ = scale · √ssq`, so that neither the squares nor their sum
/// overflow or underflow (LAPACK's scaled `nrm2`).
///
/// Squaring in the element type overflows early: `(1e20)²` is beyond `f32`, `(1.4e154)²`
/// beyond `f64`. Here the sum of squares is taken in `f64` and, when that would overflow or
/// underflow, of `x / max|x|` instead. Norms of several tensors are combined pair by pair
/// ([`ScaledNorm::combine`]), never by squaring a norm again, and a gradient is rescaled
/// through the pair ([`ScaledNorm::rescaled`]), so clipping works even on a gradient whose
/// norm is not representable (`f64` `[1.5e308, 1.5e308]`).
///
/// A NaN element makes the norm NaN; otherwise an infinite element makes it infinite.
///
/// # Example
/// ```
/// use chaintrace::Tensor;
/// use chaintrace::tensor::ScaledNorm;
/// let g = Tensor::from_vec(vec![3e200, 4e200], &[2]);
/// let n = ScaledNorm::of(&g).norm(); // the plain sum of squares is inf
/// assert!((n / 5e200 - 1.0).abs() < 1e-15);
/// let h = Tensor::from_vec(vec![1.5e308f64, 1.5e308], &[2]);
/// let n = ScaledNorm::of(&h);
/// assert_eq!(n.norm(), f64::INFINITY); // 2.1e308 is past f64::MAX...
/// let unit = n.rescaled(&h, 1.0); // ...but the rescaled gradient is fine
/// assert!((ScaledNorm::of(&unit).norm() - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaledNorm {
    /// ≥ 0; NaN or +∞ when an element is.
    scale: f64,
    /// The sum of `(x / scale)²`: 0 when `scale` is 0, at least 1 otherwise.
    ssq: f64,
}

/// Below this, a plain sum of squares may have lost its small terms to underflow.
const SMALLEST_SAFE_SUM: f64 = 1e-280;

impl ScaledNorm {
    /// The norm of nothing (or of zeros).
    pub const ZERO: ScaledNorm = ScaledNorm {
        scale: 0.0,
        ssq: 0.0,
    };

    const NAN: ScaledNorm = ScaledNorm {
        scale: f64::NAN,
        ssq: 1.0,
    };

    const INFINITY: ScaledNorm = ScaledNorm {
        scale: f64::INFINITY,
        ssq: 1.0,
    };

    /// The norm of one number, `|x|`, or a norm already known (to combine norms of tensors).
    pub fn of_value(x: f64) -> Self {
        let x = x.abs();
        match () {
            _ if x.is_nan() => Self::NAN,
            _ if x == 0.0 => Self::ZERO,
            _ => ScaledNorm { scale: x, ssq: 1.0 },
        }
    }

    /// The Frobenius norm of `t` (the 2-norm of all its elements).
    pub fn of<T: Float>(t: &Tensor<T>) -> Self {
        match t.repr() {
            Repr::Scalar(x) => Self::of_value(x.as_f64()),
            Repr::Array(a) => match a.as_slice() {
                Some(xs) => Self::of_slice(xs),
                None => {
                    let squares = a.iter().map(|x| x.as_f64() * x.as_f64()).sum();
                    Self::from_squares(squares, || a.iter().copied())
                }
            },
        }
    }

    /// The 2-norm of `xs`.
    pub fn of_slice<T: Float>(xs: &[T]) -> Self {
        Self::from_squares(sum_of_squares(xs), || xs.iter().copied())
    }

    /// The norm of the elements `elements()` yields, whose plain sum of squares in `f64` is
    /// `squares`.
    fn from_squares<T: Float, I: Iterator<Item = T>>(
        squares: f64,
        elements: impl Fn() -> I,
    ) -> Self {
        // The common case: the sum of squares in f64 neither overflows nor underflows (always
        // so for f32 elements), and the norm is its square root.
        if squares.is_finite() && squares >= SMALLEST_SAFE_SUM {
            return ScaledNorm {
                scale: squares.sqrt(),
                ssq: 1.0,
            };
        }
        if squares.is_nan() {
            return Self::NAN; // squares are never negative: only a NaN element gives NaN
        }
        // Scale by the largest magnitude: each (x / max)² is at most 1.
        let largest = elements().fold(0.0f64, |m, x| m.max(x.as_f64().abs()));
        match () {
            _ if largest == 0.0 => Self::ZERO,
            _ if largest.is_infinite() => Self::INFINITY,
            _ => ScaledNorm {
                scale: largest,
                ssq: elements().map(|x| (x.as_f64() / largest).powi(2)).sum(),
            },
        }
    }

    /// The norm of the concatenation of the two vectors measured: `√(‖a‖² + ‖b‖²)`, without
    /// squaring either norm.
    pub fn combine(self, other: Self) -> Self {
        if self.scale.is_nan() || other.scale.is_nan() {
            return Self::NAN;
        }
        let (big, small) = if self.scale >= other.scale {
            (self, other)
        } else {
            (other, self)
        };
        if big.scale == 0.0 || big.scale.is_infinite() {
            return big;
        }
        let ratio = small.scale / big.scale;
        ScaledNorm {
            scale: big.scale,
            ssq: big.ssq + small.ssq * ratio * ratio,
        }
    }

    /// The norm, `scale · √ssq`: finite whenever the true norm is below `f64::MAX`.
    pub fn norm(self) -> f64 {
        self.scale * self.ssq.sqrt()
    }

    /// The norm in `T`: finite whenever the true norm is representable in `T`.
    pub fn norm_as<T: Float>(self) -> T {
        T::from_f64(self.norm())
    }

    /// True when the norm is neither NaN nor infinite (it may still exceed `f64::MAX`).
    pub fn is_finite(self) -> bool {
        self.scale.is_finite()
    }

    /// `t · target / (N + eps)`, where `N` is this norm (`t`'s own, or the global norm of a
    /// set of tensors `t` belongs to): for `eps` = 0 and `t`'s own norm, `t` rescaled to norm
    /// `target`. Computed as `t · (1/scale) · (target / (√ssq + eps/scale))` in `f64`, so the
    /// result is finite for any finite `t`, even when `N` itself overflows.
    ///
    /// `t` is returned unchanged when `N` is zero, NaN or infinite.
    pub fn rescaled_eps<T: Float>(self, t: &Tensor<T>, target: f64, eps: f64) -> Tensor<T> {
        if !self.is_finite() || self.scale == 0.0 {
            return t.clone();
        }
        let scale = self.scale;
        let k = target / (self.ssq.sqrt() + eps / scale);
        t.map(|x| T::from_f64(x.as_f64() / scale * k))
    }

    /// `t · target / ‖t‖` ([`ScaledNorm::rescaled_eps`] with `eps` = 0): `t` with its
    /// direction and norm `target`.
    pub fn rescaled<T: Float>(self, t: &Tensor<T>, target: f64) -> Tensor<T> {
        self.rescaled_eps(t, target, 0.0)
    }
}

/// Σ xᵢ² in `f64`, four running sums wide so the loop is not one long dependency chain.
fn sum_of_squares<T: Float>(xs: &[T]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|x| x.as_f64() * x.as_f64())
        .sum();
    for chunk in chunks {
        for (a, x) in acc.iter_mut().zip(chunk) {
            *a += x.as_f64() * x.as_f64();
        }
    }
    acc.iter().sum::<f64>() + rest
}

impl<T: Float> Tensor<T> {
    /// The Frobenius norm (the 2-norm of all elements), through [`ScaledNorm`]: finite
    /// whenever the true norm is representable in `T` (`[1e20, 1e20]` in `f32` has norm
    /// `1.41421e20`, although `1e40` overflows `f32`). NaN if an element is NaN, else ∞ if an
    /// element is infinite.
    pub fn norm(&self) -> T {
        match self.repr() {
            Repr::Scalar(x) => x.abs(),
            Repr::Array(_) => ScaledNorm::of(self).norm_as(),
        }
    }

    /// The smallest element (NaN if any element is NaN).
    pub fn min(&self) -> T {
        self.fold_elements(
            T::infinity(),
            |m, x| if x < m || x.is_nan() { x } else { m },
        )
    }

    /// The largest element (NaN if any element is NaN).
    pub fn max(&self) -> T {
        self.fold_elements(
            T::neg_infinity(),
            |m, x| {
                if x > m || x.is_nan() { x } else { m }
            },
        )
    }

    /// True when no element is NaN or infinite.
    pub fn all_finite(&self) -> bool {
        match self.repr() {
            Repr::Scalar(x) => x.is_finite(),
            Repr::Array(a) => a.iter().all(|x| x.is_finite()),
        }
    }

    fn fold_elements(&self, init: T, f: impl Fn(T, T) -> T) -> T {
        match self.repr() {
            Repr::Scalar(x) => f(init, *x),
            Repr::Array(a) => a
                .iter()
                .fold(init, |m, &x| if m.is_nan() { m } else { f(m, x) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a / b - 1.0).abs() < 1e-15
    }

    #[test]
    fn survives_huge_and_tiny_elements() {
        // ‖(3e200, 4e200)‖ = 5e200; the plain sum of squares would be inf.
        assert!(close(ScaledNorm::of_slice(&[3e200, 4e200]).norm(), 5e200));
        // ‖(3e-200, 4e-200)‖ = 5e-200; the plain sum of squares would be 0.
        assert!(close(
            ScaledNorm::of_slice(&[3e-200, 4e-200]).norm(),
            5e-200
        ));
        assert_eq!(ScaledNorm::of_slice(&[3.0, 4.0]).norm(), 5.0);
        assert!(ScaledNorm::of_slice(&[1.0, f64::NAN]).norm().is_nan());
        assert!(
            ScaledNorm::of_slice(&[f64::INFINITY, f64::NAN])
                .norm()
                .is_nan()
        );
        assert_eq!(
            ScaledNorm::of_slice(&[1.0, f64::INFINITY]).norm(),
            f64::INFINITY
        );
        assert_eq!(ScaledNorm::of_slice::<f64>(&[]).norm(), 0.0);
        assert_eq!(ScaledNorm::of_slice(&[0.0f32, -0.0]).norm(), 0.0);
    }

    #[test]
    fn f32_norms_are_taken_in_f64() {
        let t = Tensor::from_vec(vec![1e20f32, 1e20], &[2]);
        assert_eq!(t.norm(), 1.414_213_6e20);
        // (1e20)² = 1e40 is past f32::MAX: a sum of squares in f32 gave inf.
        assert_eq!(
            t.view().iter().fold(0.0f32, |s, x| s + x * x),
            f32::INFINITY
        );
    }

    #[test]
    fn combining_norms_does_not_square_them_again() {
        // ‖(3e300, 4e300)‖ from two one-element norms; squaring 3e300 overflows.
        let a = ScaledNorm::of_value(3e300);
        let b = ScaledNorm::of_value(-4e300);
        assert!(close(a.combine(b).norm(), 5e300));
        assert!(close(b.combine(a).norm(), 5e300));
        assert_eq!(a.combine(ScaledNorm::ZERO), a);
        assert!(a.combine(ScaledNorm::of_value(f64::NAN)).norm().is_nan());
        let inf = ScaledNorm::of_value(f64::INFINITY);
        assert_eq!(a.combine(inf).norm(), f64::INFINITY);
        assert!(inf.combine(ScaledNorm::of_value(f64::NAN)).norm().is_nan());
    }

    #[test]
    fn rescaling_through_the_pair_stays_finite() {
        let g = Tensor::from_vec(vec![1e308f64, -1e308], &[2]);
        assert_eq!(ScaledNorm::of(&g).norm(), 1e308 * 2f64.sqrt()); // below f64::MAX
        let g = Tensor::from_vec(vec![1.5e308f64, -1.5e308], &[2]);
        let n = ScaledNorm::of(&g);
        assert_eq!(n.norm(), f64::INFINITY);
        assert!(n.is_finite());
        let unit = n.rescaled(&g, 1.0);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!(close(unit.to_vec()[0], h) && close(unit.to_vec()[1], -h));
        let zero = Tensor::<f32>::zeros(&[3]);
        assert_eq!(ScaledNorm::of(&zero).rescaled(&zero, 1.0), zero);
    }
}
