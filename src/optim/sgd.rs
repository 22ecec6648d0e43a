//! Stochastic gradient descent with momentum and weight decay, as `torch.optim.SGD`.

use super::{Optimizer, PerParam, with_gradients};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::{Float, Tensor};

use ndarray::{ArrayD, ArrayViewD, Zip};

/// Changes `t`'s elements in place, on its own storage: the tensor is moved out of its place
/// into its ndarray array (no copy), changed by `f`, and moved back.
fn in_place<T: Float>(t: &mut Tensor<T>, f: impl FnOnce(&mut ArrayD<T>)) {
    let mut a = std::mem::replace(t, Tensor::scalar(T::from_f64(0.0))).into_array();
    f(&mut a);
    *t = Tensor::from_array(a);
}

/// `p ← new(p, b, g)` for every element, with `b` (a momentum buffer, or `g` again) updated by
/// `new` too. In `p`'s storage when nothing else holds it; otherwise — the tape that recorded
/// the step still holds the parameter's leaf — into a new array in the same pass, so the tape
/// keeps the old values without the parameter being copied first (a copy of every weight per
/// step was 3 % of the MLP's training step).
fn update<T: Float>(
    param: &mut Tensor<T>,
    b: &mut ArrayD<T>,
    g: &ArrayViewD<'_, T>,
    new: impl Fn(T, &mut T, T) -> T,
) {
    if let Some(p) = param.array_mut() {
        Zip::from(p)
            .and(b)
            .and(g)
            .for_each(|p, b, &g| *p = new(*p, b, g));
        return;
    }
    let p = Zip::from(&param.view())
        .and(b)
        .and(g)
        .map_collect(|&p, b, &g| new(p, b, g));
    *param = Tensor::from_array(p);
}

/// `p ← new(p, g)` for every element, in place or into a new array as [`update`].
fn update_plain<T: Float>(param: &mut Tensor<T>, g: &ArrayViewD<'_, T>, new: impl Fn(T, T) -> T) {
    if let Some(p) = param.array_mut() {
        Zip::from(p).and(g).for_each(|p, &g| *p = new(*p, g));
        return;
    }
    let p = Zip::from(&param.view())
        .and(g)
        .map_collect(|&p, &g| new(p, g));
    *param = Tensor::from_array(p);
}

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
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    /// Updates each parameter (and its momentum buffer) element by element, with the
    /// expressions of the formulas above, so the results are those of computing `d`, `buf`
    /// and `p` as whole tensors, bit for bit. The buffer is changed in place; the parameter
    /// too when nothing else holds it, and otherwise (the step's tape still holds its leaf)
    /// written into a new array in the same pass, never copied first.
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
        let mu = T::from_f64(self.momentum);
        for (id, grad) in with_gradients(store, p, grads) {
            let param = store.get_mut(id);
            let g = grad.view();
            let g = g
                .broadcast(param.shape())
                .expect("a parameter's gradient has the parameter's shape");
            if self.momentum == 0.0 {
                update_plain(param, &g, |p, g| p - lr * d(g, p));
                continue;
            }
            let slot = self.buffers.slot(id);
            match slot {
                Some(buf) => in_place(buf, |b| {
                    update(param, b, &g, |p, b, g| {
                        *b = mu * *b + d(g, p);
                        p - lr * *b
                    });
                }),
                None => {
                    let mut buf = g.to_owned();
                    update(param, &mut buf, &g, |p, b, _| {
                        *b = d(*b, p);
                        p - lr * *b
                    });
                    *slot = Some(Tensor::from_array(buf));
                }
            }
        }
    }
}
