//! Benchmark (1) for an instruction counter: the scalar chain of `scalar_chain.rs`, engine or
//! floor, built and differentiated on a reset tape, with no timing harness around it, so that
//! `valgrind --tool=callgrind` counts only the work (immune to the machine's load).
//!
//! `cargo build --release --bench chain_instructions`, then run
//! `target/release/deps/chain_instructions-* {engine|reuse|floor} L [STEPS [shared]]` under
//! callgrind for two values of `L`: the difference of the totals divided by the difference of
//! the levels (times the steps, 3 by default) is the count per level, without the start-up
//! cost. `reuse` is `engine` with the gradient store handed back each step
//! (`Var::backward_into`), as a training loop keeps it; under `/usr/bin/time -v` at two step
//! counts it gives the page faults per step. With `shared`, the chain has one weight shared by
//! every level, as the `_shared` groups of `scalar_chain.rs`. docs/performance.md has the exact
//! commands and figures. Under a plain `cargo bench` it only prints its usage.

use std::hint::black_box;

use chaintrace::{Gradients, NodeId, Tape};

/// The same weights as `scalar_chain.rs`.
fn weight(i: usize) -> f64 {
    if i.is_multiple_of(2) { 1.0001 } else { 0.9999 }
}

#[inline(never)]
fn engine_chain(tape: &Tape<f64>, levels: usize) -> NodeId {
    let mut y = tape.var("x", 1.0);
    for i in 0..levels {
        let w = tape.var("w", weight(i));
        y = w * y;
    }
    y.id()
}

/// The shared weight of `scalar_chain.rs`.
const SHARED: f64 = 1.00001;

/// The chain with one weight shared by every level.
#[inline(never)]
fn engine_chain_shared(tape: &Tape<f64>, levels: usize) -> NodeId {
    let mut y = tape.var("x", 1.0);
    let w = tape.var("w", SHARED);
    for _ in 0..levels {
        y = w * y;
    }
    y.id()
}

/// The floor of `scalar_chain.rs`: a `Vec` of plain nodes and its own reverse loop.
#[derive(Clone, Copy)]
struct FloorNode {
    value: f64,
    inputs: [u32; 2],
    is_mul: bool,
}

impl FloorNode {
    fn leaf(value: f64) -> Self {
        FloorNode {
            value,
            inputs: [0, 0],
            is_mul: false,
        }
    }
}

/// Appends the product of nodes `w` and `y`, returning its index.
#[inline(always)]
fn push_product(nodes: &mut Vec<FloorNode>, w: u32, y: u32) -> u32 {
    let value = nodes[w as usize].value * nodes[y as usize].value;
    nodes.push(FloorNode {
        value,
        inputs: [w, y],
        is_mul: true,
    });
    (nodes.len() - 1) as u32
}

#[inline(never)]
fn floor_chain(nodes: &mut Vec<FloorNode>, levels: usize) -> Vec<f64> {
    nodes.push(FloorNode::leaf(1.0));
    let mut y = 0u32;
    for i in 0..levels {
        nodes.push(FloorNode::leaf(weight(i)));
        y = push_product(nodes, (nodes.len() - 1) as u32, y);
    }
    floor_backward(nodes, y)
}

/// The floor of the chain with one shared weight.
#[inline(never)]
fn floor_chain_shared(nodes: &mut Vec<FloorNode>, levels: usize) -> Vec<f64> {
    nodes.extend([FloorNode::leaf(1.0), FloorNode::leaf(SHARED)]);
    let (w, mut y) = (1u32, 0u32);
    for _ in 0..levels {
        y = push_product(nodes, w, y);
    }
    floor_backward(nodes, y)
}

/// The floor's reverse loop, from node `y` back.
#[inline(always)]
fn floor_backward(nodes: &[FloorNode], y: u32) -> Vec<f64> {
    let mut grads = vec![0.0; nodes.len()];
    grads[y as usize] = 1.0;
    for i in (0..=y as usize).rev() {
        let node = nodes[i];
        if node.is_mul {
            let [a, b] = node.inputs.map(|j| j as usize);
            grads[a] += grads[i] * nodes[b].value;
            grads[b] += grads[i] * nodes[a].value;
        }
    }
    grads
}

const REPETITIONS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(which), Some(levels)) = (args.get(1), args.get(2).and_then(|l| l.parse().ok()))
    else {
        eprintln!("usage: chain_instructions engine|reuse|floor LEVELS [STEPS [shared]]");
        return;
    };
    let steps = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(REPETITIONS);
    let shared = args.get(4).is_some_and(|a| a == "shared");
    let engine = |tape: &Tape<f64>| match shared {
        true => engine_chain_shared(tape, levels),
        false => engine_chain(tape, levels),
    };
    match which.as_str() {
        "engine" => {
            let mut tape = Tape::<f64>::new();
            for _ in 0..steps {
                tape.reset();
                let out = engine(&tape);
                black_box(tape.var_at(out).backward());
            }
        }
        "reuse" => {
            let mut tape = Tape::<f64>::new();
            let mut grads = Gradients::default();
            for _ in 0..steps {
                tape.reset();
                let out = engine(&tape);
                tape.var_at(out).backward_into(&mut grads);
                black_box(&grads);
            }
        }
        "floor" => {
            let mut nodes = Vec::new();
            for _ in 0..steps {
                nodes.clear();
                black_box(match shared {
                    true => floor_chain_shared(&mut nodes, levels),
                    false => floor_chain(&mut nodes, levels),
                });
            }
        }
        other => eprintln!("unknown side {other}: engine, reuse or floor"),
    }
}
