//! Traced against untraced backward, in the same run: a 50-layer width-64 tanh MLP on a
//! batch of 32, and a scalar chain of 10⁵ multiplies. Targets: ledger-only within 1.3× of
//! untraced; full per-multiplication events on the scalar chain within 3×. "events" records
//! every multiplication with names and op labels; "events_formulas" adds each edge's local
//! derivative formula; "everything" adds path-length splits and anomaly location;
//! "events_into" is "events" written into the previous pass's trace
//! (`backward_traced_into`), whose tables it reuses. On the chain, "write_floor" writes only
//! the bytes an *events* trace of it holds (per level a 40-byte node row and two 40-byte edge
//! rows, into tables reused between passes; every edge is an event, so no event list), with
//! no sweep: the cost of the trace's memory alone, against which *events* can be read.
//!
//! `cargo bench --bench trace`; compare the times within each group.

mod graphs;

use chaintrace::{Tape, Trace, TraceOptions, Var};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// The 50-layer MLP.
fn mlp(tape: &Tape<f64>) -> Var<'_, f64> {
    graphs::mlp(tape, 50)
}

/// The chain of 10⁵ multiplies.
fn chain(tape: &Tape<f64>) -> Var<'_, f64> {
    graphs::chain(tape, 100_000)
}

/// Ledger only; events with names and op labels; events with formulas too; everything.
fn modes() -> [(&'static str, TraceOptions); 4] {
    let events = TraceOptions::ledger_only().with_events(true);
    [
        ("ledger_only", TraceOptions::ledger_only()),
        ("events", events.clone()),
        ("events_formulas", events.with_formulas(true)),
        ("everything", TraceOptions::default()),
    ]
}

fn compare(c: &mut Criterion, group: &str, build: for<'t> fn(&'t Tape<f64>) -> Var<'t, f64>) {
    let tape = Tape::new();
    let loss = build(&tape);
    let mut g = c.benchmark_group(group);
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.bench_function("untraced", |b| b.iter(|| black_box(loss.backward())));
    for (name, opts) in modes() {
        g.bench_function(name, |b| {
            b.iter(|| black_box(loss.backward_traced(opts.clone())))
        });
    }
    // Events traced into the previous pass's trace, as a loop that traces every step would.
    let events = TraceOptions::ledger_only().with_events(true);
    let mut trace = Trace::default();
    g.bench_function("events_into", |b| {
        b.iter(|| black_box(loss.backward_traced_into(&mut trace, events.clone())))
    });
    g.finish();
}

/// The size of a trace's node and edge rows (`src/trace/record/`).
#[derive(Clone, Copy)]
#[allow(dead_code)] // written, never read: only the stores are timed
struct Row40([f64; 4], u32, u32);

/// Writes what an *events* trace of the chain holds, in the order the capture writes it.
fn write_floor(c: &mut Criterion) {
    const LEVELS: usize = 100_000;
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    let mut g = c.benchmark_group("chain_1e5");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.bench_function("write_floor", |b| {
        b.iter(|| {
            nodes.clear();
            edges.clear();
            for level in 0..LEVELS as u32 {
                let x = f64::from(level);
                nodes.push(Row40([x, x, 0.0, 0.0], 2, edges.len() as u32));
                edges.push(Row40([x, 1.0, x, x], 0, level));
                edges.push(Row40([x, 2.0, x, x], level, level));
            }
            black_box((&nodes, &edges));
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    compare(c, "mlp_50x64_batch32", mlp);
    compare(c, "chain_1e5", chain);
    write_floor(c);
}

criterion_group!(trace, benches);
criterion_main!(trace);
