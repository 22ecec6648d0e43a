//! The accuracy of the `f32` values of [`EXP`](chaintrace::ops::EXP) and
//! [`SIGMOID`](chaintrace::ops::SIGMOID) over every `f32`: the largest distance in ulps from the
//! correctly rounded result (the `f64` function rounded to `f32`) and how many inputs are how
//! far off. Both are libm's `expf` underneath (the crate writes no kernel of its own for them:
//! no profile of the training steps puts them above 0.3 %); this measures what was chosen.
//!
//! `cargo run --release --example exp_sigmoid_ulps` (all 2³² bit patterns twice, split over
//! every core). Its output is quoted in docs/performance.md, section 3.

#[path = "common/every_f32.rs"]
mod every_f32;

use chaintrace::check::ulps_apart;
use chaintrace::ops::{EXP, ElementwiseFn, SIGMOID};
use every_f32::{over_every_f32, print_histogram};

/// The largest distance in ulps (and an input where it occurs) and how many finite inputs are
/// 0, 1, 2 and 3 or more ulps off, over the bit patterns `range`.
fn tally(f: &ElementwiseFn, range: std::ops::Range<u64>) -> ((u64, f32), [u64; 4]) {
    let (mut worst, mut histogram) = ((0, 0.0), [0; 4]);
    for bits in range {
        let x = f32::from_bits(bits as u32);
        if !x.is_finite() {
            continue;
        }
        let d = ulps_apart(f.value(x), f.value(f64::from(x)) as f32);
        if d > worst.0 {
            worst = (d, x);
        }
        histogram[d.min(3) as usize] += 1;
    }
    (worst, histogram)
}

fn main() {
    for (name, f) in [("exp", &EXP), ("sigmoid", &SIGMOID)] {
        let (worst, histogram) = over_every_f32(
            |bits| tally(f, bits),
            |(w, mut h), (w2, h2)| {
                h.iter_mut().zip(h2).for_each(|(a, b)| *a += b);
                (if w2.0 > w.0 { w2 } else { w }, h)
            },
        );
        let finite: u64 = histogram.iter().sum();
        println!("{name} in f32 over every finite f32 ({finite} inputs)");
        println!(
            "  max error vs correctly rounded: {} ulps (at x = {:e})",
            worst.0, worst.1
        );
        print_histogram(&histogram);
    }
}
