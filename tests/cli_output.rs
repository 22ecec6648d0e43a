//! The binary's output discipline: `--out` is written whole or not at all, `trace` reads a
//! bounded input (a byte-order mark allowed), and text from a trace file reaches no output
//! and no error message with its control characters or Markdown/HTML meaning intact.

use std::path::{Path, PathBuf};
use std::process::Command;

use chaintrace::{Tape, TraceOptions};

mod binary;
use binary::chaintrace;

/// A fresh folder for one test.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chaintrace-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A saved trace of w·x whose leaf `w` is renamed to `name` (JSON-escaped by serde).
fn trace_file(dir: &Path, name: &str) -> PathBuf {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 2.0);
    let (_, trace) = (w * x).backward_traced(TraceOptions::default());
    let json = trace.to_json().replace(
        "\"name\":\"w\"",
        &format!("\"name\":{}", serde_json::to_string(name).unwrap()),
    );
    let file = dir.join("trace.json");
    std::fs::write(&file, json).unwrap();
    file
}

#[test]
fn out_is_written_whole_and_leaves_no_temporary_file() {
    let dir = folder("out-ok");
    let target = dir.join("report.md");
    let (code, out, err) = chaintrace(&[
        "expr",
        "w*x",
        "--at",
        "w=1.5,x=2",
        "--format",
        "md",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (_, direct, _) = chaintrace(&["expr", "w*x", "--at", "w=1.5,x=2", "--format", "md"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), direct);
    assert_eq!(entries(&dir), ["report.md"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_out_leaves_no_partial_file_and_exits_non_zero() {
    let dir = folder("out-fail");
    // The target is a non-empty folder: the rename over it fails after the whole output
    // was written to the temporary file.
    let target = dir.join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "kept").unwrap();
    let (code, out, err) = chaintrace(&[
        "expr",
        "w*x",
        "--at",
        "w=1.5,x=2",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with(&format!("error: cannot write {}: ", target.display())),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(entries(&dir), ["taken"], "no temporary file left");
    assert_eq!(
        std::fs::read_to_string(target.join("keep")).unwrap(),
        "kept"
    );
    // A folder that does not exist: nothing is created.
    let missing = dir.join("no/such/folder/out.txt");
    let (code, _, err) = chaintrace(&[
        "expr",
        "x",
        "--at",
        "x=1",
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(entries(&dir), ["taken"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_endless_input_is_refused_at_the_limit() {
    let (code, out, err) = chaintrace(&["trace", "/dev/zero", "--max-input-bytes", "4096"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "error: /dev/zero: malformed trace JSON: the input is larger than the limit of 4096 \
         bytes (raise it with --max-input-bytes)\n"
    );
    // The default limit (256 MiB) holds too: the file is refused, not read until memory
    // runs out.
    let (code, _, err) = chaintrace(&["trace", "/dev/zero"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("larger than the limit of 268435456 bytes"),
        "{err}"
    );
}

#[test]
fn a_trace_over_the_limit_renders_with_the_limit_raised() {
    let dir = folder("limit");
    let file = trace_file(&dir, "w");
    let size = std::fs::metadata(&file).unwrap().len();
    let path = file.to_str().unwrap();
    let (code, _, _) = chaintrace(&["trace", path, "--max-input-bytes", &(size - 1).to_string()]);
    assert_eq!(code, 2);
    let (code, _, err) = chaintrace(&["trace", path, "--max-input-bytes", &size.to_string()]);
    assert_eq!((code, err.as_str()), (0, ""));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_trace_file_with_a_byte_order_mark_renders() {
    let dir = folder("bom");
    let file = trace_file(&dir, "w");
    let (_, plain, _) = chaintrace(&["trace", file.to_str().unwrap()]);
    let json = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("\u{feff}{json}")).unwrap();
    let (code, with_bom, err) = chaintrace(&["trace", file.to_str().unwrap()]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(with_bom, plain);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_names_are_escaped_in_every_text_format() {
    let dir = folder("escape");
    let name = "<script>alert(1)</script>\u{1b}[31m|a_b\nc<img src=x onerror=alert(2)>";
    let file = trace_file(&dir, name);
    let path = file.to_str().unwrap();
    let render = |format: &str| {
        let (code, out, err) = chaintrace(&["trace", path, "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        out
    };
    let controls = |out: &str| out.chars().any(|c| c.is_control() && c != '\n');
    for format in ["text", "md", "dot"] {
        let out = render(format);
        assert!(!controls(&out), "{format}: a control character got through");
        assert!(out.contains("\\u{1b}[31m"), "{format}: ESC shown escaped");
        assert!(
            !out.contains("[31m|a_b\nc"),
            "{format}: the newline was kept"
        );
    }
    let md = render("md");
    assert!(!md.contains("<script>") && !md.contains("<img"), "{md}");
    assert!(
        md.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[31m\\|a\\_b\\u{a}c&lt;img src=x onerror=alert(2)&gt;"),
        "{md}"
    );
    // Every table row of the Markdown is still one line with the same number of cells.
    for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        let first = cells(table.lines().next().unwrap());
        assert!(table.lines().all(|l| cells(l) == first), "{table}");
    }
    let html = render("html");
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_error_quoting_the_file_stays_on_one_line() {
    let dir = folder("one-line");
    let file = trace_file(&dir, "w");
    let json = std::fs::read_to_string(&file).unwrap();
    let path = file.to_str().unwrap();
    // serde quotes an unknown edge kind; the loader quotes an unknown schema.
    for (from, to, shown) in [
        (
            "\"kind\":\"normal\"",
            "\"kind\":\"n\\u001b[2J\\nx\"",
            "unknown variant `n\\u{1b}[2J\\u{a}x`",
        ),
        (
            "chaintrace-trace/1",
            "x\\u001b[2J\\ny",
            "schema is `x\\u{1b}[2J\\u{a}y`",
        ),
    ] {
        std::fs::write(&file, json.replacen(from, to, 1)).unwrap();
        let (code, _, err) = chaintrace(&["trace", path]);
        assert_eq!(code, 2);
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.contains(shown), "{err:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the binary under a file-size limit of `blocks` × 512 bytes with SIGXFSZ ignored, so
/// a write past it fails with EFBIG part-way through (as on a full disk).
#[cfg(unix)]
fn chaintrace_with_file_limit(blocks: u32, args: &[&str]) -> (i32, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f {blocks} && trap '' XFSZ && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_chaintrace"))
        .args(args)
        .output()
        .expect("sh runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[cfg(unix)]
#[test]
fn a_write_failing_part_way_keeps_the_old_file_whole() {
    let dir = folder("out-efbig");
    let target = dir.join("page.html");
    std::fs::write(&target, "the old page").unwrap();
    let path = target.to_str().unwrap();
    // The page is far larger than the 4 blocks (2 kB) the limit lets through.
    let args = [
        "expr",
        "tanh(w*x)",
        "--at",
        "w=1.5,x=2",
        "--format",
        "html",
        "--out",
        path,
    ];
    let (code, err) = chaintrace_with_file_limit(4, &args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with(&format!("error: cannot write {path}: ")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the old page");
    assert_eq!(entries(&dir), ["page.html"], "no temporary file left");
    // A new file that cannot be written whole is not created at all.
    let fresh = dir.join("fresh.html");
    let args = [
        "expr",
        "tanh(w*x)",
        "--at",
        "w=1.5,x=2",
        "--format",
        "html",
        "--out",
    ];
    let (code, _) =
        chaintrace_with_file_limit(4, &[&args[..], &[fresh.to_str().unwrap()]].concat());
    assert_eq!(code, 1);
    assert_eq!(entries(&dir), ["page.html"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
