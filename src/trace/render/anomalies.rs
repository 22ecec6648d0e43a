//! The anomalies section: where NaN or infinity first appeared, in words.

use super::{Block, opt_num, summary};
use crate::trace::Trace;
use crate::trace::anomaly::{BackwardAnomaly, ForwardAnomaly, Operand};

pub(crate) fn anomalies(trace: &Trace) -> Vec<Block> {
    let Some(found) = trace.anomalies() else {
        return Vec::new();
    };
    vec![
        Block::Heading(2, "Anomalies".to_string()),
        Block::Line(format!(
            "First non-finite value (forward): {}",
            found.forward.as_ref().map_or("none".to_string(), forward)
        )),
        Block::Line(format!(
            "First non-finite product (backward): {}",
            found.backward.as_ref().map_or("none".to_string(), backward)
        )),
    ]
}

fn operands(ops: &[Operand]) -> String {
    if ops.is_empty() {
        return "none".to_string();
    }
    ops.iter()
        .map(|o| format!("{} = {}", o.name, summary(&o.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn in_layer(layer: &str) -> String {
    if layer.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in layer {layer}")
    }
}

fn forward(a: &ForwardAnomaly) -> String {
    format!(
        "{} = {}, op {} {}; operands {}",
        a.node.name,
        summary(&a.node.value),
        a.op,
        in_layer(&a.layer),
        operands(&a.operands)
    )
}

fn backward(a: &BackwardAnomaly) -> String {
    let from = a
        .operands
        .get(a.slot)
        .map_or_else(|| format!("#{}", a.from.0), |o| o.name.clone());
    format!(
        "∂L/∂{from} along slot {} of op {} (node {}) {}: ∂L/∂y = {} times ∂y/∂x = {} gives {}; \
         operands {}",
        a.slot,
        a.op,
        a.to.0,
        in_layer(&a.layer),
        summary(&a.upstream),
        opt_num(a.local),
        summary(&a.contribution),
        operands(&a.operands)
    )
}
