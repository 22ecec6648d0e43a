//! What the measuring demos share: short numbers for wide tables, the layers a per-layer
//! table shows, and one report rendered in every format.

use serde::Serialize;

use chaintrace::report::Document;

use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::output::render_report;

/// Renders a demo as [`render_report`] does, except that SVG is the one chart at index
/// `chart` (the demo's `--chart` choice) rather than all of them stacked.
pub fn render(
    demo: &str,
    format: Format,
    numbers: &impl Serialize,
    doc: &Document,
    chart: usize,
) -> Result<String, CliError> {
    match format {
        Format::Svg => doc
            .charts()
            .nth(chart)
            .map(|c| c.svg.clone())
            .ok_or_else(|| CliError::Failed(format!("demo {demo} drew no chart {chart}"))),
        _ => render_report(demo, doc, numbers, format),
    }
}

/// A number with three significant digits, for tables with many columns: scientific
/// notation outside `[1e-3, 1e3)`, trailing zeros dropped, `inf` and `NaN` spelled out.
pub fn fmt3(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    // Round first, so 9.996 becomes 10 (two decimals fewer), not 10.00.
    let s = format!("{x:.2e}");
    let (mantissa, exponent) = s.split_once('e').expect("scientific notation");
    let e: i32 = exponent.parse().expect("an exponent");
    if (-3..3).contains(&e) {
        let decimals = (2 - e).max(0) as usize;
        let rounded: f64 = s.parse().expect("a number");
        trim(&format!("{rounded:.decimals$}")).to_string()
    } else {
        format!("{}e{e}", trim(mantissa))
    }
}

fn trim(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `×a … ×b`: the range of a set of ratios.
pub fn band(lo: f64, hi: f64) -> String {
    format!("×{} … ×{}", fmt3(lo), fmt3(hi))
}

/// `n` in subscript digits: `12` → `₁₂`, as the tracer names nodes.
pub fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|d| char::from_u32(0x2080 + d.to_digit(10).unwrap_or(0)).unwrap_or('?'))
        .collect()
}

/// The middle of `values` (the mean of the two middle ones for an even count); NaN sorts last.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The layers a per-layer table shows, from the output back to the input: all of them up to
/// 60, else about 50 evenly spaced ones (always both ends).
pub fn shown_layers(depth: usize) -> Vec<usize> {
    let step = if depth <= 60 { 1 } else { depth.div_ceil(50) };
    let mut ks: Vec<usize> = (0..=depth).rev().step_by(step).collect();
    if ks.last() != Some(&0) {
        ks.push(0);
    }
    ks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        let cases = [
            (1.0, "1"),
            (0.125, "0.125"),
            (5.65685, "5.66"),
            (9.996, "10"),
            (1234.5, "1.23e3"),
            (999.4, "999"),
            (9999.0, "1e4"),
            (0.001234, "0.00123"),
            (0.0009994, "9.99e-4"),
            (3.1e37, "3.1e37"),
            (-2.5e-12, "-2.5e-12"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "NaN"),
            (0.0, "0"),
        ];
        for (x, want) in cases {
            assert_eq!(fmt3(x), want, "{x}");
        }
    }

    #[test]
    fn subscripts() {
        assert_eq!(subscript(0), "₀");
        assert_eq!(subscript(12), "₁₂");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
