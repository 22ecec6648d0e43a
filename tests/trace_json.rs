//! Traces as JSON: every reference trace round-trips unchanged, and malformed JSON is a clear
//! error that says where.

mod common;

use chaintrace::trace::TraceOptions;
use chaintrace::{Error, Tape, Trace};

/// Every reference trace survives to_json → from_json → to_json unchanged.
#[test]
fn json_round_trips() {
    type Build = fn(&Tape<f64>) -> chaintrace::Var<'_, f64>;
    let graphs: [Build; 4] = [common::micrograd, common::mlp, common::residual, |t| {
        common::chain(t, 1.5)
    }];
    for build in graphs {
        for opts in [TraceOptions::default(), TraceOptions::ledger_only()] {
            let tape = Tape::new();
            let (_, trace) = build(&tape).backward_traced(opts);
            let json = trace.to_json();
            let back = Trace::from_json(&json).unwrap();
            assert_eq!(back, trace);
            assert_eq!(back.to_json(), json);
            assert_eq!(back.to_text(), trace.to_text());
        }
    }
}

fn malformed_reason(text: &str) -> String {
    match Trace::from_json(text) {
        Err(Error::Malformed { what, reason }) => {
            assert_eq!(what, "trace JSON");
            reason
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn malformed_json_is_a_clear_error_with_a_position() {
    assert_eq!(
        malformed_reason("{\"schema\": "),
        "EOF while parsing a value at line 1 column 11"
    );
    let tape = Tape::new();
    let (_, trace) = common::residual(&tape).backward_traced(TraceOptions::default());
    let json = trace.to_json();
    let wrong_type = json.replace("\"output\": 6", "\"output\": \"six\"");
    let reason = malformed_reason(&wrong_type);
    assert!(
        reason.starts_with("invalid type: string \"six\""),
        "{reason}"
    );
    assert!(reason.ends_with("at line 4 column 17"), "{reason}");
    let newer = json.replace("chaintrace-trace/1", "chaintrace-trace/2");
    assert_eq!(
        malformed_reason(&newer),
        "schema is `chaintrace-trace/2`, this version of chaintrace reads `chaintrace-trace/1`"
    );
    let dangling = json.replace("{\"edge\":6,", "{\"edge\":60,");
    assert_eq!(
        malformed_reason(&dangling),
        "events[0] refers to edge 60 of 7"
    );
    // Event 0 multiplies the output's gradient: a file without it cannot say what flowed.
    let output_grad = json
        .lines()
        .find(|l| l.contains("\"id\":6,"))
        .and_then(|l| l.find("\"grad\":").map(|at| &l[at..]))
        .expect("the output's node record")
        .trim_end_matches(',')
        .trim_end_matches('}')
        .to_string();
    let gradless = json.replacen(&output_grad, "\"grad\":null", 1);
    assert_eq!(
        malformed_reason(&gradless),
        "events[0] multiplies the gradient of node 6, which has none"
    );
}
