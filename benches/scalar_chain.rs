//! Benchmark (1): the scalar chain `y = w_L·…·w_1·x`, built and differentiated, against a floor;
//! and the same chain with one shared weight, `y = w·(w·(…·x))` (groups ending `_shared`).
//!
//! The floor is the least a tape can do: a `Vec` of plain nodes (value, input indices, an op
//! code) and a reverse loop over it, written here with nothing else. The engine does the same
//! work through its general machinery (boxed ops, tensors, layers, names, the gradient store).
//! Both build the same chain: a leaf `x`, then for each level a leaf `w_i` and a product, so
//! `2L + 1` nodes; the report divides by `L` (one level = one leaf and one multiplication).
//! With one shared weight both build a leaf `x`, a leaf `w`, then one product per level (`L + 2`
//! nodes), and every product adds to `w`'s gradient on the way back.
//!
//! Run: `cargo bench --bench scalar_chain` (docs/performance.md has the figures).

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{Gradients, NodeId, Tape};
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

/// Weights that keep the running product near 1 (no overflow, no subnormals) at any depth.
fn weight(i: usize) -> f64 {
    if i.is_multiple_of(2) { 1.0001 } else { 0.9999 }
}

// ---------------------------------------------------------------------------------------------
// The floor: a Vec-of-nodes tape with its own reverse sweep.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum OpCode {
    Leaf,
    Mul,
}

#[derive(Clone, Copy)]
struct FloorNode {
    value: f64,
    inputs: [u32; 2],
    op: OpCode,
}

#[derive(Default)]
struct FloorTape {
    nodes: Vec<FloorNode>,
}

impl FloorTape {
    fn leaf(&mut self, value: f64) -> u32 {
        self.push(value, [0, 0], OpCode::Leaf)
    }

    fn mul(&mut self, a: u32, b: u32) -> u32 {
        let value = self.nodes[a as usize].value * self.nodes[b as usize].value;
        self.push(value, [a, b], OpCode::Mul)
    }

    fn push(&mut self, value: f64, inputs: [u32; 2], op: OpCode) -> u32 {
        self.nodes.push(FloorNode { value, inputs, op });
        (self.nodes.len() - 1) as u32
    }

    /// One reverse loop: the gradient of `output` with respect to every node.
    fn backward(&self, output: u32) -> Vec<f64> {
        let mut grads = vec![0.0; self.nodes.len()];
        grads[output as usize] = 1.0;
        for i in (0..=output as usize).rev() {
            let node = self.nodes[i];
            let g = grads[i];
            match node.op {
                OpCode::Leaf => {}
                OpCode::Mul => {
                    let [a, b] = node.inputs.map(|j| j as usize);
                    grads[a] += g * self.nodes[b].value;
                    grads[b] += g * self.nodes[a].value;
                }
            }
        }
        grads
    }
}

/// A weight per level, or one weight shared by every level.
#[derive(Clone, Copy)]
enum Weights {
    PerLevel,
    Shared,
}

impl Weights {
    /// The suffix of the criterion group's name.
    fn suffix(self) -> &'static str {
        match self {
            Weights::PerLevel => "",
            Weights::Shared => "_shared",
        }
    }
}

/// The shared weight: its product over 10⁶ levels is e¹⁰, well inside `f64`.
const SHARED: f64 = 1.00001;

fn floor_chain(tape: &mut FloorTape, levels: usize, weights: Weights) -> u32 {
    let mut y = tape.leaf(1.0);
    match weights {
        Weights::PerLevel => {
            for i in 0..levels {
                let w = tape.leaf(weight(i));
                y = tape.mul(w, y);
            }
        }
        Weights::Shared => {
            let w = tape.leaf(SHARED);
            for _ in 0..levels {
                y = tape.mul(w, y);
            }
        }
    }
    y
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

fn engine_chain(tape: &Tape<f64>, levels: usize, weights: Weights) -> NodeId {
    let mut y = tape.var("x", 1.0);
    match weights {
        Weights::PerLevel => {
            for i in 0..levels {
                let w = tape.var("w", weight(i));
                y = w * y;
            }
        }
        Weights::Shared => {
            let w = tape.var("w", SHARED);
            for _ in 0..levels {
                y = w * y;
            }
        }
    }
    y.id()
}

/// Checks once, outside the timings, that the two compute the same gradient (for `x`, the
/// first weight, and the output).
fn agree(levels: usize, weights: Weights) {
    let mut floor = FloorTape::default();
    let out = floor_chain(&mut floor, levels, weights);
    let floor_grads = floor.backward(out);
    let tape = Tape::<f64>::new();
    let out = engine_chain(&tape, levels, weights);
    let grads = tape.var_at(out).backward();
    for i in [0, 1, out.index()] {
        let engine = grads
            .get(tape.nodes().node(i).id())
            .and_then(|g| g.item())
            .unwrap();
        assert!((engine - floor_grads[i]).abs() <= 1e-9 * floor_grads[i].abs());
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

const LEVELS: [usize; 3] = [1_000, 100_000, 1_000_000];

/// Every depth with a weight per level, then every depth with one shared weight.
fn cases() -> impl Iterator<Item = (usize, Weights)> {
    [Weights::PerLevel, Weights::Shared]
        .into_iter()
        .flat_map(|w| LEVELS.into_iter().map(move |l| (l, w)))
}

/// Few, flat samples for the long cases, so the whole file runs in about a minute.
fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    l: usize,
) {
    if l >= 100_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(if l >= 1_000_000 { 6 } else { 3 }));
    } else {
        group.sample_size(50);
        group.measurement_time(Duration::from_secs(2));
    }
}

/// Build and backward on a new tape each time: includes growing the node vector from empty,
/// first-touch page faults, and freeing everything.
fn fresh_tape(c: &mut Criterion) {
    for (l, weights) in cases() {
        agree(l, weights);
        let mut group = c.benchmark_group(format!("chain_fresh{}", weights.suffix()));
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, &l| {
            b.iter(|| {
                let mut tape = FloorTape::default();
                let out = floor_chain(&mut tape, l, weights);
                black_box(tape.backward(out));
            })
        });
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, &l| {
            b.iter(|| {
                let tape = Tape::<f64>::new();
                let out = engine_chain(&tape, l, weights);
                black_box(tape.var_at(out).backward());
            })
        });
        group.finish();
    }
}

/// Build and backward on a tape reset before each step, as a training loop uses it: the node
/// vector keeps its capacity (the floor's is cleared the same way).
fn reset_tape(c: &mut Criterion) {
    for (l, weights) in cases() {
        let mut group = c.benchmark_group(format!("chain_reset{}", weights.suffix()));
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        let mut floor = FloorTape::default();
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, &l| {
            b.iter(|| {
                floor.nodes.clear();
                let out = floor_chain(&mut floor, l, weights);
                black_box(floor.backward(out));
            })
        });
        drop(floor);
        let mut tape = Tape::<f64>::new();
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, &l| {
            b.iter(|| {
                tape.reset();
                let out = engine_chain(&tape, l, weights);
                black_box(tape.var_at(out).backward());
            })
        });
        // The gradient store handed back each step too (`Var::backward_into`), as a training
        // loop keeps it: no fresh mapping of the slots, so no page faults per step.
        let mut grads = Gradients::default();
        group.bench_with_input(BenchmarkId::new("engine_reuse", l), &l, |b, &l| {
            b.iter(|| {
                tape.reset();
                let out = engine_chain(&tape, l, weights);
                tape.var_at(out).backward_into(&mut grads);
                black_box(&grads);
            })
        });
        group.finish();
    }
}

/// The reverse sweep alone, on a chain built once.
fn backward_only(c: &mut Criterion) {
    for (l, weights) in cases() {
        let mut group = c.benchmark_group(format!("chain_backward{}", weights.suffix()));
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        let mut floor = FloorTape::default();
        let floor_out = floor_chain(&mut floor, l, weights);
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, _| {
            b.iter(|| black_box(floor.backward(floor_out)))
        });
        drop(floor);
        let tape = Tape::<f64>::new();
        let out = engine_chain(&tape, l, weights);
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, _| {
            b.iter(|| black_box(tape.var_at(out).backward()))
        });
        group.finish();
    }
}

criterion_group!(benches, fresh_tape, reset_tape, backward_only);
criterion_main!(benches);
