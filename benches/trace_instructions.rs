//! Benchmark (5) for an instruction counter: the scalar chain of `trace.rs`
//! (`y = w·(w·(…(w·x)))`, one shared `w`), built once and differentiated three times, untraced
//! or traced in one of the modes of `trace.rs`, with no timing harness around it, so that
//! `valgrind --tool=callgrind` counts only the work (immune to the machine's load).
//!
//! `cargo build --release --bench trace_instructions`, then run
//! `target/release/deps/trace_instructions-* MODE N` under callgrind for two values of `N`
//! and for every mode; `build` only builds the chain, so a mode's count minus `build`'s is its
//! three backward passes. `MODE N mlp` runs the tanh MLP of `trace.rs` with `N` layers
//! instead. docs/performance.md has the exact commands and figures. Under a plain
//! `cargo bench` it only prints its usage.

use std::hint::black_box;

use chaintrace::{Tape, Tensor, TraceOptions, Var};

/// y = w·(w·(…(w·x))) with `levels` multiplies, no layers (as in `trace.rs`).
fn chain(tape: &Tape<f64>, levels: usize) -> Var<'_, f64> {
    let w = tape.var("w", 1.0 + 1e-6);
    let mut y = tape.var("x", 1.0);
    for _ in 0..levels {
        y = w * y;
    }
    y
}

/// The xorshift stream of `trace.rs`, for the MLP's weights.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    fn tensor(&mut self, shape: &[usize], scale: f64) -> Tensor<f64> {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| self.next() * scale).collect(), shape)
    }
}

/// The MLP of `trace.rs` with `layers` layers: h ← tanh(W·h + b) on a [64, 32] batch,
/// L = Σ h².
fn mlp(tape: &Tape<f64>, layers: usize) -> Var<'_, f64> {
    let mut s = Stream(0x9E37_79B9_7F4A_7C15);
    let mut h = tape.constant(s.tensor(&[64, 32], 1.0));
    for k in 0..layers {
        h = tape.layer(&format!("layer{k}"), || {
            let w = tape.var("W", s.tensor(&[64, 64], 1.5 / 8.0));
            let b = tape.var("b", s.tensor(&[64, 1], 0.1));
            (w.matmul(h) + b).tanh()
        });
    }
    h.square().sum()
}

/// The trace options of a mode of `trace.rs`; `None` for `untraced` and `build`.
fn options(mode: &str) -> Option<Option<TraceOptions>> {
    let events = TraceOptions::ledger_only().with_events(true);
    Some(match mode {
        "build" | "untraced" => None,
        "ledger" => Some(TraceOptions::ledger_only()),
        "events" => Some(events),
        "events_formulas" => Some(events.with_formulas(true)),
        "everything" => Some(TraceOptions::default()),
        _ => return None,
    })
}

const REPETITIONS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: trace_instructions \
                 build|untraced|ledger|events|events_formulas|everything LEVELS [chain|mlp]";
    let (Some(mode), Some(levels)) = (args.get(1), args.get(2).and_then(|l| l.parse().ok())) else {
        eprintln!("{usage}");
        return;
    };
    let Some(opts) = options(mode) else {
        eprintln!("{usage}");
        return;
    };
    let tape = Tape::<f64>::new();
    let y = match args.get(3).map(String::as_str) {
        None | Some("chain") => chain(&tape, levels),
        Some("mlp") => mlp(&tape, levels),
        Some(_) => {
            eprintln!("{usage}");
            return;
        }
    };
    if mode == "build" {
        return;
    }
    for _ in 0..REPETITIONS {
        match &opts {
            None => drop(black_box(y.backward())),
            Some(opts) => drop(black_box(y.backward_traced(opts.clone()))),
        }
    }
}
