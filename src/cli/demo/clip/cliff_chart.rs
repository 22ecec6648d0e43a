//! The cliff's two charts: the loss along the step direction through the start, log scale,
//! up close (the wall, the start and the clipped landing) and zoomed out (the unclipped
//! landing). Each point is marked by a small diamond: a short closed series of its own, so it
//! gets its colour and legend entry like any line.

use chaintrace::report::Chart;
use chaintrace::report::svg::{LineChart, Series, line_chart};

use super::cliff::Cliff;
use super::cliff_model::forward;
use super::num;
use crate::cli::CliError;

/// Samples of the loss drawn across each chart.
const SAMPLES: usize = 240;
/// A diamond's half-width and half-height in pixels (the plot area of a 720 × 420 chart is
/// about 620 × 320 pixels).
const MARKER: (f64, f64, f64) = (6.0, 620.0, 320.0);

/// The start, the unit step direction `−∇L/‖∇L‖` there, and the two landing distances.
fn geometry(c: &Cliff) -> ([f64; 2], [f64; 2], f64, f64) {
    let (plain, clipped) = (&c.runs[0], &c.runs[1]);
    let (p0, p1) = (&plain.points[0], &plain.points[1]);
    let long = (p1.w - p0.w).hypot(p1.b - p0.b);
    let u = [(p1.w - p0.w) / long, (p1.b - p0.b) / long];
    let short = clipped.first_step().1.distance;
    ([p0.w, p0.b], u, long, short)
}

/// The loss at `s` along `u` from `p`, sampled over `[lo, hi]` (and at 0 and `extra`).
fn slice(p: [f64; 2], u: [f64; 2], lo: f64, hi: f64, extra: &[f64]) -> Result<Series, CliError> {
    let mut s: Vec<f64> = (0..=SAMPLES)
        .map(|i| lo + (hi - lo) * i as f64 / SAMPLES as f64)
        .chain(extra.iter().copied())
        .chain([0.0])
        .collect();
    s.sort_by(f64::total_cmp);
    s.dedup();
    let points = s
        .into_iter()
        .map(|s| Ok((s, forward(p[0] + s * u[0], p[1] + s * u[1])?.0)))
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(Series::new("L along −∇L from the start", points))
}

/// A diamond around `(x, y)` on a chart whose x axis spans `x_span` and whose log y axis
/// spans `decades`.
fn diamond(name: String, (x, y): (f64, f64), x_span: f64, decades: f64) -> Series {
    let (size, width, height) = MARKER;
    let dx = size / width * x_span;
    let k = 10f64.powf(size / height * decades);
    Series::new(
        name,
        [
            (x - dx, y),
            (x, y * k),
            (x + dx, y),
            (x, y / k),
            (x - dx, y),
        ],
    )
}

/// The decades a log axis over these losses spans (whole decades, as the chart draws them).
fn decades(curve: &Series) -> f64 {
    let logs = curve
        .points
        .iter()
        .map(|p| p.1)
        .filter(|y| *y > 0.0 && y.is_finite())
        .map(f64::log10);
    let (lo, hi) = logs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    (hi.ceil() - lo.floor()).max(1.0)
}

fn draw(title: &str, caption: String, series: &[Series]) -> Result<Chart, CliError> {
    let chart = LineChart {
        log_y: true,
        ..LineChart::new(
            title,
            "distance moved along −∇L from the start",
            "loss L (log scale)",
        )
    };
    let svg = line_chart(&chart, series).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Chart {
        title: caption,
        svg,
    })
}

/// The markers of the start and the two landings that fall inside `[lo, hi]`.
fn markers(c: &Cliff, lo: f64, hi: f64, curve: &Series) -> Vec<Series> {
    let (_, _, long, short) = geometry(c);
    let start = c.start();
    let (plain, clipped) = (&c.runs[0], &c.runs[1]);
    let span = (hi - lo) * 1.08;
    let d = decades(curve);
    let mut out = vec![diamond(
        format!(
            "start: loss {}, ‖∇L‖ {}",
            num(start.loss),
            num(start.grad_norm)
        ),
        (0.0, start.loss),
        span,
        d,
    )];
    let landings = [
        ("clipped", short, clipped.first_step().1.loss),
        ("unclipped", long, plain.first_step().1.loss),
    ];
    for (name, s, loss) in landings {
        if (lo..=hi).contains(&s) {
            out.push(diamond(
                format!("{name} step ({}): loss {}", num(s), num(loss)),
                (s, loss),
                span,
                d,
            ));
        }
    }
    out
}

/// Up close: from one clipped step behind the start to two ahead of it.
pub(super) fn near_chart(c: &Cliff) -> Result<Chart, CliError> {
    let (p, u, long, short) = geometry(c);
    let (lo, hi) = (-short, 2.0 * short);
    let curve = slice(p, u, lo, hi, &[short])?;
    let mut series = markers(c, lo, hi, &curve);
    series.insert(0, curve);
    draw(
        &format!(
            "The wall: the clipped step stays (the unclipped one lands {} away)",
            num(long)
        ),
        "The cliff up close: loss along the step direction, log scale, with the start and \
         the clipped step's landing"
            .into(),
        &series,
    )
}

/// Zoomed out: the whole unclipped step.
pub(super) fn far_chart(c: &Cliff) -> Result<Chart, CliError> {
    let (p, u, long, short) = geometry(c);
    let (lo, hi) = (-0.05 * long, 1.1 * long);
    let curve = slice(p, u, lo, hi, &[short, long])?;
    let mut series = markers(c, lo, hi, &curve);
    series.insert(0, curve);
    draw(
        &format!("One unclipped step: thrown {} along −∇L", num(long)),
        "The cliff zoomed out: loss along the step direction, log scale, with the start and \
         both steps' landings"
            .into(),
        &series,
    )
}
