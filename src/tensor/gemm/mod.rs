//! The `f32` matrix product on x86-64 with AVX2 and FMA: a 6 × 16 register-blocked kernel over
//! packed panels, the layout BLIS uses on Haswell and Zen and that JAX's CPU backend runs
//! (`ynn::dot_fp32_6x16…_fma3`). Everything else (`f64`, other processors, and processors with
//! AVX-512, where matrixmultiply has a 512-bit kernel) stays on matrixmultiply through
//! ndarray's `dot`.
//!
//! Why our own: matrixmultiply's `f32` kernel on this instruction set is 8 × 8 and builds its
//! products by permuting one vector of `A` three times per step; on processors that run a
//! 256-bit FMA as two halves (AMD Zen 1) the permutes compete with the FMAs for the same pipes.
//! A 6 × 16 kernel broadcasts each element of `A` from memory instead, so the FP pipes do only
//! FMAs: on the MLP's eight products it takes 0.94× matrixmultiply's time (docs/performance.md,
//! section 6). The `gemm` crate (candle's) was tried first and gained nothing in the step.
//!
//! The product is computed in blocks (the loops of Goto and van de Geijn, "Anatomy of
//! high-performance matrix multiplication", 2008): `KC` values of the shared dimension at a
//! time, `A` in row blocks of `MC` packed into panels of 6 rows, `B` in column blocks of `NC`
//! packed into panels of 16 columns, so the kernel reads both from contiguous memory. The
//! blocks depend only on `(m, k, n)`, so every element is summed in the same order on every
//! run, whatever the operands' strides: results do not change between runs.

#[cfg(target_arch = "x86_64")]
mod blocks;
#[cfg(target_arch = "x86_64")]
mod kernel;
#[cfg(target_arch = "x86_64")]
mod pack;
#[cfg(all(test, target_arch = "x86_64"))]
mod tests;

use ndarray::{Array2, ArrayView2};

/// `a · b` in `f32`, by the kernel of this module where the processor has AVX2 and FMA (and
/// not AVX-512), by ndarray's `dot` (matrixmultiply) elsewhere. Every dimension must be at
/// least 1.
pub(crate) fn product_f32(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Array2<f32> {
    #[cfg(target_arch = "x86_64")]
    if let Some(c) = blocks::product(a, b) {
        return c;
    }
    a.dot(&b)
}
