//! `chaintrace demo rnn`: how much gradient reaches each time step of a vanilla RNN, an LSTM
//! and a GRU on the adding problem, and why the RNN's follows the powers of its one recurrent
//! matrix.
//!
//! Each cell reads the same batch of sequences, a linear readout of the last hidden state
//! predicts the target, and one backward pass of the mean squared error gives `‖∂L/∂h_t‖` for
//! every step `t` (`grads.wrt(h_t)`). Going back one step multiplies the RNN's gradient by
//! `diag(1 − h_t²)·W_hh` — the same `W_hh` every time — so the demo also measures `W_hh`'s
//! largest singular value and spectral radius (by iteration, in `spectral.rs`) and sets
//! `ρ^(T−t)` beside the measured norms.

use clap::{Args, ValueEnum};
use serde::Serialize;

use chaintrace::data::{self, AddingProblem};
use chaintrace::nn::{Gru, Init, Layer, Linear, Lstm, ParamId, ParamStore, RecurrentOutput, Rnn};
use chaintrace::report::svg::{Series, time_norms};
use chaintrace::report::{Chart, Document, Table, fmt_sig, serde_number};
use chaintrace::{Tape, Tensor, TraceOptions};

use super::spectral::Matrix;
use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::output::render_report;
use crate::cli::progress::Progress;

/// Arguments of `chaintrace demo rnn`.
#[derive(Debug, Clone, Args)]
pub struct RnnArgs {
    /// Sequence length T of the adding problem (time steps the gradient must cross).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub steps: u32,

    /// Hidden units H of each cell.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub hidden: u32,

    /// Sequences in the batch.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub batch: u32,

    /// How every cell's W_hh is drawn: PyTorch's default U(±1/√H), or orthogonal (every
    /// singular value 1).
    #[arg(long, value_enum, default_value_t = RecurrentInit::Torch)]
    pub init: RecurrentInit,

    /// Multiplies every cell's W_hh after it is drawn: above 1 to make the RNN's gradient
    /// explode (try 4), below 1 to make it vanish faster.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub scale: f64,

    /// Added to the input bias of the LSTM's forget gate and the GRU's update gate, opening
    /// the paths that carry their state from step to step (try 3).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub gate_bias: f64,
}

/// How `W_hh` is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrentInit {
    /// PyTorch's default, U(−1/√H, 1/√H).
    Torch,
    /// An orthogonal matrix (orthonormal columns for the stacked gates).
    Orthogonal,
}

/// The three cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Cell {
    Rnn,
    Lstm,
    Gru,
}

impl Cell {
    const ALL: [Cell; 3] = [Cell::Rnn, Cell::Lstm, Cell::Gru];

    fn label(self) -> &'static str {
        match self {
            Cell::Rnn => "RNN",
            Cell::Lstm => "LSTM",
            Cell::Gru => "GRU",
        }
    }
}

/// Everything the demo measured (the JSON output).
#[derive(Debug, Serialize)]
struct RnnReport {
    steps: usize,
    hidden: usize,
    batch: usize,
    seed: u64,
    init: RecurrentInit,
    scale: f64,
    gate_bias: f64,
    runs: Vec<CellRun>,
    /// The vanilla RNN's recurrent matrix.
    w_hh: Spectrum,
}

/// One cell's backward pass.
#[derive(Debug, Serialize)]
struct CellRun {
    cell: Cell,
    #[serde(with = "serde_number")]
    loss: f64,
    /// `‖∂L/∂h_t‖` for `t = 1 … T`.
    #[serde(with = "serde_number::vec")]
    gradient_norms: Vec<f64>,
    /// `‖∂L/∂h_1‖ / ‖∂L/∂h_T‖`.
    #[serde(with = "serde_number")]
    ratio: f64,
    /// The ratio's geometric mean per step, `ratio^(1/(T−1))`.
    #[serde(with = "serde_number")]
    per_step: f64,
}

/// What `W_hh` does to a vector, once and over many steps.
#[derive(Debug, Serialize)]
struct Spectrum {
    /// `σ_max(W_hh)`, by the power method on `W_hhᵀ·W_hh`.
    #[serde(with = "serde_number")]
    largest_singular_value: f64,
    /// `ρ(W_hh) = lim ‖W_hh^k‖^(1/k)`.
    #[serde(with = "serde_number")]
    spectral_radius: f64,
    /// The mean of `1 − h_t²` over every step, unit and sequence of the RNN.
    #[serde(with = "serde_number")]
    mean_tanh_derivative: f64,
}

/// A cell and its readout, built in their own parameter store.
enum Model {
    Rnn(Rnn),
    Lstm(Lstm),
    Gru(Gru),
}

impl Model {
    fn new(cell: Cell, store: &mut ParamStore<f64>, hidden: usize) -> Model {
        match cell {
            Cell::Rnn => Model::Rnn(Rnn::new(store, "rnn", 2, hidden, Init::Torch)),
            Cell::Lstm => Model::Lstm(Lstm::new(store, "lstm", 2, hidden, Init::Torch)),
            Cell::Gru => Model::Gru(Gru::new(store, "gru", 2, hidden, Init::Torch)),
        }
    }

    fn weight_hh(&self) -> ParamId {
        match self {
            Model::Rnn(m) => m.weight_hh(),
            Model::Lstm(m) => m.weight_hh(),
            Model::Gru(m) => m.weight_hh(),
        }
    }

    /// The input bias and the rows of the gate that keeps the state (the LSTM's forget gate
    /// in the order i, f, g, o; the GRU's update gate in r, z, n): rows `H..2H` in both.
    fn keep_gate_bias(&self) -> Option<ParamId> {
        match self {
            Model::Rnn(_) => None,
            Model::Lstm(m) => Some(m.bias_ih()),
            Model::Gru(m) => Some(m.bias_ih()),
        }
    }

    fn run<'t>(
        &self,
        tape: &'t Tape<f64>,
        p: &chaintrace::nn::Params<'t, f64>,
        x: chaintrace::Var<'t, f64>,
    ) -> RecurrentOutput<'t, f64> {
        match self {
            Model::Rnn(m) => m.run(tape, p, x, None),
            Model::Lstm(m) => m.run(tape, p, x, None),
            Model::Gru(m) => m.run(tape, p, x, None),
        }
    }
}

/// The run's settings, checked.
struct Config {
    steps: usize,
    hidden: usize,
    batch: usize,
    seed: u64,
    init: RecurrentInit,
    scale: f64,
    gate_bias: f64,
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &RnnArgs, format: Format, seed: u64) -> Result<String, CliError> {
    for (flag, v) in [("--scale", args.scale), ("--gate-bias", args.gate_bias)] {
        if !v.is_finite() {
            return Err(CliError::Usage(format!(
                "{flag} must be a finite number, got {v}"
            )));
        }
    }
    let config = Config {
        steps: args.steps as usize,
        hidden: args.hidden as usize,
        batch: args.batch as usize,
        seed,
        init: args.init,
        scale: args.scale,
        gate_bias: args.gate_bias,
    };
    let report = measure(&config);
    let doc = document(&report)?;
    render_report("rnn", &doc, &report, format)
}

fn measure(config: &Config) -> RnnReport {
    let task = data::adding_problem::<f64>(config.batch, config.steps, config.seed);
    let mut progress = Progress::new("demo rnn", Cell::ALL.len());
    let mut runs = Vec::new();
    let mut w_hh = None;
    for cell in Cell::ALL {
        let (run, spectrum) = run_cell(cell, config, &task);
        runs.push(run);
        w_hh = w_hh.or(spectrum);
        progress.tick();
    }
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
    }
}

/// One cell at initialisation: its gradient at every step (and, for the RNN, `W_hh`).
fn run_cell(cell: Cell, config: &Config, task: &AddingProblem<f64>) -> (CellRun, Option<Spectrum>) {
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

/// Draws `W_hh` as asked (orthogonal, scaled) and opens the keep gate by `gate_bias`.
fn prepare_weights(store: &mut ParamStore<f64>, model: &Model, config: &Config) {
    let w_hh = model.weight_hh();
    if config.init == RecurrentInit::Orthogonal {
        store.reinit(w_hh, Init::Orthogonal(1.0));
    }
    let scaled = store.get(w_hh).map(|w| w * config.scale);
    *store.get_mut(w_hh) = scaled;
    if let Some(bias) = model.keep_gate_bias() {
        let h = config.hidden;
        let mut b = store.get(bias).to_vec();
        b[h..2 * h].iter_mut().for_each(|x| *x += config.gate_bias);
        let len = b.len();
        *store.get_mut(bias) = Tensor::from_vec(b, &[len]);
    }
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

/// How a cell's gradient fares from step T back to step 1, with the ledger's thresholds.
fn verdict(ratio: f64) -> &'static str {
    let flags = TraceOptions::default();
    match ratio {
        r if !r.is_finite() => "becomes non-finite",
        r if r < flags.vanishing => "vanishes",
        r if r > flags.exploding => "explodes",
        _ => "stays within a factor of 1000",
    }
}

impl RnnReport {
    fn run(&self, cell: Cell) -> &CellRun {
        self.runs
            .iter()
            .find(|r| r.cell == cell)
            .expect("every cell is measured")
    }

    /// `ρ^(T−t)·‖∂L/∂h_T‖` for `t = 1 … T`: the RNN's norm if every step multiplied by ρ.
    fn reference(&self) -> Vec<f64> {
        let last = *self.run(Cell::Rnn).gradient_norms.last().expect("T ≥ 2");
        let rho = self.w_hh.spectral_radius;
        (1..=self.steps)
            .map(|t| rho.powi((self.steps - t) as i32) * last)
            .collect()
    }

    fn weights_description(&self) -> String {
        let drawn = match self.init {
            RecurrentInit::Torch => "drawn as PyTorch does (every weight U(±1/√H))",
            RecurrentInit::Orthogonal => {
                "drawn as PyTorch does (U(±1/√H)), except W_hh, drawn orthogonal"
            }
        };
        let scaled = if self.scale == 1.0 {
            String::new()
        } else {
            format!(", then W_hh multiplied by {}", num(self.scale))
        };
        let gates = if self.gate_bias == 0.0 {
            String::new()
        } else {
            format!(
                ", and {} added to the biases of the LSTM's forget gate and the GRU's update \
                 gate",
                num(self.gate_bias)
            )
        };
        format!("{drawn}{scaled}{gates}")
    }
}

/// The report for people: claim, setup, tables, what the numbers show, chart.
fn document(r: &RnnReport) -> Result<Document, CliError> {
    let t = r.steps;
    let mut doc = Document::new(format!(
        "Gradients through time: vanilla RNN, LSTM and GRU on the adding problem (T = {t})"
    ));
    doc.paragraph(
        "The article: recurrent networks are particularly susceptible to exploding and \
         vanishing gradients because they reuse the same weight matrix at every time step, \
         powering the numbers repeatedly; LSTMs and GRUs have gates that regulate how much \
         gradient flows.",
    );
    doc.paragraph(format!(
        "What was run: the adding problem (two marked numbers among {t}; the target is their \
         sum), a batch of {} sequences drawn with seed {}. Each cell, with H = {} hidden units, \
         weights {}, reads the sequences; a linear readout of h_{t} predicts the sum and L is \
         the mean squared error. One backward pass per cell, at initialisation. ‖∂L/∂h_t‖ is \
         the norm of the gradient that reaches the hidden state of step t.",
        r.batch,
        r.seed,
        r.hidden,
        r.weights_description()
    ));
    doc.heading(format!(
        "‖∂L/∂h_t‖ at every step, from the loss (t = {t}) back to the first step"
    ));
    doc.table(norms_table(r));
    doc.heading("From the last step to the first");
    doc.table(summary_table(r));
    doc.paragraph(comparison(r));
    doc.heading("The same matrix at every step");
    doc.table(spectrum_table(r));
    doc.paragraph(matrix_explanation(r));
    if let Some(hint) = hints(r) {
        doc.paragraph(hint);
    }
    doc.chart(chart(r)?);
    Ok(doc)
}

fn norms_table(r: &RnnReport) -> Table {
    let mut table =
        Table::new(&["t", "RNN", "LSTM", "GRU", "ρ^(T−t)·‖∂L/∂h_T‖ (RNN)"]).right_align_from(0);
    let reference = r.reference();
    for step in (1..=r.steps).rev() {
        let mut cells = vec![step.to_string()];
        cells.extend(
            Cell::ALL
                .iter()
                .map(|&c| num(r.run(c).gradient_norms[step - 1])),
        );
        cells.push(num(reference[step - 1]));
        table.row(cells);
    }
    table
}

fn summary_table(r: &RnnReport) -> Table {
    let t = r.steps;
    let mut table = Table::new(&[
        "cell",
        "loss",
        &format!("‖∂L/∂h_{t}‖"),
        "‖∂L/∂h_1‖",
        &format!("‖∂L/∂h_1‖ / ‖∂L/∂h_{t}‖"),
        "per step",
        "through time",
    ]);
    for column in 1..=5 {
        table = table.right_align(column);
    }
    for run in &r.runs {
        table.row(vec![
            run.cell.label().to_string(),
            num(run.loss),
            num(run.gradient_norms[t - 1]),
            num(run.gradient_norms[0]),
            num(run.ratio),
            num(run.per_step),
            verdict(run.ratio).to_string(),
        ]);
    }
    table
}

/// Each cell's fate, and how the gated cells compare with the RNN: computed, not asserted.
fn comparison(r: &RnnReport) -> String {
    let t = r.steps;
    // Cells grouped by verdict, in the order the verdicts first appear.
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for run in &r.runs {
        let v = verdict(run.ratio);
        let cell = format!("the {}", run.cell.label());
        match groups.iter_mut().find(|(g, _)| *g == v) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((v, vec![cell])),
        }
    }
    let fates: Vec<String> = groups
        .iter()
        .map(|(v, cells)| format!("{v} for {}", join(cells)))
        .collect();
    let rnn = r.run(Cell::Rnn).ratio;
    let relative: Vec<String> = [Cell::Lstm, Cell::Gru]
        .iter()
        .map(|&c| format!("{} times for the {}", num(r.run(c).ratio / rnn), c.label()))
        .collect();
    // Steadiest: the ratio closest to 1 on a log scale.
    let steadiest = r
        .runs
        .iter()
        .min_by(|a, b| a.ratio.ln().abs().total_cmp(&b.ratio.ln().abs()))
        .expect("three cells");
    format!(
        "From step {t} back to step 1, the gradient {}. Relative to the RNN, the ratio ‖∂L/∂h_1‖ / \
         ‖∂L/∂h_{t}‖ is {}. Steadiest through time: the {} (×{} per step).",
        join(&fates),
        join(&relative),
        steadiest.cell.label(),
        num(steadiest.per_step)
    )
}

fn spectrum_table(r: &RnnReport) -> Table {
    let rnn = r.run(Cell::Rnn);
    let s = &r.w_hh;
    let mut table = Table::new(&["quantity (vanilla RNN)", "value"]).right_align(1);
    let rows = [
        (
            "σ_max(W_hh), largest singular value (power method)",
            s.largest_singular_value,
        ),
        (
            "ρ(W_hh), spectral radius (‖W_hh^k‖^(1/k), k = 4096)",
            s.spectral_radius,
        ),
        ("mean tanh′ = mean of 1 − h_t²", s.mean_tanh_derivative),
        (
            "ρ(W_hh) × mean tanh′",
            s.spectral_radius * s.mean_tanh_derivative,
        ),
        ("measured factor per step", rnn.per_step),
    ];
    for (name, value) in rows {
        table.row(vec![name.to_string(), num(value)]);
    }
    table
}

/// Why the RNN's rate is what it is, with this run's numbers.
fn matrix_explanation(r: &RnnReport) -> String {
    let s = &r.w_hh;
    let measured = r.run(Cell::Rnn).per_step;
    let (sigma, rho) = (s.largest_singular_value, s.spectral_radius);
    let predicted = rho * s.mean_tanh_derivative;
    let within = if measured <= sigma * (1.0 + 1e-9) {
        "within"
    } else {
        "above"
    };
    format!(
        "One step back multiplies the RNN's gradient by diag(1 − h_t²)·W_hh, with the same \
         W_hh at every step. Since |tanh′| ≤ 1, no step can stretch it by more than σ_max = \
         {}, so ‖∂L/∂h_t‖ ≤ σ_max^(T−t)·‖∂L/∂h_T‖. Over many steps the powers W_hh^k grow \
         like ρ^k with ρ = {}, and the tanh derivatives (here {} on average) scale each step \
         further: ρ × mean tanh′ = {} per step, against ×{} measured ({} the bound σ_max). \
         The last column of the first table is the RNN's gradient if every step multiplied it \
         by exactly ρ.",
        num(sigma),
        num(rho),
        num(s.mean_tanh_derivative),
        num(predicted),
        num(measured),
        within
    )
}

/// What to try next, from what this run showed.
fn hints(r: &RnnReport) -> Option<String> {
    let mut hints = Vec::new();
    let rnn = r.run(Cell::Rnn);
    if verdict(rnn.ratio) != "explodes" {
        let at_four = if r.scale == 0.0 {
            String::new()
        } else {
            let k = 4.0 / r.scale.abs();
            format!(
                " (here to {} and {})",
                num(k * r.w_hh.largest_singular_value),
                num(k * r.w_hh.spectral_radius)
            )
        };
        hints.push(format!(
            "--scale 4 draws W_hh four times as large, so σ_max and ρ grow fourfold{at_four}; \
             once ρ × mean tanh′ passes 1, by that estimate, the RNN's gradient grows back through time"
        ));
    }
    if r.gate_bias == 0.0 {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        hints.push(format!(
            "--gate-bias 3 starts the LSTM's forget gate and the GRU's update gate at about \
             σ(3) = {} instead of σ(0) = {}, so the paths that carry the state from step to \
             step (c_t = f⊙c_(t−1) + …, h_t = z⊙h_(t−1) + …) multiply the gradient by nearly 1",
            num(sigmoid(3.0)),
            num(sigmoid(0.0))
        ));
    }
    (!hints.is_empty()).then(|| format!("To try: {}.", hints.join("; ")))
}

fn chart(r: &RnnReport) -> Result<Chart, CliError> {
    let mut series: Vec<Series> = r
        .runs
        .iter()
        .map(|run| {
            Series::new(
                run.cell.label(),
                run.gradient_norms
                    .iter()
                    .enumerate()
                    .map(|(i, g)| ((i + 1) as f64, *g)),
            )
        })
        .collect();
    series.push(Series::new(
        "RNN if ×ρ(W_hh) per step",
        r.reference()
            .into_iter()
            .enumerate()
            .map(|(i, g)| ((i + 1) as f64, g)),
    ));
    let title = format!("‖∂L/∂h_t‖ through {} time steps (adding problem)", r.steps);
    let svg = time_norms(&title, &series).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Gradient norm at each time step, log scale".to_string(),
        svg,
    })
}

/// Three significant digits: the tables are long, and the trend is what matters.
fn num(x: f64) -> String {
    fmt_sig(x, 3)
}

/// `a, b and c`.
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// With W_hh = 0 an RNN step forgets the past: h_t = tanh(x_t·W_ihᵀ + b), so the loss
    /// (on h_T only) sends no gradient to any earlier step.
    #[test]
    fn without_recurrent_weights_no_gradient_crosses_a_step() {
        let report = measure(&config(5, 0.0));
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
        let report = measure(&c);
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let norms = &report.run(Cell::Rnn).gradient_norms;
        assert!((norms[1] - norm(&got)).abs() < 1e-12);
        assert!((norms[2] - norm(&g_last)).abs() < 1e-12);
    }

    #[test]
    fn verdicts_use_the_ledger_thresholds() {
        assert_eq!(verdict(1e-4), "vanishes");
        assert_eq!(verdict(2e3), "explodes");
        assert_eq!(verdict(0.5), "stays within a factor of 1000");
        assert_eq!(verdict(f64::NAN), "becomes non-finite");
        assert_eq!(join(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
