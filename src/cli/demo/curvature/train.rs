//! The training runs of `demo curvature`: full-batch gradient descent on the tanh network,
//! measuring at every step the loss, the gradient's norm and the curvature along the step, and
//! every `--every` steps the sharpness λ_max by power iteration.

use chaintrace::data::Regression;

use super::hessian::{curvature_along, gradient, hvp, hvp_finite_differences, norm, top_eigen};
use super::model::{NetLoss, flat, tanh_mlp};
use super::{CurvatureArgs, NetRun, NetStep};
use crate::cli::CliError;
use crate::cli::progress::Progress;

/// Relative change of the Rayleigh quotient at which power iteration stops.
const TOLERANCE: f64 = 1e-6;

/// Hessian-vector products per power iteration, at most (warm-started from the previous
/// eigenvector, it needs a few).
const MAX_PRODUCTS: usize = 100;

/// Trains the network from the seed's weights with learning rate `lr`; stops at the first
/// non-finite loss or gradient.
pub(super) fn train(
    args: &CurvatureArgs,
    seed: u64,
    data: &Regression<f64>,
    lr: f64,
    progress: &mut Progress,
) -> Result<NetRun, CliError> {
    let failed = |e: chaintrace::Error| CliError::Failed(e.to_string());
    let (store, net) = tanh_mlp(args.width as usize, seed);
    let obj = NetLoss {
        store: &store,
        net: &net,
        data,
    };
    let mut w = flat(&store);
    let mut direction = vec![1.0; w.len()];
    let mut run = NetRun {
        lr,
        params: w.len(),
        steps: Vec::new(),
        products: 0,
        hvp_check: f64::NAN,
    };
    for step in 0..args.steps as usize {
        progress.tick();
        let (loss, g) = gradient(&obj, &w).map_err(failed)?;
        let grad_norm = norm(&g);
        if !(loss.is_finite() && grad_norm.is_finite() && grad_norm > 0.0) {
            run.steps.push(NetStep {
                step,
                loss,
                grad_norm,
                along_step: f64::NAN,
                lambda_max: None,
            });
            break;
        }
        let along_step = curvature_along(&obj, &w, &g).map_err(failed)?;
        let lambda_max = if step % args.every as usize == 0 {
            let top = top_eigen(&obj, &w, &direction, TOLERANCE, MAX_PRODUCTS).map_err(failed)?;
            direction = top.vector;
            if step == 0 {
                run.hvp_check = hvp_gap(&obj, &w, &direction).map_err(failed)?;
            }
            run.products += top.products;
            Some(top.value)
        } else {
            None
        };
        run.steps.push(NetStep {
            step,
            loss,
            grad_norm,
            along_step,
            lambda_max,
        });
        for (x, d) in w.iter_mut().zip(&g) {
            *x -= lr * d;
        }
    }
    progress.advance(args.steps as usize - run.steps.len());
    Ok(run)
}

/// `‖H·v − H·v (finite differences)‖ / ‖H·v‖`: how closely the exact product and the central
/// difference of two gradients agree.
fn hvp_gap(obj: &NetLoss<'_>, w: &[f64], v: &[f64]) -> chaintrace::Result<f64> {
    let exact = hvp(obj, w, v)?;
    let estimate = hvp_finite_differences(obj, w, v)?;
    let diff: Vec<f64> = exact.iter().zip(&estimate).map(|(a, b)| a - b).collect();
    Ok(norm(&diff) / norm(&exact))
}
