//! The expression language end to end: parse any text; if it parses, build it on a tape,
//! run backward and a traced backward, ask for the closed-form gradients, and write the trace
//! as JSON and read it back. Nothing may panic; a rejected input's error must stay one short
//! line with a caret line under it.

#![no_main]

use std::collections::BTreeMap;

use chaintrace::expr_lang;
use chaintrace::{Tape, Trace, TraceOptions};
use libfuzzer_sys::fuzz_target;

/// Closed-form gradients grow with the square of the expression: ask for the first few only,
/// so one input stays fast.
const SYMBOLIC_LEAVES: usize = 2;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let program = match expr_lang::parse(source) {
        Ok(program) => program,
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message:?}");
            assert!(message.len() < 1024, "{} bytes", message.len());
            let caret = error.caret(source);
            assert_eq!(caret.lines().count(), 2, "{caret:?}");
            assert!(caret.len() < 2048, "{} bytes", caret.len());
            return;
        }
    };
    let values: BTreeMap<String, f64> = program
        .variables()
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.to_string(), 0.5 + 0.25 * i as f64))
        .collect();
    let tape = Tape::<f64>::new();
    let built = program
        .build(&tape, &values)
        .expect("every variable has a value");
    let grads = built.output.backward();
    let (_, trace) = built
        .output
        .try_backward_traced(TraceOptions::default())
        .expect("a scalar output traces");
    for (_, leaf) in built.leaves.iter().take(SYMBOLIC_LEAVES) {
        assert!(grads.wrt(*leaf).is_some());
        let _ = trace.try_symbolic_gradient(*leaf).map(|e| e.to_string());
    }
    let json = trace.to_json();
    let back = Trace::from_json(&json).expect("a written trace reads back");
    assert_eq!(back.to_json(), json, "the JSON round trip is exact");
});
