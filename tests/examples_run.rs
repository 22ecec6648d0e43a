//! The examples as a reader runs them: README.md's example prints what the README shows, and no
//! example panics when its reader goes away (`cargo run --example 02_train_moons | head`).
//!
//! The examples' binaries are the ones `cargo test` builds beside the tests (target/…/examples);
//! the test asks cargo to build the one it needs with the same profile, which is a no-op when
//! `cargo test` has just built it.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The built binary of example `name`, built first when it is missing.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    // target/<profile>/deps/<test> → target/<profile>/examples/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    let path = dir.join("examples").join(name);
    // Always asked: a binary left from an older build would test old code. When `cargo test`
    // has just built the examples this is a no-op.
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--profile", "test", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --example {name} failed");
    assert!(path.is_file(), "no example binary at {}", path.display());
    path
}

#[test]
fn the_readme_example_prints_what_the_readme_shows() {
    let readme = include_str!("../README.md");
    let intro = "`cargo run --example readme` prints:\n\n```text\n";
    let start = readme
        .find(intro)
        .expect("README shows the example's output")
        + intro.len();
    let shown = &readme[start..];
    let shown = &shown[..shown.find("```\n").expect("the block ends")];
    let out = Command::new(example("readme"))
        .output()
        .expect("the example runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).expect("utf-8"), shown);
}

/// Runs example `name` with its stdout a pipe whose reader reads `keep` bytes and closes it,
/// as `| head -c keep` does; returns the exit status and stderr.
fn closed_pipe(name: &str, keep: usize) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(example(name))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut first = vec![0; keep];
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_exact(&mut first)
        .expect("the example prints at least `keep` bytes");
    // The reader is dropped here: every later write meets a closed pipe.
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut err)
        .expect("utf-8 stderr");
    (child.wait().expect("the example ends"), err)
}

#[test]
fn no_example_panics_when_stdout_is_closed() {
    for name in [
        "01_custom_layer",
        "02_train_moons",
        "03_initialisers",
        "04_gradient_through_time",
    ] {
        let (status, err) = closed_pipe(name, 16);
        assert!(
            status.success(),
            "{name} ended with {status} on a closed pipe: {err}"
        );
        assert_eq!(err, "", "{name} wrote to stderr on a closed pipe");
    }
}
