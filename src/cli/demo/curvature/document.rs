//! The prose and tables of `demo curvature`'s report: the claim, the quadratic with its
//! closed form beside each measurement, and the two training runs, in sentences computed from
//! the numbers.

use chaintrace::report::{Document, Table};

use super::charts::run_chart;
use super::claims::Reading;
use super::quadratic::{FLAT, SHARP, START, STEPS};
use super::{CurvatureReport, NetRun, num};
use crate::cli::CliError;

/// Rows of the training table: every this many steps, and around the first rise.
const EVERY: usize = 25;

/// The report for people: claim, the quadratic, the network, charts.
pub(super) fn document(r: &CurvatureReport) -> Result<Document, CliError> {
    let mut doc = Document::new("Curvature: a gradient step overshoots when lr·λ > 2");
    doc.paragraph(
        "The article: if the gradient explodes, the optimizer takes a massive step, shooting \
         across the valley instead of settling at the bottom. Whether a step overshoots is not \
         decided by the gradient's size but by the step size against the curvature. On a \
         quadratic with Hessian eigenvalues λ_i, a gradient-descent step multiplies the \
         distance to the minimum along eigenvector i by 1 − lr·λ_i: it lands past the bottom \
         when lr·λ_i > 1, and further from it than it started — the loss goes up — when \
         lr·λ_i > 2. Training diverges when lr > 2/λ_max, λ_max the sharpness, the top \
         eigenvalue of the loss Hessian.",
    );
    let q = &r.quadratic;
    doc.heading("A quadratic whose curvature is known");
    doc.paragraph(format!(
        "L(w) = ½·({}·w₁² + {}·w₂²): its Hessian is diag({}, {}), so λ_max = {} in closed \
         form; power iteration on Hessian-vector products (the same code that measures the \
         network below) finds {}. Gradient descent starts at w = ({}, {}), where the gradient \
         is ({}, {}): the flat direction has {} times the gradient of the sharp one. Each \
         learning rate runs T = {} steps from the loss {}; the factor per step is \
         |w_i(T)/w_i(0)|^(1/T), beside its closed form |1 − lr·λ_i|, and the loss after the \
         T steps.",
        num(FLAT),
        num(SHARP),
        num(FLAT),
        num(SHARP),
        num(SHARP),
        num(q.lambda_max_measured),
        num(START[0]),
        num(START[1]),
        num(q.start_gradient[0]),
        num(q.start_gradient[1]),
        num(q.start_gradient[0] / q.start_gradient[1]),
        STEPS,
        num(q.runs[0].loss_start)
    ));
    doc.table(quadratic_table(r));
    doc.paragraph(quadratic_reading(r));
    doc.heading("A tanh network trained full-batch");
    let large = &r.runs[0];
    doc.paragraph(format!(
        "What was run: an MLP 1 → {w} → {w} → 1 with tanh ({} parameters, Xavier-uniform \
         weights, zero biases) fits y = sin(πx) + noise at {} points (seed {}) by mean \
         squared error, with plain full-batch gradient descent for {} steps, twice from the \
         same weights: at lr {} (2/lr = {}) and at lr {} (2/lr = {}). At every step the \
         curvature along the step, gᵀHg/‖g‖², is measured from one Hessian-vector product, \
         and {} λ_max by power iteration (warm-started from the last \
         eigenvector; {} and {} Hessian-vector products in all). Each product is exact: the \
         gradient recorded on the tape and differentiated again (chaintrace::grad); at step 0 \
         it agrees with a central finite difference of two gradients to {} (relative).",
        large.params,
        r.samples,
        r.seed,
        r.steps,
        num(large.lr),
        num(large.edge()),
        num(r.runs[1].lr),
        num(r.runs[1].edge()),
        if r.every == 1 {
            "so is".to_string()
        } else {
            format!("every {} steps", r.every)
        },
        large.products,
        r.runs[1].products,
        fmt_gap(large.hvp_check),
        w = r.width
    ));
    doc.table(steps_table(r));
    for run in &r.runs {
        doc.paragraph(run_reading(run, &run.reading()));
    }
    for run in &r.runs {
        doc.chart(run_chart(run)?);
    }
    Ok(doc)
}

fn quadratic_table(r: &CurvatureReport) -> Table {
    let mut table = Table::new(&[
        "lr·λ_max",
        "lr",
        "flat: factor",
        "|1 − lr·λ₁|",
        "sharp: factor",
        "|1 − lr·λ₂|",
        "loss after",
        "outcome",
    ]);
    for c in 0..7 {
        table = table.right_align(c);
    }
    for run in &r.quadratic.runs {
        let outcome = if run.diverges() {
            "diverges"
        } else if run.factors[1] >= 1.0 - 1e-9 {
            "oscillates"
        } else if run.ratio > 1.0 {
            "converges, zig-zag"
        } else {
            "converges"
        };
        table.row(vec![
            num(run.ratio),
            num(run.lr),
            num(run.factors[0]),
            num(run.predicted[0]),
            num(run.factors[1]),
            num(run.predicted[1]),
            num(run.loss_end),
            outcome.into(),
        ]);
    }
    table
}

fn quadratic_reading(r: &CurvatureReport) -> String {
    let q = &r.quadratic;
    let gap = q.runs.iter().map(|x| x.gap()).fold(0.0, f64::max);
    let diverging: Vec<String> = q
        .runs
        .iter()
        .filter(|x| x.diverges())
        .map(|x| num(x.ratio))
        .collect();
    let worst = q.runs.last().expect("runs");
    format!(
        "Every measured factor is its closed form (the largest gap is {}), and the runs that \
         diverge are exactly those with lr·λ_max > 2 ({}). At lr·λ_max = 2 the sharp \
         coordinate flips sign with the same size at every step: the edge. The gradient's \
         size plays no part: at lr·λ_max = {} the flat direction, with {} times the gradient, \
         shrinks ×{} per step while the sharp one grows ×{}.",
        fmt_gap(gap),
        diverging.join(", "),
        num(worst.ratio),
        num(q.start_gradient[0] / q.start_gradient[1]),
        num(worst.factors[0]),
        num(worst.factors[1])
    )
}

fn fmt_gap(gap: f64) -> String {
    if gap == 0.0 {
        "0".into()
    } else {
        format!("{gap:.0e}")
    }
}

/// The steps shown: every [`EVERY`]th, the last, and the two steps around each run's first
/// rise.
fn shown_steps(r: &CurvatureReport) -> Vec<usize> {
    let longest = r.runs.iter().map(|run| run.steps.len()).max().unwrap_or(0);
    let firsts: Vec<usize> = r
        .runs
        .iter()
        .filter_map(|run| run.reading().rises.first().copied())
        .collect();
    (0..longest)
        .filter(|&s| {
            s % EVERY == 0 || s + 1 == longest || firsts.iter().any(|&f| s + 1 >= f && s <= f + 2)
        })
        .collect()
}

fn steps_table(r: &CurvatureReport) -> Table {
    let mut header = vec!["step".to_string()];
    for run in &r.runs {
        let lr = num(run.lr);
        header.extend([
            format!("loss, lr {lr}"),
            "‖g‖".into(),
            "λ along step".into(),
            "λ_max".into(),
        ]);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header);
    for c in 0..header.len() {
        table = table.right_align(c);
    }
    for s in shown_steps(r) {
        let mut row = vec![s.to_string()];
        for run in &r.runs {
            match run.steps.get(s) {
                Some(x) => row.extend([
                    num(x.loss),
                    num(x.grad_norm),
                    num(x.along_step),
                    x.lambda_max.map_or("·".into(), num),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
        }
        table.row(row);
    }
    table
}

/// What one run did, in words computed from its numbers.
fn run_reading(run: &NetRun, a: &Reading) -> String {
    let mut parts = vec![format!(
        "At lr {} (2/lr = {}):",
        num(run.lr),
        num(run.edge())
    )];
    match (a.crossing, a.hover) {
        (Some(step), Some((mean, lo, hi))) => parts.push(format!(
            "λ_max was {} at step 0 and reached 2/lr at step {step}; from there it averaged \
             {} ({}% of 2/lr), between {} and {}.",
            num(a.first),
            num(mean),
            num(100.0 * mean / run.edge()),
            num(lo),
            num(hi)
        )),
        _ => parts.push(format!(
            "λ_max was {} at step 0 and at most {}, below 2/lr throughout.",
            num(a.first),
            num(a.largest)
        )),
    }
    match a.rises.first() {
        Some(first) => parts.push(format!(
            "The loss rose at {} of {} steps, the first at step {first} → {}; lr × the \
             curvature along the step exceeded 2 at {} steps; rise and lr·λ > 2 agree at {} of \
             {} steps{}.",
            a.rises.len(),
            a.agree.1,
            first + 1,
            a.predicted,
            a.agree.0,
            a.agree.1,
            if a.below_edge == 0 {
                ", and no rise came at a step with lr·λ_max ≤ 2".to_string()
            } else {
                format!("; {} rises came at a step with lr·λ_max ≤ 2", a.below_edge)
            }
        )),
        None => parts.push(format!(
            "The loss fell at every one of the {} steps; lr × the curvature along the step \
             exceeded 2 at {} of them.",
            a.agree.1, a.predicted
        )),
    }
    if let Some(last) = run.steps.last() {
        parts.push(format!("The last loss is {}.", num(last.loss)));
    }
    parts.join(" ")
}
