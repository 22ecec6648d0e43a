//! The cliff's section of `demo clip`'s report: what was run, the approach to the wall, one
//! step with and without clipping, a few steps of each, why the gradient is that large, and
//! where the article's claim is too simple; in sentences computed from the numbers.

use chaintrace::report::{Document, Table, fmt_sig};

use super::cliff::{Cliff, CliffRun, JUMP, SCAN};
use super::cliff_chart::{far_chart, near_chart};
use super::cliff_model::NEAR;
use super::{ClipReport, num};
use crate::cli::CliError;

/// Appends the section "The cliff (Pascanu et al. 2013)".
pub(super) fn cliff_section(doc: &mut Document, r: &ClipReport) -> Result<(), CliError> {
    let c = &r.cliff;
    let (plain, clipped) = (&c.runs[0], &c.runs[1]);
    let (start, flat) = (c.start(), c.flat());
    doc.heading("The cliff (Pascanu et al. 2013)");
    doc.paragraph(format!(
        "The article's picture — a huge gradient, a huge step, thrown across the valley — is \
         drawn by Pascanu, Mikolov & Bengio (2013, On the difficulty of training recurrent \
         neural networks) on the loss surface of one recurrent unit: x_t = w·σ(x_{{t−1}}) + b \
         from x_0 = {}, {} steps, σ the logistic sigmoid, loss L = (x_{} − {})², recorded on the \
         tape and differentiated by the engine. At w = {} the map x ↦ {}·σ(x) + b has slope up \
         to w/4 = {} > 1, and for b around the wall found next it has two stable fixed points, \
         a low and a high one, with an unstable one between them. A scan of b over [{}, {}] in steps of {} finds the \
         largest jump of x_{}; bisection puts its middle, the wall, at b = {}. That is {} \
         from b = x_0 − w·σ(x_0) = {}, where x_0 itself is the unstable fixed point: below the \
         wall the state falls to the low fixed point, above it it climbs to the high one.",
        num(c.x0),
        c.steps,
        c.steps,
        num(c.target),
        num(c.w),
        num(c.w),
        num(c.w / 4.0),
        num(SCAN.0),
        num(SCAN.1),
        num((SCAN.1 - SCAN.0) / SCAN.2 as f64),
        c.steps,
        fmt_sig(c.wall_b, 6),
        num((c.wall_b - c.basin_b).abs()),
        fmt_sig(c.basin_b, 6),
    ));
    doc.table(approach_table(c));
    let before = &c.approach[..c.start];
    let peak = before.iter().map(|p| p.grad_norm).fold(0.0, f64::max);
    doc.paragraph(format!(
        "Down to {} before the wall the surface is an ordinary slope: ‖∇L‖ is between {} and \
         {}. At {} before it, ‖∇L‖ = {}, ×{} the flat part's ({} before the wall): the first \
         point where it has grown at least {}-fold. That is the start of both descents below, \
         (w, b) = ({}, {}), loss {}, at the top of the wall. The learning rate is the \
         training runs', {}. On the flat part the curvature along −∇L, by central differences \
         of the engine's gradient, is λ = {}, so lr·λ = {} < 2: by the rule of the section \
         above that learning rate cannot overshoot there, and its step there is lr·‖∇L‖ = {}.",
        num(before.last().map_or(flat.distance, |p| p.distance)),
        num(flat.grad_norm),
        num(peak),
        num(start.distance),
        num(start.grad_norm),
        num(start.grad_norm / flat.grad_norm),
        num(flat.distance),
        num(JUMP),
        num(c.w),
        fmt_sig(start.b, 6),
        num(start.loss),
        num(r.lr),
        num(c.flat_curvature),
        num(r.lr * c.flat_curvature),
        num(r.lr * flat.grad_norm),
    ));
    let (long, far) = plain.first_step();
    let (short, near) = clipped.first_step();
    doc.paragraph(format!(
        "One plain SGD step from the start is lr·‖∇L‖ = {} × {} = {} long: it lands at (w, b) \
         = ({}, {}), where the loss is {}, ×{} the start's. The same step with the gradient \
         clipped to norm {} (clip_grad_norm, as in the training runs) is {} long and lands at \
         ({}, {}), at loss {}. The unclipped step is ×{} the clipped one's length.",
        num(r.lr),
        num(start.grad_norm),
        num(long),
        num(far.w),
        num(far.b),
        num(far.loss),
        num(far.loss / start.loss),
        num(r.max_norm),
        num(short),
        num(near.w),
        fmt_sig(near.b, 4),
        num(near.loss),
        num(long / short),
    ));
    doc.chart(near_chart(c)?);
    doc.chart(far_chart(c)?);
    doc.table(descent_table(c, r.max_norm));
    doc.paragraph(descent_reading(plain, clipped));
    let flat_scale = (r.max_norm / flat.grad_norm).min(1.0);
    doc.paragraph(format!(
        "Why the gradient is that large: ∂L/∂b = 2·(x_{n} − {})·∂x_{n}/∂b, and ∂x_{n}/∂b = \
         Σ_k Π_{{t>k}} w·σ′(x_{{t−1}}) — the chain rule multiplies one factor w·σ′(x) per \
         step and sums the products over the steps where b enters. On the flat part the \
         state settles at the low fixed point, where w·σ′ = {}: the products die out and \
         ∂x_{n}/∂b = {}. At the start the state lingers near x_0 ({} of the {n} \
         states within {} of it, against {} on the flat part), where w·σ′(x_0) = {} > 1: the \
         products grow like {}^k, and ∂x_{n}/∂b = {}. Clipping \
         rescales any gradient longer than {} to length {}, so no step is longer than lr × {} \
         = {}, however steep the wall.",
        num(c.target),
        num(c.factor_flat),
        num(flat.dx_db),
        start.near_x0,
        num(NEAR),
        flat.near_x0,
        num(c.factor_x0),
        num(c.factor_x0),
        num(start.dx_db),
        num(r.max_norm),
        num(r.max_norm),
        num(r.max_norm),
        num(r.lr * r.max_norm),
        n = c.steps,
    ));
    doc.paragraph(format!(
        "Where the article is too simple: the huge step is not a learning rate too large for \
         the problem — the same lr = {} is safe on the flat part (lr·λ = {}) — but a property \
         of the surface: within {} of the wall the gradient is {} times larger. A learning \
         rate that made the step at the start as short as the clipped one, {} / {} = {}, would \
         make the step on the flat part {} long, ×{} shorter than now: crossing the plateau \
         would take that many times more steps. Clipping keeps \
         the one learning rate: it shortens the step at the start by ×{} and on the flat part \
         only by ×{}.",
        num(r.lr),
        num(r.lr * c.flat_curvature),
        num(start.distance),
        num(start.grad_norm / flat.grad_norm),
        num(short),
        num(start.grad_norm),
        num(short / start.grad_norm),
        num(short / start.grad_norm * flat.grad_norm),
        num(r.lr / (short / start.grad_norm)),
        num((r.max_norm / start.grad_norm).min(1.0)),
        num(flat_scale),
    ));
    Ok(())
}

fn approach_table(c: &Cliff) -> Table {
    let n = c.steps;
    let mut table = Table::new(&[
        "before the wall",
        "b",
        &format!("x_{n}"),
        "loss",
        "‖∇L‖",
        &format!("∂x_{n}/∂b"),
        "",
    ])
    .right_align_from(0);
    for (i, p) in c.approach.iter().enumerate() {
        table.row(vec![
            num(p.distance),
            fmt_sig(p.b, 9),
            num(p.x_last),
            num(p.loss),
            num(p.grad_norm),
            num(p.dx_db),
            match i {
                0 => "flat part".into(),
                i if i == c.start => "start".into(),
                _ => String::new(),
            },
        ]);
    }
    table
}

fn descent_table(c: &Cliff, max_norm: f64) -> Table {
    let mut table = Table::new(&[
        "step",
        "loss, no clipping",
        "‖∇L‖",
        "from the start",
        &format!("loss, clipped at {}", num(max_norm)),
        "‖∇L‖ before clipping",
        "from the start",
    ])
    .right_align_from(0);
    let (plain, clipped) = (&c.runs[0], &c.runs[1]);
    for (k, (p, q)) in plain.points.iter().zip(&clipped.points).enumerate() {
        table.row(vec![
            k.to_string(),
            num(p.loss),
            num(p.grad_norm),
            num(p.distance),
            num(q.loss),
            num(q.grad_norm),
            num(q.distance),
        ]);
    }
    table
}

fn descent_reading(plain: &CliffRun, clipped: &CliffRun) -> String {
    let last = |run: &CliffRun| run.points.last().map_or(f64::NAN, |p| p.distance);
    let (farthest, lo, hi) = clipped.points.iter().fold(
        (0.0, f64::INFINITY, 0.0),
        |(d, lo, hi): (f64, f64, f64), p| (d.max(p.distance), lo.min(p.loss), hi.max(p.loss)),
    );
    let steps = plain.points.len() - 1;
    let crossed = match clipped.crossings() {
        0 => "never crossing the wall".to_string(),
        1 => "crossing the wall once".to_string(),
        n => format!("crossing the wall {n} times"),
    };
    format!(
        "After {steps} steps the unclipped descent is still {} from the start (loss {}). The \
         clipped one stays within {} of it, {crossed} (loss between {} and {}): each of its \
         steps is at most lr × max_norm long, so it cannot be thrown.",
        num(last(plain)),
        num(plain.points.last().map_or(f64::NAN, |p| p.loss)),
        num(farthest),
        num(lo),
        num(hi),
    )
}
