//! The claim `demo residual` settles (`residual`): skip connections let the gradient reach the
//! input without being multiplied at every layer.

use chaintrace::report::fmt_num;

use super::ResidualReport;
use crate::cli::demo::claims::{Claim, Verdict, anchors};
use crate::cli::demo::deepnet::Flag;
use crate::cli::demo::present::fmt3;

impl ResidualReport {
    /// The claims this run addresses, each with its verdict computed from the measurements:
    /// shown when the path along every skip reaches the input unmultiplied (‖part_0‖ equals
    /// ‖∂L/∂h_L‖ to rounding) and the residual network's gradient stays within the ledger's
    /// thresholds; partly when it still explodes or vanishes through the other paths.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let l = self.depth;
        let zero = self.parts().first().map_or(f64::NAN, |p| p.1);
        let top = self.residual.grad_norms[l];
        let identity = (zero - top).abs() <= 1e-9 * top.abs();
        let flag = self.residual.flags[0];
        let verdict = match (identity, flag) {
            (true, Flag::Ok) => Verdict::Shown,
            (true, _) => Verdict::Partly,
            (false, _) => Verdict::Refuted,
        };
        let tail = if flag == Flag::Ok {
            String::new()
        } else {
            format!(
                "; but the residual network's gradient is itself {} (×{} per block): the \
                 longer paths, multiplied at every branch they cross, outgrow the skip path",
                flag.word(),
                fmt3(self.residual.gain_per_block())
            )
        };
        vec![Claim::new(
            "residual",
            verdict,
            format!(
                "{} with {}, L = {l} blocks: ‖∂L/∂x‖/‖∂L/∂h_{l}‖ is {} plain (×{} per block), {} \
                 residual (×{} per block) and {} residual with the skips cut in the backward \
                 pass (×{} per block); the path along every skip carries ‖part_0‖ = {}, {} \
                 ‖∂L/∂h_{l}‖ = {}: it is multiplied by no weight; the norm-weighted mean path \
                 length is {} of {l}{tail}",
                self.init.label(),
                self.activation.name(),
                fmt3(self.plain.total_gain()),
                fmt3(self.plain.gain_per_block()),
                fmt3(self.residual.total_gain()),
                fmt3(self.residual.gain_per_block()),
                fmt3(self.skips_cut.total_gain()),
                fmt3(self.skips_cut.gain_per_block()),
                fmt_num(zero),
                if identity { "equal to" } else { "not equal to" },
                fmt_num(top),
                fmt3(self.mean_length()),
            ),
            anchors::VEIT_2016,
        )]
    }
}
