//! Train a small MLP on two moons, watching the gradient reach each layer.
//!
//! Every 25 steps it prints the loss, the training accuracy, and for each layer the norm of
//! ∂L/∂(layer output) — how much gradient arrives at that depth — and of its weight gradient.
//!
//! ```text
//! cargo run --example 02_train_moons
//! ```

use chaintrace::data;
use chaintrace::nn::init::{self, Activation};
use chaintrace::nn::{Init, Linear, ParamStore, Sequential, Tanh};
use chaintrace::optim::{Adam, Optimizer};
use chaintrace::{Gradients, Tape};

#[path = "common/stdout.rs"]
mod stdout;
use stdout::say;

const STEPS: usize = 300;

fn main() {
    let moons = data::two_moons::<f64>(200, 0.1, 0);
    let mut store = ParamStore::new(0);
    let tanh_init = Init::XavierUniform(init::gain(Activation::Tanh));
    let model = Sequential::new("mlp")
        .with(Linear::new(&mut store, "fc1", 2, 16, tanh_init))
        .with(Tanh::new("act1"))
        .with(Linear::new(&mut store, "fc2", 16, 16, tanh_init))
        .with(Tanh::new("act2"))
        .with(Linear::new(
            &mut store,
            "fc3",
            16,
            2,
            Init::XavierUniform(1.0),
        ));
    let mut opt = Adam::new(0.02);
    say!(
        "two moons: {} points, MLP 2-16-16-2 (tanh, Xavier), {} weights, Adam lr 0.02",
        moons.len(),
        store.num_elements()
    );

    for step in 0..=STEPS {
        let tape = Tape::new();
        let p = store.bind(&tape);
        let outputs = model.forward_each(&tape, &p, tape.constant(moons.x.clone()));
        let logits = *outputs.last().expect("the model has layers");
        let loss = logits.cross_entropy(&moons.labels);
        let grads = loss.backward();
        if step % 25 == 0 {
            let accuracy = moons.accuracy(&logits.value());
            let loss = loss.item().expect("a scalar loss");
            say!(
                "step {step:>3}  loss {loss:.4}  accuracy {:.1}%",
                100.0 * accuracy
            );
            report_layers(&model, &store, &p, &outputs, &grads);
        }
        opt.step(&mut store, &p, &grads);
    }
}

/// One line per layer: ‖∂L/∂output‖ and, for layers with weights, ‖∂L/∂weight‖.
fn report_layers(
    model: &Sequential<f64>,
    store: &ParamStore<f64>,
    p: &chaintrace::nn::Params<'_, f64>,
    outputs: &[chaintrace::Var<'_, f64>],
    grads: &Gradients<f64>,
) {
    for (layer, output) in model.layers().iter().zip(outputs) {
        let out_norm = grads.wrt(*output).map_or(0.0, |g| g.norm());
        let weights: Vec<String> = layer
            .params()
            .into_iter()
            .filter_map(|id| {
                let g = grads.wrt(p.var(id))?;
                Some(format!("‖∂L/∂{}‖ {:.2e}", store.name(id), g.norm()))
            })
            .collect();
        let line = format!("    {:<5} ‖∂L/∂out‖ {out_norm:.2e}", layer.name());
        if weights.is_empty() {
            say!("{line}");
        } else {
            say!("{line}  {}", weights.join("  "));
        }
    }
}
