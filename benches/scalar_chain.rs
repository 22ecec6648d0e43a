//! Benchmark (1): the scalar chain `y = w_L·…·w_1·x`, built and differentiated, against a floor.
//!
//! The floor is the least a tape can do: a `Vec` of plain nodes (value, input indices, an op
//! code) and a reverse loop over it, written here with nothing else. The engine does the same
//! work through its general machinery (boxed ops, tensors, layers, names, the gradient store).
//! Both build the same chain: a leaf `x`, then for each level a leaf `w_i` and a product, so
//! `2L + 1` nodes; the report divides by `L` (one level = one leaf and one multiplication).
//!
//! Run: `cargo bench --bench scalar_chain` (docs/performance.md has the figures).

use std::hint::black_box;
use std::time::Duration;

use chaintrace::{NodeId, Tape};
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

fn floor_chain(tape: &mut FloorTape, levels: usize) -> u32 {
    let mut y = tape.leaf(1.0);
    for i in 0..levels {
        let w = tape.leaf(weight(i));
        y = tape.mul(w, y);
    }
    y
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

fn engine_chain(tape: &Tape<f64>, levels: usize) -> NodeId {
    let mut y = tape.var("x", 1.0);
    for i in 0..levels {
        let w = tape.var("w", weight(i));
        y = w * y;
    }
    y.id()
}

/// Checks once, outside the timings, that the two compute the same gradient.
fn agree(levels: usize) {
    let mut floor = FloorTape::default();
    let out = floor_chain(&mut floor, levels);
    let floor_grads = floor.backward(out);
    let tape = Tape::<f64>::new();
    let out = engine_chain(&tape, levels);
    let grads = tape.var_at(out).backward();
    for i in [0, 1, 2 * levels - 1] {
        let engine = grads
            .get(tape.nodes().node(i).id())
            .and_then(|g| g.item())
            .unwrap();
        assert!((engine - floor_grads[i]).abs() <= 1e-12 * floor_grads[i].abs());
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

const LEVELS: [usize; 3] = [1_000, 100_000, 1_000_000];

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
    for l in LEVELS {
        agree(l);
        let mut group = c.benchmark_group("chain_fresh");
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, &l| {
            b.iter(|| {
                let mut tape = FloorTape::default();
                let out = floor_chain(&mut tape, l);
                black_box(tape.backward(out));
            })
        });
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, &l| {
            b.iter(|| {
                let tape = Tape::<f64>::new();
                let out = engine_chain(&tape, l);
                black_box(tape.var_at(out).backward());
            })
        });
        group.finish();
    }
}

/// Build and backward on a tape reset before each step, as a training loop uses it: the node
/// vector keeps its capacity (the floor's is cleared the same way).
fn reset_tape(c: &mut Criterion) {
    for l in LEVELS {
        let mut group = c.benchmark_group("chain_reset");
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        let mut floor = FloorTape::default();
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, &l| {
            b.iter(|| {
                floor.nodes.clear();
                let out = floor_chain(&mut floor, l);
                black_box(floor.backward(out));
            })
        });
        drop(floor);
        let mut tape = Tape::<f64>::new();
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, &l| {
            b.iter(|| {
                tape.reset();
                let out = engine_chain(&tape, l);
                black_box(tape.var_at(out).backward());
            })
        });
        group.finish();
    }
}

/// The reverse sweep alone, on a chain built once.
fn backward_only(c: &mut Criterion) {
    for l in LEVELS {
        let mut group = c.benchmark_group("chain_backward");
        configure(&mut group, l);
        group.throughput(Throughput::Elements(l as u64));
        let mut floor = FloorTape::default();
        let floor_out = floor_chain(&mut floor, l);
        group.bench_with_input(BenchmarkId::new("floor", l), &l, |b, _| {
            b.iter(|| black_box(floor.backward(floor_out)))
        });
        drop(floor);
        let tape = Tape::<f64>::new();
        let out = engine_chain(&tape, l);
        group.bench_with_input(BenchmarkId::new("engine", l), &l, |b, _| {
            b.iter(|| black_box(tape.var_at(out).backward()))
        });
        group.finish();
    }
}

criterion_group!(benches, fresh_tape, reset_tape, backward_only);
criterion_main!(benches);
