//! What mean-field theory predicts for each network of `demo init`: the activations' spread
//! layer by layer and the gradient's total gain, for infinitely wide layers (the same
//! recursion as Poole et al. 2016, with biases 0; `demo chaos` uses it with biases).
//!
//! With weights of variance σ² and width n, write v = n·σ² (Glorot & Bengio's n·Var[W]).
//! The pre-activations of layer k have variance q_k: q_1 = v·E[x²] = v for inputs N(0, 1),
//! then q_(k+1) = v·E[f(√q_k·z)²], z ~ N(0, 1). On the way back, layer k multiplies the
//! gradient's squared norm by v·E[f′(√q_k·z)²]. For ReLU both are closed forms (E[f²] = q/2,
//! E[f′²] = 1/2, He et al. 2015); for tanh they are integrals.

use std::f64::consts::PI;

use crate::cli::demo::chaos::mean_field::gaussian_mean;
use crate::cli::demo::deepnet::Activation;

/// The prediction for one network.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Prediction {
    /// std(h_k), k = 1..=L (index k − 1).
    pub(super) act_std: Vec<f64>,
    /// ‖∂L/∂h_0‖/‖∂L/∂h_L‖.
    pub(super) grad_ratio: f64,
}

/// The mean-field prediction for `depth` layers of `activation` with n·σ² = `v`.
pub(super) fn predict(activation: Activation, v: f64, depth: usize) -> Prediction {
    let mut q = v;
    let mut log_gain_sq = 0.0;
    let mut act_std = Vec::with_capacity(depth);
    for _ in 0..depth {
        let (second, mean, deriv_sq) = match activation {
            Activation::Tanh => {
                let s = q.sqrt();
                (
                    gaussian_mean(|z| (s * z).tanh().powi(2)),
                    0.0,
                    gaussian_mean(|z| (1.0 - (s * z).tanh().powi(2)).powi(2)),
                )
            }
            Activation::Relu => (q / 2.0, (q / (2.0 * PI)).sqrt(), 0.5),
        };
        act_std.push((second - mean * mean).max(0.0).sqrt());
        log_gain_sq += (v * deriv_sq).ln();
        q = v * second;
    }
    Prediction {
        act_std,
        grad_ratio: (0.5 * log_gain_sq).exp(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// He with ReLU (v = 2): q stays 2, std(h_k) = √(2·(1/2 − 1/(2π))) = 0.8257 at every
    /// layer and the gradient's gain is exactly 1.
    #[test]
    fn he_relu_keeps_both() {
        let p = predict(Activation::Relu, 2.0, 10);
        let want = (2.0 * (0.5 - 0.5 / PI)).sqrt();
        assert!(p.act_std.iter().all(|s| (s - want).abs() < 1e-12));
        assert!((p.grad_ratio - 1.0).abs() < 1e-12);
    }

    /// Xavier with tanh (v = 1, biases 0) sits at tanh's edge of chaos with q* = 0:
    /// E[tanh(√q·z)²] ≈ q − 2q², so q_k ≈ 1/(2k) for large k, std(h_k) ≈ 1/√(2k); the
    /// gradient's squared gain per layer is about 1 − 2q_k ≈ 1 − 1/k, a power law. The standard
    /// init (v = 1/3) shrinks both exponentially: at most ×1/3 per layer in squared norm.
    #[test]
    fn xavier_tanh_decays_as_a_power_standard_exponentially() {
        let p = predict(Activation::Tanh, 1.0, 400);
        let k = 400.0f64;
        assert!(
            (p.act_std[399] * (2.0 * k).sqrt() - 1.0).abs() < 0.05,
            "{:?}",
            p.act_std[399]
        );
        let at = |l| predict(Activation::Tanh, 1.0, l).grad_ratio;
        // A power law: doubling the depth multiplies the ratio by about 2^(−1/2).
        let halving = at(400) / at(200);
        assert!((halving / 0.5f64.sqrt() - 1.0).abs() < 0.05, "{halving}");
        let s = predict(Activation::Tanh, 1.0 / 3.0, 50);
        assert!(s.grad_ratio < (1.0f64 / 3.0).sqrt().powi(50));
    }
}
