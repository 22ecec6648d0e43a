//! `chaintrace expr` on bad arguments: a value for a variable the formula does not use is an
//! error naming it and the formula's variables; errors quote long input short.

mod binary;
use binary::{chaintrace, rejects};

#[test]
fn a_value_for_an_unused_variable_is_an_error() {
    rejects(
        &["expr", "x*y", "--at", "x=1,y=2,z=3"],
        "error: --at: `z` is not a variable of the expression (its variables: x, y)\n",
    );
    rejects(
        &["expr", "x", "--at", "x=1", "--at", "X=2"],
        "error: --at: `X` is not a variable of the expression (its variables: x)\n",
    );
    rejects(
        &["expr", "2 + 3", "--at", "z=3"],
        "error: --at: `z` is not a variable of the expression (its variables: none)\n",
    );
    // A function's name is not a variable.
    rejects(
        &["expr", "tanh(x)", "--at", "x=1,tanh=2"],
        "error: --at: `tanh` is not a variable of the expression (its variables: x)\n",
    );
    // Every variable used, all given: fine.
    let (code, out, _) = chaintrace(&["expr", "x*y", "--at", "x=1,y=2"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("f = x*y\nat x = 1, y = 2\n"), "{out}");
}

/// The variable list is cut after ten names.
#[test]
fn long_variable_lists_are_cut() {
    let source: Vec<String> = (0..25).map(|i| format!("x{i}")).collect();
    let mut at: Vec<String> = (0..25).map(|i| format!("x{i}=1")).collect();
    at.push("z=0".into());
    rejects(
        &["expr", &source.join("+"), "--at", &at.join(",")],
        "error: --at: `z` is not a variable of the expression (its variables: x0, x1, x2, x3, \
         x4, x5, x6, x7, x8, x9, and 15 more)\n",
    );
}

/// A 100,000-digit malformed number (about the longest argument Linux passes) gives an error of
/// a few hundred bytes, not the whole input twice.
#[test]
fn errors_quote_long_input_short() {
    let digits = "1".repeat(100_000);
    let source = format!("x + {digits}.2.3");
    let shown = format!("{}…", "1".repeat(60));
    rejects(
        &["expr", &source, "--at", "x=1"],
        &format!(
            "error at column 5: malformed number `{shown}`\n  x + {shown}\n      {}\n",
            "^".repeat(61)
        ),
    );
    let long = "v".repeat(100_000);
    let (code, _, err) = chaintrace(&["expr", &long]);
    assert_eq!(code, 2);
    assert!(err.len() < 400, "{} bytes: {err}", err.len());
    let (code, _, err) = chaintrace(&["expr", "x", "--at", &format!("x=1,{long}")]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: --at: expected NAME=VALUE, found `{}…`\n",
            "v".repeat(60)
        )
    );
    let (code, _, err) = chaintrace(&["expr", "x", "--at", "x=1", "--wrt", &long]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: --wrt: `{}…` is not a variable of the expression (its variables: x)\n",
            "v".repeat(60)
        )
    );
}
