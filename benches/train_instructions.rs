//! The training steps of `train.rs` for an instruction counter: one workload in one form, run a
//! given number of steps with no timing harness around it, so that `valgrind --tool=callgrind`
//! counts only the work (immune to the machine's load).
//!
//! `cargo build --release --bench train_instructions`, then run
//! `target/release/deps/train_instructions-* {mlp|deep|small} {raw|nn} STEPS` under callgrind
//! for two values of `STEPS`: the difference of the totals divided by the difference of the
//! steps is the count per step, without the start-up cost (docs/performance.md has the exact
//! commands and figures). Under a plain `cargo bench` it only prints its usage.

mod workloads;

use std::hint::black_box;

use workloads::{Nn, raw_step};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(form), Some(steps)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: train_instructions mlp|deep|small raw|nn STEPS");
        return;
    };
    let w = match name.as_str() {
        "mlp" => workloads::mlp(),
        "deep" => workloads::deep(),
        "small" => workloads::small(),
        other => return eprintln!("unknown workload {other}: mlp, deep or small"),
    };
    match form.as_str() {
        "raw" => {
            let mut params = w.layers.clone();
            for _ in 0..steps {
                black_box(raw_step(&w, &mut params));
            }
        }
        "nn" => {
            let mut nn = Nn::new(&w);
            for _ in 0..steps {
                black_box(nn.step(&w));
            }
        }
        other => eprintln!("unknown form {other}: raw or nn"),
    }
}
