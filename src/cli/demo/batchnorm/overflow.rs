//! Overflow to NaN behind a finite forward pass (`overflow-nan`): the normalised network of
//! `demo batchnorm`, made [`OVERFLOW_DEPTH`] layers deep and run in f32. Batch normalisation
//! keeps every activation near mean 0 and variance 1, so the forward pass and the loss stay
//! finite; the gradient still grows by about √(π/(π − 1)) per layer (Yang et al., 2019) and
//! passes f32's largest number, 3.4e38; the normalisation's backward pass then subtracts
//! infinities (inf − inf = NaN, IEEE 754), and the weights' gradients are NaN.

use serde::Serialize;

use chaintrace::report::serde_number;

use super::claims::yang_relu_gain;
use crate::cli::demo::claims::{Claim, Verdict, anchors};
use crate::cli::demo::deepnet::{Activation, DeepNet, Probe};
use crate::cli::demo::present::fmt3;

/// Layers of the f32 network: Yang et al.'s ×1.21 per layer takes a gradient of norm 0.02
/// (L = mean(h_L) over 32 × 64 numbers) past 3.4e38 in about 485 layers.
pub(super) const OVERFLOW_DEPTH: usize = 500;

/// What the deep f32 network's forward and backward passes gave.
#[derive(Debug, Serialize)]
pub(super) struct Overflow {
    dtype: &'static str,
    depth: usize,
    #[serde(with = "serde_number")]
    loss: f64,
    /// The smallest and the largest std(h_k), k ≥ 1.
    #[serde(with = "serde_number::vec")]
    act_std_range: Vec<f64>,
    /// ‖∂L/∂h_L‖, where the backward pass starts.
    #[serde(with = "serde_number")]
    top_gradient: f64,
    /// The first layer k, going back from the output, whose ‖∂L/∂h_k‖ is not finite.
    first_non_finite: Option<usize>,
    /// ‖∂L/∂h_(k+1)‖ just above it: the last finite norm.
    #[serde(with = "serde_number")]
    last_finite: f64,
    /// How many of the `depth` weight matrices have a NaN gradient.
    nan_weight_grads: usize,
}

impl Overflow {
    /// Runs `net` (the normalised network) at [`OVERFLOW_DEPTH`] layers in f32.
    pub(super) fn measure(net: &DeepNet) -> Self {
        let depth = OVERFLOW_DEPTH;
        let m = DeepNet { depth, ..*net }.measure::<f32>(Probe::default());
        let stds = &m.act_std[1..];
        let first_non_finite = (0..=depth).rev().find(|&k| !m.grad_norms[k].is_finite());
        Overflow {
            dtype: "f32",
            depth,
            loss: m.loss,
            act_std_range: vec![
                stds.iter().copied().fold(f64::INFINITY, f64::min),
                stds.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ],
            top_gradient: m.grad_norms[depth],
            first_non_finite,
            last_finite: first_non_finite
                .filter(|&k| k < depth)
                .map_or(f64::NAN, |k| m.grad_norms[k + 1]),
            nan_weight_grads: m.weight_grads.iter().filter(|g| g.is_nan()).count(),
        }
    }

    /// Shown when the loss and every activation are finite while the gradient overflows and
    /// some weight's gradient is NaN; partly otherwise.
    pub(super) fn claim(&self, activation: Activation) -> Claim {
        let forward_finite =
            self.loss.is_finite() && self.act_std_range.iter().all(|s| s.is_finite());
        let l = self.depth;
        let backward = match self.first_non_finite {
            Some(k) if k < l => format!(
                "going back from ‖∂L/∂h_{l}‖ = {}, ‖∂L/∂h_k‖ is {} at k = {}{} and no longer \
                 finite at k = {k}, after {} layers",
                fmt3(self.top_gradient),
                fmt3(self.last_finite),
                k + 1,
                if self.last_finite > f64::from(f32::MAX) {
                    " (a norm summed in f64: each entry is still below f32's largest)"
                } else {
                    ""
                },
                l - k
            ),
            Some(_) => "‖∂L/∂h_L‖ itself is not finite".to_string(),
            None => "every ‖∂L/∂h_k‖ stays finite".to_string(),
        };
        let prediction = match activation {
            Activation::Relu => format!(
                " (f32's largest number is 3.4e38; at Yang et al.'s ×{} per layer the norm \
                 passes it after {} layers)",
                fmt3(yang_relu_gain()),
                fmt3(((f32::MAX as f64) / self.top_gradient).ln() / yang_relu_gain().ln())
            ),
            Activation::Tanh => String::new(),
        };
        let weights = match self.nan_weight_grads {
            0 => "every weight's gradient stays a number".to_string(),
            n => format!(
                "‖∂L/∂W_k‖ is NaN for {n} of the {l} weight matrices (inf − inf in the \
                 normalisation's backward pass), so an SGD step W_k − lr·∂L/∂W_k writes NaN \
                 into them"
            ),
        };
        let shown = forward_finite && self.first_non_finite.is_some() && self.nan_weight_grads > 0;
        Claim::new(
            "overflow-nan",
            if shown {
                Verdict::Shown
            } else {
                Verdict::Partly
            },
            format!(
                "the batch-normalised network at {l} layers in f32: forward {} — loss {}, \
                 std(h_k) between {} and {} for every k ≥ 1; backward: {backward}{prediction}; \
                 {weights}",
                if forward_finite {
                    "finite"
                } else {
                    "not finite"
                },
                fmt3(self.loss),
                fmt3(self.act_std_range[0]),
                fmt3(self.act_std_range[1]),
            ),
            anchors::IEEE_754,
        )
    }
}
