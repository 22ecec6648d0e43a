//! Packing: copying a block of `A` or `B` into the order the kernel reads, one panel of `W`
//! lines (6 rows of `A`, 16 columns of `B`) after another, each panel `kc` groups of `W`
//! values (the lines' values at one index of the shared dimension), zero past the last line.
//!
//! The kernel then reads both operands from contiguous memory whatever their strides. Copying
//! is where the operands' layouts cost: `Linear`'s `x·Wᵀ` reads `Wᵀ` through a transposed view,
//! so the 16 values of each group are 784 floats apart. That case transposes 8 × 8 blocks in
//! registers instead of gathering one value at a time.

use std::arch::x86_64::*;

/// How far past the end of its panels a packing may write (the overlapping stores of
/// [`transposed`] with `W = 6`): the buffers keep this many spare values.
pub(super) const SLACK: usize = 8;

/// Packs `len` lines into `len.div_ceil(W)` panels at `dst`. Line `l` starts at `src + l·ls`,
/// and its value at index `p` of the shared dimension is `p·vs` further.
///
/// # Safety
/// `src` addresses `len` lines of `kc` readable values by those strides; `dst` has room for
/// `len.div_ceil(W) · kc · W + SLACK` values; the processor has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn panels<const W: usize>(
    kc: usize,
    len: usize,
    src: *const f32,
    ls: isize,
    vs: isize,
    dst: *mut f32,
) {
    // SAFETY: within the panel and the lines the caller's contract (on `panels`) guarantees.
    unsafe {
        for (panel, first) in (0..len).step_by(W).enumerate() {
            let width = W.min(len - first);
            let src = src.offset(first as isize * ls);
            let dst = dst.add(panel * kc * W);
            if ls == 1 && width == W {
                side_by_side::<W>(kc, src, vs, dst);
            } else if vs == 1 {
                transposed::<W>(kc, width, src, ls, dst);
            } else {
                one_by_one::<W>(0, kc, width, src, ls, vs, dst);
            }
        }
    }
}

/// A full panel whose `W` values at each index are contiguous (`B` row-major, `A` through a
/// transposed view): one copy per index.
#[target_feature(enable = "avx2")]
unsafe fn side_by_side<const W: usize>(kc: usize, src: *const f32, vs: isize, dst: *mut f32) {
    // SAFETY: within the panel and the lines the caller's contract (on `panels`) guarantees.
    unsafe {
        for p in 0..kc {
            std::ptr::copy_nonoverlapping(src.offset(p as isize * vs), dst.add(p * W), W);
        }
    }
}

/// A panel whose lines are contiguous (`A` row-major, `B` through a transposed view): blocks of
/// 8 lines × 8 indices transposed in registers, each block as two 8 × 4 halves. A vector holds
/// four values of line `q` in its low half and four of line `q + 4` in its high half, so the
/// transpose needs only shuffles within halves: the cross-half permute of the textbook 8 × 8
/// transpose is eight micro-ops on AMD Zen 1. With `W = 6` each store writes 8 values where a
/// group has 6; the stores go in increasing order, so each one's two extra values are
/// overwritten by the next group (and the last one's land in the next panel, packed later, or
/// in the slack).
#[target_feature(enable = "avx2")]
unsafe fn transposed<const W: usize>(
    kc: usize,
    width: usize,
    src: *const f32,
    ls: isize,
    dst: *mut f32,
) {
    // SAFETY: within the panel and the lines the caller's contract (on `panels`) guarantees.
    unsafe {
        let four = |line: usize, p: usize| {
            if line < width {
                _mm_loadu_ps(src.offset(line as isize * ls + p as isize))
            } else {
                _mm_setzero_ps()
            }
        };
        let mut p = 0;
        while p + 8 <= kc {
            for half in 0..W.div_ceil(8) {
                for p in [p, p + 4] {
                    let lines = |q: usize| {
                        let line = half * 8 + q;
                        _mm256_set_m128(four(line + 4, p), four(line, p))
                    };
                    let groups = transpose_halves([lines(0), lines(1), lines(2), lines(3)]);
                    for (q, group) in groups.into_iter().enumerate() {
                        _mm256_storeu_ps(dst.add((p + q) * W + half * 8), group);
                    }
                }
            }
            p += 8;
        }
        one_by_one::<W>(p, kc, width, src, ls, 1, dst);
    }
}

/// Indices `from..kc` of a panel, value by value (any strides; the tail of [`transposed`]).
#[target_feature(enable = "avx2")]
unsafe fn one_by_one<const W: usize>(
    from: usize,
    kc: usize,
    width: usize,
    src: *const f32,
    ls: isize,
    vs: isize,
    dst: *mut f32,
) {
    // SAFETY: within the panel and the lines the caller's contract (on `panels`) guarantees.
    unsafe {
        for p in from..kc {
            for line in 0..W {
                *dst.add(p * W + line) = if line < width {
                    *src.offset(line as isize * ls + p as isize * vs)
                } else {
                    0.0
                };
            }
        }
    }
}

/// Two 4 × 4 transposes side by side, one in each 128-bit half: element `j` of output `i`'s
/// low half is element `i` of input `j`'s low half, and the same for the high halves.
#[target_feature(enable = "avx2")]
fn transpose_halves(r: [__m256; 4]) -> [__m256; 4] {
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    [
        _mm256_shuffle_ps::<0x44>(t0, t2),
        _mm256_shuffle_ps::<0xEE>(t0, t2),
        _mm256_shuffle_ps::<0x44>(t1, t3),
        _mm256_shuffle_ps::<0xEE>(t1, t3),
    ]
}
