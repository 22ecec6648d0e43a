//! The docs are run. Every ```console block of README.md, docs/tutorial.md,
//! docs/exploding-gradients.md and docs/higher-order.md (`$ chaintrace …` and the output under
//! it) runs the binary and compares its output with the block, so a shown output cannot drift
//! from the real one.
//!
//! The blocks use trycmd's syntax: a line `...` stands for any number of lines the doc leaves
//! out, and `[..]` for the rest of a line. On a mismatch the test prints a diff of the block
//! against the real output. Blocks marked `sh` or `text` are not run: the set-up commands, and
//! commands that write files.

#[test]
fn every_command_shown_in_the_docs_prints_what_the_docs_show() {
    trycmd::TestCases::new()
        .register_bin(
            "chaintrace",
            std::path::Path::new(env!("CARGO_BIN_EXE_chaintrace")),
        )
        .case("README.md")
        .case("docs/tutorial.md")
        .case("docs/exploding-gradients.md")
        .case("docs/higher-order.md");
}
