//! The claims `demo chain` settles: the gradient is the product of the local derivatives
//! (`product`) and the article's 1.5^50 (`w1.5-50`). Overflow to NaN is settled by
//! `demo batchnorm`: here the forward value w^L overflows with the gradient, to inf.

use chaintrace::report::fmt_num;

use super::{ChainReport, ChainRun};
use crate::cli::demo::claims::{Claim, Verdict, anchors};

/// How close the engine's f64 product must come to the closed form: a relative 1e-12 (L
/// roundings of 2^-53 each stay far below it for any depth the demo runs in range).
const TOLERANCE: f64 = 1e-12;

impl ChainRun {
    /// The engine's f64 ∂y/∂x agrees with w^L: equal within [`TOLERANCE`], or both the same
    /// infinity or 0 once out of range.
    fn matches_closed_form(&self) -> bool {
        let (g, c) = (self.gradient_f64, self.closed_form);
        if g.is_finite() && c.is_finite() && c != 0.0 {
            ((g - c) / c).abs() <= TOLERANCE
        } else {
            g == c
        }
    }
}

impl ChainReport {
    /// The claims this run addresses, each with its verdict computed from the measurements.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let l = self.depth;
        let runs: Vec<String> = self
            .runs
            .iter()
            .map(|r| {
                format!(
                    "w = {}: engine ∂y/∂x = {} (f64), {} (f32), closed form w^{l} = {}",
                    fmt_num(r.weight),
                    fmt_num(r.gradient_f64),
                    fmt_num(r.gradient_f32),
                    fmt_num(r.closed_form)
                )
            })
            .collect();
        let all_match = self.runs.iter().all(ChainRun::matches_closed_form);
        let mut out = vec![Claim::new(
            "product",
            if all_match {
                Verdict::Shown
            } else {
                Verdict::Refuted
            },
            format!(
                "{}; {} within a relative {}: the gradient at the input is the product of the \
                 {l} local derivatives ∂h_k/∂h_(k−1) = w",
                runs.join("; "),
                if all_match { "equal" } else { "not equal" },
                fmt_num(TOLERANCE)
            ),
            anchors::BENGIO_1994,
        )];
        if let Some(r) = self.runs.iter().find(|r| r.weight == 1.5 && l == 50) {
            let shown = r.matches_closed_form() && r.gradient_f64 > 1e3;
            out.push(Claim::new(
                "w1.5-50",
                if shown {
                    Verdict::Shown
                } else {
                    Verdict::Refuted
                },
                format!(
                    "the article's 1.5^50 ≈ 6.4e8: the engine's ∂y/∂x through 50 layers of w = \
                     1.5 is {} (f64), closed form {}",
                    fmt_num(r.gradient_f64),
                    fmt_num(r.closed_form)
                ),
                anchors::BENGIO_1994,
            ));
        }
        out
    }
}
