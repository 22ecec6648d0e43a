//! Running the `chaintrace` binary from the integration tests that check its output.

#![allow(dead_code)]

use std::process::Command;

/// Runs the binary: (exit status, stdout, stderr).
pub fn chaintrace(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_chaintrace"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// Asserts a usage error: status 2, nothing on stdout, exactly `stderr`.
pub fn rejects(args: &[&str], stderr: &str) {
    let (code, out, err) = chaintrace(args);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (2, "", stderr),
        "{args:?}"
    );
}
