//! The `chaintrace` command line.

fn main() {
    let tape = chaintrace::Tape::<f64>::new();
    let w = tape.var("w", 1.5);
    let x = tape.var("x", 1.0);
    let mut y = x;
    for _ in 0..50 {
        y = w * y;
    }
    let grads = y.backward();
    println!("y = w^50 * x at w = 1.5, x = 1");
    println!("dy/dx = {:.4e}", grads.wrt(x).unwrap().item().unwrap());
}
