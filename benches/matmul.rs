//! Benchmark (4): `matmul` through the engine (a tape, two leaves, the op) against ndarray's
//! `dot` on the same `f32` matrices, at 256 and 1024. Target: the engine at ≥ 90% of raw speed.
//!
//! Both get freshly copied operands from an untimed setup (so both start with the same cache
//! state), produce a fresh result matrix, and drop everything outside the timing; the engine's
//! operands are moved into the tape, as a caller who owns them would.
//!
//! Run: `cargo bench --bench matmul` (docs/performance.md has the figures).

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{Tape, Tensor};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Ix2};

/// A deterministic `n × n` matrix with entries in [−1, 1).
fn matrix(n: usize, seed: u64) -> Tensor<f32> {
    let data = (0..n * n)
        .map(|i| {
            let z = (i as u64 + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((z >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect();
    Tensor::from_vec(data, &[n, n])
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
            assert_eq!(
                product.value().to_vec(),
                raw.iter().copied().collect::<Vec<_>>()
            );
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

criterion_group!(benches, matmul);
criterion_main!(benches);
