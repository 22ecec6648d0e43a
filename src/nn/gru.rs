//! `Gru`: the gated recurrent unit, unrolled on the tape one scope per time step.

use super::rnn::{RecurrentWeights, unroll};
use super::{Init, Layer, ParamId, ParamStore, Params, RecurrentOutput};
use crate::tape::{Tape, Var};
use crate::tensor::Float;

/// A one-layer GRU, as PyTorch's `nn.GRU`, gates stacked in the order r, z, n:
///
/// ```text
/// [a_r a_z a_n] = x_t·W_ihᵀ + b_ih,   [u_r u_z u_n] = h_{t−1}·W_hhᵀ + b_hh
/// r = σ(a_r + u_r),  z = σ(a_z + u_z)
/// n = tanh(a_n + r ⊙ u_n)             (the reset gate scales W_hn·h + b_hn, as PyTorch)
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
/// ```
///
/// `W_ih` is `[3H, I]`, `W_hh` `[3H, H]`. The update gate `z` interpolates: where `z ≈ 1` the
/// state, and its gradient, pass through a step unchanged. Input `[T, batch, I]`; step `t` is
/// recorded in the scope `{name}/t={t}`.
#[derive(Clone, Debug)]
pub struct Gru {
    weights: RecurrentWeights,
}

impl Gru {
    /// Adds `{name}.weight_ih_l0` `[3H, I]`, `{name}.weight_hh_l0` `[3H, H]` (drawn by `init`)
    /// and `{name}.bias_ih_l0`, `{name}.bias_hh_l0` `[3H]` (zeros, or with [`Init::Torch`]
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
        Gru {
            weights: RecurrentWeights::new(store, name, (input_size, hidden_size), 3, init),
        }
    }

    /// `W_ih`, `[3H, I]` (rows: r, z, n).
    pub fn weight_ih(&self) -> ParamId {
        self.weights.w_ih
    }

    /// `W_hh`, `[3H, H]`.
    pub fn weight_hh(&self) -> ParamId {
        self.weights.w_hh
    }

    /// `b_ih`, `[3H]`.
    pub fn bias_ih(&self) -> ParamId {
        self.weights.b_ih
    }

    /// `b_hh`, `[3H]`.
    pub fn bias_hh(&self) -> ParamId {
        self.weights.b_hh
    }

    /// The hidden size `H`.
    pub fn hidden_size(&self) -> usize {
        self.weights.hidden_size
    }

    /// Unrolls over `x` `[T, batch, I]` from `h0` (zeros if `None`) inside the layer's scope,
    /// returning every hidden state.
    ///
    /// # Panics
    /// If `x` is not `[T ≥ 1, batch, I]` or `h0` is not `[batch, H]`.
    pub fn run<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        p: &Params<'t, T>,
        x: Var<'t, T>,
        h0: Option<Var<'t, T>>,
    ) -> RecurrentOutput<'t, T> {
        tape.layer(&self.weights.name, || self.unrolled(tape, p, x, h0))
    }

    fn unrolled<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        p: &Params<'t, T>,
        x: Var<'t, T>,
        h0: Option<Var<'t, T>>,
    ) -> RecurrentOutput<'t, T> {
        let (steps, batch) = self.weights.check_input("gru", &x.shape());
        let w = self.weights.bind(p);
        let hs = self.weights.hidden_size;
        let one = tape.constant(T::one());
        let mut h = h0.unwrap_or_else(|| self.weights.zero_state(tape, "h0", batch));
        let hidden = unroll(tape, steps, |t| {
            let a = w.input_part(x.select(0, t));
            let u = w.hidden_part(h);
            let part = |v: Var<'t, T>, k: usize| v.slice(1, k * hs, (k + 1) * hs);
            let r = (part(a, 0) + part(u, 0)).sigmoid();
            let z = (part(a, 1) + part(u, 1)).sigmoid();
            let n = (part(a, 2) + r * part(u, 2)).tanh();
            h = (one - z) * n + z * h;
            h
        });
        RecurrentOutput {
            hidden,
            cells: Vec::new(),
        }
    }
}

impl Gru {
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

impl<T: Float> Layer<T> for Gru {
    fn name(&self) -> &str {
        Gru::name(self)
    }

    fn params(&self) -> Vec<ParamId> {
        Gru::params(self)
    }

    /// All hidden states stacked, `[T, batch, H]`.
    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.unrolled(tape, p, x, None).stacked()
    }
}
