//! `Rnn`: the Elman recurrent layer with tanh, unrolled on the tape one scope per time step;
//! also the pieces the LSTM and GRU share (input checks, initial state, stacking, weights).

use super::{Init, Layer, ParamId, ParamStore, Params};
use crate::error::Error;
use crate::tape::{Tape, Var};
use crate::tensor::{Float, Tensor};

/// What a recurrent layer returns from [`Rnn::run`] (and the LSTM's and GRU's).
#[derive(Clone, Debug)]
pub struct RecurrentOutput<'t, T: Float> {
    /// The hidden state after each step, `h_1 … h_T`, each `[batch, hidden]`:
    /// `grads.wrt(hidden[t])` is the gradient reaching time step `t`.
    pub hidden: Vec<Var<'t, T>>,
    /// The LSTM's cell state after each step (empty for `Rnn` and `Gru`).
    pub cells: Vec<Var<'t, T>>,
}

impl<'t, T: Float> RecurrentOutput<'t, T> {
    /// The last hidden state `h_T`.
    pub fn last(&self) -> Var<'t, T> {
        *self
            .hidden
            .last()
            .expect("a sequence has at least one step")
    }

    /// The hidden states stacked into `[T, batch, hidden]` (PyTorch's `output`); records a
    /// reshape per step and a concatenation in the current scope.
    pub fn stacked(&self) -> Var<'t, T> {
        let parts: Vec<_> = self
            .hidden
            .iter()
            .map(|h| {
                let shape = h.shape();
                h.reshape(&[1, shape[0], shape[1]])
            })
            .collect();
        Var::concat(&parts, 0)
    }
}

/// The four parameters of a one-layer recurrent network in PyTorch's layout, for `gates`
/// stacked gates (1 for `Rnn`, 4 for `Lstm`, 3 for `Gru`).
#[derive(Clone, Debug)]
pub(super) struct RecurrentWeights {
    pub(super) name: String,
    pub(super) w_ih: ParamId,
    pub(super) w_hh: ParamId,
    pub(super) b_ih: ParamId,
    pub(super) b_hh: ParamId,
    pub(super) input_size: usize,
    pub(super) hidden_size: usize,
}

impl RecurrentWeights {
    /// Adds `{name}.weight_ih_l0` `[gates·H, I]`, `{name}.weight_hh_l0` `[gates·H, H]`,
    /// `{name}.bias_ih_l0` and `{name}.bias_hh_l0` `[gates·H]`.
    pub(super) fn new<T: Float>(
        store: &mut ParamStore<T>,
        name: &str,
        sizes: (usize, usize),
        gates: usize,
        init: Init,
    ) -> Self {
        let (input_size, hidden_size) = sizes;
        let rows = gates * hidden_size;
        // PyTorch draws every weight and bias of a recurrent layer from U(±1/√hidden).
        let weight_init = init.torch_as(hidden_size);
        let bias_init = init.bias(hidden_size);
        let mut add = |suffix: &str, shape: &[usize], init: Init| {
            store.add_init(&format!("{name}.{suffix}"), shape, init)
        };
        RecurrentWeights {
            name: name.to_string(),
            w_ih: add("weight_ih_l0", &[rows, input_size], weight_init),
            w_hh: add("weight_hh_l0", &[rows, hidden_size], weight_init),
            b_ih: add("bias_ih_l0", &[rows], bias_init),
            b_hh: add("bias_hh_l0", &[rows], bias_init),
            input_size,
            hidden_size,
        }
    }

    pub(super) fn params(&self) -> Vec<ParamId> {
        vec![self.w_ih, self.w_hh, self.b_ih, self.b_hh]
    }

    /// The weights for one unrolling, as leaves. Each time step multiplies by them directly
    /// (`x·Wᵀ` as one `matmul_t` node, on a transposed view: no copy of `W` or of its
    /// gradient per step), so the only activation flowing into step t is h_(t−1) and the
    /// per-step ledger's gain is ‖∂L/∂h_(t−1)‖ / ‖∂L/∂h_t‖ (a transpose made once outside the
    /// steps would count as an input of every step).
    pub(super) fn bind<'t, T: Float>(&self, p: &Params<'t, T>) -> BoundWeights<'t, T> {
        BoundWeights {
            w_ih: p.var(self.w_ih),
            w_hh: p.var(self.w_hh),
            b_ih: p.var(self.b_ih),
            b_hh: p.var(self.b_hh),
        }
    }

    /// Checks that `x` is `[T ≥ 1, batch, input_size]`, returning `(T, batch)`.
    ///
    /// # Panics
    /// With the op, the shapes and the layer when it is not.
    pub(super) fn check_input(&self, op: &'static str, shape: &[usize]) -> (usize, usize) {
        let fits = shape.len() == 3 && shape[0] > 0 && shape[2] == self.input_size;
        if !fits {
            let e = Error::shape(
                op,
                shape,
                &[self.input_size],
                format!("input must be [steps ≥ 1, batch, {}]", self.input_size),
            );
            panic!("{}", e.in_layer(&self.name));
        }
        (shape[0], shape[1])
    }

    /// A zero initial state `[batch, hidden]`, a named constant (`rnn.h0`).
    pub(super) fn zero_state<'t, T: Float>(
        &self,
        tape: &'t Tape<T>,
        which: &str,
        batch: usize,
    ) -> Var<'t, T> {
        let zeros = Tensor::zeros(&[batch, self.hidden_size]);
        tape.named_constant(&format!("{}.{which}", self.name), zeros)
    }
}

/// The recurrent weights as vars on one tape.
pub(super) struct BoundWeights<'t, T: Float> {
    pub(super) w_ih: Var<'t, T>,
    pub(super) w_hh: Var<'t, T>,
    pub(super) b_ih: Var<'t, T>,
    pub(super) b_hh: Var<'t, T>,
}

impl<'t, T: Float> BoundWeights<'t, T> {
    /// `x·W_ihᵀ + b_ih`, the input's contribution to every gate.
    pub(super) fn input_part(&self, x: Var<'t, T>) -> Var<'t, T> {
        x.matmul_t(self.w_ih) + self.b_ih
    }

    /// `h·W_hhᵀ + b_hh`, the previous state's contribution to every gate.
    pub(super) fn hidden_part(&self, h: Var<'t, T>) -> Var<'t, T> {
        h.matmul_t(self.w_hh) + self.b_hh
    }
}

/// Records `step(t)` for `t = 0 … steps−1`, each inside the scope `t={t}`.
pub(super) fn unroll<T: Float, S>(
    tape: &Tape<T>,
    steps: usize,
    mut step: impl FnMut(usize) -> S,
) -> Vec<S> {
    (0..steps)
        .map(|t| tape.layer(&format!("t={t}"), || step(t)))
        .collect()
}

/// An Elman recurrent layer with tanh, as PyTorch's `nn.RNN` (one layer):
/// `h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)`, with `W_ih` `[H, I]`, `W_hh` `[H, H]`.
///
/// The input is `[T, batch, I]`; step `t` reads `x.select(0, t)` and is recorded in the scope
/// `{name}/t={t}`, so a per-layer trace is a per-time-step trace. The gradient reaching `h_t`
/// from the loss at step `T` is multiplied by `W_hhᵀ·diag(1 − h²)` once per step in between:
/// the vanishing (or exploding) gradient through time.
#[derive(Clone, Debug)]
pub struct Rnn {
    weights: RecurrentWeights,
}

impl Rnn {
    /// Adds the weights `{name}.weight_ih_l0` `[H, I]`, `{name}.weight_hh_l0` `[H, H]` (drawn
    /// by `init`) and the biases `{name}.bias_ih_l0`, `{name}.bias_hh_l0` `[H]` (zeros, or with
    /// [`Init::Torch`] PyTorch's `U(±1/√H)` for all four). Re-draw one matrix with
    /// [`ParamStore::reinit`] (for instance an orthogonal `W_hh`).
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
        Rnn {
            weights: RecurrentWeights::new(store, name, (input_size, hidden_size), 1, init),
        }
    }

    /// `W_ih`, `[H, I]`.
    pub fn weight_ih(&self) -> ParamId {
        self.weights.w_ih
    }

    /// `W_hh`, `[H, H]`.
    pub fn weight_hh(&self) -> ParamId {
        self.weights.w_hh
    }

    /// `b_ih`, `[H]`.
    pub fn bias_ih(&self) -> ParamId {
        self.weights.b_ih
    }

    /// `b_hh`, `[H]`.
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
        let (steps, batch) = self.weights.check_input("rnn", &x.shape());
        let w = self.weights.bind(p);
        let mut h = h0.unwrap_or_else(|| self.weights.zero_state(tape, "h0", batch));
        let hidden = unroll(tape, steps, |t| {
            h = (w.input_part(x.select(0, t)) + w.hidden_part(h)).tanh();
            h
        });
        RecurrentOutput {
            hidden,
            cells: Vec::new(),
        }
    }
}

impl Rnn {
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

impl<T: Float> Layer<T> for Rnn {
    fn name(&self) -> &str {
        Rnn::name(self)
    }

    fn params(&self) -> Vec<ParamId> {
        Rnn::params(self)
    }

    /// All hidden states stacked, `[T, batch, H]`.
    fn compute<'t>(&self, tape: &'t Tape<T>, p: &Params<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.unrolled(tape, p, x, None).stacked()
    }
}
