//! Snapshots of every renderer for the reference graphs. Each was read line by line before it
//! was accepted; the hand checks are in tests/trace.rs.

mod common;

use chaintrace::{Tape, Trace, TraceOptions, Var};

fn trace_of(output: Var<'_, f64>) -> Trace {
    output.backward_traced(TraceOptions::default()).1
}

fn snapshot_all(name: &str, trace: &Trace) {
    insta::assert_snapshot!(format!("{name}_text"), trace.to_text());
    insta::assert_snapshot!(format!("{name}_markdown"), trace.to_markdown());
    insta::assert_snapshot!(format!("{name}_dot"), trace.to_dot());
    #[cfg(feature = "serde")]
    insta::assert_snapshot!(format!("{name}_json"), trace.to_json());
}

#[test]
fn micrograd_readme_expression() {
    let tape = Tape::new();
    snapshot_all("micrograd", &trace_of(common::micrograd(&tape)));
}

#[test]
fn chain_of_fifty_at_w_1_5() {
    let tape = Tape::new();
    snapshot_all("chain_w1.5", &trace_of(common::chain(&tape, 1.5)));
}

#[test]
fn chain_of_fifty_at_w_0_5() {
    let tape = Tape::new();
    snapshot_all("chain_w0.5", &trace_of(common::chain(&tape, 0.5)));
}

#[test]
fn two_layer_tanh_mlp() {
    let tape = Tape::new();
    snapshot_all("mlp", &trace_of(common::mlp(&tape)));
}

#[test]
fn residual_block() {
    let tape = Tape::new();
    snapshot_all("residual", &trace_of(common::residual(&tape)));
}
