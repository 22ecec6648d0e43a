//! Why initialisation matters: the same deep network, four ways to draw its weights.
//!
//! A 10-layer MLP of width 100 on a batch of standard-normal inputs. For each initialiser the
//! first line shows the standard deviation of each layer's activations (forward), the second
//! the norm of ∂L/∂(activation) at each layer (backward), for `L = mean(output²)/2`.
//!
//! ```text
//! cargo run --release --example 03_initialisers
//! ```
//!
//! What it prints, and why:
//! * N(0, 1): pre-activations have variance ≈ 100 (fan-in × 1). Tanh saturates (std ≈ 0.96:
//!   nearly every unit at ±1), and the backward gradient still grows ×2–3 per layer towards the
//!   input, because the few unsaturated units pass it through weights 10× too large. ReLU
//!   activations and gradients both grow ×√50 ≈ 7 per layer: exploding in both directions.
//! * N(0, 0.01²): each layer multiplies the signal by √(100·0.01²) = 0.1 (×0.07 for ReLU),
//!   forward and backward: everything vanishes geometrically.
//! * Xavier with the tanh gain 5/3 keeps the tanh network steady; on ReLU it is too large by
//!   the gain, so the activations creep up layer after layer.
//! * He (gain √2 on fan-in) keeps the ReLU network steady: ReLU halves the second moment and
//!   the factor 2 in the variance makes it up.

use chaintrace::nn::init::{self, Activation};
use chaintrace::nn::{Init, Linear, ParamStore, Relu, Sequential, Tanh};
use chaintrace::{Tape, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[path = "common/stdout.rs"]
mod stdout;
use stdout::say;

const DEPTH: usize = 10;
const WIDTH: usize = 100;

fn network(store: &mut ParamStore<f64>, init: Init, activation: Activation) -> Sequential<f64> {
    let mut net = Sequential::new("net");
    for l in 1..=DEPTH {
        net.push(Linear::new(store, &format!("fc{l}"), WIDTH, WIDTH, init));
        let name = format!("act{l}");
        match activation {
            Activation::Relu => net.push(Relu::new(&name)),
            _ => net.push(Tanh::new(&name)),
        }
    }
    net
}

fn std_dev(t: &Tensor<f64>) -> f64 {
    let v = t.to_vec();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

fn row(label: &str, metric: &str, values: &[f64]) {
    let cells: Vec<String> = values.iter().map(|v| format!("{v:>9.1e}")).collect();
    say!("  {label:<12}{metric:<8}{}", cells.join(""));
}

fn main() {
    let x = init::normal::<f64>(&[256, WIDTH], 1.0, &mut ChaCha8Rng::seed_from_u64(0));
    let xavier = Init::XavierNormal(init::gain(Activation::Tanh));
    let he = Init::HeNormal(init::gain(Activation::Relu));
    let choices = [
        ("N(0,1)", Init::Normal(1.0)),
        ("N(0,.01²)", Init::Normal(0.01)),
        ("Xavier(5/3)", xavier),
        ("He(√2)", he),
    ];
    for activation in [Activation::Tanh, Activation::Relu] {
        say!("\n{activation:?} network, layers 1 … {DEPTH}:");
        for (label, init) in choices {
            let mut store = ParamStore::new(1);
            let net = network(&mut store, init, activation);
            let tape = Tape::new();
            let p = store.bind(&tape);
            let outputs = net.forward_each(&tape, &p, tape.constant(x.clone()));
            let activations: Vec<_> = outputs.iter().skip(1).step_by(2).copied().collect();
            let last = *activations.last().expect("layers");
            let loss = last.square().mean() * 0.5;
            let grads = loss.backward();
            let forward: Vec<f64> = activations.iter().map(|a| std_dev(&a.value())).collect();
            let backward: Vec<f64> = activations
                .iter()
                .map(|a| grads.wrt(*a).map_or(0.0, |g| g.norm()))
                .collect();
            row(label, "std h", &forward);
            row("", "‖∂L/∂h‖", &backward);
        }
    }
}
