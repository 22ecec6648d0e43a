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
//!
//! The files: this one holds what a chart is ([`Series`], [`Threshold`], [`LineChart`]) and
//! [`line_chart`], which maps the values to the axes and draws them; `svg/charts.rs` has the
//! ready-made charts, `svg/stack.rs` stacks charts into one document, `svg/axes.rs` chooses
//! the axes' ranges and tick labels, and `svg/draw.rs` draws with plotters and places the
//! legend.

mod axes;
mod charts;
mod draw;
mod stack;

pub use charts::{layer_norms, loss_curves, time_norms, trace_chart};
pub use stack::stack;

use plotters::prelude::*;

use crate::error::{Error, Result};
use axes::{minor_lines, padded, whole_decades};
use draw::draw;

/// A named line: `(x, y)` points in drawing order. Lines take the palette's colours by
/// position; a series with no points at all is a placeholder that draws nothing and has no
/// legend entry, so a chart can leave a line out and keep the others' colours as on a chart
/// beside it. (A series whose points are all NaN or infinite is listed in the legend.)
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

#[cfg(test)]
mod tests {
    use super::*;

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
