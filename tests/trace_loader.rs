//! The trace loader on hostile and unusual files: overflowing indices, a byte-order mark,
//! non-finite numbers in every float field, equality with NaNs, and the size limits.

mod common;

use chaintrace::hooks::{ClipNorm, NanGuard};
use chaintrace::trace::{MAX_INPUT_BYTES, MAX_NAME_BYTES, MAX_TEXT_BYTES};
use chaintrace::{Error, Tape, Trace, TraceOptions};
use proptest::prelude::*;
use serde_json::Value;

fn chain_trace() -> Trace {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 2.0);
    let y = (w * x).tanh() * w;
    y.backward_traced(TraceOptions::default()).1
}

/// A trace whose only hook firing met a NaN gradient: ∂L/∂x = w = NaN, replaced by 0.
fn nan_guarded_trace() -> Trace {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", f64::NAN);
    let x = tape.var("x", 2.0);
    tape.hook(x, NanGuard::Replace(0.0));
    (w * x).backward_traced(TraceOptions::default()).1
}

fn malformed_reason(result: chaintrace::Result<Trace>) -> String {
    match result {
        Err(Error::Malformed { reason, .. }) => reason,
        other => panic!("expected Error::Malformed, got {other:?}"),
    }
}

#[test]
fn an_output_index_of_usize_max_is_refused_not_an_overflow() {
    // Run in the test profile, which checks overflow: `output + 1` used to panic here.
    let json = chain_trace().to_json();
    let line = json.lines().find(|l| l.contains("\"output\"")).unwrap();
    let hostile = json.replace(line, "  \"output\": 18446744073709551615,");
    let reason = malformed_reason(Trace::from_json(&hostile));
    assert_eq!(
        reason,
        "5 nodes recorded but the output is node 18446744073709551615: the node table ends at \
         the output"
    );
}

#[test]
fn a_layer_index_beyond_u32_is_refused() {
    let json = chain_trace().to_json();
    let hostile = json.replacen("\"layer\":0", "\"layer\":4294967296", 1);
    let reason = malformed_reason(Trace::from_json(&hostile));
    assert_eq!(reason, "node 0 is in layer 4294967296 of 1");
}

#[test]
fn an_event_repeating_other_numbers_than_its_tables_is_refused() {
    let trace = chain_trace();
    let mut file: Value = serde_json::from_str(&trace.to_json()).unwrap();
    file["events"][0]["upstream"] = serde_json::json!(7.0);
    let reason = malformed_reason(Trace::from_json(&file.to_string()));
    assert_eq!(
        reason,
        "events[0] repeats the upstream gradient or local derivative of edge 3 with other \
         values than the node and edge tables hold"
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let trace = chain_trace();
    let with_bom = format!("\u{feff}{}", trace.to_json());
    assert_eq!(Trace::from_json(&with_bom).unwrap(), trace);
    let bytes = with_bom.into_bytes();
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf");
    assert_eq!(
        Trace::from_reader(&bytes[..], MAX_INPUT_BYTES).unwrap(),
        trace
    );
}

#[test]
fn a_nan_guard_firing_round_trips() {
    let trace = nan_guarded_trace();
    let [firing] = trace.hooks() else {
        panic!("one firing expected: {:?}", trace.hooks())
    };
    assert!(firing.norm_before.is_nan());
    assert_eq!(firing.norm_after, 0.0);
    let json = trace.to_json();
    assert!(
        json.contains(r#""norm_before":"NaN","norm_after":0.0"#),
        "{json}"
    );
    let back = Trace::from_json(&json).unwrap();
    assert!(back.hooks()[0].norm_before.is_nan());
    assert_eq!(back.to_json(), json);
    // Equality holds with NaNs inside, against itself and against the round trip.
    assert_eq!(trace, trace.clone());
    assert_eq!(back, trace);
    // Through serde too (a trace as a field of a larger document).
    let value = serde_json::to_value(&trace).unwrap();
    assert_eq!(value["hooks"][0]["norm_before"], "NaN");
}

#[test]
fn a_null_norm_written_by_older_versions_reads_as_nan() {
    let json = nan_guarded_trace()
        .to_json()
        .replace(r#""norm_before":"NaN""#, r#""norm_before":null"#);
    let back = Trace::from_json(&json).unwrap();
    assert!(back.hooks()[0].norm_before.is_nan());
}

#[test]
fn equality_compares_floats_exactly() {
    let trace = nan_guarded_trace();
    let json = trace.to_json();
    // Same text but one number a bit apart: unequal.
    let nudged = json.replacen("2.0", "2.0000000000000004", 1);
    assert_ne!(nudged, json);
    assert_ne!(Trace::from_json(&nudged).unwrap(), trace);
    // -0 and 0 differ (by bits).
    let zero = Trace::from_json(&json.replacen("\"norm_after\":0.0", "\"norm_after\":-0.0", 1));
    assert_ne!(zero.unwrap(), trace);
}

#[test]
fn an_input_over_the_limit_is_refused_with_the_limit() {
    let json = chain_trace().to_json();
    let limit = json.len() as u64 - 1;
    let reason = malformed_reason(Trace::from_reader(json.as_bytes(), limit));
    assert_eq!(
        reason,
        format!("the input is larger than the limit of {limit} bytes")
    );
    assert!(Trace::from_reader(json.as_bytes(), limit + 1).is_ok());
    // An endless input stops at the limit.
    let zeros = std::io::repeat(0).take(u64::MAX);
    use std::io::Read;
    let reason = malformed_reason(Trace::from_reader(zeros, 1 << 20));
    assert_eq!(
        reason,
        "the input is larger than the limit of 1048576 bytes"
    );
}

#[test]
fn names_and_formulas_over_the_limits_are_refused() {
    let trace = chain_trace();
    let json = trace.to_json();
    let long = "n".repeat(MAX_NAME_BYTES + 1);
    let hostile = json.replacen("\"name\":\"w\"", &format!("\"name\":\"{long}\""), 1);
    let reason = malformed_reason(Trace::from_json(&hostile));
    assert_eq!(
        reason,
        format!(
            "nodes[0].name is 257 bytes long (`{}…`): names in a trace are at most 256 bytes",
            "n".repeat(40)
        )
    );
    let fits = json.replacen("\"name\":\"w\"", &format!("\"name\":\"{}\"", &long[1..]), 1);
    assert!(Trace::from_json(&fits).is_ok());
    let formula = "f".repeat(MAX_TEXT_BYTES + 1);
    let at = json.find("\"formula\":\"").unwrap() + "\"formula\":\"".len();
    let end = at + json[at..].find('"').unwrap();
    let hostile = format!("{}{formula}{}", &json[..at], &json[end..]);
    let reason = malformed_reason(Trace::from_json(&hostile));
    assert!(reason.contains("is 4097 bytes long"), "{reason}");
    assert!(reason.ends_with("formulas and notes in a trace are at most 4096 bytes"));
}

#[test]
fn control_characters_in_an_error_are_escaped() {
    let json = chain_trace()
        .to_json()
        .replace("chaintrace-trace/1", r"evil\u001b[2J\nschema");
    let reason = malformed_reason(Trace::from_json(&json));
    assert_eq!(
        reason,
        "schema is `evil\\u{1b}[2J\\u{a}schema`, this version of chaintrace reads \
         `chaintrace-trace/1`"
    );
}

/// A trace with every kind of record: tensors (summaries with elements), layers (ledger
/// rows with gains), path lengths, events, a hook firing, and (put into the file by hand,
/// since one pass rarely has both) a forward and a backward anomaly.
fn rich_trace_json() -> Value {
    let tape = Tape::<f64>::new();
    tape.hook_layer("layer1", ClipNorm(0.1));
    let loss = common::mlp(&tape);
    let (_, trace) = loss.backward_traced(TraceOptions::default());
    let mut value: Value = serde_json::from_str(&trace.to_json()).unwrap();
    value["anomalies"] = serde_json::json!({
        "forward": {
            "node": {"node": 0, "name": "x", "value": 1.0},
            "op": "leaf", "layer": "",
            "operands": [{"node": 0, "name": "x", "value": 2.5}]
        },
        "backward": {
            "to": 3, "from": 0, "slot": 1, "op": "matmul", "layer": "layer0",
            "upstream": 1.0, "local": 2.0,
            "operands": [{"node": 0, "name": "x",
                          "value": {"shape": [2], "norm": 1.0, "min": 0.5, "max": 1.0,
                                    "finite": true, "values": [0.5, 1.0]}}],
            "contribution": {"shape": [2], "norm": 3.0, "min": 1.0, "max": 2.0,
                             "finite": true, "values": [1.0, 2.0]}
        }
    });
    value
}

/// Keys whose numbers are indices or counts, not floats.
const INTEGER_KEYS: [&str; 12] = [
    "id",
    "from",
    "to",
    "slot",
    "layer",
    "edge",
    "node",
    "length",
    "shape",
    "full_values",
    "top_paths",
    "output",
];

/// Replaces every float in the file by the next of `choices` (NaN, inf, -inf or kept),
/// walking with a stack; returns how many were made non-finite.
fn poison(value: &mut Value, choices: &[u8]) -> usize {
    let (mut k, mut poisoned) = (0, 0);
    let mut stack: Vec<(bool, &mut Value)> = vec![(false, value)];
    while let Some((integer, v)) = stack.pop() {
        match v {
            Value::Number(_) if !integer => {
                let spelled = ["NaN", "inf", "-inf", ""][choices[k % choices.len()] as usize % 4];
                k += 1;
                if !spelled.is_empty() {
                    *v = Value::String(spelled.to_string());
                    poisoned += 1;
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut().map(|item| (integer, item))),
            Value::Object(fields) => stack.extend(
                fields
                    .iter_mut()
                    .map(|(key, item)| (INTEGER_KEYS.contains(&key.as_str()), item)),
            ),
            _ => {}
        }
    }
    poisoned
}

/// The file with non-finite numbers in it: loads, writes back the same numbers, and reads
/// back equal. (An edge's flow a reader takes from the edge's event.)
fn check_poisoned(choices: &[u8]) {
    let mut file = rich_trace_json();
    let poisoned = poison(&mut file, choices);
    // An event repeats its op node's gradient and its edge's local derivative: the same
    // numbers, poisoned alike.
    let (nodes, edges) = (file["nodes"].clone(), file["edges"].clone());
    for event in file["events"].as_array_mut().unwrap() {
        event["upstream"] = nodes[event["to"].as_u64().unwrap() as usize]["grad"].clone();
        event["local"] = edges[event["edge"].as_u64().unwrap() as usize]["local"].clone();
    }
    let trace = Trace::from_json(&file.to_string()).expect("a file with non-finite numbers loads");
    let written = trace.to_json();
    let back = Trace::from_json(&written).unwrap();
    assert_eq!(back, trace);
    assert_eq!(back.to_json(), written);
    let mut reread: Value = serde_json::from_str(&written).unwrap();
    let mut expected = file;
    for file in [&mut reread, &mut expected] {
        for edge in file["edges"].as_array_mut().unwrap() {
            edge["flow"] = Value::Null;
        }
    }
    assert_eq!(reread, expected, "{poisoned} numbers made non-finite");
}

#[test]
fn every_float_field_holds_each_non_finite_value() {
    for spelled in 0..3 {
        check_poisoned(&[spelled]);
    }
    // The rich trace has every record type, and so a hook firing and anomalies.
    let file = rich_trace_json();
    assert!(!file["hooks"].as_array().unwrap().is_empty());
    assert!(!file["path_lengths"].as_array().unwrap().is_empty());
    assert!(!file["ledger"]["rows"].as_array().unwrap().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn non_finite_numbers_anywhere_round_trip(choices in prop::collection::vec(0u8..4, 1..40)) {
        check_poisoned(&choices);
    }
}

/// Ids in the records (here a hook firing and a forward anomaly) are checked against the
/// trace like those of the node, edge and event tables: a file cannot name node 99 of a
/// three-node trace.
#[test]
fn record_ids_past_the_output_are_refused() {
    let trace = nan_guarded_trace();
    let file: Value = serde_json::from_str(&trace.to_json()).unwrap();
    assert!(Trace::from_json(&file.to_string()).is_ok());
    let mut hooked = file.clone();
    hooked["hooks"][0]["context"]["node"] = serde_json::json!(99);
    let reason = malformed_reason(Trace::from_json(&hooked.to_string()));
    assert_eq!(reason, "hooks names node 99, after the output (node 2)");
    let mut anomalous = file;
    anomalous["anomalies"]["forward"]["node"]["node"] = serde_json::json!(99);
    let reason = malformed_reason(Trace::from_json(&anomalous.to_string()));
    assert_eq!(reason, "anomalies names node 99, after the output (node 2)");
}
