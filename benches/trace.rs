//! Traced against untraced backward, in the same run: a 50-layer width-64 tanh MLP on a
//! batch of 32, and a scalar chain of 10⁵ multiplies. Targets: ledger-only within 1.3× of
//! untraced; full per-multiplication events on the scalar chain within 3×. "events" records
//! every multiplication with names and op labels; "events_formulas" adds each edge's local
//! derivative formula; "everything" adds path-length splits and anomaly location;
//! "events_into" is "events" written into the previous pass's trace
//! (`backward_traced_into`), whose tables it reuses.
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

fn benches(c: &mut Criterion) {
    compare(c, "mlp_50x64_batch32", mlp);
    compare(c, "chain_1e5", chain);
}

criterion_group!(trace, benches);
criterion_main!(trace);
