//! The mean-field theory of deep random tanh networks (Poole et al. 2016; Schoenholz et al.
//! 2017): the fixed point q* of the pre-activations' variance and the slope χ₁ that decides
//! whether the network is ordered (χ₁ < 1) or chaotic (χ₁ > 1).
//!
//! A layer z_(k+1) = W·tanh(z_k) + b with W_ij ~ N(0, σ_w²/n), b_i ~ N(0, σ_b²) maps the
//! variance q of the pre-activations to σ_w²·E[tanh(√q·z)²] + σ_b² (z ~ N(0, 1)) for wide
//! layers; q* is its fixed point. χ₁ = σ_w²·E[tanh′(√q*·z)²] is how much one layer stretches an
//! infinitesimal difference between two inputs (squared), and equally how much it multiplies
//! the squared norm of the gradient on the way back: both grow or shrink by √χ₁ per layer.
//!
//! The Gaussian expectations are integrals by the trapezoid rule on [−10, 10] with step 0.02.
//! For an integrand analytic in a strip around the real axis the rule converges exponentially:
//! tanh(√q·z) has its poles at |Im z| = π/(2√q), so the error is about exp(−π²/(0.02·√q)),
//! below 1e-15 for q up to 200 (σ_w and σ_b up to 10, the flags' limits). Gauss–Hermite with 64 nodes was tried and rejected:
//! at σ_w = 4 (q* ≈ 12.6), tanh′(√q*·z)² is a bump of width 0.3 that its nodes, about 0.4 apart
//! near 0, undersample (χ₁ = 2.00 instead of 2.37).

/// The half-width of the integration range, in standard deviations.
const RANGE: f64 = 10.0;
/// The trapezoid rule's step.
const STEP: f64 = 0.02;

/// E[f(z)] for z ~ N(0, 1).
pub(in crate::cli::demo) fn gaussian_mean(f: impl Fn(f64) -> f64) -> f64 {
    let n = (2.0 * RANGE / STEP).round() as i64;
    let density = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    // The end points carry e^(−50) of the mass: the trapezoid's halves there are left out.
    (1..n)
        .map(|i| {
            let z = -RANGE + i as f64 * STEP;
            f(z) * density(z)
        })
        .sum::<f64>()
        * STEP
}

/// The variance map: σ_w²·E[tanh(√q·z)²] + σ_b².
pub(super) fn variance_map(q: f64, sigma_w: f64, sigma_b: f64) -> f64 {
    let s = q.sqrt();
    sigma_w * sigma_w * gaussian_mean(|z| (s * z).tanh().powi(2)) + sigma_b * sigma_b
}

/// The fixed point q* of [`variance_map`], by bisection on [σ_b², σ_w² + σ_b²] (tanh² ≤ 1
/// bounds the map by σ_w² + σ_b²). With σ_b = 0 and σ_w ≤ 1 the only fixed point is 0; with
/// σ_b = 0 and σ_w > 1 it is the non-zero one (0 is then unstable).
pub(super) fn q_star(sigma_w: f64, sigma_b: f64) -> f64 {
    if sigma_b == 0.0 && sigma_w <= 1.0 {
        // The map is below q for every q > 0: its slope at 0 is σ_w² ≤ 1 and it bends down.
        return 0.0;
    }
    let (mut lo, mut hi) = (
        (sigma_b * sigma_b).max(1e-300),
        sigma_w * sigma_w + sigma_b * sigma_b,
    );
    for _ in 0..56 {
        let mid = 0.5 * (lo + hi);
        if variance_map(mid, sigma_w, sigma_b) > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// χ₁ = σ_w²·E[tanh′(√q*·z)²].
pub(super) fn chi1(sigma_w: f64, q: f64) -> f64 {
    let s = q.sqrt();
    sigma_w * sigma_w * gaussian_mean(|z| (1.0 - (s * z).tanh().powi(2)).powi(2))
}

/// The σ_w where χ₁ = 1 at this σ_b, by bisection (χ₁ grows with σ_w): the edge of chaos.
pub(super) fn critical_sigma_w(sigma_b: f64) -> f64 {
    let chi = |w: f64| chi1(w, q_star(w, sigma_b));
    let (mut lo, mut hi) = (0.0, 1.0);
    while chi(hi) < 1.0 && hi < 1e3 {
        (lo, hi) = (hi, 2.0 * hi);
    }
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if chi(mid) < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_moments() {
        assert!((gaussian_mean(|_| 1.0) - 1.0).abs() < 1e-14);
        assert!((gaussian_mean(|z| z * z) - 1.0).abs() < 1e-13);
        assert!((gaussian_mean(|z| z.powi(4)) - 3.0).abs() < 1e-12);
    }

    /// With σ_b = 0 and σ_w ≤ 1, q* = 0 and tanh′(0) = 1, so χ₁ = σ_w² exactly, and the
    /// critical σ_w is 1.
    #[test]
    fn without_bias_the_edge_is_sigma_one() {
        assert_eq!(q_star(0.8, 0.0), 0.0);
        assert!((chi1(0.8, 0.0) - 0.64).abs() < 1e-13);
        assert!((critical_sigma_w(0.0) - 1.0).abs() < 1e-6);
    }

    /// Values from an independent computation (numpy, Simpson's rule with 200,001 points on
    /// [−12, 12]): σ_b = 0.3, σ_w = 1, 2, 4.
    #[test]
    fn fixed_points_and_slopes_match_an_independent_integration() {
        for (w, q, chi) in [
            (1.0, 0.276_299_192_874, 0.700_258_146_606),
            (2.0, 2.253_753_376_248, 1.327_070_391_019),
            (4.0, 12.604_149_497_939, 2.367_261_035_553),
        ] {
            let qs = q_star(w, 0.3);
            assert!((qs / q - 1.0).abs() < 1e-9, "q* at {w}: {qs}");
            assert!((chi1(w, qs) / chi - 1.0).abs() < 1e-9, "χ₁ at {w}");
            assert!((variance_map(qs, w, 0.3) - qs).abs() < 1e-12);
        }
        let c = critical_sigma_w(0.3);
        assert!((chi1(c, q_star(c, 0.3)) - 1.0).abs() < 1e-9);
        assert!((c - 1.395_584).abs() < 1e-5, "{c}");
    }
}
