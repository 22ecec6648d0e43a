//! The blocking of the product: which parts of `A` and `B` are packed together and handed to
//! the kernel, and the per-thread buffers they are packed into.

use ndarray::{Array2, ArrayView2};

use super::{kernel, pack};

/// Rows of `A` (and of a tile of `C`) per kernel call.
pub(super) const MR: usize = 6;
/// Columns of `B` (and of a tile of `C`) per kernel call: two AVX registers.
pub(super) const NR: usize = 16;
/// Most values of the shared dimension per block: a packed panel of `B` (16 KB) stays in L1.
const KC: usize = 256;
/// Most rows of `A` per block: a packed block of `A` (≤ 144 KB) stays in L2.
const MC: usize = 144;
/// Most columns of `B` per block: a packed block of `B` is at most 1 MB.
const NC: usize = 1024;

/// The blocked product, or `None` where matrixmultiply should run instead: a processor
/// without AVX2 and FMA, one with AVX-512 (matrixmultiply's 512-bit kernel, which the issue
/// that asked for speed measured there; this kernel was measured only on AVX2), or a result
/// too large to index (ndarray then reports it the way it always has).
pub(super) fn product(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Option<Array2<f32>> {
    if !runs_here() {
        return None;
    }
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    debug_assert!(m > 0 && k > 0 && n > 0 && b.nrows() == k);
    let len = m
        .checked_mul(n)
        .filter(|&len| len <= isize::MAX as usize / 4)?;
    let mut c: Vec<f32> = Vec::with_capacity(len);
    let sizes = Blocks::for_product(m, k, n);
    PACKS.with_borrow_mut(|packs| {
        packs.fit(&sizes);
        // SAFETY: the views' pointers and strides address their own elements for every
        // in-range index, which is all the packing reads; `c` has room for `m · n` values and
        // `run` writes every one of them (the first block of the shared dimension stores each
        // tile, later blocks add to it); AVX2 and FMA were detected above.
        unsafe {
            let operands = Operands {
                a: a.as_ptr(),
                rsa: a.strides()[0],
                csa: a.strides()[1],
                b: b.as_ptr(),
                rsb: b.strides()[0],
                csb: b.strides()[1],
            };
            run(m, k, n, &operands, &sizes, packs, c.as_mut_ptr());
            c.set_len(len);
        }
    });
    Array2::from_shape_vec((m, n), c).ok()
}

/// Whether this processor runs the kernel: AVX2 and FMA, and not AVX-512.
pub(super) fn runs_here() -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && !is_x86_feature_detected!("avx512f")
}

/// Where the two operands are: element `[i, p]` of `A` is at `a + i·rsa + p·csa`.
struct Operands {
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
}

/// The block sizes of one product: `KC`, `MC` and `NC` shrunk to split each dimension into
/// equal blocks (784 = 4 × 196, not 3 × 256 + 16: a short last block would pay the kernel's
/// start-up for little work).
struct Blocks {
    kc: usize,
    mc: usize,
    nc: usize,
}

impl Blocks {
    fn for_product(m: usize, k: usize, n: usize) -> Self {
        Blocks {
            kc: even_split(k, KC, 1),
            mc: even_split(m, MC, MR),
            nc: even_split(n, NC, NR),
        }
    }
}

/// The size of the equal blocks `len` splits into when none may exceed `max`, rounded up to a
/// multiple of `unit` (so that only the last panel of a dimension is partial).
fn even_split(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max).max(1);
    len.div_ceil(blocks).div_ceil(unit) * unit
}

/// The packed panels, kept per thread between products so a training step does not allocate
/// (and zero) ~1 MB for every matrix product.
#[derive(Default)]
struct Packs {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl Packs {
    /// Room for the blocks of one product, plus the slack the packing's last vector store
    /// may write past a panel (`pack::SLACK`).
    fn fit(&mut self, sizes: &Blocks) {
        let a = sizes.mc * sizes.kc + pack::SLACK;
        let b = sizes.nc * sizes.kc + pack::SLACK;
        if self.a.len() < a {
            self.a.resize(a, 0.0);
        }
        if self.b.len() < b {
            self.b.resize(b, 0.0);
        }
    }
}

thread_local! {
    static PACKS: std::cell::RefCell<Packs> = std::cell::RefCell::new(Packs::default());
}

/// The three loops around the kernel (Goto's "GEPP" blocking): column blocks of `B`, blocks of
/// the shared dimension, row blocks of `A`.
///
/// # Safety
/// As in [`product`]: the operands address `m × k` and `k × n` readable elements, `c` has
/// room for `m · n`, `packs` fit `sizes`, and the processor has AVX2 and FMA.
unsafe fn run(
    m: usize,
    k: usize,
    n: usize,
    x: &Operands,
    sizes: &Blocks,
    packs: &mut Packs,
    c: *mut f32,
) {
    // SAFETY: the caller's contract above covers every pointer made here.
    unsafe {
        for jc in (0..n).step_by(sizes.nc) {
            let nc = sizes.nc.min(n - jc);
            for pc in (0..k).step_by(sizes.kc) {
                let kc = sizes.kc.min(k - pc);
                let b = x.b.offset(pc as isize * x.rsb + jc as isize * x.csb);
                pack::panels::<NR>(kc, nc, b, x.csb, x.rsb, packs.b.as_mut_ptr());
                for ic in (0..m).step_by(sizes.mc) {
                    let mc = sizes.mc.min(m - ic);
                    let a = x.a.offset(ic as isize * x.rsa + pc as isize * x.csa);
                    pack::panels::<MR>(kc, mc, a, x.rsa, x.csa, packs.a.as_mut_ptr());
                    let tile = Tile {
                        c: c.add(ic * n + jc),
                        ldc: n,
                        add: pc > 0,
                    };
                    kernel::block(mc, nc, kc, packs.a.as_ptr(), packs.b.as_ptr(), &tile);
                }
            }
        }
    }
}

/// Where a block's results go: `c` is its top-left element, rows `ldc` apart; `add` says
/// whether to add to what is there (a later block of the shared dimension) or store.
pub(super) struct Tile {
    pub(super) c: *mut f32,
    pub(super) ldc: usize,
    pub(super) add: bool,
}
