//! The 6 × 16 kernel: one tile of `C` from a packed panel of `A` (6 rows) and one of `B`
//! (16 columns), held in twelve AVX registers while the shared dimension is walked.

use std::arch::x86_64::*;

use super::blocks::{MR, NR, Tile};

/// Every tile of one block of `C` (`mc × nc`, from packed panels at `a` and `b`, `kc` long).
/// Columns of panels outside, rows inside: the panel of `B` (16 KB at most) stays in L1 while
/// the panels of `A` stream past it from L2. A tile cut short by the block's edge is computed
/// whole into a scratch tile (the packs are zero there) and only its part of `C` written.
///
/// # Safety
/// The packs hold `mc.div_ceil(MR)` and `nc.div_ceil(NR)` panels of `kc` groups, the tile's
/// `c` addresses `mc` rows of `nc` writable values `ldc` apart, and the processor has AVX2
/// and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn block(
    mc: usize,
    nc: usize,
    kc: usize,
    a: *const f32,
    b: *const f32,
    tile: &Tile,
) {
    // SAFETY: within the panels and the tile the caller's contract (on `block`) guarantees.
    unsafe {
        for (jp, j) in (0..nc).step_by(NR).enumerate() {
            let cols = NR.min(nc - j);
            let b = b.add(jp * kc * NR);
            for (ip, i) in (0..mc).step_by(MR).enumerate() {
                let rows = MR.min(mc - i);
                let a = a.add(ip * kc * MR);
                let c = tile.c.add(i * tile.ldc + j);
                if rows == MR && cols == NR {
                    tile_6x16(kc, a, b, c, tile.ldc, tile.add);
                } else {
                    let mut scratch = [0.0f32; MR * NR];
                    tile_6x16(kc, a, b, scratch.as_mut_ptr(), NR, false);
                    for r in 0..rows {
                        for s in 0..cols {
                            let out = c.add(r * tile.ldc + s);
                            let value = scratch[r * NR + s];
                            *out = if tile.add { *out + value } else { value };
                        }
                    }
                }
            }
        }
    }
}

/// `C[6 × 16] (=|+=) A-panel · B-panel` over `kc` steps: at each step two vectors of `B` and
/// six broadcast elements of `A`, twelve FMAs and no shuffles.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn tile_6x16(kc: usize, a: *const f32, b: *const f32, c: *mut f32, ldc: usize, add: bool) {
    // SAFETY: within the panels and the tile the caller's contract (on `block`) guarantees.
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); 2]; MR];
        let (mut a, mut b) = (a, b);
        for _ in 0..kc {
            let lo = _mm256_loadu_ps(b);
            let hi = _mm256_loadu_ps(b.add(8));
            for (r, row) in acc.iter_mut().enumerate() {
                let x = _mm256_broadcast_ss(&*a.add(r));
                row[0] = _mm256_fmadd_ps(x, lo, row[0]);
                row[1] = _mm256_fmadd_ps(x, hi, row[1]);
            }
            a = a.add(MR);
            b = b.add(NR);
        }
        for (r, row) in acc.iter().enumerate() {
            let out = c.add(r * ldc);
            let (lo, hi) = if add {
                (
                    _mm256_add_ps(_mm256_loadu_ps(out), row[0]),
                    _mm256_add_ps(_mm256_loadu_ps(out.add(8)), row[1]),
                )
            } else {
                (row[0], row[1])
            };
            _mm256_storeu_ps(out, lo);
            _mm256_storeu_ps(out.add(8), hi);
        }
    }
}
