//! How much bigger than a trace file its renderings can be: adversarial files (every name,
//! layer and formula at its length limit, a name shared by thousands of nodes, every leaf
//! with a long path, `top_paths` at its maximum) rendered in every format, and the ratio of
//! output to input size held under the bounds docs/trace-format.md states ("Limits").

use chaintrace::report::{HtmlTrace, html, svg};
use chaintrace::trace::{MAX_NAME_BYTES, MAX_TEXT_BYTES};
use chaintrace::{Tape, Trace, TraceOptions};
use serde_json::Value;

/// The documented bounds: output ≤ ratio × input + [`CONSTANT`], per format.
const BOUNDS: [(&str, f64); 6] = [
    ("text", 5.0),
    ("md", 4.0),
    ("json", 2.0),
    ("dot", 2.5),
    ("svg", 1.0),
    ("html", 12.0),
];

/// The part of an output that does not grow with the file (the page's script and style, a
/// chart's axes), in bytes.
const CONSTANT: f64 = 65536.0;

/// `n` scalar steps sharing the leaf `w`, each adding a leaf of its own, each in a layer of
/// its own: hₖ = w·hₖ₋₁ + xₖ. Every leaf has a path as long as the chain behind it.
fn chain_json(n: usize) -> Value {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.0001);
    let mut h = tape.var("x0", 0.5);
    for k in 1..=n {
        h = tape.layer(&format!("l{k}"), || {
            w * h + tape.var(&format!("x{k}"), 0.25)
        });
    }
    let (_, trace) = h.backward_traced(TraceOptions::default());
    serde_json::from_str(&trace.to_json()).unwrap()
}

/// A ladder of `n` diamonds, hₖ = aₖ·hₖ₋₁ + bₖ·hₖ₋₁: 2ⁿ paths from the start, and each
/// leaf's best paths as long as the ladder above it (the path listing at its fullest).
fn ladder_json(n: usize) -> Value {
    let tape = Tape::<f64>::new();
    let mut h = tape.var("h0", 0.5);
    for k in 1..=n {
        let a = tape.var(&format!("a{k}"), 0.9);
        let b = tape.var(&format!("b{k}"), 0.6);
        h = a * h + b * h;
    }
    let (_, trace) = h.backward_traced(TraceOptions::default());
    serde_json::from_str(&trace.to_json()).unwrap()
}

/// A distinct text of exactly `len` bytes.
fn text(tag: &str, i: usize, len: usize) -> String {
    let head = format!("{tag}{i}<&|_*`\u{1b}");
    format!("{head}{}", "n".repeat(len - head.len()))
}

/// Every name and layer at the limit; with `formulas`, every formula too.
fn hostile(mut file: Value, formulas: bool) -> String {
    for (i, node) in file["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["name"] = Value::String(text("n", i, MAX_NAME_BYTES));
        if formulas {
            node["formula"] = Value::String(text("f", i, MAX_TEXT_BYTES));
        }
    }
    for (i, layer) in file["layers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        if i > 0 {
            *layer = Value::String(text("l", i, MAX_NAME_BYTES));
        }
    }
    if formulas {
        for (i, edge) in file["edges"].as_array_mut().unwrap().iter_mut().enumerate() {
            edge["formula"] = Value::String(text("e", i, MAX_TEXT_BYTES));
        }
    }
    file["options"]["top_paths"] = Value::from(u64::MAX);
    file.to_string()
}

/// Only the shared leaf named at the limit (the case, within the limit).
fn shared_name(mut file: Value) -> String {
    file["nodes"][1]["name"] = Value::String(text("w", 0, MAX_NAME_BYTES));
    file.to_string()
}

/// Every op label at the limit (leaves stay leaves).
fn long_ops(mut file: Value) -> String {
    for (i, node) in file["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        if node["op"] != "leaf" {
            node["op"] = Value::String(text("o", i, MAX_NAME_BYTES));
        }
    }
    file.to_string()
}

/// One text at the limit in each column of the event table, all else short: a column as
/// wide as its widest cell would pad every row.
fn one_long_per_column(mut file: Value) -> String {
    file["nodes"][1]["name"] = Value::String(text("w", 0, MAX_NAME_BYTES));
    file["layers"][1] = Value::String(text("l", 1, MAX_NAME_BYTES));
    file["edges"][0]["formula"] = Value::String(text("e", 0, MAX_TEXT_BYTES));
    file.to_string()
}

fn render(trace: &Trace, format: &str) -> usize {
    match format {
        "text" => trace.to_text().len(),
        "md" => trace.to_markdown().len(),
        "json" => trace.to_json().len(),
        "dot" => trace.to_dot().len(),
        "svg" => svg::trace_chart(trace, "L").map_or(0, |s| s.len()),
        _ => html::page(&HtmlTrace::from_trace(trace, "L")).len(),
    }
}

#[test]
fn every_rendering_stays_within_its_documented_ratio() {
    let files = [
        (
            "chain of 300, names and layers at the limit",
            hostile(chain_json(300), false),
        ),
        ("chain of 300, formulas too", hostile(chain_json(300), true)),
        (
            "chain of 2000, one shared name at the limit",
            shared_name(chain_json(2000)),
        ),
        (
            "chain of 300, op labels at the limit",
            long_ops(chain_json(300)),
        ),
        (
            "ladder of 3, names at the limit",
            hostile(ladder_json(3), false),
        ),
        (
            "ladder of 16, names at the limit",
            hostile(ladder_json(16), false),
        ),
        (
            "ladder of 64, names at the limit",
            hostile(ladder_json(64), false),
        ),
        (
            "chain of 2000, one long text per column",
            one_long_per_column(chain_json(2000)),
        ),
    ];
    for (what, json) in &files {
        let trace = Trace::from_json(json).unwrap_or_else(|e| panic!("{what}: {e}"));
        for (format, bound) in BOUNDS {
            let (output, input) = (render(&trace, format) as f64, json.len() as f64);
            println!("{what} ({input} bytes): {format} {:.2}×", output / input);
            assert!(
                output <= bound * input + CONSTANT,
                "{what}: {format} is {output} bytes from {input}, over {bound}× + {CONSTANT}"
            );
        }
    }
}
