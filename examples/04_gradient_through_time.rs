//! How much gradient reaches each time step: a tanh RNN against an LSTM and a GRU.
//!
//! The adding problem with T = 60 steps: the loss (mean squared error of a linear readout of
//! the last hidden state) depends on two values far back in the sequence, so the gradient must
//! cross many recurrent steps to reach them. The table shows ‖∂L/∂h_t‖ every 5 steps, at
//! initialisation: PyTorch's default for every layer, and two classic fixes.
//!
//! ```text
//! cargo run --release --example 04_gradient_through_time
//! ```
//!
//! What it shows:
//! * `rnn`: each step multiplies the gradient by `W_hhᵀ·diag(1 − h_t²)`; PyTorch's default
//!   `U(±1/√H)` makes that matrix's norm well below 1, so the gradient vanishes geometrically
//!   going back in time (about ×0.6 per step here).
//! * `rnn (orthogonal)`: an orthogonal `W_hh` has every singular value 1; only the tanh
//!   derivative shrinks the gradient, and far less.
//! * `lstm`: the cell path is multiplied only by the forget gate `f`, but at the default
//!   initialisation `f ≈ σ(0) = ½`, so it halves per step and vanishes just as fast.
//! * `lstm (forget 3)`: the forget-gate bias set to 3 (Gers et al. 2000; Jozefowicz et al.
//!   2015 recommend 1 or more) opens the gate, `f ≈ σ(3) ≈ 0.95`, and the gradient crosses
//!   the whole sequence.
//! * `gru`: the state's own path is multiplied by the update gate, `z ≈ ½` at
//!   initialisation, so it vanishes about as fast as the default RNN; like the LSTM, it needs
//!   its gate biased open (or training) before it carries gradient far.
//!
//! Each time step is its own layer scope (`rnn/t=17`), so a per-layer trace of these tapes is
//! a per-time-step trace.

use chaintrace::data;
use chaintrace::nn::{Gru, Init, Layer, Linear, Lstm, ParamStore, RecurrentOutput, Rnn};
use chaintrace::{Tape, Var};

#[path = "common/stdout.rs"]
mod stdout;
use stdout::say;

const STEPS: usize = 60;
const HIDDEN: usize = 32;

fn main() {
    let task = data::adding_problem::<f64>(64, STEPS, 0);
    let columns: Vec<String> = (0..STEPS).step_by(5).map(|t| format!("t={t}")).collect();
    say!("‖∂L/∂h_t‖, adding problem, T = {STEPS}, hidden {HIDDEN}");
    say!(
        "{:<18}{}",
        "",
        columns
            .iter()
            .map(|c| format!("{c:>9}"))
            .collect::<String>()
    );
    for kind in ["rnn", "rnn (orthogonal)", "lstm", "lstm (forget 3)", "gru"] {
        let mut store = ParamStore::<f64>::new(0);
        let readout = Linear::new(&mut store, "readout", HIDDEN, 1, Init::Torch);
        let rnn = Rnn::new(&mut store, "rnn", 2, HIDDEN, Init::Torch);
        store.reinit(rnn.weight_hh(), Init::Orthogonal(1.0));
        let lstm = Lstm::new(&mut store, "lstm", 2, HIDDEN, Init::Torch);
        let open_lstm = Lstm::new(&mut store, "lstm_open", 2, HIDDEN, Init::Torch);
        open_forget_gate(&mut store, &open_lstm, 3.0);
        let gru = Gru::new(&mut store, "gru", 2, HIDDEN, Init::Torch);
        let plain_rnn = Rnn::new(&mut store, "rnn_plain", 2, HIDDEN, Init::Torch);

        let tape = Tape::new();
        let p = store.bind(&tape);
        let x = tape.constant(task.x.clone());
        let out: RecurrentOutput<'_, f64> = match kind {
            "rnn" => plain_rnn.run(&tape, &p, x, None),
            "rnn (orthogonal)" => rnn.run(&tape, &p, x, None),
            "lstm" => lstm.run(&tape, &p, x, None),
            "lstm (forget 3)" => open_lstm.run(&tape, &p, x, None),
            _ => gru.run(&tape, &p, x, None),
        };
        let prediction = readout.forward(&tape, &p, out.last());
        let loss = prediction.mse(tape.constant(task.y.clone()));
        let grads = loss.backward();
        let norms: String = out
            .hidden
            .iter()
            .step_by(5)
            .map(|h: &Var<'_, f64>| format!("{:>9.1e}", grads.wrt(*h).map_or(0.0, |g| g.norm())))
            .collect();
        say!("{kind:<18}{norms}");
    }
}

/// Sets the forget gate's share of `b_ih` (rows H..2H) to `bias`, and of `b_hh` to 0, so the
/// forget gate starts at `σ(bias + …)`.
fn open_forget_gate(store: &mut ParamStore<f64>, lstm: &Lstm, bias: f64) {
    for (id, value) in [(lstm.bias_ih(), bias), (lstm.bias_hh(), 0.0)] {
        let mut b = store.get(id).to_vec();
        b[HIDDEN..2 * HIDDEN].fill(value);
        *store.get_mut(id) = chaintrace::Tensor::from_vec(b, &[4 * HIDDEN]);
    }
}
