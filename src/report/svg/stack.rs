//! Several charts in one SVG document.

/// Several charts in one SVG document, one above the other (each drawn by `report::svg`, so
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
