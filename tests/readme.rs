//! README.md's example is examples/readme.rs: the code block and the file's code are the same
//! text, so `cargo run --example readme` runs what the README shows (the README block also runs
//! as a doctest).

#[test]
fn readme_example_is_examples_readme_rs() {
    let readme = include_str!("../README.md");
    let start = readme.find("```rust\n").expect("README has a rust block") + "```rust\n".len();
    let block = &readme[start..];
    let block = &block[..block.find("```\n").expect("the block ends")];
    let example = include_str!("../examples/readme.rs");
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(block, code);
}
