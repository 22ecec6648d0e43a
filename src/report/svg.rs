//! Line charts as SVG, drawn with plotters' SVG backend.
//!
//! plotters is built with only `svg_backend` and `line_series`: no font library is linked, text
//! is emitted as SVG `<text>` for the viewer to render (plotters estimates label sizes from
//! the character count), and the output is byte-for-byte stable. Four charts cover the
//! demos and traces; [`line_chart`] is the general form.
//!
//! ```
//! use chaintrace::report::svg::{layer_norms, Series};
//! let chain = |w: f64| Series::new(format!("w = {w}"), (0..=10).map(|k| (k as f64, w.powi(10 - k))));
//! let svg = layer_norms("‖∂y/∂h_k‖ through a 10-layer chain", &[chain(1.5), chain(0.5)]).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("\nw = 1.5\n</text>"));
//! ```
//!
//! On a log axis, points that are zero, negative or not finite cannot be drawn: the line breaks
//! there (an overflow to `inf` shows as the line stopping), and the series keeps its legend
//! entry.

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::fmt_num;
use crate::error::{Error, Result};
use crate::trace::Trace;

/// A named line: `(x, y)` points in drawing order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The legend entry.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from any iterator of points.
    pub fn new(name: impl Into<String>, points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points: points.into_iter().collect(),
        }
    }
}

/// A horizontal reference line (a clipping threshold).
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Its legend entry.
    pub label: String,
    /// Its height.
    pub value: f64,
}

/// What a chart looks like, apart from its data.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// The caption above the plot.
    pub title: String,
    /// The x axis' description.
    pub x_label: String,
    /// The y axis' description.
    pub y_label: String,
    /// A logarithmic y axis (for gradient norms spanning many decades).
    pub log_y: bool,
    /// An optional horizontal line, drawn dashed.
    pub threshold: Option<Threshold>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

impl LineChart {
    /// A chart with a linear y axis, 720 × 420 pixels, and no threshold.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_y: false,
            threshold: None,
            size: (720, 420),
        }
    }
}

/// (a) The gradient norm at each layer on a log axis, one line per configuration.
///
/// # Errors
/// As [`line_chart`].
pub fn layer_norms(title: &str, series: &[Series]) -> Result<String> {
    let chart = LineChart {
        log_y: true,
        ..LineChart::new(title, "layer", "gradient norm (log scale)")
    };
    line_chart(&chart, series)
}

/// (b) The gradient norm at each time step on a log axis, one line per model.
///
/// # Errors
/// As [`line_chart`].
pub fn time_norms(title: &str, series: &[Series]) -> Result<String> {
    let chart = LineChart {
        log_y: true,
        ..LineChart::new(title, "time step t", "‖∂L/∂h_t‖ (log scale)")
    };
    line_chart(&chart, series)
}

/// (c) Loss (or gradient norm) per training step on a log axis, with the clipping threshold
/// as a dashed horizontal line.
///
/// # Errors
/// As [`line_chart`].
pub fn loss_curves(title: &str, series: &[Series], threshold: Option<Threshold>) -> Result<String> {
    let chart = LineChart {
        log_y: true,
        threshold,
        ..LineChart::new(title, "training step", "loss (log scale)")
    };
    line_chart(&chart, series)
}

/// (d) A trace's gradient magnitudes on a log axis: with two or more layers, ‖∂L/∂(layer
/// output)‖ for each row of its ledger, from the loss back to the input; otherwise |∂L/∂u|
/// (a tensor's Frobenius norm) for every node a gradient reached, from the output back in
/// reverse tape order. `output` names the loss in the labels (`f` in `∂f/∂u`).
///
/// # Errors
/// [`Error::Invalid`] when the trace has neither two layers nor a recorded graph; otherwise
/// as [`line_chart`].
///
/// # Example
/// ```
/// use chaintrace::{report::svg::trace_chart, Tape, TraceOptions};
/// let tape = Tape::<f64>::new();
/// let w = tape.var("w", 1.5);
/// let mut y = tape.var("x", 1.0);
/// for k in 0..5 {
///     y = tape.layer(&format!("layer{k}"), || w * y);
/// }
/// let (_, trace) = y.backward_traced(TraceOptions::ledger_only());
/// let svg = trace_chart(&trace, "y").unwrap();
/// assert!(svg.contains("per layer"));
/// ```
pub fn trace_chart(trace: &Trace, output: &str) -> Result<String> {
    let rows = &trace.ledger().rows;
    if rows.len() >= 2 {
        let series = Series::new(
            format!("‖∂{output}/∂(layer output)‖"),
            rows.iter()
                .enumerate()
                .map(|(k, r)| (k as f64, r.output_norm)),
        );
        let chart = LineChart {
            log_y: true,
            ..LineChart::new(
                &format!("‖∂{output}/∂(layer output)‖ per layer, from the loss back"),
                "layers from the loss (0 = the last layer)",
                "gradient norm (log scale)",
            )
        };
        return line_chart(&chart, &[series]);
    }
    if trace.nodes().is_empty() {
        return Err(Error::invalid(
            "svg chart",
            "the trace has fewer than two layers and no recorded graph: nothing to chart",
        ));
    }
    let points = trace
        .nodes()
        .iter()
        .rev()
        .filter_map(|n| n.grad.as_ref().map(|g| g.norm()))
        .enumerate()
        .map(|(k, g)| (k as f64, g));
    let chart = LineChart {
        log_y: true,
        ..LineChart::new(
            &format!("|∂{output}/∂u| per node, from the output back"),
            "nodes from the output (reverse tape order)",
            "gradient magnitude (log scale)",
        )
    };
    line_chart(&chart, &[Series::new(format!("|∂{output}/∂u|"), points)])
}

/// Several charts in one SVG document, one above the other (each drawn by this module, so
/// each starts with `<svg width="…" height="…"`); a single chart is returned as it is.
///
/// ```
/// use chaintrace::report::svg::{line_chart, stack, LineChart, Series};
/// let one = line_chart(&LineChart::new("a", "x", "y"), &[Series::new("s", [(0.0, 1.0)])]).unwrap();
/// let both = stack(&[&one, &one]);
/// assert!(both.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"840\""));
/// assert!(both.contains("<svg y=\"420\" width=\"720\""));
/// ```
pub fn stack(charts: &[&str]) -> String {
    if let [one] = charts {
        return one.to_string();
    }
    let size = |svg: &str, attr: &str| -> u32 {
        let key = format!("{attr}=\"");
        svg.find(&key)
            .and_then(|i| svg[i + key.len()..].split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let width = charts.iter().map(|c| size(c, "width")).max().unwrap_or(0);
    let height: u32 = charts.iter().map(|c| size(c, "height")).sum();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\">\n"
    );
    let mut y = 0;
    for chart in charts {
        let body = chart.trim_start().strip_prefix("<svg").unwrap_or(chart);
        out += &format!("<svg y=\"{y}\"{body}");
        if !out.ends_with('\n') {
            out.push('\n');
        }
        y += size(chart, "height");
    }
    out + "</svg>\n"
}

/// Draws `series` as lines with a legend.
///
/// # Errors
/// [`Error::Invalid`] if plotters cannot lay the chart out (a size too small for its labels).
pub fn line_chart(chart: &LineChart, series: &[Series]) -> Result<String> {
    let drawable = |y: f64| y.is_finite() && (!chart.log_y || y > 0.0);
    let points = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| x.is_finite() && drawable(*y))
    };
    let x = padded(points().map(|p| p.0), false);
    let threshold = chart
        .threshold
        .iter()
        .map(|t| t.value)
        .filter(|y| drawable(*y));
    let y = padded(points().map(|p| p.1).chain(threshold), chart.log_y);
    let corner = emptiest_corner(points().copied(), &x, &y, chart.log_y);
    let mut svg = String::new();
    let drawn = if chart.log_y {
        draw(&mut svg, chart, series, x, y.log_scale(), corner, &drawable)
    } else {
        draw(&mut svg, chart, series, x, y, corner, &drawable)
    };
    drawn.map_err(|e| Error::invalid("svg chart", e))?;
    Ok(svg)
}

/// Where the legend goes: the corner of the plot (40 % of its width, 35 % of its height)
/// holding the fewest data points, so it hides as little of the lines as it can; ties go to
/// the upper right, then upper left, lower right, lower left.
fn emptiest_corner(
    points: impl Iterator<Item = (f64, f64)>,
    x: &Range<f64>,
    y: &Range<f64>,
    log: bool,
) -> SeriesLabelPosition {
    // Where a value sits along its axis, from 0 to 1 (the x axis is always linear).
    let fraction = |v: f64, r: &Range<f64>, log: bool| {
        let scale = |v: f64| if log { v.log10() } else { v };
        let (lo, hi) = (scale(r.start), scale(r.end));
        if hi > lo {
            (scale(v) - lo) / (hi - lo)
        } else {
            0.5
        }
    };
    // [upper right, upper left, lower right, lower left]
    let mut counts = [0usize; 4];
    for (px, py) in points {
        let (fx, fy) = (fraction(px, x, false), fraction(py, y, log));
        let (right, left) = (fx > 0.6, fx < 0.4);
        let (upper, lower) = (fy > 0.65, fy < 0.35);
        for (k, inside) in [upper && right, upper && left, lower && right, lower && left]
            .into_iter()
            .enumerate()
        {
            counts[k] += usize::from(inside);
        }
    }
    let best = (0..4).min_by_key(|&k| (counts[k], k)).unwrap_or(0);
    [
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::LowerLeft,
    ][best]
        .clone()
}

/// The range of `values` with a margin (multiplicative on a log axis); a default range when
/// there are none, a unit-wide one around a single value.
fn padded(values: impl Iterator<Item = f64>, log: bool) -> Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    match (lo.is_finite(), log) {
        (false, false) => 0.0..1.0,
        (false, true) => 0.1..10.0,
        (true, false) if lo == hi => lo - 1.0..hi + 1.0,
        (true, false) => {
            let pad = (hi - lo) * 0.04;
            lo - pad..hi + pad
        }
        // Whole decades (a hair wider, as ln(0.1)/ln(10) rounds above −1): plotters' log axis
        // labels powers of ten from the first one inside the range, so every decade the data
        // touches gets its label.
        (true, true) => {
            let decade = |v: f64, round: fn(f64) -> f64| 10f64.powf(round(v.log10()));
            decade(lo, f64::floor) * 0.999..decade(hi, f64::ceil) * 1.001
        }
    }
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn draw<Y>(
    svg: &mut String,
    chart: &LineChart,
    series: &[Series],
    x: Range<f64>,
    y: Y,
    legend: SeriesLabelPosition,
    drawable: &dyn Fn(f64) -> bool,
) -> std::result::Result<(), String>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, chart.size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (x_lo, x_hi) = (x.start, x.end);
    let mut plot = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(|e| err(&e))?;
    plot.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| {
            if chart.log_y {
                fmt_power(*v)
            } else {
                fmt_num(*v)
            }
        })
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let segments = segments(&s.points, drawable);
        for (k, segment) in segments.iter().enumerate() {
            let drawn = plot
                .draw_series(LineSeries::new(
                    segment.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
            if k == 0 {
                drawn.label(s.name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
        }
    }
    if let Some(t) = chart.threshold.as_ref().filter(|t| drawable(t.value)) {
        let style = ShapeStyle::from(&BLACK).stroke_width(1);
        plot.draw_series(DashedLineSeries::new(
            [(x_lo, t.value), (x_hi, t.value)],
            6,
            4,
            style,
        ))
        .map_err(|e| err(&e))?
        .label(t.label.as_str())
        .legend(move |(x, y)| DashedPathElement::new([(x, y), (x + 20, y)], 4, 3, style));
    }
    plot.configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(170, 170, 170))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// A log-axis tick: powers of ten beyond 100 as `1e5`, `1e-4`; anything else as [`fmt_num`].
fn fmt_power(v: f64) -> String {
    let k = v.log10().round();
    let is_power = (v / 10f64.powf(k) - 1.0).abs() < 1e-9;
    if is_power && k.abs() > 2.0 {
        format!("1e{k}")
    } else {
        fmt_num(v)
    }
}

/// The runs of drawable points, so a line breaks where a value cannot be drawn. A series with
/// nothing drawable still gets one empty run, which keeps its legend entry.
fn segments(points: &[(f64, f64)], drawable: &dyn Fn(f64) -> bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, y) in points {
        if x.is_finite() && drawable(y) {
            runs.last_mut().expect("never empty").push((x, y));
        } else if !runs.last().expect("never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    if runs.len() > 1 && runs.last().is_some_and(Vec::is_empty) {
        runs.pop();
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_undrawable_points() {
        let log = |y: f64| y.is_finite() && y > 0.0;
        let pts = [
            (0.0, 1.0),
            (1.0, 2.0),
            (2.0, f64::INFINITY),
            (3.0, 0.0),
            (4.0, 5.0),
        ];
        assert_eq!(
            segments(&pts, &log),
            vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(4.0, 5.0)]]
        );
        assert_eq!(segments(&[(0.0, f64::NAN)], &log), vec![Vec::new()]);
    }

    #[test]
    fn log_ticks_read_as_powers() {
        let ticks = [1e-13, 1e-4, 0.1, 1.0, 100.0, 100000.0000000001, 2e5];
        let shown: Vec<String> = ticks.into_iter().map(fmt_power).collect();
        assert_eq!(shown, ["1e-13", "1e-4", "0.1", "1", "100", "1e5", "200000"]);
    }

    /// A small chart, byte for byte: two lines, a threshold, a log axis and its legend. Read
    /// in full when accepted: y ticks 0.1 … 10 (whole decades), x ticks 0 to 3, the two lines
    /// mirror images about 1, the dashed threshold as short `<polyline>` pieces at the `5`
    /// tick, the legend entries in series order, in the upper left (the upper right holds the
    /// end of "grows").
    #[test]
    fn small_chart_snapshot() {
        let grow = Series::new("grows", [(0.0, 1.0), (1.0, 2.0), (2.0, 4.0), (3.0, 8.0)]);
        let shrink = Series::new(
            "shrinks",
            [(0.0, 1.0), (1.0, 0.5), (2.0, 0.25), (3.0, 0.125)],
        );
        let chart = LineChart {
            log_y: true,
            threshold: Some(Threshold {
                label: "threshold 5".into(),
                value: 5.0,
            }),
            size: (360, 240),
            ..LineChart::new("small", "step", "norm")
        };
        insta::assert_snapshot!(line_chart(&chart, &[grow, shrink]).unwrap());
    }

    #[test]
    fn the_legend_goes_where_the_lines_are_not() {
        // Rising to the right on a log axis: the upper left is empty.
        let rising: Vec<(f64, f64)> = (1..=50).map(|t| (t as f64, 0.6f64.powi(50 - t))).collect();
        let corner = |pts: &[(f64, f64)]| {
            let x = padded(pts.iter().map(|p| p.0), false);
            let y = padded(pts.iter().map(|p| p.1), true);
            emptiest_corner(pts.iter().copied(), &x, &y, true)
        };
        assert_eq!(corner(&rising), SeriesLabelPosition::UpperLeft);
        // Falling to the right: the upper right is empty, and wins ties.
        let falling: Vec<(f64, f64)> = (1..=50).map(|t| (t as f64, 0.6f64.powi(t))).collect();
        assert_eq!(corner(&falling), SeriesLabelPosition::UpperRight);
    }

    #[test]
    fn ranges_pad_and_survive_degenerate_data() {
        assert_eq!(padded([].into_iter(), true), 0.1..10.0);
        assert_eq!(padded([2.0].into_iter(), false), 1.0..3.0);
        let r = padded([0.125, 8.0].into_iter(), true);
        assert!(r.start < 0.1 && r.start > 0.099 && r.end > 10.0 && r.end < 10.1);
        let r = padded([3.0].into_iter(), true);
        assert!(r.start < 1.0 && r.end > 10.0);
    }
}
