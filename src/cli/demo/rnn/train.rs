//! The training of `demo rnn`: a vanilla RNN, an LSTM and a GRU trained on the adding problem
//! with the same budget (steps, learning rate, hidden size, batches), and what each learns.
//!
//! Always predicting 1, the mean of the target, gives a mean squared error of Var(u₁ + u₂) =
//! 2·(1/12) = 1/6 ≈ 0.167 for two uniform values: the plateau a cell stays on until it learns
//! to carry the first marked value across the ≥ T/2 steps between it and the output. Each
//! step draws a fresh batch, so the training loss is also the loss on unseen sequences.

use std::sync::mpsc;

use chaintrace::data;
use chaintrace::nn::{Init, Layer, Linear, ParamStore};
use chaintrace::optim::{Adam, Optimizer};
use chaintrace::{Tape, Tensor};
use serde::Serialize;

use super::model::{Model, prepare_weights};
use super::{Cell, Config, RecurrentInit, num};
use chaintrace::report::{Table, serde_number};

/// The mean squared error of always predicting 1 on the adding problem: Var(u₁ + u₂) = 1/6.
pub(super) const BASELINE: f64 = 1.0 / 6.0;

/// Sequences per training step.
pub(super) const BATCH: usize = 32;

/// Adam's learning rate, the same for every cell.
pub(super) const LEARNING_RATE: f64 = 0.02;

/// The rows of the training table: the run is cut into this many windows of steps.
const WINDOWS: usize = 6;

/// The training settings, the same for every cell.
#[derive(Clone, Copy, Debug, Serialize)]
pub(super) struct TrainSettings {
    pub steps: usize,
    pub hidden: usize,
    pub batch: usize,
    pub learning_rate: f64,
    /// Added to the LSTM's forget-gate bias (Jozefowicz et al. 2015: 1).
    pub forget_bias: f64,
    /// Sequence length T.
    pub length: usize,
}

/// A window of training steps: the mean loss and mean ‖∂L/∂h₁‖ over its steps.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Window {
    /// The window's first and last step, from 1.
    pub first: usize,
    pub last: usize,
    #[serde(with = "serde_number")]
    pub loss: f64,
    /// The mean of ‖∂L/∂h₁‖ over the window's steps: how much of the loss reaches step 1.
    #[serde(with = "serde_number")]
    pub grad_h1: f64,
}

/// One cell's training run.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Trained {
    pub cell: Cell,
    pub windows: Vec<Window>,
}

impl Trained {
    /// The mean loss over the last window of steps.
    pub fn final_loss(&self) -> f64 {
        self.windows.last().map_or(f64::NAN, |w| w.loss)
    }

    /// The first window whose mean loss is below `fraction` of the baseline.
    pub fn first_below(&self, fraction: f64) -> Option<&Window> {
        self.windows.iter().find(|w| w.loss < fraction * BASELINE)
    }

    /// The first window's and the last window's mean ‖∂L/∂h₁‖.
    pub fn grad_h1_range(&self) -> (f64, f64) {
        let first = self.windows.first().map_or(f64::NAN, |w| w.grad_h1);
        let last = self.windows.last().map_or(f64::NAN, |w| w.grad_h1);
        (first, last)
    }
}

/// Trains the three cells, one thread each, and calls `tick` after every step of any cell.
pub(super) fn train_all(
    settings: TrainSettings,
    seed: u64,
    mut tick: impl FnMut(),
) -> Vec<Trained> {
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let handles: Vec<_> = Cell::ALL
            .iter()
            .map(|&cell| {
                let tx = tx.clone();
                s.spawn(move || train(cell, settings, seed, || tx.send(()).unwrap_or(())))
            })
            .collect();
        drop(tx);
        for () in rx {
            tick();
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("a training thread does not panic"))
            .collect()
    })
}

/// One cell trained with Adam on fresh batches of the adding problem (the same batches for
/// every cell), a linear readout of h_T predicting the sum.
fn train(cell: Cell, s: TrainSettings, seed: u64, tick: impl Fn()) -> Trained {
    let mut store = ParamStore::<f64>::new(seed);
    let model = Model::new(cell, &mut store, s.hidden);
    let readout = Linear::new(&mut store, "readout", s.hidden, 1, Init::Torch);
    let init = Config {
        steps: s.length,
        hidden: s.hidden,
        batch: s.batch,
        seed,
        init: RecurrentInit::Torch,
        scale: 1.0,
        // Only the LSTM's forget gate is opened; the GRU keeps PyTorch's init.
        gate_bias: if cell == Cell::Lstm {
            s.forget_bias
        } else {
            0.0
        },
    };
    prepare_weights(&mut store, &model, &init);
    let mut adam = Adam::<f64>::new(s.learning_rate);
    let width = s.steps.div_ceil(WINDOWS).max(1);
    let mut windows = Vec::new();
    let (mut loss_sum, mut grad_sum, mut first) = (0.0, 0.0, 1);
    for step in 1..=s.steps {
        let task = data::adding_problem::<f64>(s.batch, s.length, batch_seed(seed, step));
        let tape = Tape::new();
        let p = store.bind(&tape);
        let out = model.run(&tape, &p, tape.constant(task.x));
        let loss = readout
            .forward(&tape, &p, out.last())
            .mse(tape.constant(task.y));
        let grads = loss.backward();
        loss_sum += loss.value().item().unwrap_or(f64::NAN);
        grad_sum += grads.wrt(out.hidden[0]).map_or(0.0, Tensor::norm);
        adam.step(&mut store, &p, &grads);
        if step % width == 0 || step == s.steps {
            let n = (step + 1 - first) as f64;
            windows.push(Window {
                first,
                last: step,
                loss: loss_sum / n,
                grad_h1: grad_sum / n,
            });
            (loss_sum, grad_sum, first) = (0.0, 0.0, step + 1);
        }
        tick();
    }
    Trained { cell, windows }
}

/// The seed of training step `step`'s batch: apart from the demo's measuring batch (`seed`).
fn batch_seed(seed: u64, step: usize) -> u64 {
    seed.wrapping_mul(1_000_003).wrapping_add(step as u64)
}

/// The loss and ‖∂L/∂h₁‖ of each cell, window by window.
pub(super) fn training_table(trained: &[Trained]) -> Table {
    let mut header = vec!["steps".to_string()];
    header.extend(trained.iter().map(|t| format!("{} loss", t.cell.label())));
    header.extend(
        trained
            .iter()
            .map(|t| format!("{} ‖∂L/∂h₁‖", t.cell.label())),
    );
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header).right_align_from(0);
    let rows = trained.first().map_or(0, |t| t.windows.len());
    for i in 0..rows {
        let w = &trained[0].windows[i];
        let mut cells = vec![format!("{}–{}", w.first, w.last)];
        cells.extend(trained.iter().map(|t| num(t.windows[i].loss)));
        cells.extend(trained.iter().map(|t| num(t.windows[i].grad_h1)));
        table.row(cells);
    }
    table
}
