//! Stochastic gradient descent with momentum and weight decay, as `torch.optim.SGD`.

use super::{Optimizer, PerParam, with_gradients};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::{Float, Tensor};

/// SGD with PyTorch's semantics (dampening 0, no Nesterov), for each parameter `p` with
/// gradient `g`:
///
/// ```text
/// d   = g + wd·p                 (weight decay, if wd ≠ 0)
/// buf = d on the first step, then μ·buf + d    (momentum, if μ ≠ 0; d = buf)
/// p  ← p − lr·d
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// The momentum `μ` (0 for plain SGD).
    pub momentum: f64,
    /// The weight decay `wd` (an L2 penalty `wd/2·‖p‖²` added to the loss).
    pub weight_decay: f64,
    buffers: PerParam<Tensor<T>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
            buffers: PerParam::new(),
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

    /// The update direction `d` for one parameter, advancing its momentum buffer.
    fn direction(&mut self, id: ParamId, param: &Tensor<T>, grad: &Tensor<T>) -> Tensor<T> {
        let wd = T::from_f64(self.weight_decay);
        let d = if self.weight_decay != 0.0 {
            grad.zip(param, |g, p| g + wd * p)
        } else {
            grad.clone()
        };
        if self.momentum == 0.0 {
            return d;
        }
        let mu = T::from_f64(self.momentum);
        let buf = match self.buffers.slot(id).take() {
            None => d,
            Some(buf) => buf.zip(&d, |b, d| mu * b + d),
        };
        *self.buffers.slot(id) = Some(buf.clone());
        buf
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, store: &mut ParamStore<T>, p: &Params<'_, T>, grads: &Gradients<T>) {
        let lr = T::from_f64(self.lr);
        for (id, grad) in with_gradients(store, p, grads) {
            let d = self.direction(id, store.get(id), grad);
            let param = store.get_mut(id);
            *param = param.zip(&d, |p, d| p - lr * d);
        }
    }
}
