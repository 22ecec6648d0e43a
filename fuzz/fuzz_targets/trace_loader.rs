//! The trace loader: any bytes to `Trace::from_json`; a trace that loads is rendered in every
//! format (text, Markdown, JSON, DOT, SVG chart, HTML page) and its JSON read back. Nothing
//! may panic, and the JSON round trip must be exact.

#![no_main]

use chaintrace::Trace;
use chaintrace::report::{HtmlTrace, html, svg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(trace) = Trace::from_json(text) else {
        return;
    };
    let _ = trace.to_text();
    let _ = trace.to_markdown();
    let _ = trace.to_dot();
    let _ = svg::trace_chart(&trace, "f");
    let _ = html::page(&HtmlTrace::from_trace(&trace, "f"));
    let json = trace.to_json();
    let back = Trace::from_json(&json).expect("a written trace reads back");
    assert_eq!(back.to_json(), json, "the JSON round trip is exact");
});
