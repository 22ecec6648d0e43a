//! The axes: the range each one spans, the decades and light grid lines of a log axis, and
//! how its ticks read.

use std::ops::Range;

use crate::report::fmt_num;

/// The range of `values` with a 4% margin; a default range when there are none, a unit-wide
/// one around a single value.
pub(super) fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = min_max(values);
    match lo.is_finite() {
        false => 0.0..1.0,
        true if lo == hi => lo - 1.0..hi + 1.0,
        true => {
            let pad = (hi - lo) * 0.04;
            lo - pad..hi + pad
        }
    }
}

/// The whole decades around log₁₀ values: `floor(min)..ceil(max)`, at least one decade wide;
/// `-1..1` (0.1 to 10) when there are none.
pub(super) fn whole_decades(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = min_max(values);
    if !lo.is_finite() {
        return -1.0..1.0;
    }
    let (lo, hi) = (lo.floor(), hi.ceil());
    if lo == hi { lo..hi + 1.0 } else { lo..hi }
}

/// Light grid lines at 2·10^d … 9·10^d (in log₁₀) when at most six decades are shown.
pub(super) fn minor_lines(decades: &Range<f64>) -> Vec<f64> {
    if decades.end - decades.start > 6.0 {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut d = decades.start;
    while d < decades.end {
        lines.extend((2..=9).map(|m| d + f64::from(m).log10()));
        d += 1.0;
    }
    lines
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// A log-axis tick: powers of ten beyond 100 as `1e5`, `1e-4`; anything else as [`fmt_num`].
pub(super) fn fmt_power(v: f64) -> String {
    let k = v.log10().round();
    let is_power = (v / 10f64.powf(k) - 1.0).abs() < 1e-9;
    if is_power && k.abs() > 2.0 {
        format!("1e{k}")
    } else {
        fmt_num(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_read_as_powers() {
        let ticks = [1e-13, 1e-4, 0.1, 1.0, 100.0, 100000.0000000001, 2e5];
        let shown: Vec<String> = ticks.into_iter().map(fmt_power).collect();
        assert_eq!(shown, ["1e-13", "1e-4", "0.1", "1", "100", "1e5", "200000"]);
    }

    #[test]
    fn ranges_pad_and_survive_degenerate_data() {
        assert_eq!(padded([].into_iter()), 0.0..1.0);
        assert_eq!(padded([2.0].into_iter()), 1.0..3.0);
        assert_eq!(whole_decades([].into_iter()), -1.0..1.0);
        // 0.125 … 8 in log₁₀: −0.9 … 0.9, so 0.1 … 10.
        let r = whole_decades([0.125f64.log10(), 8f64.log10()].into_iter());
        assert_eq!(r, -1.0..1.0);
        assert_eq!(whole_decades([0.5].into_iter()), 0.0..1.0);
        assert_eq!(whole_decades([2.0].into_iter()), 2.0..3.0);
    }
}
