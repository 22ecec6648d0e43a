//! For the accuracy examples: a tally over all 2³² `f32` bit patterns, split over every core,
//! and the histogram of distances in ulps they print.

use std::ops::Range;
use std::thread;

/// `tally` over every bit pattern, one share of the range per core, the shares merged.
pub fn over_every_f32<T: Send>(
    tally: impl Fn(Range<u64>) -> T + Sync,
    merge: impl Fn(T, T) -> T,
) -> T {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let share = (1u64 << 32).div_ceil(threads);
    let tally = &tally;
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|k| s.spawn(move || tally(k * share..((k + 1) * share).min(1 << 32))))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker finishes"))
            .reduce(merge)
            .expect("at least one share")
    })
}

/// One line per bucket: `histogram[d]` inputs are `d` ulps off, the last bucket `d` or more.
pub fn print_histogram(histogram: &[u64]) {
    let total: u64 = histogram.iter().sum();
    let last = histogram.len() - 1;
    for (ulps, n) in histogram.iter().enumerate() {
        let label = if ulps == last {
            format!("{ulps}+")
        } else {
            ulps.to_string()
        };
        println!(
            "  {label:>2} ulps: {n:>10} inputs ({:.4} %)",
            100.0 * *n as f64 / total as f64
        );
    }
}
