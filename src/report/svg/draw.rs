//! Drawing with plotters: the chart's frame, axes, lines and threshold, and the legend placed
//! in the corner the lines cross least.

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axes::fmt_power;
use super::{LineChart, Series};
use crate::report::fmt_num;

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

pub(super) fn draw<Y>(
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
    let x_span = x_hi - x_lo;
    let mut plot = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(|e| err(&e))?;
    let y_span = plot.y_range().end - plot.y_range().start;
    plot.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_label_formatter(&|v| fmt_num(tick(*v, x_span)))
        .y_label_formatter(&|v| {
            if chart.log_y {
                fmt_power(10f64.powf(*v))
            } else {
                fmt_num(tick(*v, y_span))
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
        if s.points.is_empty() {
            // A placeholder: nothing drawn, no legend entry, its colour kept by position.
            continue;
        }
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

/// A tick's value, with the rounding error of plotters' tick arithmetic removed at zero: a
/// tick at −0.2 + 2·0.1 is 0, not −2.77556e-17 (anything within 1e-9 of the axis' span).
fn tick(v: f64, span: f64) -> f64 {
    if v.abs() <= 1e-9 * span.abs() { 0.0 } else { v }
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

    /// An axis from −0.28 to 0.53 has its middle tick at plotters' −0.2 + 2·0.1 = −2.8e-17:
    /// it reads 0.
    #[test]
    fn a_tick_at_zero_reads_zero() {
        let line = Series::new("s", [(-0.25, 1.0), (0.5, 2.0)]);
        let svg = super::super::line_chart(&LineChart::new("t", "x", "y"), &[line]).unwrap();
        assert!(svg.contains("\n0\n</text>"), "{svg}");
        assert!(!svg.contains("e-17"), "{svg}");
        assert_eq!(tick(-2.77556e-17, 0.81), 0.0);
        assert_eq!(tick(0.1, 0.81), 0.1);
    }

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
}
