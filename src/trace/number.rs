//! The one number format of the traces' renderers, the walk-through and every report.

use super::Summary;

/// Formats a number the way every report and trace prints it (docs/trace-format.md,
/// "Notation"): six significant digits, trailing zeros
/// dropped, scientific notation outside `[1e-4, 1e6)`, and `inf`, `-inf`, `NaN` spelled out.
///
/// ```
/// use chaintrace::trace::fmt_num;
/// assert_eq!(fmt_num(0.1), "0.1");
/// assert_eq!(fmt_num(1.5f64.powi(50)), "6.37622e8");
/// assert_eq!(fmt_num(0.5f64.powi(50)), "8.88178e-16");
/// assert_eq!(fmt_num(1.0 - 3.1f64.tanh().powi(2)), "0.00808487");
/// assert_eq!(fmt_num(f64::INFINITY), "inf");
/// ```
pub fn fmt_num(x: f64) -> String {
    fmt_sig(x, 6)
}

/// [`fmt_num`] with `digits` significant digits (at least 1) instead of six: for long tables
/// where three digits say enough. Numbers in `[1e-4, 1e6)` keep their integer digits.
///
/// ```
/// use chaintrace::trace::fmt_sig;
/// assert_eq!(fmt_sig(0.594095, 3), "0.594");
/// assert_eq!(fmt_sig(1468.69, 3), "1469");
/// assert_eq!(fmt_sig(3.88269e-12, 3), "3.88e-12");
/// assert_eq!(fmt_sig(0.99996, 3), "1");
/// ```
pub fn fmt_sig(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    let magnitude = x.abs().log10().floor();
    if (-4.0..6.0).contains(&magnitude) {
        let decimals = (digits as f64 - 1.0 - magnitude).max(0.0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    } else {
        let precision = digits - 1;
        let s = format!("{x:.precision$e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation");
        format!("{}e{exponent}", trim_zeros(mantissa))
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A recorded value in [`fmt_num`]'s format: a scalar as its number, a tensor as its Frobenius
/// norm between bars (`‖0.731‖`).
///
/// ```
/// use chaintrace::trace::{Summary, fmt_summary};
/// assert_eq!(fmt_summary(&Summary::Scalar(0.5)), "0.5");
/// ```
pub fn fmt_summary(s: &Summary) -> String {
    match s {
        Summary::Scalar(x) => fmt_num(*x),
        Summary::Tensor(t) => format!("‖{}‖", fmt_num(t.norm)),
    }
}
