//! The claims `demo rnn` settles, partly today: the vanilla RNN's gradient across time steps
//! (`rnn`) and what the gated cells do to it (`gates`).

use super::{Cell, RnnReport, num};
use crate::cli::demo::claims::{Claim, Verdict, anchors};

impl RnnReport {
    /// The claims this run addresses, each with its verdict computed from the measurements.
    pub(super) fn claims(&self) -> Vec<Claim> {
        let rnn = self.run(Cell::Rnn);
        let sigma = self.w_hh.largest_singular_value;
        // Pascanu et al. (2013): with |f′| ≤ γ (γ = 1 for tanh), σ_max(W_hh) < 1/γ is
        // sufficient for the gradient to vanish, each step multiplying its norm by at most
        // γ·σ_max; ρ(W_hh) > 1/γ is necessary for it to explode.
        let regime = if rnn.per_step < 1.0 {
            "vanishing"
        } else {
            "exploding"
        };
        let rho = self.w_hh.spectral_radius;
        let bound = if rnn.per_step <= sigma {
            "within"
        } else {
            "above"
        };
        let necessary = if rho > 1.0 {
            "above 1/γ: the linearised RNN's necessary condition for explosion (ρ > 1/γ) holds"
        } else {
            "at most 1/γ: below the linearised RNN's necessary condition for explosion (ρ > 1/γ)"
        };
        let other = if rnn.per_step < 1.0 {
            "the exploding regime needs a larger W_hh (try --scale 4)"
        } else {
            "the vanishing regime needs a smaller W_hh (the default run)"
        };
        let mut claims = vec![Claim::new(
            "rnn",
            Verdict::Partly,
            format!(
                "the tanh RNN's ‖∂L/∂h_t‖ changes by ×{} per step over {} steps ({regime}), \
                 {bound} the per-step bound γ·σ_max(W_hh) = {} (γ = 1 for tanh; mean tanh′ = \
                 {}); ρ(W_hh) = {} is {necessary}; one run shows one regime only: {other}",
                num(rnn.per_step),
                self.steps,
                num(sigma),
                num(self.w_hh.mean_tanh_derivative),
                num(rho),
            ),
            anchors::PASCANU_2013,
        )];
        let (lstm, gru) = (self.run(Cell::Lstm), self.run(Cell::Gru));
        claims.push(Claim::new(
            "gates",
            Verdict::Partly,
            format!(
                "at initialisation (gate bias {}), ‖∂L/∂h_t‖ changes per step by ×{} in the \
                 LSTM and ×{} in the GRU against ×{} in the RNN; nothing is trained, so whether \
                 the gated cells learn what the RNN cannot is not shown",
                num(self.gate_bias),
                num(lstm.per_step),
                num(gru.per_step),
                num(rnn.per_step),
            ),
            anchors::HOCHREITER_1997,
        ));
        claims
    }
}
