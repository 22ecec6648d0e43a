//! The claim `demo chaos` addresses, partly today (`chaos`): a small change of the weights'
//! scale, multiplied through many layers, makes a massive change in the gradient, a
//! sensitivity like a chaotic system's.

use super::measure::ChaosReport;
use crate::cli::demo::claims::{Claim, Verdict, anchors};
use crate::cli::demo::deepnet::Activation;
use crate::cli::demo::present::fmt3;

impl ChaosReport {
    /// The claims this run addresses. Partly: the run measures how far the gradient moves
    /// with σ and with the seed, not the order-to-chaos transition that would settle it.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let l = self.depth;
        let reference = self.reference();
        let (lowest, highest) = (
            self.runs.first().expect("runs"),
            self.runs.last().expect("runs"),
        );
        let power = if reference.multiplier == 1.0 {
            format!("m^{}", l - 1)
        } else {
            format!("(m/{})^{}", fmt3(reference.multiplier), l - 1)
        };
        let law = match self.activation {
            Activation::Relu => format!(
                "for ReLU every network follows {power} within a relative {}: a smooth, exactly \
                 predictable law, the opposite of chaos",
                fmt3(self.worst_power_deviation().exp_m1())
            ),
            Activation::Tanh => format!(
                "for tanh the change departs from a power of m by up to a factor {}",
                fmt3(self.worst_power_deviation().exp())
            ),
        };
        vec![Claim::new(
            "chaos",
            Verdict::Partly,
            format!(
                "{l} layers: from m = {} to m = {} the median ‖∂L/∂W₁‖ moves by a factor {}; at \
                 m = {} the {} seeds alone spread it by a factor {} (a number that depends on the \
                 sample); {law}; the order-to-chaos transition (χ₁ = σ_w²·E[tanh′(h)²] = 1) and \
                 the decorrelation of nearby inputs are not measured here",
                fmt3(lowest.multiplier),
                fmt3(highest.multiplier),
                fmt3(highest.median() / lowest.median()),
                fmt3(reference.multiplier),
                self.seeds.len(),
                fmt3(reference.max() / reference.min()),
            ),
            anchors::POOLE_2016,
        )]
    }
}
