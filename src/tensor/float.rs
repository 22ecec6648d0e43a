//! The element types the engine computes in: `f32` and `f64`.

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use ndarray::{Array2, ArrayView2};

/// A floating-point element type: implemented for `f32` and `f64`.
///
/// It gathers what the engine needs from num-traits (the arithmetic and the transcendental
/// functions) and from ndarray (matrix products, scalar operands), plus lossless-enough
/// conversion to and from `f64` for reports and finite differences.
pub trait Float:
    num_traits::Float
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Debug
    + Display
    + LowerExp
    + Default
    + Send
    + Sync
    + 'static
{
    /// The type's name, `"f32"` or `"f64"`, as shown in reports.
    const NAME: &'static str;

    /// Converts from `f64` (rounding to nearest for `f32`; out-of-range values become ±inf).
    fn from_f64(x: f64) -> Self;

    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;

    /// `a · b`, the matrix product every `matmul` runs. Every dimension is at least 1 (an
    /// empty product is made without it).
    #[doc(hidden)]
    fn matrix_product(a: ArrayView2<'_, Self>, b: ArrayView2<'_, Self>) -> Array2<Self> {
        a.dot(&b)
    }
}

impl Float for f32 {
    const NAME: &'static str = "f32";

    fn from_f64(x: f64) -> Self {
        x as f32
    }

    fn as_f64(self) -> f64 {
        self as f64
    }

    fn matrix_product(a: ArrayView2<'_, Self>, b: ArrayView2<'_, Self>) -> Array2<Self> {
        super::gemm::product_f32(a, b)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";

    fn from_f64(x: f64) -> Self {
        x
    }

    fn as_f64(self) -> f64 {
        self
    }
}
