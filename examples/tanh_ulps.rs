//! The accuracy of [`chaintrace::ops::tanh_f32`] (the `f32` value of `tanh`) over every `f32`:
//! the largest distance in ulps from the correctly rounded `tanh` (libm's `f64` `tanh` rounded
//! to `f32`) and from libm's own `tanhf`, how many inputs are how far off, and the properties
//! the gradient relies on (|y| ≤ 1, oddness, NaN in → NaN out).
//!
//! `cargo run --release --example tanh_ulps` (all 2³² bit patterns, split over every core:
//! about 130 s of CPU time). Not part of `cargo test`, which checks the bound on a fixed sample
//! (`tests/tanh_f32.rs`). Its output is quoted in docs/performance.md, section 3.

#[path = "common/every_f32.rs"]
mod every_f32;

use chaintrace::check::ulps_apart;
use chaintrace::ops::tanh_f32;
use every_f32::{over_every_f32, print_histogram};

/// What one share of the bit patterns gave.
#[derive(Clone, Copy, Default)]
struct Tally {
    /// Largest ulps from the correctly rounded value, and an input where it occurs.
    worst: (u64, f32),
    /// Largest ulps from libm's `tanhf`, and an input where it occurs.
    worst_libm: (u64, f32),
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
        let d = ulps_apart(y, exact);
        if d > self.worst.0 {
            self.worst = (d, x);
        }
        let d_libm = ulps_apart(y, x.tanh());
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
    let total = over_every_f32(
        |bits| {
            let mut t = Tally::default();
            bits.for_each(|b| t.add(b as u32));
            t
        },
        Tally::merge,
    );
    println!("tanh_f32 over all 2^32 f32 bit patterns");
    println!(
        "max error vs correctly rounded tanh: {} ulps (at x = {:e})",
        total.worst.0, total.worst.1
    );
    println!(
        "max distance from libm tanhf:       {} ulps (at x = {:e})",
        total.worst_libm.0, total.worst_libm.1
    );
    print_histogram(&total.histogram);
    println!(
        "|y| > 1, tanh(-x) != -tanh(x), inf not ±1 or NaN not kept: {} inputs",
        total.broken
    );
}
