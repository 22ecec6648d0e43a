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

mod graphs;

use chaintrace::{Tape, Trace, TraceOptions};
use graphs::{chain, mlp};

/// The trace options of a mode of `trace.rs`; `None` for `untraced` and `build`.
fn options(mode: &str) -> Option<Option<TraceOptions>> {
    let events = TraceOptions::ledger_only().with_events(true);
    Some(match mode {
        "build" | "untraced" => None,
        "ledger" => Some(TraceOptions::ledger_only()),
        "events" | "events_into" => Some(events),
        "events_formulas" => Some(events.with_formulas(true)),
        "everything" => Some(TraceOptions::default()),
        _ => return None,
    })
}

const REPETITIONS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: trace_instructions \
                 build|untraced|ledger|events|events_into|events_formulas|everything LEVELS \
                 [chain|mlp]";
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
    let mut trace = Trace::default();
    for _ in 0..REPETITIONS {
        match &opts {
            None => drop(black_box(y.backward())),
            Some(opts) if mode == "events_into" => {
                drop(black_box(y.backward_traced_into(&mut trace, opts.clone())))
            }
            Some(opts) => drop(black_box(y.backward_traced(opts.clone()))),
        }
    }
}
