//! `chaintrace trace` on saved trace files: one saved by `expr --out` renders again
//! identically, and a malformed one is a usage error that names what is wrong and where.

mod binary;
use binary::{chaintrace, rejects};

#[test]
fn a_malformed_trace_file_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("chaintrace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    std::fs::write(&file, "{\"version\": 1}").unwrap();
    let (code, _, err) = chaintrace(&["trace", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: ") && err.contains("malformed trace JSON: missing field"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_saved_trace_renders_again_identically() {
    let args = ["expr", "sigmoid(a*b) + a^2", "--at", "a=0.5,b=-1.5"];
    let dir = std::env::temp_dir().join(format!("chaintrace-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trace.json");
    let file = file.to_str().unwrap();
    let (code, out, _) = chaintrace(&[&args[..], &["--format", "json", "--out", file]].concat());
    assert_eq!((code, out.as_str()), (0, ""));
    // Every format but the expression's own walk-through (text and Markdown, which add the
    // expression and its closed forms) renders from the trace alone, so the saved trace gives
    // the same output as the expression.
    for format in ["json", "dot"] {
        let (code, direct, _) = chaintrace(&[&args[..], &["--format", format]].concat());
        assert_eq!(code, 0);
        let (code, again, err) = chaintrace(&["trace", file, "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert_eq!(again, direct, "{format}");
    }
    // The walk-through as Markdown, what a teacher exports: the sum at `a` shown where the
    // second path's contribution arrives.
    let (code, walk, _) = chaintrace(&[&args[..], &["--format", "md"]].concat());
    assert_eq!(code, 0);
    assert!(
        walk.starts_with("# f = sigmoid(a\\*b) + a^2\n\nat a = 0.5, b = -1.5\n"),
        "{walk}"
    );
    assert!(
        walk.contains(
            "| 5 | mul | ∂f/∂a = ∂f/∂u₂ · ∂u₂/∂a = 0.217895 × -1.5 = -0.326842 | ∂u₂/∂a = b | \
             0.673158 |"
        ),
        "{walk}"
    );
    let (code, text, _) = chaintrace(&["trace", file]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with("chaintrace trace\n================\n"),
        "{text}"
    );
    let (code, page, _) = chaintrace(&["trace", file, "--format", "html"]);
    assert_eq!(code, 0);
    // The page starts at the seed: the output u₅ = σ(a·b) + a² with respect to itself.
    assert!(page.contains("data-formula=\"∂L/∂u₅ = 1\""), "{page}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_trace_names_the_position() {
    let dir = std::env::temp_dir().join(format!("chaintrace-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"schema\": \"chaintrace-trace/1\",\n  \"element\": 64\n}",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    rejects(
        &["trace", path, "--format", "html"],
        &format!(
            "error: {path}: malformed trace JSON: invalid type: integer `64`, expected a string \
             at line 3 column 15\n"
        ),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
