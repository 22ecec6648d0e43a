//! The accuracy of the `f32` values of [`EXP`](chaintrace::ops::EXP) and
//! [`SIGMOID`](chaintrace::ops::SIGMOID) over every `f32`: the largest distance in ulps from the
//! correctly rounded result (the `f64` function rounded to `f32`) and how many inputs are how
//! far off. Both are libm's `expf` underneath (the crate writes no kernel of its own for them:
//! no profile of the training steps puts them above 0.3 %); this measures what was chosen.
//!
//! `cargo run --release --example exp_sigmoid_ulps` (all 2³² bit patterns twice, split over
//! every core). Its output is quoted in docs/performance.md, section 3.

use std::thread;

use chaintrace::ops::{EXP, ElementwiseFn, SIGMOID};

/// The position of `x` on the line of `f32`s (±0 at 0): the distance of two finite values in
/// ulps is the difference of their positions.
fn position(x: f32) -> i64 {
    let i = x.to_bits() as i32;
    i64::from(if i < 0 { i32::MIN - i } else { i })
}

/// The largest distance in ulps (and an input where it occurs) and how many finite inputs are
/// 0, 1, 2 and 3 or more ulps off, over the bit patterns `range`.
fn tally(f: &ElementwiseFn, range: std::ops::Range<u64>) -> ((i64, f32), [u64; 4]) {
    let (mut worst, mut histogram) = ((0, 0.0), [0; 4]);
    for bits in range {
        let x = f32::from_bits(bits as u32);
        if !x.is_finite() {
            continue;
        }
        let exact = f.value(f64::from(x)) as f32;
        let got = f.value(x);
        let d = if exact == got || (exact.is_nan() && got.is_nan()) {
            0
        } else {
            (position(got) - position(exact)).abs()
        };
        if d > worst.0 {
            worst = (d, x);
        }
        histogram[d.min(3) as usize] += 1;
    }
    (worst, histogram)
}

fn main() {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let share = (1u64 << 32).div_ceil(threads);
    for (name, f) in [("exp", &EXP), ("sigmoid", &SIGMOID)] {
        let (worst, histogram) = thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|k| s.spawn(move || tally(f, k * share..((k + 1) * share).min(1 << 32))))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a worker finishes"))
                .fold(((0, 0.0), [0; 4]), |(w, mut h), (w2, h2)| {
                    h.iter_mut().zip(h2).for_each(|(a, b)| *a += b);
                    (if w2.0 > w.0 { w2 } else { w }, h)
                })
        });
        let finite: u64 = histogram.iter().sum();
        println!("{name} in f32 over every finite f32 ({finite} inputs)");
        println!(
            "  max error vs correctly rounded: {} ulps (at x = {:e})",
            worst.0, worst.1
        );
        for (ulps, n) in histogram.iter().enumerate() {
            let label = if ulps == 3 {
                "3+".to_string()
            } else {
                ulps.to_string()
            };
            println!(
                "  {label:>2} ulps: {n:>10} inputs ({:.4} %)",
                100.0 * *n as f64 / finite as f64
            );
        }
    }
}
