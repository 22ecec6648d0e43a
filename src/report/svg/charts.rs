//! The ready-made charts: gradient norms per layer and per time step, loss curves with a
//! threshold, and the chart of a trace.

use super::{LineChart, Series, Threshold, line_chart};
use crate::error::{Error, Result};
use crate::trace::Trace;

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
