//! The prose of `demo clip`'s report: the claim, the setup, and what each run's numbers show,
//! in sentences computed from them.

use chaintrace::report::{Document, fmt_sig};
use chaintrace::trace::LayerRow;

use super::charts::{loss_chart, norm_chart};
use super::cliff_doc::cliff_section;
use super::tables::{ledger_table, outcome_table, steps_table};
use super::{ClipReport, Run, num};
use crate::cli::CliError;

/// The report for people: claim, setup, tables, what the numbers show, charts.
pub(super) fn document(r: &ClipReport) -> Result<Document, CliError> {
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
    cliff_section(&mut doc, r)?;
    Ok(doc)
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
