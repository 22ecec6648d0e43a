//! Benchmark (4): `matmul` through the engine (a tape, two leaves, the op) against ndarray's
//! `dot` (matrixmultiply) on the same `f32` matrices, at 256 and 1024. Target: the engine at
//! ≥ 90% of raw speed.
//!
//! Both get freshly copied operands from an untimed setup (so both start with the same cache
//! state), produce a fresh result matrix, and drop everything outside the timing; the engine's
//! operands are moved into the tape, as a caller who owns them would.
//!
//! Group `mlp_products`: the eight matrix products of one training step of the MLP
//! 784-256-256-10 at batch 64 (`benches/train.rs`), each in the layout the `nn` step gives it
//! (`Linear` keeps `W` as `[out, in]`, so the forward reads `Wᵀ` through a transposed view, and
//! `∂L/∂W = Gᵀ·X` reads `Gᵀ` the same way), by `Tensor::matmul` (the engine's product: in `f32`
//! on AVX2 the kernel of `src/tensor/gemm/`) and by ndarray's `dot` on the same arrays.
//!
//! Run: `cargo bench --bench matmul` (docs/performance.md has the figures).

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{Tape, Tensor};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Ix2};

/// A deterministic `n × n` matrix with entries in [−1, 1).
fn matrix(n: usize, seed: u64) -> Tensor<f32> {
    matrix_of(n, n, seed)
}

fn as_array2(t: &Tensor<f32>) -> Array2<f32> {
    t.view().into_dimensionality::<Ix2>().unwrap().to_owned()
}

fn matmul(c: &mut Criterion) {
    for n in [256, 1024] {
        let (a, b) = (matrix(n, 1), matrix(n, 2));
        let (raw_a, raw_b) = (as_array2(&a), as_array2(&b));
        // The two compute the same product.
        {
            let tape = Tape::new();
            let product = tape.var("a", a.clone()).matmul(tape.var("b", b.clone()));
            let raw = raw_a.dot(&raw_b);
            assert_close(&product.value().to_vec(), raw.iter().copied(), n);
        }
        let mut group = c.benchmark_group("matmul");
        if n >= 1024 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        } else {
            group.sample_size(30);
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_with_input(BenchmarkId::new("raw_dot", n), &n, |bench, _| {
            bench.iter_batched(
                || (raw_a.clone(), raw_b.clone()),
                |(a, b)| {
                    let product = black_box(a.dot(&b));
                    (product, a, b)
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("engine", n), &n, |bench, _| {
            bench.iter_batched(
                || (a.clone(), b.clone()),
                |(a, b)| {
                    let tape = Tape::new();
                    black_box(tape.var("a", a).matmul(tape.var("b", b)));
                    tape
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

/// The engine's product and matrixmultiply's agree (a sanity check: the two sum in different
/// orders, so not bit for bit; the difference of two orders grows like √k, this allows k).
fn assert_close(engine: &[f32], raw: impl Iterator<Item = f32>, k: usize) {
    for (i, (e, r)) in engine.iter().zip(raw).enumerate() {
        let bound = k as f32 * f32::EPSILON * (1.0 + r.abs()) * 4.0;
        assert!((e - r).abs() <= bound, "element {i}: {e} against {r}");
    }
}

/// How an operand of the MLP step is stored.
#[derive(Clone, Copy)]
enum Stored {
    RowMajor,
    /// The transpose of a row-major array (a `[k, n]` view of a `[n, k]` array).
    Transposed,
}

/// An `rows × cols` operand in `layout`, as the engine's `Tensor` and as ndarray's array (the
/// same memory order: `to_owned` keeps a transposed view's order).
fn operand(rows: usize, cols: usize, layout: Stored, seed: u64) -> (Tensor<f32>, Array2<f32>) {
    let array = match layout {
        Stored::RowMajor => as_array2(&matrix_of(rows, cols, seed)),
        Stored::Transposed => as_array2(&matrix_of(cols, rows, seed)).t().to_owned(),
    };
    (Tensor::from_array(array.clone().into_dyn()), array)
}

/// A deterministic `rows × cols` matrix with entries in [−1, 1).
fn matrix_of(rows: usize, cols: usize, seed: u64) -> Tensor<f32> {
    let data = (0..rows * cols)
        .map(|i| {
            let z = (i as u64 + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((z >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect();
    Tensor::from_vec(data, &[rows, cols])
}

fn mlp_products(c: &mut Criterion) {
    use Stored::{RowMajor, Transposed};
    // (name, m, k, n, layout of A, layout of B): forward x·Wᵀ, then backward Gᵀ·H and G·W.
    let products = [
        ("fwd1_64x784x256", 64, 784, 256, RowMajor, Transposed),
        ("fwd2_64x256x256", 64, 256, 256, RowMajor, Transposed),
        ("fwd3_64x256x10", 64, 256, 10, RowMajor, Transposed),
        ("dw3_10x64x256", 10, 64, 256, Transposed, RowMajor),
        ("dh2_64x10x256", 64, 10, 256, RowMajor, RowMajor),
        ("dw2_256x64x256", 256, 64, 256, Transposed, RowMajor),
        ("dh1_64x256x256", 64, 256, 256, RowMajor, RowMajor),
        ("dw1_256x64x784", 256, 64, 784, Transposed, RowMajor),
    ];
    let mut group = c.benchmark_group("mlp_products");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(2));
    for (name, m, k, n, la, lb) in products {
        let (a, raw_a) = operand(m, k, la, 1);
        let (b, raw_b) = operand(k, n, lb, 2);
        assert_close(&a.matmul(&b).to_vec(), raw_a.dot(&raw_b).iter().copied(), k);
        group.bench_function(BenchmarkId::new("raw_dot", name), |bench| {
            bench.iter(|| black_box(raw_a.dot(&raw_b)))
        });
        group.bench_function(BenchmarkId::new("engine", name), |bench| {
            bench.iter(|| black_box(a.matmul(&b)))
        });
    }
    group.finish();
}

criterion_group!(benches, matmul, mlp_products);
criterion_main!(benches);
