//! `chaintrace demo clip`: the same training run with and without global-norm gradient
//! clipping.
//!
//! The network is a deep *linear* one — `L` linear layers and nothing between them, so its
//! output is the product of the `L` weight matrices times `x`: the article's "product of the
//! weights of all layers" taken literally. Drawn slightly too large (He-normal with gain 1.3),
//! that product makes the first gradient large, plain SGD takes a step too long for the valley
//! it is in, the loss goes up, the next gradient is larger still, and within a few steps the
//! numbers overflow to infinity and NaN. [`clip_grad_norm`] caps each step's length at
//! `lr · max_norm` and the same run converges. The step where the first non-finite number
//! appears is located by the tracer's anomaly report.

use clap::Args;
use serde::Serialize;

use chaintrace::data::{self, Regression};
use chaintrace::hooks::{clip_grad_norm, global_grad_norm};
use chaintrace::nn::{Init, Layer, Linear, ParamStore, Sequential};
use chaintrace::optim::{Optimizer, Sgd};
use chaintrace::report::svg::{LineChart, Series, Threshold, line_chart, loss_curves};
use chaintrace::report::{Chart, Document, Table, anomaly_notes, fmt_sig, serde_number};
use chaintrace::trace::LayerRow;
use chaintrace::{Tape, Trace, TraceOptions};

use crate::cli::CliError;
use crate::cli::args::Format;
use crate::cli::output::render_report;
use crate::cli::progress::Progress;

/// Arguments of `chaintrace demo clip`.
#[derive(Debug, Clone, Args)]
pub struct ClipArgs {
    /// Linear layers in the network.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub depth: u32,

    /// Units in each hidden layer.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub width: u32,

    /// Initial weights N(0, (gain²)/fan_in): above 1 each layer stretches, and the product of
    /// `depth` layers stretches by about gain^depth.
    #[arg(long, default_value_t = 1.3)]
    pub gain: f64,

    /// SGD learning rate.
    #[arg(long, default_value_t = 0.05)]
    pub lr: f64,

    /// Training steps of each run (full batch).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub steps: u32,

    /// The clipping threshold: the global 2-norm of all parameter gradients is rescaled to at
    /// most this.
    #[arg(long, default_value_t = 5.0)]
    pub max_norm: f64,

    /// Training points (y = sin(πx) + noise, x in [−1, 1)).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub samples: u32,
}

/// The noise of the regression targets.
const NOISE: f64 = 0.1;

/// Rows of the loss table when every step is not shown.
const EVERY: usize = 10;

/// Everything the demo measured (the JSON output).
#[derive(Debug, Serialize)]
struct ClipReport {
    depth: usize,
    width: usize,
    gain: f64,
    lr: f64,
    steps: usize,
    max_norm: f64,
    samples: usize,
    seed: u64,
    /// The mean squared error of the least-squares straight line: the best a linear network
    /// can do on this data.
    #[serde(with = "serde_number")]
    best_line_loss: f64,
    /// The first step's per-layer ledger (the same in both runs).
    first_step_ledger: Vec<LayerRow>,
    runs: Vec<Run>,
}

/// One training run.
#[derive(Debug, Serialize)]
struct Run {
    /// `None` without clipping.
    max_norm: Option<f64>,
    steps: Vec<Step>,
    /// Where the run stopped on a non-finite loss or gradient, if it did.
    failure: Option<Failure>,
}

/// One step: the loss before it, the gradient's global norm before clipping, and the factor
/// clipping multiplied the gradient by.
#[derive(Debug, Serialize)]
struct Step {
    step: usize,
    #[serde(with = "serde_number")]
    loss: f64,
    #[serde(with = "serde_number")]
    grad_norm: f64,
    /// `max_norm / (‖g‖ + 1e-6)` when that is below 1, else 1.
    #[serde(with = "serde_number")]
    scale: f64,
}

/// The first step whose loss or gradient is not finite, with the tracer's report of it.
#[derive(Debug, Serialize)]
struct Failure {
    step: usize,
    /// What the tracer's anomaly report says, as sentences.
    notes: Vec<String>,
    /// That step's trace: the per-layer ledger and the anomalies.
    trace: Trace,
}

impl Run {
    fn clipped(&self) -> bool {
        self.max_norm.is_some()
    }

    fn name(&self) -> String {
        match self.max_norm {
            Some(m) => format!("clipped at {}", num(m)),
            None => "no clipping".to_string(),
        }
    }

    /// The last finite loss.
    fn final_loss(&self) -> f64 {
        self.steps
            .iter()
            .rev()
            .map(|s| s.loss)
            .find(|l| l.is_finite())
            .unwrap_or(f64::NAN)
    }

    fn times_clipped(&self) -> usize {
        self.steps.iter().filter(|s| s.scale < 1.0).count()
    }

    /// The first step at which the loss went up, and by how much.
    fn first_rise(&self) -> Option<(usize, f64, f64)> {
        self.steps
            .windows(2)
            .find(|w| w[1].loss > w[0].loss)
            .map(|w| (w[0].step, w[0].loss, w[1].loss))
    }

    /// The largest finite loss and its step.
    fn peak_loss(&self) -> Option<(usize, f64)> {
        self.steps
            .iter()
            .filter(|s| s.loss.is_finite())
            .map(|s| (s.step, s.loss))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Runs the demo and renders it in `format`.
pub fn run(args: &ClipArgs, format: Format, seed: u64) -> Result<String, CliError> {
    for (flag, v) in [
        ("--gain", args.gain),
        ("--lr", args.lr),
        ("--max-norm", args.max_norm),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(CliError::Usage(format!(
                "{flag} must be a positive number, got {v}"
            )));
        }
    }
    let data = data::noisy_regression::<f64>(args.samples as usize, NOISE, seed);
    let mut progress = Progress::new("demo clip", 2 * args.steps as usize);
    let mut ledger = Vec::new();
    let mut runs = Vec::new();
    for max_norm in [None, Some(args.max_norm)] {
        let (run, first) = train(args, seed, &data, max_norm, &mut progress)?;
        if ledger.is_empty() {
            ledger = first;
        }
        runs.push(run);
    }
    drop(progress);
    let report = ClipReport {
        depth: args.depth as usize,
        width: args.width as usize,
        gain: args.gain,
        lr: args.lr,
        steps: args.steps as usize,
        max_norm: args.max_norm,
        samples: args.samples as usize,
        seed,
        best_line_loss: best_line_loss(&data),
        first_step_ledger: ledger,
        runs,
    };
    let doc = document(&report)?;
    render_report("clip", &doc, &report, format)
}

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
fn train(
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
        run.steps.push(Step {
            step,
            loss: loss_value,
            grad_norm,
            scale: if factor < 1.0 { factor } else { 1.0 },
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
fn best_line_loss(data: &Regression<f64>) -> f64 {
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

/// Three significant digits.
fn num(x: f64) -> String {
    fmt_sig(x, 3)
}

/// The report for people: claim, setup, tables, what the numbers show, charts.
fn document(r: &ClipReport) -> Result<Document, CliError> {
    let mut doc = Document::new(format!(
        "Gradient clipping: a {}-layer network trained with and without it",
        r.depth
    ));
    doc.paragraph(
        "The article: when the gradient explodes, gradient descent takes a massive step and \
         shoots across the valley instead of settling at the bottom (overshooting), and the \
         numbers can grow past what floating point holds (NaN). The fix it calls the most \
         robust: gradient clipping — if the gradient vector is longer than a threshold (a \
         norm of 1 or 5), rescale it to the threshold.",
    );
    doc.paragraph(format!(
        "What was run: a deep linear network — {} linear layers of width {} with nothing \
         between them, so its output is the product of the {} weight matrices times x, the \
         article's product of weights taken literally — with weights N(0, {}²/fan_in). It \
         fits y = sin(πx) + noise at {} points (seed {}) by mean squared error, with plain \
         SGD at learning rate {} for {} full-batch steps, twice from the same weights: once \
         as is, once with the global gradient norm clipped to {} (clip_grad_norm, PyTorch's \
         semantics). Every backward pass is traced with anomaly detection on. A linear \
         network can only draw a straight line: the best line (least squares) has loss {}.",
        r.depth,
        r.width,
        r.depth,
        num(r.gain),
        r.samples,
        r.seed,
        num(r.lr),
        r.steps,
        num(r.max_norm),
        num(r.best_line_loss)
    ));
    doc.heading("The first step's gradient, layer by layer (the trace's ledger)");
    doc.table(ledger_table(&r.first_step_ledger));
    doc.paragraph(ledger_reading(&r.first_step_ledger));
    doc.heading("Loss and gradient norm per step");
    doc.table(steps_table(r));
    doc.heading("Outcome");
    doc.table(outcome_table(r));
    for run in &r.runs {
        doc.paragraph(run_reading(r, run));
        if let Some(failure) = &run.failure {
            for note in &failure.notes {
                doc.paragraph(format!("Tracer, training step {}: {note}.", failure.step));
            }
        }
    }
    doc.chart(loss_chart(r)?);
    doc.chart(norm_chart(r)?);
    Ok(doc)
}

fn ledger_table(rows: &[LayerRow]) -> Table {
    let mut table = Table::new(&[
        "layer",
        "‖∂L/∂(layer output)‖",
        "gain",
        "running product",
        "‖∂L/∂W‖",
    ]);
    for column in 1..=4 {
        table = table.right_align(column);
    }
    for row in rows {
        let weight = row
            .params
            .iter()
            .find(|p| p.name.ends_with(".weight"))
            .map_or(String::new(), |p| num(p.norm));
        table.row(vec![
            row.layer.clone(),
            num(row.output_norm),
            row.gain.map_or("—".into(), num),
            num(row.running),
            weight,
        ]);
    }
    table
}

fn ledger_reading(rows: &[LayerRow]) -> String {
    let (Some(last), Some(first)) = (rows.first(), rows.last()) else {
        return String::new();
    };
    let gains: Vec<f64> = rows.iter().filter_map(|r| r.gain).collect();
    let mean_gain = if gains.is_empty() {
        1.0
    } else {
        (gains.iter().map(|g| g.ln()).sum::<f64>() / gains.len() as f64).exp()
    };
    let trend = if first.running > 1.0 {
        "grows"
    } else {
        "shrinks"
    };
    format!(
        "Going back, each layer multiplies the gradient by its gain (×{} per layer on \
         average), so it {trend} on its way to the input: ‖∂L/∂(output)‖ is {} at {} and {} \
         at {}, a running product of {}.",
        num(mean_gain),
        num(last.output_norm),
        last.layer,
        num(first.output_norm),
        first.layer,
        num(first.running)
    )
}

/// The steps shown: all of them for short runs; else the first ten, the steps around each
/// run's failure, every tenth, and the last.
fn shown_steps(r: &ClipReport) -> Vec<usize> {
    let longest = r.runs.iter().map(|run| run.steps.len()).max().unwrap_or(0);
    if longest <= 3 * EVERY {
        return (0..longest).collect();
    }
    let failures: Vec<usize> = r
        .runs
        .iter()
        .filter_map(|run| run.failure.as_ref().map(|f| f.step))
        .collect();
    (0..longest)
        .filter(|&s| {
            s < EVERY
                || s % EVERY == 0
                || s + 1 == longest
                || failures.iter().any(|&f| s + 2 >= f && s <= f + 1)
        })
        .collect()
}

fn steps_table(r: &ClipReport) -> Table {
    let clip = r
        .runs
        .iter()
        .find(|run| run.clipped())
        .expect("a clipped run");
    let plain = r
        .runs
        .iter()
        .find(|run| !run.clipped())
        .expect("an unclipped run");
    let mut table = Table::new(&[
        "step",
        "loss, no clipping",
        "‖g‖, no clipping",
        &format!("loss, clipped at {}", num(r.max_norm)),
        "‖g‖ before clipping",
        "clipping scale",
    ])
    .right_align_from(0);
    let cell =
        |run: &Run, s: usize, f: fn(&Step) -> String| run.steps.get(s).map_or(String::new(), f);
    let mut previous: Option<usize> = None;
    for s in shown_steps(r) {
        if previous.is_some_and(|p| p + 1 != s) {
            table.row(vec!["…".into()]);
        }
        previous = Some(s);
        table.row(vec![
            s.to_string(),
            cell(plain, s, |st| num(st.loss)),
            cell(plain, s, |st| num(st.grad_norm)),
            cell(clip, s, |st| num(st.loss)),
            cell(clip, s, |st| num(st.grad_norm)),
            cell(clip, s, |st| {
                if st.scale < 1.0 {
                    format!("×{}", num(st.scale))
                } else {
                    "—".into()
                }
            }),
        ]);
    }
    table
}

fn outcome_table(r: &ClipReport) -> Table {
    let mut table = Table::new(&[
        "run",
        "steps run",
        "first non-finite at step",
        "largest finite loss",
        "last finite loss",
        "steps clipped",
    ]);
    for column in 1..=5 {
        table = table.right_align(column);
    }
    for run in &r.runs {
        table.row(vec![
            run.name(),
            run.steps.len().to_string(),
            run.failure
                .as_ref()
                .map_or("—".into(), |f| f.step.to_string()),
            run.peak_loss().map_or("—".into(), |(_, l)| num(l)),
            num(run.final_loss()),
            if run.clipped() {
                run.times_clipped().to_string()
            } else {
                "—".into()
            },
        ]);
    }
    table
}

/// What one run did, in words computed from its numbers.
fn run_reading(r: &ClipReport, run: &Run) -> String {
    let mut parts = vec![format!("{}:", capitalised(&run.name()))];
    match run.first_rise() {
        Some((step, before, after)) => {
            let taken = &run.steps[step];
            parts.push(format!(
                "the loss first went up at step {} → {}, from {} to {} (×{}), after a step \
                 that moved the weights by lr × ‖g‖{} = {}: the step overshot.",
                step,
                step + 1,
                num(before),
                num(after),
                num(after / before),
                if taken.scale < 1.0 { " × scale" } else { "" },
                num(r.lr * taken.grad_norm * taken.scale)
            ))
        }
        None => parts.push("the loss never went up from one step to the next.".into()),
    }
    if let Some((step, peak)) = run.peak_loss().filter(|(s, _)| *s > 0) {
        parts.push(format!(
            "Its largest finite loss was {} at step {step}.",
            num(peak)
        ));
    }
    match &run.failure {
        Some(f) => parts.push(format!(
            "At step {} the loss or the gradient was no longer a finite number, and training \
             stopped.",
            f.step
        )),
        None => {
            let last = run.final_loss();
            let above = last / r.best_line_loss - 1.0;
            let relation = if fmt_sig(last, 5) == fmt_sig(r.best_line_loss, 5) {
                "to five significant digits the same as".to_string()
            } else if above.abs() < 0.01 {
                format!("within {}% of", fmt_sig(100.0 * above.abs(), 2))
            } else {
                format!("{} times", num(last / r.best_line_loss))
            };
            parts.push(format!(
                "After {} steps the loss is {}, {relation} the best straight line's {}.",
                run.steps.len(),
                fmt_sig(last, 5),
                fmt_sig(r.best_line_loss, 5)
            ));
        }
    }
    if let Some(m) = run.max_norm {
        let clipped: Vec<usize> = run
            .steps
            .iter()
            .filter(|s| s.scale < 1.0)
            .map(|s| s.step)
            .collect();
        match (clipped.first(), clipped.last()) {
            (Some(first), Some(last)) => parts.push(format!(
                "Clipping acted at {} of {} steps (between step {first} and step {last}), \
                 shortening each of those steps to lr × {} = {}; the other steps ran as they \
                 were.",
                clipped.len(),
                run.steps.len(),
                num(m),
                num(r.lr * m)
            )),
            _ => parts.push(format!(
                "The gradient norm never exceeded {}, so clipping never acted.",
                num(m)
            )),
        }
    }
    parts.join(" ")
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn series(run: &Run, value: fn(&Step) -> f64) -> Series {
    Series::new(
        run.name(),
        run.steps.iter().map(|s| (s.step as f64, value(s))),
    )
}

fn loss_chart(r: &ClipReport) -> Result<Chart, CliError> {
    let lines: Vec<Series> = r.runs.iter().map(|run| series(run, |s| s.loss)).collect();
    let floor = Threshold {
        label: format!("best straight line, {}", num(r.best_line_loss)),
        value: r.best_line_loss,
    };
    let svg = loss_curves(
        "Training loss with and without clipping",
        &lines,
        Some(floor),
    )
    .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Loss per step, log scale (a line stops where the loss is no longer finite)".into(),
        svg,
    })
}

fn norm_chart(r: &ClipReport) -> Result<Chart, CliError> {
    let lines: Vec<Series> = r
        .runs
        .iter()
        .map(|run| series(run, |s| s.grad_norm))
        .collect();
    let chart = LineChart {
        log_y: true,
        threshold: Some(Threshold {
            label: format!("clipping threshold {}", num(r.max_norm)),
            value: r.max_norm,
        }),
        ..LineChart::new(
            "Global gradient norm before clipping",
            "training step",
            "‖g‖ before clipping (log scale)",
        )
    };
    let svg = line_chart(&chart, &lines).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: "Gradient norm per step before clipping, with the threshold".into(),
        svg,
    })
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

    #[test]
    fn a_rise_and_a_peak_are_found() {
        let step = |step, loss| Step {
            step,
            loss,
            grad_norm: 1.0,
            scale: 1.0,
        };
        let run = Run {
            max_norm: None,
            steps: vec![step(0, 3.0), step(1, 2.0), step(2, 5.0), step(3, f64::NAN)],
            failure: None,
        };
        assert_eq!(run.first_rise(), Some((1, 2.0, 5.0)));
        assert_eq!(run.peak_loss(), Some((2, 5.0)));
        assert_eq!(run.final_loss(), 5.0);
    }
}
