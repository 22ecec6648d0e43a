//! What the numbers of `demo residual` show, in sentences computed from them: the three
//! networks' gains, where the residual network's input gradient comes from, and the path of
//! length 0.

use chaintrace::report::fmt_num;

use super::{ResidualReport, share_reached};
use crate::cli::demo::deepnet::Measurement;
use crate::cli::demo::present::fmt3;

impl ResidualReport {
    pub(super) fn conclusions(&self) -> Vec<String> {
        let l = self.depth;
        let parts = self.parts();
        let reached = share_reached(&parts, &[0.5, 0.9]);
        let (peak_n, peak) = parts
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("parts");
        let describe = |m: &Measurement| {
            format!(
                "{} × ‖∂L/∂h_{l}‖ (×{} per block, {})",
                fmt3(m.total_gain()),
                fmt3(m.gain_per_block()),
                m.flags[0].word()
            )
        };
        let zero = parts.first().map_or(f64::NAN, |p| p.1);
        let longest = parts.last().map_or(f64::NAN, |p| p.1);
        vec![
            format!(
                "At the input: plain, ‖∂L/∂x‖ = {}; residual, the same blocks and weights, {}.",
                describe(&self.plain),
                describe(&self.residual)
            ),
            format!(
                "Cut every skip in the backward pass only (the forward pass stays residual) and \
                 ‖∂L/∂x‖ becomes {}: what is left is the one path through \
                 all {l} branches, multiplied at every block. Its norm, {}, {} the length-{l} \
                 part of the split, {}. With the skips, ‖∂L/∂x‖ is {} times larger.",
                describe(&self.skips_cut),
                fmt_num(self.skips_cut.grad_norms[0]),
                agreement(self.skips_cut.grad_norms[0], longest),
                fmt_num(longest),
                fmt3(self.residual.grad_norms[0] / self.skips_cut.grad_norms[0]),
            ),
            format!(
                "Path lengths: most paths cross about half the branches (C({l}, n) peaks at \
                 n = {}), {}. The largest part is n = {peak_n} ({}); half of Σ‖part_n‖ arrives \
                 through paths of length ≤ {}, 90% through length ≤ {}; the norm-weighted mean \
                 length is {} of {l}.",
                l / 2,
                if 2 * reached[0] < l {
                    "but most of the gradient comes through shorter ones"
                } else {
                    "and so does most of the gradient"
                },
                fmt3(peak),
                reached[0],
                reached[1],
                fmt3(self.mean_length()),
            ),
            format!(
                "The path along every skip (n = 0) carries ‖part_0‖ = {}, which {} \
                 ‖∂L/∂h_{l}‖ = {}: it reaches the input without being multiplied by any weight.",
                fmt_num(zero),
                agreement(zero, self.residual.grad_norms[l]),
                fmt_num(self.residual.grad_norms[l])
            ),
        ]
    }
}

/// "equals" when two computations of one number agree to rounding, else "differs from".
fn agreement(a: f64, b: f64) -> &'static str {
    if (a - b).abs() <= 1e-9 * b.abs() {
        "equals"
    } else {
        "differs from"
    }
}
