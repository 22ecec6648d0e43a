//! The cells of `demo rnn`: a vanilla RNN, an LSTM or a GRU behind one interface, and the
//! weights drawn as the flags ask.

use chaintrace::nn::{Gru, Init, Lstm, ParamId, ParamStore, RecurrentOutput, Rnn};
use chaintrace::{Tape, Tensor};

use super::{Cell, Config, RecurrentInit};

/// A cell and its readout, built in their own parameter store.
pub(super) enum Model {
    Rnn(Rnn),
    Lstm(Lstm),
    Gru(Gru),
}

impl Model {
    pub(super) fn new(cell: Cell, store: &mut ParamStore<f64>, hidden: usize) -> Model {
        match cell {
            Cell::Rnn => Model::Rnn(Rnn::new(store, "rnn", 2, hidden, Init::Torch)),
            Cell::Lstm => Model::Lstm(Lstm::new(store, "lstm", 2, hidden, Init::Torch)),
            Cell::Gru => Model::Gru(Gru::new(store, "gru", 2, hidden, Init::Torch)),
        }
    }

    pub(super) fn weight_hh(&self) -> ParamId {
        match self {
            Model::Rnn(m) => m.weight_hh(),
            Model::Lstm(m) => m.weight_hh(),
            Model::Gru(m) => m.weight_hh(),
        }
    }

    /// The input bias and the rows of the gate that keeps the state (the LSTM's forget gate
    /// in the order i, f, g, o; the GRU's update gate in r, z, n): rows `H..2H` in both.
    pub(super) fn keep_gate_bias(&self) -> Option<ParamId> {
        match self {
            Model::Rnn(_) => None,
            Model::Lstm(m) => Some(m.bias_ih()),
            Model::Gru(m) => Some(m.bias_ih()),
        }
    }

    pub(super) fn run<'t>(
        &self,
        tape: &'t Tape<f64>,
        p: &chaintrace::nn::Params<'t, f64>,
        x: chaintrace::Var<'t, f64>,
    ) -> RecurrentOutput<'t, f64> {
        match self {
            Model::Rnn(m) => m.run(tape, p, x, None),
            Model::Lstm(m) => m.run(tape, p, x, None),
            Model::Gru(m) => m.run(tape, p, x, None),
        }
    }
}
/// Draws `W_hh` as asked (orthogonal, scaled) and opens the keep gate by `gate_bias`.
pub(super) fn prepare_weights(store: &mut ParamStore<f64>, model: &Model, config: &Config) {
    let w_hh = model.weight_hh();
    if config.init == RecurrentInit::Orthogonal {
        store.reinit(w_hh, Init::Orthogonal(1.0));
    }
    let scaled = store.get(w_hh).map(|w| w * config.scale);
    *store.get_mut(w_hh) = scaled;
    if let Some(bias) = model.keep_gate_bias() {
        let h = config.hidden;
        let mut b = store.get(bias).to_vec();
        b[h..2 * h].iter_mut().for_each(|x| *x += config.gate_bias);
        let len = b.len();
        *store.get_mut(bias) = Tensor::from_vec(b, &[len]);
    }
}
