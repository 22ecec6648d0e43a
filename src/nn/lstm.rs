//! `Lstm`: long short-term memory, unrolled on the tape one scope per time step.

use super::rnn::{RecurrentWeights, unroll};
use super::{Init, Layer, ParamId, ParamStore, Params, RecurrentOutput};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A one-layer LSTM, as PyTorch's `nn.LSTM`, gates stacked in the order i, f, g, o:
///
/// ```text
/// [i f g o] = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh      (W_ih [4H, I], W_hh [4H, H])
/// i = σ(·), f = σ(·), g = tanh(·), o = σ(·)
/// c_t = f ⊙ c_{t−1} + i ⊙ g
/// h_t = o ⊙ tanh(c_t)
/// ```
///
/// The cell path `c_{t−1} → c_t` is multiplied only by `f`, not by a weight matrix and a
/// saturating derivative: with the forget gate open, gradient flows across many steps. Input
/// `[T, batch, I]`; step `t` is recorded in the scope `{name}/t={t}`.
#[derive(Clone, Debug)]
pub struct Lstm {
    weights: RecurrentWeights,
}

impl Lstm {
    /// Adds `{name}.weight_ih_l0` `[4H, I]`, `{name}.weight_hh_l0` `[4H, H]` (drawn by `init`)
    /// and `{name}.bias_ih_l0`, `{name}.bias_hh_l0` `[4H]` (zeros, or with [`Init::Torch`]
    /// PyTorch's `U(±1/√H)` for all four).
    ///
    /// # Panics
    /// If the names are taken in `store`.
    pub fn new<T: Float>(
        store: &mut ParamStore<T>,
        name: &str,
        input_size: usize,
        hidden_size: usize,
        init: Init,
    ) -> Self {
        Lstm {
            weights: RecurrentWeights::new(store, name, (input_size, hidden_size), 4, init),
        }
    }

    /// `W_ih`, `[4H, I]` (rows: i, f, g, o).
    pub fn weight_ih(&self) -> ParamId {
        self.weights.w_ih
    }

    /// `W_hh`, `[4H, H]`.
    pub fn weight_hh(&self) -> ParamId {
        self.weights.w_hh
    }

    /// `b_ih`, `[4H]`.
    pub fn bias_ih(&self) -> ParamId {
        self.weights.b_ih
    }

    /// `b_hh`, `[4H]`.
    pub fn bias_hh(&self) -> ParamId {
        self.weights.b_hh
    }

    /// The hidden size `H`.
    pub fn hidden_size(&self) -> usize {
        self.weights.hidden_size
    }

    /// Unrolls over `x` `[T, batch, I]` from `(h0, c0)` (zeros if `None`) inside the layer's
    /// scope, returning every hidden and cell state.
    ///
    /// # Panics
    /// If `x` is not `[T ≥ 1, batch, I]` or a state is not `[batch, H]`.
    pub fn run<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        p: &Params<'t, T>,
        x: Var<'t, T>,
        state: Option<(Var<'t, T>, Var<'t, T>)>,
    ) -> RecurrentOutput<'t, T> {
        tape.layer(&self.weights.name, || self.unrolled(tape, p, x, state))
    }

    fn unrolled<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        p: &Params<'t, T>,
        x: Var<'t, T>,
        state: Option<(Var<'t, T>, Var<'t, T>)>,
    ) -> RecurrentOutput<'t, T> {
        let (steps, batch) = self.weights.check_input("lstm", &x.shape());
        let w = self.weights.bind(p);
        let hs = self.weights.hidden_size;
        let (mut h, mut c) = state.unwrap_or_else(|| {
            (
                self.weights.zero_state(tape, "h0", batch),
                self.weights.zero_state(tape, "c0", batch),
            )
        });
        let states = unroll(tape, steps, |t| {
            let gates = w.input_part(x.select(0, t)) + w.hidden_part(h);
            let gate = |k: usize| gates.slice(1, k * hs, (k + 1) * hs);
            let (i, f, g, o) = (
                gate(0).sigmoid(),
                gate(1).sigmoid(),
                gate(2).tanh(),
                gate(3).sigmoid(),
            );
            c = f * c + i * g;
            h = o * c.tanh();
            (h, c)
        });
        let (hidden, cells) = states.into_iter().unzip();
        RecurrentOutput { hidden, cells }
    }
}

impl Lstm {
    /// The layer's name: its scope on the tape and the prefix of its parameters' names (the
    /// same as [`Layer::name`], callable without naming the float type).
    pub fn name(&self) -> &str {
        &self.weights.name
    }

    /// The parameters this layer owns, in a fixed order (the same as [`Layer::params`],
    /// callable without naming the float type: this layer is a layer for every `T`, so
    /// `Layer::params` alone could not tell which).
    pub fn params(&self) -> Vec<ParamId> {
        self.weights.params()
    }
}

impl<T: Float> Layer<T> for Lstm {
    fn name(&self) -> &str {
        Lstm::name(self)
    }

    fn params(&self) -> Vec<ParamId> {
        Lstm::params(self)
    }

    /// All hidden states stacked, `[T, batch, H]`.
    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.unrolled(tape, p, x, None).stacked()
    }
}
