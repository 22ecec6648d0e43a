//! The tracer's anomaly report against hand-derived cases: where an overflow or a NaN first
//! appears, forward and backward, and which edge is blamed.

mod common;

use chaintrace::trace::TraceOptions;
use chaintrace::{Tape, Trace};
use common::{close, scalar};

/// w = 1e100, x = 1e-300, four layers: the forward values 1e-200 … 1e100 are finite, but
/// ∂y/∂x = w⁴ = 1e400 overflows at the last multiplication, along the edge into x in layer0
/// (upstream w³ = 1e300, local w = 1e100).
#[test]
fn overflow_is_located_at_the_multiplication_that_makes_it() {
    let tape = Tape::new();
    let w = tape.var("w", 1e100);
    let mut y = tape.var("x", 1e-300);
    for k in 0..4 {
        y = tape.layer(&format!("layer{k}"), || w * y);
    }
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let found = trace.anomalies().unwrap();
    assert!(found.forward.is_none());
    let at = found.backward.as_ref().unwrap();
    assert_eq!((at.to.index(), at.from.index(), at.slot), (2, 1, 1));
    assert_eq!((at.op.as_str(), at.layer.as_str()), ("mul", "layer0"));
    assert!(close(scalar(&at.upstream), 1e300, 1e-12));
    assert_eq!(at.local, Some(1e100));
    assert_eq!(scalar(&at.contribution), f64::INFINITY);
    assert!(trace.to_text().contains("op mul (node 2) in layer layer0"));
    let json = trace.to_json();
    assert_eq!(Trace::from_json(&json).unwrap().to_json(), json);
}

/// ln(−1) is the first NaN forward; the product that later multiplies by it is not blamed.
#[test]
fn forward_nan_is_located_and_its_consumers_not_blamed() {
    let tape = Tape::new();
    let a = tape.var("a", -1.0);
    let b = tape.var("b", 2.0);
    let ln = a.ln();
    let y = ln * b;
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let found = trace.anomalies().unwrap();
    let at = found.forward.as_ref().unwrap();
    assert_eq!((at.node.node, at.op.as_str()), (ln.id(), "ln"));
    assert_eq!(at.operands[0].name, "a");
    assert!(found.backward.is_none());
}

/// y = 3·√(2x) at x = 0: √ has an infinite derivative at 0, so the edge into u₃ = 2x is
/// blamed (upstream 3 finite, product ∞); the edge into x that only passes ∞ on is not.
#[test]
fn backward_blames_the_op_not_the_ops_passing_it_on() {
    let tape = Tape::new();
    let x = tape.var("x", 0.0);
    let y = (x * 2.0).sqrt() * 3.0;
    let (_, trace) = y.backward_traced(TraceOptions::default());
    let at = trace.anomalies().unwrap().backward.clone().unwrap();
    assert_eq!(at.op, "sqrt");
    assert_eq!(scalar(&at.upstream), 3.0);
    assert_eq!(scalar(&at.contribution), f64::INFINITY);
}

#[test]
fn anomalies_off_records_none() {
    let tape = Tape::new();
    let y = tape.var("a", -1.0).ln();
    let (_, trace) = y.backward_traced(TraceOptions::default().with_anomalies(false));
    assert!(trace.anomalies().is_none());
}
