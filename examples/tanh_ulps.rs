//! The accuracy of [`chaintrace::ops::tanh_f32`] (the `f32` value of `tanh`) over every `f32`:
//! the largest distance in ulps from the correctly rounded `tanh` (libm's `f64` `tanh` rounded
//! to `f32`) and from libm's own `tanhf`, how many inputs are how far off, and the properties
//! the gradient relies on (|y| ≤ 1, oddness, NaN in → NaN out).
//!
//! `cargo run --release --example tanh_ulps` (all 2³² bit patterns, split over every core:
//! about 130 s of CPU time). Not part of `cargo test`, which checks the bound on a fixed sample
//! (`tests/tanh_f32.rs`). Its output is quoted in docs/performance.md, section 3.

use std::thread;

use chaintrace::ops::tanh_f32;

/// The position of `x` on the line of `f32`s (±0 at 0), so that the distance of two finite
/// values in ulps is the difference of their positions.
fn position(x: f32) -> i64 {
    let i = x.to_bits() as i32;
    i64::from(if i < 0 { i32::MIN - i } else { i })
}

/// What one share of the bit patterns gave.
#[derive(Clone, Copy, Default)]
struct Tally {
    /// Largest ulps from the correctly rounded value, and an input where it occurs.
    worst: (i64, f32),
    /// Largest ulps from libm's `tanhf`, and an input where it occurs.
    worst_libm: (i64, f32),
    /// How many finite inputs are 0, 1, …, 7 and 8 or more ulps off.
    histogram: [u64; 9],
    /// Finite inputs whose result is above 1 in magnitude, or not odd, and NaNs not kept.
    broken: u64,
}

impl Tally {
    fn add(&mut self, bits: u32) {
        let x = f32::from_bits(bits);
        let y = tanh_f32(x);
        if x.is_nan() {
            self.broken += u64::from(!y.is_nan());
            return;
        }
        let odd = tanh_f32(-x).to_bits() == (-y).to_bits();
        self.broken += u64::from(y.abs() > 1.0 || !odd);
        if x.is_infinite() {
            self.broken += u64::from(y != x.signum());
            return;
        }
        let exact = (f64::from(x)).tanh() as f32;
        let d = (position(y) - position(exact)).abs();
        if d > self.worst.0 {
            self.worst = (d, x);
        }
        let d_libm = (position(y) - position(x.tanh())).abs();
        if d_libm > self.worst_libm.0 {
            self.worst_libm = (d_libm, x);
        }
        self.histogram[d.min(8) as usize] += 1;
    }

    fn merge(mut self, o: Tally) -> Tally {
        if o.worst.0 > self.worst.0 {
            self.worst = o.worst;
        }
        if o.worst_libm.0 > self.worst_libm.0 {
            self.worst_libm = o.worst_libm;
        }
        for (a, b) in self.histogram.iter_mut().zip(o.histogram) {
            *a += b;
        }
        self.broken += o.broken;
        self
    }
}

fn main() {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let share = (1u64 << 32).div_ceil(threads);
    let total = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    let mut t = Tally::default();
                    let end = ((k + 1) * share).min(1 << 32);
                    for bits in k * share..end {
                        t.add(bits as u32);
                    }
                    t
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker finishes"))
            .fold(Tally::default(), Tally::merge)
    });
    println!("tanh_f32 over all 2^32 f32 bit patterns");
    println!(
        "max error vs correctly rounded tanh: {} ulps (at x = {:e})",
        total.worst.0, total.worst.1
    );
    println!(
        "max distance from libm tanhf:       {} ulps (at x = {:e})",
        total.worst_libm.0, total.worst_libm.1
    );
    let finite: u64 = total.histogram.iter().sum();
    for (ulps, n) in total.histogram.iter().enumerate() {
        let label = if ulps == 8 {
            "8+".to_string()
        } else {
            ulps.to_string()
        };
        println!(
            "  {label:>2} ulps: {n:>10} inputs ({:.4} %)",
            100.0 * *n as f64 / finite as f64
        );
    }
    println!(
        "|y| > 1, tanh(-x) != -tanh(x), inf not ±1 or NaN not kept: {} inputs",
        total.broken
    );
}
