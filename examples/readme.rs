//! The example in README.md (kept identical to it; `cargo run --example readme`).

use chaintrace::{Tape, symbolic};

fn main() -> chaintrace::Result<()> {
    let tape = Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 2.0);
    let y = (w * x).tanh(); // y = tanh(w·x)
    let grads = y.backward();
    println!("y     = {:.6}", y.item()?);
    println!("dy/dw = {:.6}", grads.scalar(w)?); // (1 − y²)·x
    println!("dy/dx = {:.6}", grads.scalar(x)?); // (1 − y²)·w
    let formula = symbolic::gradient(y, x)?;
    println!("dy/dx = {formula}");

    // The same weight 50 times: y = w⁵⁰·x, so dy/dx = w⁵⁰ explodes for w = 1.5.
    let mut deep = x;
    for _ in 0..50 {
        deep = w * deep;
    }
    let grads = deep.backward();
    println!("d(w⁵⁰x)/dx = {:.4e}", grads.scalar(x)?);
    Ok(())
}
