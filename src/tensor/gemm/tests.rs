//! The kernel against a product summed in `f64`, over every layout the packing tells apart
//! (rows contiguous, columns contiguous, neither, reversed) and over the edges of its tiles and
//! blocks; and the promise of the module doc: the same bits on every run and in every layout.

use ndarray::{Array2, ArrayView2, ShapeBuilder, s};
use proptest::prelude::*;

use super::blocks;

/// Deterministic values in [-1, 1) with a few exact zeros, from a seed.
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// How an operand is stored: its view's strides differ, its elements do not.
#[derive(Clone, Copy, Debug)]
enum Layout {
    RowMajor,
    ColumnMajor,
    /// Every other column of a row-major array twice as wide (no unit stride).
    Strided,
    /// Row-major with the rows in reverse order (a negative stride).
    Reversed,
}

const LAYOUTS: [Layout; 4] = [
    Layout::RowMajor,
    Layout::ColumnMajor,
    Layout::Strided,
    Layout::Reversed,
];

/// The `rows × cols` matrix of `logical` (row-major order) stored in `layout`; the view is taken
/// by [`view`] from the returned storage.
fn store(logical: &[f32], rows: usize, cols: usize, layout: Layout) -> Array2<f32> {
    let at = |i: usize, j: usize| logical[i * cols + j];
    match layout {
        Layout::RowMajor => Array2::from_shape_fn((rows, cols), |(i, j)| at(i, j)),
        Layout::ColumnMajor => Array2::from_shape_fn((rows, cols).f(), |(i, j)| at(i, j)),
        Layout::Strided => Array2::from_shape_fn((rows, 2 * cols), |(i, j)| {
            if j % 2 == 0 { at(i, j / 2) } else { f32::NAN }
        }),
        Layout::Reversed => Array2::from_shape_fn((rows, cols), |(i, j)| at(rows - 1 - i, j)),
    }
}

fn view(stored: &Array2<f32>, layout: Layout) -> ArrayView2<'_, f32> {
    match layout {
        Layout::RowMajor | Layout::ColumnMajor => stored.view(),
        Layout::Strided => stored.slice(s![.., ..;2]),
        Layout::Reversed => stored.slice(s![..;-1, ..]),
    }
}

/// `a · b` through the kernel, with `a` and `b` given row-major and stored in the layouts; on
/// a processor where the kernel does not run, ndarray's product.
fn kernel_product(
    (a, b): (&[f32], &[f32]),
    (m, k, n): (usize, usize, usize),
    (la, lb): (Layout, Layout),
) -> Array2<f32> {
    let (sa, sb) = (store(a, m, k, la), store(b, k, n, lb));
    let (va, vb) = (view(&sa, la), view(&sb, lb));
    blocks::product(va, vb).unwrap_or_else(|| va.dot(&vb))
}

/// Checks every element against the `f64` sum, within the bound of a sum of `k` rounded
/// products in `f32`: `k · ε · Σ|a||b|` (Higham, "Accuracy and Stability of Numerical
/// Algorithms", 2002, section 3.1), plus the rounding of the result itself.
fn assert_close(c: &Array2<f32>, a: &[f32], b: &[f32], (m, k, n): (usize, usize, usize)) {
    assert_eq!(c.dim(), (m, n));
    for i in 0..m {
        for j in 0..n {
            let (mut exact, mut scale) = (0.0f64, 0.0f64);
            for p in 0..k {
                let term = a[i * k + p] as f64 * b[p * n + j] as f64;
                exact += term;
                scale += term.abs();
            }
            let bound = (k as f64 + 1.0) * f32::EPSILON as f64 * scale + f32::MIN_POSITIVE as f64;
            let got = c[[i, j]] as f64;
            assert!(
                (got - exact).abs() <= bound,
                "C[{i}, {j}] of a {m}×{k} · {k}×{n} product: {got} against {exact} (bound {bound:e})"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Small products in every pair of layouts: each crosses the 6-row and 16-column tile
    /// edges in its own way.
    #[test]
    fn small_products_match_f64_in_every_layout(
        m in 1usize..40, k in 1usize..40, n in 1usize..40,
        la in 0usize..4, lb in 0usize..4, seed in any::<u64>(),
    ) {
        let (a, b) = (values(m * k, seed), values(k * n, seed ^ 1));
        let c = kernel_product((&a, &b), (m, k, n), (LAYOUTS[la], LAYOUTS[lb]));
        assert_close(&c, &a, &b, (m, k, n));
    }
}

/// Products larger than one block in each dimension (`MC`, `KC`, `NC`), so the row blocks,
/// the adding of later blocks of the shared dimension and the column blocks all run.
#[test]
fn products_of_several_blocks_match_f64() {
    for (m, k, n) in [
        (300, 600, 40),
        (7, 784, 1100),
        (150, 257, 33),
        (64, 784, 256),
    ] {
        let (a, b) = (values(m * k, 3), values(k * n, 4));
        for layouts in [
            (Layout::RowMajor, Layout::ColumnMajor),
            (Layout::ColumnMajor, Layout::RowMajor),
        ] {
            assert_close(
                &kernel_product((&a, &b), (m, k, n), layouts),
                &a,
                &b,
                (m, k, n),
            );
        }
    }
}

/// The same operands give the same bits on every call and whatever their layout: the order
/// of each sum is fixed by `(m, k, n)` alone.
#[test]
fn results_are_the_same_bits_in_every_layout_and_on_every_call() {
    if !blocks::runs_here() {
        return; // a promise of the kernel alone, which this processor does not run
    }
    let (m, k, n) = (37, 300, 45);
    let (a, b) = (values(m * k, 5), values(k * n, 6));
    let bits = |c: Array2<f32>| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let first = bits(kernel_product(
        (&a, &b),
        (m, k, n),
        (Layout::RowMajor, Layout::RowMajor),
    ));
    for la in LAYOUTS {
        for lb in LAYOUTS {
            let again = bits(kernel_product((&a, &b), (m, k, n), (la, lb)));
            assert!(again == first, "{la:?} · {lb:?} changed the bits");
        }
    }
}

/// A NaN or an infinity in `A` reaches exactly its own row of `C`: the zeros that pad the
/// last tile never meet it in a row that is kept.
#[test]
fn non_finite_values_stay_in_their_row() {
    let (m, k, n) = (8, 5, 20);
    let mut a = values(m * k, 7);
    let b = values(k * n, 8);
    a[2 * k + 1] = f32::NAN;
    a[7 * k + 4] = f32::INFINITY;
    let c = kernel_product((&a, &b), (m, k, n), (Layout::RowMajor, Layout::RowMajor));
    for i in 0..m {
        for j in 0..n {
            let x = c[[i, j]];
            match i {
                2 => assert!(x.is_nan(), "C[2, {j}] = {x}"),
                7 => assert!(!x.is_finite(), "C[7, {j}] = {x}"),
                _ => assert!(x.is_finite(), "C[{i}, {j}] = {x}"),
            }
        }
    }
}
