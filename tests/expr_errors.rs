//! `chaintrace expr` on malformed input: exit status 2 and the exact message, pointing at the
//! column where the input goes wrong.

mod binary;
use binary::{chaintrace, rejects};

#[test]
fn unknown_variable_points_at_its_first_use() {
    rejects(
        &["expr", "tanh(w*x + b)", "--at", "w=1.5,x=2"],
        "error at column 12: unknown variable `b`: give its value with --at b=VALUE\n\
         \x20 tanh(w*x + b)\n\
         \x20            ^\n",
    );
}

#[test]
fn bad_numbers_in_at_are_named() {
    rejects(
        &["expr", "x*y", "--at", "x=1,y=abc"],
        "error: --at: `y=abc`: `abc` is not a number\n",
    );
    rejects(
        &["expr", "x", "--at", "x=inf"],
        "error: --at: `x=inf`: `inf` is not a finite number\n",
    );
    rejects(
        &["expr", "x", "--at", "x"],
        "error: --at: expected NAME=VALUE, found `x`\n",
    );
    rejects(
        &["expr", "x", "--at", "x=1", "--at", "x=2"],
        "error: --at: `x` is given twice\n",
    );
}

#[test]
fn unknown_function_lists_the_known_ones() {
    rejects(
        &["expr", "tan(x)", "--at", "x=1"],
        "error at column 1: unknown function `tan` (known: tanh, sigmoid, relu, exp, ln, log, \
         sqrt, abs, square, sin, cos)\n  tan(x)\n  ^^^\n",
    );
}

#[test]
fn unbalanced_parentheses() {
    rejects(
        &["expr", "2*(x + 1", "--at", "x=1"],
        "error at column 3: unclosed parenthesis\n  2*(x + 1\n    ^\n",
    );
    rejects(
        &["expr", "x + 1)", "--at", "x=1"],
        "error at column 6: unmatched `)`\n  x + 1)\n       ^\n",
    );
}

#[test]
fn empty_input_and_trailing_garbage() {
    rejects(
        &["expr", ""],
        "error at column 1: empty expression\n  \n  ^\n",
    );
    rejects(
        &["expr", "x y", "--at", "x=1,y=2"],
        "error at column 3: expected an operator or the end of the expression, found `y`\n\
         \x20 x y\n\
         \x20   ^\n",
    );
    rejects(
        &["expr", "x", "--at", "x=1", "--wrt", "z"],
        "error: --wrt: `z` is not a variable of the expression (its variables: x)\n",
    );
}

#[test]
fn division_by_zero_is_reported_as_inf() {
    let (code, out, err) = chaintrace(&["expr", "1/x", "--at", "x=0"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // f = 1/x = inf at x = 0, and ∂f/∂x = −1/x² = −inf. The tracer's anomaly report names the
    // division as the first non-finite value, and blames no multiplication: the −inf comes
    // from an op whose own value was already infinite.
    assert!(out.contains("f = u₂ = inf\n"), "{out}");
    assert!(
        out.contains(
            "warning: u₂ = 1/x is inf: the first non-finite value in forward order (op div); \
             its operands: 1, x = 0\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "warning: multiplication 1 of the backward pass (∂f/∂x, op div) is the first to \
             give a non-finite product, -inf; its operands were already non-finite"
        ),
        "{out}"
    );
}
