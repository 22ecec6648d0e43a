//! The experiment of `demo clip`: the deep linear network, one training run with or without
//! clipping, and the loss floor no linear network can go below.

use chaintrace::data::Regression;
use chaintrace::hooks::{clip_grad_norm, global_grad_norm};
use chaintrace::nn::{Init, Layer, Linear, ParamStore, Sequential};
use chaintrace::optim::{Optimizer, Sgd};
use chaintrace::report::anomaly_notes;
use chaintrace::trace::LayerRow;
use chaintrace::{Tape, TraceOptions};

use super::{ClipArgs, Failure, Run, Step};
use crate::cli::CliError;
use crate::cli::demo::curvature::hessian::{dot, hvp_finite_differences};
use crate::cli::demo::curvature::model::{NetLoss, flat};
use crate::cli::progress::Progress;

/// `depth` linear layers, `1 → width → … → width → 1`, weights N(0, gain²/fan_in), biases 0.
fn network(store: &mut ParamStore<f64>, args: &ClipArgs) -> Sequential<f64> {
    let depth = args.depth as usize;
    let width = args.width as usize;
    let mut net = Sequential::new("net");
    for k in 1..=depth {
        let fan_in = if k == 1 { 1 } else { width };
        let fan_out = if k == depth { 1 } else { width };
        net.push(Linear::new(
            store,
            &format!("layer{k}"),
            fan_in,
            fan_out,
            Init::HeNormal(args.gain),
        ));
    }
    net
}

/// Trains from the seed's weights, clipping at `max_norm` if given; stops at the first
/// non-finite loss or gradient. Also returns the first step's per-layer ledger.
pub(super) fn train(
    args: &ClipArgs,
    seed: u64,
    data: &Regression<f64>,
    max_norm: Option<f64>,
    progress: &mut Progress,
) -> Result<(Run, Vec<LayerRow>), CliError> {
    let mut store = ParamStore::<f64>::new(seed);
    let net = network(&mut store, args);
    let mut sgd = Sgd::new(args.lr);
    let mut run = Run {
        max_norm,
        steps: Vec::new(),
        failure: None,
    };
    let mut first_ledger = Vec::new();
    for step in 0..args.steps as usize {
        progress.tick();
        let tape = Tape::new();
        let p = store.bind(&tape);
        let prediction = net.forward(&tape, &p, tape.constant(data.x.clone()));
        let loss = prediction.mse(tape.constant(data.y.clone()));
        let loss_value = loss.value().item().unwrap_or(f64::NAN);
        let options = TraceOptions::ledger_only().with_anomalies(true);
        let (mut grads, trace) = loss
            .try_backward_traced(options)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        if step == 0 {
            first_ledger = trace.ledger().rows.clone();
        }
        let threshold = max_norm.unwrap_or(f64::INFINITY);
        let vars = p.vars();
        let grad_norm = match max_norm {
            Some(max_norm) => clip_grad_norm(&mut grads, &vars, max_norm)
                .map_err(|e| CliError::Failed(e.to_string()))?,
            None => global_grad_norm(&grads, &vars), // the unclipped run: measured only
        };
        let factor = threshold / (grad_norm + 1e-6);
        let step_grads: Vec<f64> = vars
            .iter()
            .flat_map(|v| grads.wrt(*v).map_or_else(Vec::new, |g| g.to_vec()))
            .collect();
        let along = NetLoss {
            store: &store,
            net: &net,
            data,
        };
        let curvature = if grad_norm.is_finite() && step_grads.len() == store.num_elements() {
            // λ_d = dᵀ(∇L(w + εd) − ∇L(w − εd)) / (2ε‖d‖²), d along the step.
            hvp_finite_differences(&along, &flat(&store), &step_grads).map_or(f64::NAN, |hd| {
                dot(&step_grads, &hd) / dot(&step_grads, &step_grads)
            })
        } else {
            f64::NAN
        };
        run.steps.push(Step {
            step,
            loss: loss_value,
            grad_norm,
            scale: if factor < 1.0 { factor } else { 1.0 },
            curvature,
        });
        if !loss_value.is_finite() || !grad_norm.is_finite() {
            // Trace the failing step again with its graph, so the report can say what each
            // operand is (the ledger-only trace names nodes but does not keep the graph).
            let trace = loss
                .try_backward_traced(TraceOptions::default())
                .map_or(trace, |(_, full)| full);
            run.failure = Some(Failure {
                step,
                notes: anomaly_notes(&trace, "L"),
                trace,
            });
            break;
        }
        sgd.step(&mut store, &p, &grads);
    }
    progress.advance(args.steps as usize - run.steps.len());
    Ok((run, first_ledger))
}

/// The mean squared error of the least-squares line `y = a·x + c` through the data: every
/// linear network computes such a line, so no training can end below it.
pub(super) fn best_line_loss(data: &Regression<f64>) -> f64 {
    let (x, y) = (data.x.to_vec(), data.y.to_vec());
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let intercept = my - slope * mx;
    x.iter()
        .zip(&y)
        .map(|(a, b)| (slope * a + intercept - b).powi(2))
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five points on y = 2x + 1 with residuals ±0.1 that no line removes: the least-squares
    /// line is still y = 2x + 1 (the residuals are symmetric and orthogonal to x), so the
    /// floor is their mean square, 0.01·4/5 = 0.008.
    #[test]
    fn the_floor_is_the_least_squares_line() {
        let x = vec![-2.0, -1.0, 0.0, 1.0, 2.0];
        let noise = [0.1, -0.1, 0.0, -0.1, 0.1];
        let y: Vec<f64> = x
            .iter()
            .zip(noise)
            .map(|(x, e)| 2.0 * x + 1.0 + e)
            .collect();
        let data = Regression {
            x: chaintrace::Tensor::from_vec(x, &[5, 1]),
            y: chaintrace::Tensor::from_vec(y, &[5, 1]),
        };
        assert!((best_line_loss(&data) - 0.008).abs() < 1e-15);
    }
}
