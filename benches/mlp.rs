//! Benchmarks (2) and (3): one training step of a multilayer perceptron built from raw ops
//! (`matmul`, a broadcast bias `+`, an activation, `cross_entropy`), in `f32`.
//!
//! - `mlp_784_256_256_10`: ReLU, batch 64 (the MNIST-sized case: time is in the products).
//! - `deep_50x64`: 50 layers of width 64, tanh, batch 32 (small products, so the per-op cost of
//!   the tape shows).
//!
//! Each network is timed three ways: `forward` (recording the tape from parameters already
//! owned, so no copying of parameters is timed), `backward` (the reverse sweep of a recorded
//! tape), and `step` (both). The backward/forward ratio is the figure of interest; the target
//! is at most 2.5.
//!
//! Run: `cargo bench --bench mlp` (docs/performance.md has the figures).

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{NodeId, Tape, Tensor, Var};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// A deterministic stream of numbers in [−1, 1) (splitmix64), for weights and inputs.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }

    fn tensor(&mut self, shape: &[usize], scale: f32) -> Tensor<f32> {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| scale * self.next()).collect(), shape)
    }
}

#[derive(Clone, Copy)]
enum Activation {
    Relu,
    Tanh,
}

impl Activation {
    fn apply(self, h: Var<'_, f32>) -> Var<'_, f32> {
        match self {
            Activation::Relu => h.relu(),
            Activation::Tanh => h.tanh(),
        }
    }
}

/// Everything one step consumes, owned, so it can be moved into a tape.
#[derive(Clone)]
struct Step {
    x: Tensor<f32>,
    targets: Vec<usize>,
    /// `(W [in, out], b [out])` per layer.
    layers: Vec<(Tensor<f32>, Tensor<f32>)>,
    activation: Activation,
}

impl Step {
    /// A network with layer widths `widths` (input first), Glorot-uniform weights, zero biases,
    /// and a batch of `batch` random inputs with random class targets.
    fn new(widths: &[usize], batch: usize, activation: Activation) -> Self {
        let mut numbers = Numbers(7);
        let layers = widths
            .windows(2)
            .map(|w| {
                let scale = (6.0 / (w[0] + w[1]) as f32).sqrt();
                (numbers.tensor(&[w[0], w[1]], scale), Tensor::zeros(&[w[1]]))
            })
            .collect();
        let classes = *widths.last().unwrap();
        let targets = (0..batch)
            .map(|i| (i * 7 + 3) % classes)
            .collect::<Vec<_>>();
        Step {
            x: numbers.tensor(&[batch, widths[0]], 1.0),
            targets,
            layers,
            activation,
        }
    }

    /// Records the forward pass on `tape` and returns the loss node.
    fn forward(self, tape: &Tape<f32>) -> NodeId {
        let mut h = tape.constant(self.x);
        let last = self.layers.len() - 1;
        for (i, (w, b)) in self.layers.into_iter().enumerate() {
            let (w, b) = (tape.var("w", w), tape.var("b", b));
            h = h.matmul(w) + b;
            if i < last {
                h = self.activation.apply(h);
            }
        }
        h.cross_entropy(&self.targets).id()
    }
}

/// Checks once, outside the timings, that the step computes something sensible: a finite
/// loss near ln(classes) at initialisation, and a gradient for every parameter.
fn sanity(step: &Step) {
    let tape = Tape::new();
    let out = step.clone().forward(&tape);
    let loss = tape.var_at(out).value().item().unwrap();
    let classes = step.layers.last().unwrap().1.len() as f32;
    assert!(
        loss.is_finite() && (loss - classes.ln()).abs() < 1.0,
        "loss {loss}"
    );
    let grads = tape.var_at(out).backward();
    let leaves = tape
        .nodes()
        .iter()
        .filter(|n| n.name().is_some_and(|s| s == "w" || s == "b"))
        .count();
    assert_eq!(leaves, 2 * step.layers.len());
    assert!(grads.iter().all(|(_, g)| g.all_finite()));
}

fn bench_network(c: &mut Criterion, name: &str, step: Step, measurement: Duration) {
    sanity(&step);
    let mut group = c.benchmark_group(name);
    group.sample_size(30);
    group.measurement_time(measurement);
    group.bench_function("forward", |b| {
        b.iter_batched(
            || step.clone(),
            |s| {
                let tape = Tape::new();
                black_box(s.forward(&tape));
                tape // dropped outside the timing
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("backward", |b| {
        b.iter_batched_ref(
            || {
                let tape = Tape::new();
                let out = step.clone().forward(&tape);
                (tape, out)
            },
            |(tape, out)| tape.var_at(*out).backward(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("step", |b| {
        b.iter_batched(
            || step.clone(),
            |s| {
                let tape = Tape::new();
                let out = s.forward(&tape);
                let grads = tape.var_at(out).backward();
                (grads, tape)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn mlp(c: &mut Criterion) {
    let step = Step::new(&[784, 256, 256, 10], 64, Activation::Relu);
    bench_network(c, "mlp_784_256_256_10", step, Duration::from_secs(4));
}

fn deep(c: &mut Criterion) {
    let widths = [64; 51];
    let step = Step::new(&widths, 32, Activation::Tanh);
    bench_network(c, "deep_50x64", step, Duration::from_secs(3));
}

criterion_group!(benches, mlp, deep);
criterion_main!(benches);
