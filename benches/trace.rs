//! Traced against untraced backward, in the same run: a 50-layer width-64 tanh MLP on a
//! batch of 32, and a scalar chain of 10⁵ multiplies. Targets: ledger-only within 1.3× of
//! untraced; full per-multiplication events on the scalar chain within 3×. "events" records
//! every multiplication with names and op labels; "events_formulas" adds each edge's local
//! derivative formula; "everything" adds path-length splits and anomaly location.
//!
//! `cargo bench --bench trace`; compare the times within each group.

use chaintrace::{Tape, Tensor, TraceOptions, Var};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// A deterministic stream of values in [-1, 1) (xorshift; no global state).
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

/// h ← tanh(W·h + b) fifty times on a [64, 32] batch, weights inside their layers,
/// L = Σ h².
fn mlp(tape: &Tape<f64>) -> Var<'_, f64> {
    let mut s = Stream(0x9E37_79B9_7F4A_7C15);
    let mut h = tape.constant(s.tensor(&[64, 32], 1.0));
    for k in 0..50 {
        h = tape.layer(&format!("layer{k}"), || {
            let w = tape.var("W", s.tensor(&[64, 64], 1.5 / 8.0));
            let b = tape.var("b", s.tensor(&[64, 1], 0.1));
            (w.matmul(h) + b).tanh()
        });
    }
    h.square().sum()
}

/// y = w·(w·(…(w·x))) with 10⁵ multiplies, no layers.
fn chain(tape: &Tape<f64>) -> Var<'_, f64> {
    let w = tape.var("w", 1.0 + 1e-6);
    let mut y = tape.var("x", 1.0);
    for _ in 0..100_000 {
        y = w * y;
    }
    y
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
    g.finish();
}

fn benches(c: &mut Criterion) {
    compare(c, "mlp_50x64_batch32", mlp);
    compare(c, "chain_1e5", chain);
}

criterion_group!(trace, benches);
criterion_main!(trace);
