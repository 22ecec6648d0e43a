//! What one traced pass of a [`DeepNet`](super::DeepNet) yields: the per-block numbers, the
//! ledger's flag for each, the thresholds behind the flags, and the two statistics read off
//! tensors in f64.

use serde::Serialize;

use chaintrace::tensor::ScaledNorm;
use chaintrace::trace::{LayerRow, LengthPart};
use chaintrace::{Float, Tensor};

/// How the ledger flagged the gradient of one activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Within the thresholds.
    Ok,
    /// ‖∂L/∂h_k‖ / ‖∂L/∂h_L‖ above the exploding threshold.
    Exploding,
    /// Below the vanishing threshold.
    Vanishing,
    /// Infinite or NaN.
    NonFinite,
}

impl Flag {
    /// The mark after a number in tables.
    pub fn mark(self) -> &'static str {
        match self {
            Flag::Ok => "",
            Flag::Exploding => " ▲",
            Flag::Vanishing => " ▼",
            Flag::NonFinite => " ✗",
        }
    }

    /// The flag in one word, for tables.
    pub fn short(self) -> &'static str {
        match self {
            Flag::Ok => "none",
            Flag::Exploding => "exploding",
            Flag::Vanishing => "vanishing",
            Flag::NonFinite => "not finite",
        }
    }

    /// The flag in words.
    pub fn word(self) -> &'static str {
        match self {
            Flag::Ok => "within the thresholds",
            Flag::Exploding => "exploding",
            Flag::Vanishing => "vanishing",
            Flag::NonFinite => "not finite",
        }
    }

    pub(super) fn of(row: &LayerRow) -> Flag {
        match row.input_norm {
            Some(n) if !n.is_finite() => Flag::NonFinite,
            _ if row.exploding => Flag::Exploding,
            _ if row.vanishing => Flag::Vanishing,
            _ => Flag::Ok,
        }
    }
}

/// The ledger thresholds every demo uses: the tracer's defaults.
pub const EXPLODING: f64 = 1e3;
/// See [`EXPLODING`].
pub const VANISHING: f64 = 1e-3;

/// One network's numbers; index k = 0 is the input x = h_0, k = L the last block's output.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// The element type the network ran in.
    pub dtype: &'static str,
    #[serde(with = "chaintrace::report::serde_number")]
    pub loss: f64,
    /// ‖∂L/∂h_k‖, k = 0..=L, from the ledger.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub grad_norms: Vec<f64>,
    /// The ledger's flag for ‖∂L/∂h_k‖ (relative to ‖∂L/∂h_L‖), k = 0..=L.
    pub flags: Vec<Flag>,
    /// The mean of h_k over the batch and the units, k = 0..=L.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub act_mean: Vec<f64>,
    /// The standard deviation of h_k over the batch and the units, k = 0..=L.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub act_std: Vec<f64>,
    /// ‖∂L/∂W_k‖ for the weight matrix of block k = 1..=L (index k − 1).
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub weight_grads: Vec<f64>,
    /// E[f′(z_k)²] over the batch and the units, for the activation f of block k = 1..=L
    /// (index k − 1): the share of the gradient's second moment the activation lets through.
    #[serde(with = "chaintrace::report::serde_number::vec")]
    pub deriv_sq: Vec<f64>,
    /// ‖∂L/∂x‖ split by path length (empty unless asked for).
    pub path_lengths: Vec<LengthPart>,
    /// The last block's output h_L, every entry, in f64 (for comparing f32 with f64).
    #[serde(skip)]
    pub output: Vec<f64>,
}

impl Measurement {
    pub fn depth(&self) -> usize {
        self.grad_norms.len() - 1
    }

    /// ‖∂L/∂h_0‖ / ‖∂L/∂h_L‖: the product of every block's gain.
    pub fn total_gain(&self) -> f64 {
        self.grad_norms[0] / self.grad_norms[self.depth()]
    }

    /// The geometric mean of the per-block gains: total_gain^(1/L).
    pub fn gain_per_block(&self) -> f64 {
        self.total_gain().powf(1.0 / self.depth() as f64)
    }

    /// True if any recorded number is infinite or NaN.
    pub fn any_non_finite(&self) -> bool {
        let all = [&self.grad_norms, &self.act_std, &self.weight_grads];
        all.iter().any(|v| v.iter().any(|x| !x.is_finite()))
    }
}

/// The Frobenius norm in f64, from the crate's scaled norm ([`ScaledNorm`]), so neither an f32
/// tensor's squares nor an f64 tensor's overflow on the way (the norm of finite entries is
/// finite unless it exceeds f64's range itself).
pub fn norm_f64<T: Float>(t: &Tensor<T>) -> f64 {
    ScaledNorm::of(t).norm()
}

/// Mean and (population) standard deviation of every entry, in f64.
pub fn mean_std<T: Float>(t: &Tensor<T>) -> (f64, f64) {
    let v: Vec<f64> = t.to_vec().into_iter().map(Float::as_f64).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}
