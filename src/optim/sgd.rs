//! Stochastic gradient descent with momentum and weight decay, as `torch.optim.SGD`.

use super::{Optimizer, PerParam, each_update};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::{Float, Tensor};

use super::update::{Spares, in_place};

/// SGD with PyTorch's semantics (dampening 0, no Nesterov), for each parameter `p` with
/// gradient `g`:
///
/// ```text
/// d   = g + wd·p                 (weight decay, if wd ≠ 0)
/// buf = d on the first step, then μ·buf + d    (momentum, if μ ≠ 0; d = buf)
/// p  ← p − lr·d
/// ```
///
/// Memory: besides the momentum buffers, `Sgd` keeps for each parameter the storage of its
/// values before the last step (the step's tape holds them too, as a leaf), and writes the
/// next step's values there: a training loop's parameters take turns between two buffers
/// instead of allocating a new one every step.
#[derive(Clone, Debug)]
pub struct Sgd<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// The momentum `μ` (0 for plain SGD).
    pub momentum: f64,
    /// The weight decay `wd` (an L2 penalty `wd/2·‖p‖²` added to the loss).
    pub weight_decay: f64,
    buffers: PerParam<Tensor<T>>,
    spares: Spares<T>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
            buffers: PerParam::new(),
            spares: Spares::new(),
        }
    }

    /// Sets the momentum `μ`.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Sets the weight decay.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The momentum buffer of a parameter, once it has had a step.
    pub fn momentum_buffer(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.buffers.get(id)
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    /// Updates each parameter (and its momentum buffer) element by element, with the
    /// expressions of the formulas above, so the results are those of computing `d`, `buf`
    /// and `p` as whole tensors, bit for bit. The buffer is changed in place; the parameter
    /// too when nothing else holds it, and otherwise (the step's tape still holds its leaf)
    /// written into the storage its values had before the previous step, never copied first.
    fn step(&mut self, store: &mut ParamStore<T>, p: &Params<'_, T>, grads: &Gradients<T>) {
        // Two instances of the loop, so that neither tests for weight decay per element (the
        // test kept `map_collect` from vectorising: 10 instructions per element instead of 2).
        if self.weight_decay != 0.0 {
            let wd = T::from_f64(self.weight_decay);
            self.step_with(store, p, grads, move |g, p| g + wd * p);
        } else {
            self.step_with(store, p, grads, |g, _| g);
        }
    }
}

impl<T: Float> Sgd<T> {
    /// [`Optimizer::step`] with `d(g, p)`, the gradient with weight decay added.
    fn step_with(
        &mut self,
        store: &mut ParamStore<T>,
        p: &Params<'_, T>,
        grads: &Gradients<T>,
        d: impl Fn(T, T) -> T + Copy,
    ) {
        let lr = T::from_f64(self.lr);
        let (mu, plain) = (T::from_f64(self.momentum), self.momentum == 0.0);
        let (spares, buffers) = (&mut self.spares, &mut self.buffers);
        each_update(store, p, grads, |id, param, g| {
            if plain {
                spares.update(id, param, g, |p, g| p - lr * d(g, p));
                return;
            }
            let slot = buffers.slot(id);
            match slot {
                Some(buf) => in_place(buf, |b| {
                    spares.update_with(id, param, b, g, |p, b, g| {
                        *b = mu * *b + d(g, p);
                        p - lr * *b
                    });
                }),
                None => {
                    let mut buf = g.to_owned();
                    spares.update_with(id, param, &mut buf, g, |p, b, _| {
                        *b = d(*b, p);
                        p - lr * *b
                    });
                    *slot = Some(Tensor::from_array(buf));
                }
            }
        });
    }
}
