//! One training step (forward + backward + SGD update, `f32`) of the three workloads of issue 14,
//! each in two forms side by side in one criterion group, so the ratio nn/raw is read from one
//! run:
//!
//! - `raw`: the tape and tensors by hand — each weight `W [in, out]` and bias `b [out]` put on a
//!   fresh tape as a leaf, `h·W + b`, the activation, the loss, `backward`, then `p −= lr·g`
//!   written by hand on the ndarray storage (in place);
//! - `nn`: the path the examples use — a [`ParamStore`], a [`Sequential`] of [`Linear`] layers
//!   (weights `[out, in]`, PyTorch's layout) and activation layers, `store.bind`, and [`Sgd`].
//!
//! Both start from the same weights (the nn weights are the raw ones transposed) and compute the
//! same function, which [`agree`] checks once outside the timings.
//!
//! | group | network | batch | loss |
//! |---|---|---|---|
//! | `train_mlp_784_256_256_10` | 784-256-256-10, ReLU | 64 | cross-entropy over 10 classes |
//! | `train_deep_50x64` | 50 layers of 64, tanh | 32 | cross-entropy over 64 classes |
//! | `train_small_2_16_16_1` | 2-16-16-1, tanh | 32 | mean squared error |
//!
//! Run: `cargo bench --bench train` (docs/performance.md has the figures; `benches/peers/`
//! times the same steps in JAX and numpy).

mod workloads;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::{Nn, Workload, agree, raw_step};

fn bench_workload(c: &mut Criterion, name: &str, w: Workload, measurement: Duration) {
    agree(&w);
    let mut group = c.benchmark_group(name);
    group.sample_size(40);
    group.measurement_time(measurement);
    let mut raw = w.layers.clone();
    group.bench_function("raw", |b| b.iter(|| black_box(raw_step(&w, &mut raw))));
    let mut nn = Nn::new(&w);
    group.bench_function("nn", |b| b.iter(|| black_box(nn.step(&w))));
    group.finish();
}

fn mlp(c: &mut Criterion) {
    bench_workload(
        c,
        "train_mlp_784_256_256_10",
        workloads::mlp(),
        Duration::from_secs(4),
    );
}

fn deep(c: &mut Criterion) {
    bench_workload(
        c,
        "train_deep_50x64",
        workloads::deep(),
        Duration::from_secs(4),
    );
}

fn small(c: &mut Criterion) {
    bench_workload(
        c,
        "train_small_2_16_16_1",
        workloads::small(),
        Duration::from_secs(3),
    );
}

criterion_group!(benches, mlp, deep, small);
criterion_main!(benches);
