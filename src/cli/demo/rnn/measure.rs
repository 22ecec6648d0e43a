//! The measurements of `demo rnn`: one backward pass per cell at initialisation, the gradient
//! norm at every time step, and what the RNN's one recurrent matrix does.

use chaintrace::data::{self, AddingProblem};
use chaintrace::nn::{Init, Layer, Linear, ParamStore, RecurrentOutput};
use chaintrace::{Tape, Tensor};

use super::model::{Model, prepare_weights};
use super::regimes::measure_regimes;
use super::train::{TrainSettings, train_all};
use super::{Cell, CellRun, Config, RnnReport, Spectrum};
use crate::cli::demo::spectral::Matrix;
use crate::cli::progress::Progress;

/// Every cell at initialisation, the RNN at each of `scales`, and the three cells trained.
pub(super) fn measure(config: &Config, scales: &[f64], training: TrainSettings) -> RnnReport {
    let task = data::adding_problem::<f64>(config.batch, config.steps, config.seed);
    let units = Cell::ALL.len() + 1 + Cell::ALL.len() * training.steps;
    let mut progress = Progress::new("demo rnn", units);
    let mut runs = Vec::new();
    let mut w_hh = None;
    for cell in Cell::ALL {
        let (run, spectrum) = run_cell(cell, config, &task);
        runs.push(run);
        w_hh = w_hh.or(spectrum);
        progress.tick();
    }
    let regimes = measure_regimes(config, scales, &task);
    progress.tick();
    let trained = train_all(training, config.seed, || progress.tick());
    RnnReport {
        steps: config.steps,
        hidden: config.hidden,
        batch: config.batch,
        seed: config.seed,
        init: config.init,
        scale: config.scale,
        gate_bias: config.gate_bias,
        runs,
        w_hh: w_hh.expect("the RNN is measured"),
        regimes,
        training,
        trained,
    }
}

/// One cell at initialisation: its gradient at every step (and, for the RNN, `W_hh`).
pub(super) fn run_cell(
    cell: Cell,
    config: &Config,
    task: &AddingProblem<f64>,
) -> (CellRun, Option<Spectrum>) {
    let h = config.hidden;
    let mut store = ParamStore::<f64>::new(config.seed);
    let model = Model::new(cell, &mut store, h);
    let readout = Linear::new(&mut store, "readout", h, 1, Init::Torch);
    prepare_weights(&mut store, &model, config);

    let tape = Tape::new();
    let p = store.bind(&tape);
    let out = model.run(&tape, &p, tape.constant(task.x.clone()));
    let prediction = readout.forward(&tape, &p, out.last());
    let loss = prediction.mse(tape.constant(task.y.clone()));
    let grads = loss.backward();
    let norms: Vec<f64> = out
        .hidden
        .iter()
        .map(|h_t| grads.wrt(*h_t).map_or(0.0, Tensor::norm))
        .collect();
    let ratio = norms[0] / norms[norms.len() - 1];
    let run = CellRun {
        cell,
        loss: loss.value().item().unwrap_or(f64::NAN),
        per_step: ratio.powf(1.0 / (config.steps as f64 - 1.0)),
        ratio,
        gradient_norms: norms,
    };
    let spectrum = (cell == Cell::Rnn).then(|| {
        let w = store.get(model.weight_hh());
        let matrix = Matrix::new(h, h, w.to_vec());
        Spectrum {
            largest_singular_value: matrix.largest_singular_value(),
            spectral_radius: matrix.spectral_radius(),
            mean_tanh_derivative: mean_tanh_derivative(&out),
        }
    });
    (run, spectrum)
}

/// The mean of `1 − h²` over every hidden value of the run: how much the tanh lets through.
fn mean_tanh_derivative(out: &RecurrentOutput<'_, f64>) -> f64 {
    let (sum, count) = out.hidden.iter().fold((0.0, 0usize), |(s, n), h| {
        let v = h.value();
        (
            s + v.to_vec().iter().map(|x| 1.0 - x * x).sum::<f64>(),
            n + v.len(),
        )
    });
    sum / count as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::demo::rnn::RecurrentInit;

    fn config(steps: usize, scale: f64) -> Config {
        Config {
            steps,
            hidden: 4,
            batch: 2,
            seed: 0,
            init: RecurrentInit::Torch,
            scale,
            gate_bias: 0.0,
        }
    }

    fn no_training() -> TrainSettings {
        TrainSettings {
            steps: 0,
            hidden: 2,
            batch: 2,
            learning_rate: 0.01,
            forget_bias: 1.0,
            length: 3,
        }
    }

    /// With W_hh = 0 an RNN step forgets the past: h_t = tanh(x_t·W_ihᵀ + b), so the loss
    /// (on h_T only) sends no gradient to any earlier step.
    #[test]
    fn without_recurrent_weights_no_gradient_crosses_a_step() {
        let report = measure(&config(5, 0.0), &[1.0], no_training());
        let norms = &report.run(Cell::Rnn).gradient_norms;
        assert!(norms[4] > 0.0);
        assert!(norms[..4].iter().all(|&g| g == 0.0), "{norms:?}");
        assert_eq!(report.w_hh.spectral_radius, 0.0);
    }

    /// One step back from h_T: ∂L/∂h_(T−1) = (∂L/∂h_T ⊙ (1 − h_T²))·W_hh, checked against the
    /// engine with the weights read back from a store built the same way.
    #[test]
    fn one_step_back_is_the_tanh_derivative_times_w_hh() {
        let c = config(3, 1.0);
        let task = data::adding_problem::<f64>(c.batch, c.steps, c.seed);
        let mut store = ParamStore::<f64>::new(c.seed);
        let model = Model::new(Cell::Rnn, &mut store, c.hidden);
        let readout = Linear::new(&mut store, "readout", c.hidden, 1, Init::Torch);
        prepare_weights(&mut store, &model, &c);
        let tape = Tape::new();
        let p = store.bind(&tape);
        let out = model.run(&tape, &p, tape.constant(task.x.clone()));
        let loss = readout
            .forward(&tape, &p, out.last())
            .mse(tape.constant(task.y.clone()));
        let grads = loss.backward();
        let g_last = grads.wrt(out.hidden[2]).unwrap().to_vec();
        let h_last = out.hidden[2].value().to_vec();
        let w = store.get(model.weight_hh()).to_vec();
        let h = c.hidden;
        let mut expected = vec![0.0; c.batch * h];
        for b in 0..c.batch {
            for j in 0..h {
                expected[b * h + j] = (0..h)
                    .map(|i| g_last[b * h + i] * (1.0 - h_last[b * h + i].powi(2)) * w[i * h + j])
                    .sum();
            }
        }
        let got = grads.wrt(out.hidden[1]).unwrap().to_vec();
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-12, "{got:?} vs {expected:?}");
        }
        // And the report's norms are those gradients' norms.
        let report = measure(&c, &[1.0], no_training());
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let norms = &report.run(Cell::Rnn).gradient_norms;
        assert!((norms[1] - norm(&got)).abs() < 1e-12);
        assert!((norms[2] - norm(&g_last)).abs() < 1e-12);
    }
}
