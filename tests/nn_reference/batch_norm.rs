//! BatchNorm1d in training mode against its reference loops, running estimates included.

use chaintrace::nn::{BatchNorm1d, Layer, ParamStore};
use chaintrace::{Tape, Tensor};

use crate::nn_common::{assert_close, probe, probe_weight};
use crate::{TOL, flat, grad_of, matrix, set, tensor};

// ---------------------------------------------------------------------------------------------
// BatchNorm1d, training mode, N = 4, C = 3, eps = 1e-5, momentum 0.1.
// x[n][c] = 0.3n² − 0.5c + 0.1nc, γ[c] = 1 + 0.1c, β[c] = 0.05c − 0.02.
// μ = (1/N)Σₙ x, σ² = (1/N)Σₙ (x − μ)² (biased), x̂ = (x − μ)/√(σ² + eps), y = γx̂ + β.
// Backward: ∂L/∂β = Σₙ c, ∂L/∂γ = Σₙ c·x̂,
// ∂L/∂x = γ/(N√(σ² + eps)) · (N·c − Σₙ c − x̂·Σₙ c·x̂).
// Running estimates after one batch: mean = 0.9·0 + 0.1·μ, var = 0.9·1 + 0.1·σ²·N/(N − 1).
// ---------------------------------------------------------------------------------------------

#[test]
fn batch_norm_training_reference() {
    let (n, ch, eps) = (4, 3, 1e-5);
    let x = matrix(n, ch, |i, c| {
        0.3 * (i * i) as f64 - 0.5 * c as f64 + 0.1 * (i * c) as f64
    });
    let gamma: Vec<f64> = (0..ch).map(|c| 1.0 + 0.1 * c as f64).collect();
    let beta: Vec<f64> = (0..ch).map(|c| 0.05 * c as f64 - 0.02).collect();
    let dy = matrix(n, ch, |i, c| probe_weight(i * ch + c));

    let nf = n as f64;
    let mean: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| x[i][c]).sum::<f64>() / nf)
        .collect();
    let var: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| (x[i][c] - mean[c]).powi(2)).sum::<f64>() / nf)
        .collect();
    let std: Vec<f64> = var.iter().map(|v| (v + eps).sqrt()).collect();
    let xhat = matrix(n, ch, |i, c| (x[i][c] - mean[c]) / std[c]);
    let y = matrix(n, ch, |i, c| gamma[c] * xhat[i][c] + beta[c]);
    let dbeta: Vec<f64> = (0..ch).map(|c| (0..n).map(|i| dy[i][c]).sum()).collect();
    let dgamma: Vec<f64> = (0..ch)
        .map(|c| (0..n).map(|i| dy[i][c] * xhat[i][c]).sum())
        .collect();
    let dx = matrix(n, ch, |i, c| {
        gamma[c] / (nf * std[c]) * (nf * dy[i][c] - dbeta[c] - xhat[i][c] * dgamma[c])
    });
    let running_mean: Vec<f64> = mean.iter().map(|m| 0.1 * m).collect();
    let running_var: Vec<f64> = var
        .iter()
        .map(|v| 0.9 + 0.1 * v * nf / (nf - 1.0))
        .collect();

    // Channel 0 by hand: x = [0, 0.3, 1.2, 2.7], μ = 1.05, σ² = (1.1025 + 0.5625 + 0.0225 +
    // 2.7225)/4 = 1.1025, running_var = 0.9 + 0.1·1.1025·4/3 = 1.047.
    assert!((mean[0] - 1.05).abs() < TOL && (var[0] - 1.1025).abs() < TOL);
    assert!((running_var[0] - 1.047).abs() < TOL);

    let mut store = ParamStore::new(0);
    let bn = BatchNorm1d::new(&mut store, "bn", ch);
    set(&mut store, bn.weight(), Tensor::from_vec(gamma, &[ch]));
    set(&mut store, bn.bias(), Tensor::from_vec(beta, &[ch]));
    let tape = Tape::new();
    let p = store.bind(&tape);
    let xv = tape.var("x", tensor(&x));
    let yv = bn.forward(&tape, &p, xv);
    let grads = probe(&tape, yv).backward();

    assert_close("y", &yv.value().to_vec(), &flat(&y), TOL);
    assert_close("dγ", &grad_of(&grads, &p, bn.weight()), &dgamma, TOL);
    assert_close("dβ", &grad_of(&grads, &p, bn.bias()), &dbeta, TOL);
    // dx involves cancellation between terms of size ~1; 1e-10 is still ~6 digits below them.
    assert_close("dx", &grads.wrt(xv).unwrap().to_vec(), &flat(&dx), 1e-10);
    assert_close(
        "running_mean",
        &bn.running_mean().to_vec(),
        &running_mean,
        TOL,
    );
    assert_close("running_var", &bn.running_var().to_vec(), &running_var, TOL);
    assert_eq!(bn.num_batches_tracked(), 1);
}
