//! The measurements of `demo chain`: ∂y/∂h_k at every layer by one backward pass, in f32 and
//! in f64, and the depth at which w^L leaves each type's range, found by running the engine
//! and predicted from the closed form.

use chaintrace::{Float, Tape};

use super::{ChainRun, Limit, LimitKind, SEARCH_LIMIT};

/// ∂y/∂h_k for k = 0..=depth (h_0 = x = 1) by one backward pass through a chain of `depth`
/// layers, each `h_k = w·h_(k−1)` in layer `layer{k}`.
fn layer_gradients<T: Float>(depth: usize, w: f64) -> Vec<f64> {
    let tape = Tape::<T>::new();
    let w = tape.var("w", T::from_f64(w));
    let x = tape.var("x", T::one());
    let mut hs = Vec::with_capacity(depth + 1);
    hs.push(x);
    for k in 1..=depth {
        let h = hs[k - 1];
        hs.push(tape.layer(&format!("layer{k}"), || w * h));
    }
    let grads = hs[depth].backward();
    hs.iter()
        .map(|h| {
            grads
                .wrt(*h)
                .and_then(|g| g.item())
                .map_or(0.0, Float::as_f64)
        })
        .collect()
}

/// The first depth at which the engine's ∂y/∂x is no longer finite and non-zero, growing the
/// chain (256, 512, …) until it is found or [`SEARCH_LIMIT`] is reached.
///
/// One backward pass through a chain of n layers gives every shorter chain's answer: the sweep
/// forms ∂y/∂h_(n−d) as 1·w·w·…·w (d factors, in that order), exactly the multiplications
/// that give ∂y/∂x in a chain of depth d.
fn engine_limit<T: Float>(w: f64) -> (Option<usize>, usize) {
    let mut n = 256;
    loop {
        let g = layer_gradients::<T>(n, w);
        if let Some(d) = (1..=n).find(|&d| !g[n - d].is_finite() || g[n - d] == 0.0) {
            return (Some(d), n);
        }
        if n >= SEARCH_LIMIT {
            return (None, n);
        }
        n *= 2;
    }
}

/// The depth the closed form predicts: the first L with |w|^L above the type's largest
/// number, or below half its smallest subnormal (which rounds to 0).
fn predicted_limit(w: f64, ln_max: f64, ln_half_min: f64) -> Option<usize> {
    let ln_w = w.abs().ln();
    // A tolerance keeps exact powers (0.5^150 is exactly half of f32's smallest subnormal)
    // from being pushed one step off by the rounding of the logarithms.
    let depth = if ln_w > 0.0 {
        (ln_max / ln_w + 1e-9).floor() + 1.0
    } else if ln_w < 0.0 {
        (ln_half_min / ln_w - 1e-9).ceil()
    } else {
        return None;
    };
    Some(depth.max(1.0) as usize)
}

fn limit<T: Float>(w: f64, ln_max: f64, ln_half_min: f64) -> Limit {
    let kind = match w.abs() {
        a if a > 1.0 => LimitKind::Overflow,
        a if a < 1.0 => LimitKind::Underflow,
        _ => LimitKind::Never,
    };
    let (engine_depth, searched_to) = match kind {
        LimitKind::Never => (None, 0),
        _ => engine_limit::<T>(w),
    };
    Limit {
        dtype: T::NAME,
        kind,
        engine_depth,
        closed_form_depth: predicted_limit(w, ln_max, ln_half_min),
        searched_to,
    }
}

impl ChainRun {
    pub(super) fn measure(depth: usize, w: f64) -> Self {
        let per_layer = layer_gradients::<f64>(depth, w);
        let ln2 = std::f64::consts::LN_2;
        ChainRun {
            weight: w,
            gradient_f32: layer_gradients::<f32>(depth, w)[0],
            gradient_f64: per_layer[0],
            closed_form: w.powi(depth as i32),
            per_layer,
            limits: vec![
                limit::<f32>(w, (f32::MAX as f64).ln(), -150.0 * ln2),
                limit::<f64>(w, f64::MAX.ln(), -1075.0 * ln2),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1.5^218 ≈ 2.4e38 < f32::MAX ≈ 3.4e38 < 1.5^219 ≈ 3.7e38;
    /// 1.5^1750 ≈ 1.2e308 < f64::MAX ≈ 1.8e308 < 1.5^1751 ≈ 1.8e308·1.0…: log10(1.5)·1751 = 308.33.
    #[test]
    fn overflow_depths_measured_by_the_engine() {
        assert_eq!(engine_limit::<f32>(1.5).0, Some(219));
        assert_eq!(engine_limit::<f64>(1.5).0, Some(1751));
        let ln2 = std::f64::consts::LN_2;
        assert_eq!(predicted_limit(1.5, (f32::MAX as f64).ln(), 0.0), Some(219));
        assert_eq!(predicted_limit(1.5, f64::MAX.ln(), 0.0), Some(1751));
        // 0.5^150 = 2^-150 is half of f32's smallest subnormal 2^-149: it rounds (to even) to 0.
        assert_eq!(engine_limit::<f32>(0.5).0, Some(150));
        assert_eq!(engine_limit::<f64>(0.5).0, Some(1075));
        assert_eq!(predicted_limit(0.5, 0.0, -150.0 * ln2), Some(150));
        assert_eq!(predicted_limit(0.5, 0.0, -1075.0 * ln2), Some(1075));
        // 2^128 is the first power of two past f32::MAX = (2 − 2^-23)·2^127.
        assert_eq!(engine_limit::<f32>(2.0).0, Some(128));
        assert_eq!(predicted_limit(2.0, (f32::MAX as f64).ln(), 0.0), Some(128));
    }

    #[test]
    fn per_layer_gradients_are_powers_of_w() {
        let g = layer_gradients::<f64>(10, 1.5);
        for (k, gk) in g.iter().enumerate() {
            // ∂y/∂h_k = w^(10−k): each layer above h_k contributes one factor ∂h_j/∂h_(j−1) = w.
            assert!((gk - 1.5f64.powi(10 - k as i32)).abs() < 1e-12 * gk.abs());
        }
    }

    #[test]
    fn weight_one_never_leaves_the_range() {
        let l = limit::<f32>(-1.0, (f32::MAX as f64).ln(), 0.0);
        assert_eq!(
            (l.kind, l.engine_depth, l.closed_form_depth),
            (LimitKind::Never, None, None)
        );
    }
}
