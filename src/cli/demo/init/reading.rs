//! What one configuration's numbers mean: its label, the gain the weights' spread predicts,
//! its verdict against the ledger's thresholds, and what f32 made of it against f64.

use super::InitRun;
use crate::cli::demo::deepnet::{EXPLODING, Flag, VANISHING};
use crate::cli::demo::present::fmt3;

impl InitRun {
    pub(super) fn label(&self) -> String {
        format!("{} {}", self.init.label(), self.activation.name())
    }

    /// The geometric mean over the layers of σ·√(n·E[f′(z_k)²]), the factor by which layer
    /// k is expected to scale ‖∂L/∂h‖ on the way back.
    pub(super) fn predicted_gain(&self, width: usize) -> f64 {
        let d = &self.f64.deriv_sq;
        let mean_ln: f64 = d
            .iter()
            .map(|e| (self.weight_std * (width as f64 * e).sqrt()).ln())
            .sum::<f64>()
            / d.len() as f64;
        mean_ln.exp()
    }

    /// The smallest and largest ‖∂L/∂h_k‖ / ‖∂L/∂h_L‖ over k.
    pub(super) fn grad_band(&self) -> (f64, f64) {
        ratio_band(&self.f64.grad_norms, self.f64.depth())
    }

    pub(super) fn verdict(&self) -> &'static str {
        let m = &self.f64;
        match m.total_gain() {
            _ if m.any_non_finite() => "overflows ✗",
            r if r > EXPLODING => "explodes ▲",
            r if r < VANISHING => "vanishes ▼",
            _ if m.flags.iter().any(|f| *f != Flag::Ok) => "is flagged on the way",
            _ => "stays within the thresholds",
        }
    }

    /// True when f32 lost a number f64 holds: every norm f64 has as finite and non-zero is
    /// so in f32 too (a ReLU network whose units all died has zeros in f64 as well).
    pub(super) fn f32_intact(&self) -> bool {
        let (a, b) = (&self.f32, &self.f64);
        let pairs = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| !lost(*p, *q));
        pairs(&a.act_std, &b.act_std)
            && pairs(&a.grad_norms, &b.grad_norms)
            && pairs(&a.weight_grads, &b.weight_grads)
    }

    /// How far f32's last activations are from f64's, relative to f64's (0 when both are 0).
    pub(super) fn forward_divergence(&self) -> f64 {
        let (a, b) = (&self.f32.output, &self.f64.output);
        let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
        let size: f64 = b.iter().map(|y| y * y).sum();
        if size == 0.0 && diff == 0.0 {
            0.0
        } else {
            (diff / size).sqrt()
        }
    }

    /// What f32 made of the same network, against f64.
    pub(super) fn f32_outcome(&self) -> String {
        let (a, b) = (&self.f32, &self.f64);
        let l = a.depth();
        let mut parts = Vec::new();
        if let Some(k) = (0..=l).find(|&k| lost(a.act_std[k], b.act_std[k])) {
            parts.push(if a.act_std[k] == 0.0 {
                format!("forward: h_{k} underflows to all zeros")
            } else {
                format!("forward: h_{k} reaches inf or NaN")
            });
        }
        if let Some(k) = (0..=l)
            .rev()
            .find(|&k| lost(a.grad_norms[k], b.grad_norms[k]))
        {
            // A 0 here is an underflow only when the forward pass stayed finite: ReLU passes
            // no gradient through a NaN (NaN > 0 is false), so NaN activations also give 0.
            parts.push(format!(
                "‖∂L/∂h_{k}‖ = {} (f64: {})",
                fmt3(a.grad_norms[k]),
                fmt3(b.grad_norms[k])
            ));
        }
        let count = |bad: fn(f64) -> bool| {
            a.weight_grads
                .iter()
                .zip(&b.weight_grads)
                .filter(|(p, q)| lost(**p, **q) && bad(**p))
                .count()
        };
        for (n, what) in [
            (count(|g| g == 0.0), "0"),
            (count(f64::is_infinite), "inf"),
            (count(f64::is_nan), "NaN"),
        ] {
            if n > 0 {
                parts.push(format!("‖∂L/∂W_k‖ = {what} in {n} of {l} layers"));
            }
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
        let comparable: Vec<f64> = (0..=l)
            .filter(|&k| b.grad_norms[k].is_finite() && b.grad_norms[k] != 0.0)
            .map(|k| (a.grad_norms[k] / b.grad_norms[k] - 1.0).abs())
            .collect();
        let worst = comparable.iter().copied().fold(0.0, f64::max);
        let within = format!("‖∂L/∂h_k‖ within {} of f64's", relative(worst));
        if comparable.len() == l + 1 {
            format!("finite and non-zero; {within}")
        } else {
            format!("no number lost that f64 holds; {within} where f64's is non-zero")
        }
    }
}

/// True when f32 turned a number f64 holds (finite, non-zero) into 0, inf or NaN.
fn lost(f32_value: f64, f64_value: f64) -> bool {
    f64_value.is_finite() && f64_value != 0.0 && (f32_value == 0.0 || !f32_value.is_finite())
}

/// `0.0012%`-style relative differences.
pub(super) fn relative(x: f64) -> String {
    format!("{}%", fmt3(100.0 * x))
}

/// Min and max of norms[k] / norms[top] over k.
fn ratio_band(norms: &[f64], top: usize) -> (f64, f64) {
    norms
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
            let r = g / norms[top];
            (lo.min(r), hi.max(r))
        })
}
