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
        .filter_map(|n| n.grad().map(|g| g.norm()))
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

/// Draws `series` as lines with a legend, placed in the corner of the plot its lines cross
/// least.
///
/// A log axis is drawn as log₁₀ of the values on a linear axis whose ticks are whole decades
/// labelled as powers of ten: plotters' own log axis leaves out every tick below f64's epsilon
/// (about 2.2e-16), which is where vanishing gradients live.
///
/// # Errors
/// [`Error::Invalid`] if plotters cannot lay the chart out (a size too small for its labels).
pub fn line_chart(chart: &LineChart, series: &[Series]) -> Result<String> {
    let to_axis = |y: f64| {
        if chart.log_y {
            if y > 0.0 { y.log10() } else { f64::NAN }
        } else {
            y
        }
    };
    let series: Vec<Series> = series
        .iter()
        .map(|s| {
            Series::new(
                s.name.clone(),
                s.points.iter().map(|&(x, y)| (x, to_axis(y))),
            )
        })
        .collect();
    let threshold = chart
        .threshold
        .as_ref()
        .map(|t| (t.label.as_str(), to_axis(t.value)))
        .filter(|t| t.1.is_finite());
    let points = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let x = padded(points().map(|p| p.0));
    let ys = || points().map(|p| p.1).chain(threshold.map(|t| t.1));
    let mut svg = String::new();
    let drawn = if chart.log_y {
        let decades = whole_decades(ys());
        // At most about eight ticks, a round number of decades apart, at multiples of that
        // number: 1e-60, 1e-40, … rather than 1e-64, 1e-46, ….
        let wanted = (decades.end - decades.start) / 8.0;
        let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
            .into_iter()
            .find(|s| *s >= wanted)
            .unwrap_or(200.0);
        let decades = (decades.start / step).floor() * step..(decades.end / step).ceil() * step;
        let minor = minor_lines(&decades);
        // A hair past the top decade, so the linspace's last tick is that decade.
        let y = (decades.start..decades.end + 1e-9).step(step);
        draw(&mut svg, chart, &series, threshold, &minor, x, y)
    } else {
        draw(&mut svg, chart, &series, threshold, &[], x, padded(ys()))
    };
    drawn.map_err(|e| Error::invalid("svg chart", e))?;
    Ok(svg)
}

/// The range of `values` with a 4% margin; a default range when there are none, a unit-wide
/// one around a single value.
fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = min_max(values);
    match lo.is_finite() {
        false => 0.0..1.0,
        true if lo == hi => lo - 1.0..hi + 1.0,
        true => {
            let pad = (hi - lo) * 0.04;
            lo - pad..hi + pad
        }
    }
}

/// The whole decades around log₁₀ values: `floor(min)..ceil(max)`, at least one decade wide;
/// `-1..1` (0.1 to 10) when there are none.
fn whole_decades(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = min_max(values);
    if !lo.is_finite() {
        return -1.0..1.0;
    }
    let (lo, hi) = (lo.floor(), hi.ceil());
    if lo == hi { lo..hi + 1.0 } else { lo..hi }
}

/// Light grid lines at 2·10^d … 9·10^d (in log₁₀) when at most six decades are shown.
fn minor_lines(decades: &Range<f64>) -> Vec<f64> {
    if decades.end - decades.start > 6.0 {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut d = decades.start;
    while d < decades.end {
        lines.extend((2..=9).map(|m| d + f64::from(m).log10()));
        d += 1.0;
    }
    lines
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
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
    threshold: Option<(&str, f64)>,
    minor: &[f64],
    x: Range<f64>,
    y: Y,
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
                fmt_power(10f64.powf(*v))
            } else {
                fmt_num(*v)
            }
        })
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(|e| err(&e))?;
    for &y in minor {
        plot.draw_series(LineSeries::new(
            [(x_lo, y), (x_hi, y)],
            RGBColor(238, 238, 238).stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    }
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        for (k, segment) in segments(&s.points).iter().enumerate() {
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
    if let Some((label, value)) = threshold {
        let style = ShapeStyle::from(&BLACK).stroke_width(1);
        plot.draw_series(DashedLineSeries::new(
            [(x_lo, value), (x_hi, value)],
            6,
            4,
            style,
        ))
        .map_err(|e| err(&e))?
        .label(label)
        .legend(move |(x, y)| DashedPathElement::new([(x, y), (x + 20, y)], 4, 3, style));
    }
    let position = legend_corner(&plot, series, threshold);
    plot.configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(170, 170, 170))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The corner of the plot whose legend box the lines cross least (upper right on a tie, then
/// upper left, lower right, lower left).
///
/// The box's size is estimated as plotters lays it out: 13⅓ pixels per entry plus 20, and
/// about 5.5 pixels per character plus 50 for the sample line and the margins. Each line is
/// sampled at 24 points per segment, so a line crossing a box between two data points counts.
fn legend_corner<DB, X, Y>(
    plot: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    series: &[Series],
    threshold: Option<(&str, f64)>,
) -> SeriesLabelPosition
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let names = series
        .iter()
        .map(|s| s.name.as_str())
        .chain(threshold.map(|t| t.0));
    let (entries, chars) = names.fold((0usize, 0usize), |(n, w), name| {
        (n + 1, w.max(name.chars().count()))
    });
    let (w, h) = (50.0 + 5.5 * chars as f64, 20.0 + 13.4 * entries as f64);
    let (area_w, area_h) = plot.plotting_area().dim_in_pixel();
    let (area_w, area_h) = (f64::from(area_w), f64::from(area_h));
    let (base_x, base_y) = plot.plotting_area().get_base_pixel();
    let mut samples = Vec::new();
    for s in series {
        for segment in segments(&s.points) {
            for pair in segment.windows(2) {
                let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                samples.extend((0..24).map(|i| {
                    let t = f64::from(i) / 24.0;
                    (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                }));
            }
            samples.extend(segment.last());
        }
    }
    if let Some((_, y)) = threshold {
        let (x0, x1) = (plot.x_range().start, plot.x_range().end);
        samples.extend((0..=24).map(|i| (x0 + f64::from(i) / 24.0 * (x1 - x0), y)));
    }
    let pixels: Vec<(f64, f64)> = samples
        .iter()
        .map(|p| {
            let (px, py) = plot.backend_coord(p);
            (f64::from(px - base_x), f64::from(py - base_y))
        })
        .collect();
    let (left, right) = (5.0, area_w - w - 5.0);
    let (top, bottom) = (5.0, area_h - h - 5.0);
    let corners = [
        (SeriesLabelPosition::UpperRight, right, top),
        (SeriesLabelPosition::UpperLeft, left, top),
        (SeriesLabelPosition::LowerRight, right, bottom),
        (SeriesLabelPosition::LowerLeft, left, bottom),
    ];
    let crossings = |x: f64, y: f64| {
        pixels
            .iter()
            .filter(|(px, py)| (x..=x + w).contains(px) && (y..=y + h).contains(py))
            .count()
    };
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (position, x, y) in corners {
        let n = crossings(x, y);
        if n < best.1 {
            best = (position, n);
        }
    }
    best.0
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

/// The runs of finite points, so a line breaks where a value cannot be drawn (on a log axis a
/// zero or negative value has no logarithm). A series with nothing drawable still gets one
/// empty run, which keeps its legend entry.
fn segments(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, y) in points {
        if x.is_finite() && y.is_finite() {
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
        let pts = [
            (0.0, 1.0),
            (1.0, 2.0),
            (2.0, f64::INFINITY),
            (3.0, f64::NAN),
            (4.0, 5.0),
        ];
        assert_eq!(
            segments(&pts),
            vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(4.0, 5.0)]]
        );
        assert_eq!(segments(&[(0.0, f64::NAN)]), vec![Vec::new()]);
    }

    #[test]
    fn log_ticks_read_as_powers() {
        let ticks = [1e-13, 1e-4, 0.1, 1.0, 100.0, 100000.0000000001, 2e5];
        let shown: Vec<String> = ticks.into_iter().map(fmt_power).collect();
        assert_eq!(shown, ["1e-13", "1e-4", "0.1", "1", "100", "1e5", "200000"]);
    }

    /// A small chart, byte for byte: two lines, a threshold, a log axis and its legend. Read
    /// in full when accepted: y ticks 0.1, 1, 10 at y = 181, 110, 39 (whole decades, 71 pixels
    /// each), light lines at 2…9 × each decade, x ticks 0 to 3, the two lines mirror images
    /// about 1 (8 at y = 46: 110 − 0.903·71), the dashed threshold as short `<polyline>`
    /// pieces at y = 61 (log₁₀ 5 = 0.699), the legend entries in series order, in the lower
    /// left (every corner is crossed by a line or the threshold; that one least).
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
    fn ranges_pad_and_survive_degenerate_data() {
        assert_eq!(padded([].into_iter()), 0.0..1.0);
        assert_eq!(padded([2.0].into_iter()), 1.0..3.0);
        assert_eq!(whole_decades([].into_iter()), -1.0..1.0);
        // 0.125 … 8 in log₁₀: −0.9 … 0.9, so 0.1 … 10.
        let r = whole_decades([0.125f64.log10(), 8f64.log10()].into_iter());
        assert_eq!(r, -1.0..1.0);
        assert_eq!(whole_decades([0.5].into_iter()), 0.0..1.0);
        assert_eq!(whole_decades([2.0].into_iter()), 2.0..3.0);
    }

    /// Every decade gets its tick label, far below f64's epsilon too (plotters' log axis drops
    /// those), and a line falling to the lower right pushes the legend to the upper right.
    #[test]
    fn tiny_values_keep_their_decade_labels() {
        let fall = Series::new("falls", (0..=60).map(|k| (f64::from(k), 10f64.powi(-k))));
        let svg = layer_norms("falls", &[fall]).unwrap();
        for tick in ["1e-60", "1e-30", "1e-20", "1"] {
            assert!(svg.contains(&format!("\n{tick}\n</text>")), "{tick}");
        }
    }

    #[test]
    fn the_legend_moves_out_of_the_way() {
        let rise = Series::new("rises", (0..=10).map(|k| (f64::from(k), f64::from(k))));
        let chart = LineChart::new("rise", "x", "y");
        let svg = line_chart(&chart, &[rise]).unwrap();
        // The line runs from lower left to upper right: the legend goes upper left, whose
        // box starts 5 pixels right of the plot's left edge (x = 14 + 72 = 86, so 91).
        let legend = svg
            .lines()
            .find(|l| l.contains("opacity=\"0.85\""))
            .expect("a legend box");
        assert!(legend.starts_with("<rect x=\"91\""), "{legend}");
    }
}
