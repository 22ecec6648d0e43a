//! Adam, as `torch.optim.Adam` (not AdamW: weight decay is added to the gradient).

use super::{Optimizer, PerParam, with_gradients};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::{Float, Tensor};

/// The moments of one parameter.
#[derive(Clone, Debug)]
struct Moments<T: Float> {
    step: i32,
    m: Tensor<T>,
    v: Tensor<T>,
}

/// Adam with PyTorch's semantics and defaults (β = (0.9, 0.999), eps = 1e-8, no weight decay).
/// For each parameter `p` with gradient `g`, at its `t`-th step (t = 1, 2, …):
///
/// ```text
/// g ← g + wd·p                               (if wd ≠ 0)
/// m ← β₁·m + (1 − β₁)·g                       (m₀ = 0)
/// v ← β₂·v + (1 − β₂)·g²                      (v₀ = 0)
/// p ← p − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + eps)
/// ```
///
/// The bias corrections undo the zero start of `m` and `v`: on the first step the update is
/// `lr·g/(|g| + eps')`, about `lr` in size whatever the scale of the gradient.
#[derive(Clone, Debug)]
pub struct Adam<T: Float> {
    /// The learning rate.
    pub lr: f64,
    /// `(β₁, β₂)`, the decay rates of the first and second moments.
    pub betas: (f64, f64),
    /// Added to the denominator for stability.
    pub eps: f64,
    /// L2 weight decay added to the gradient.
    pub weight_decay: f64,
    moments: PerParam<Moments<T>>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and PyTorch's defaults otherwise.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            moments: PerParam::new(),
        }
    }

    /// Sets `(β₁, β₂)`.
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.betas = (beta1, beta2);
        self
    }

    /// Sets `eps`.
    pub fn with_eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Sets the weight decay.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// How many steps a parameter has had.
    pub fn steps(&self, id: ParamId) -> usize {
        self.moments.get(id).map_or(0, |m| m.step as usize)
    }

    /// Advances a parameter's moments with gradient `g`, returning its update (to subtract).
    fn update(&mut self, id: ParamId, param: &Tensor<T>, grad: &Tensor<T>) -> Tensor<T> {
        let (b1, b2) = (T::from_f64(self.betas.0), T::from_f64(self.betas.1));
        let one = T::one();
        let g = if self.weight_decay != 0.0 {
            let wd = T::from_f64(self.weight_decay);
            grad.zip(param, |g, p| g + wd * p)
        } else {
            grad.clone()
        };
        let slot = self.moments.slot(id);
        let state = slot.get_or_insert_with(|| Moments {
            step: 0,
            m: Tensor::zeros(param.shape()),
            v: Tensor::zeros(param.shape()),
        });
        state.step += 1;
        state.m = state.m.zip(&g, |m, g| b1 * m + (one - b1) * g);
        state.v = state.v.zip(&g, |v, g| b2 * v + (one - b2) * g * g);
        let step_size = T::from_f64(self.lr) / (one - b1.powi(state.step));
        let bias_correction2_sqrt = (one - b2.powi(state.step)).sqrt();
        let eps = T::from_f64(self.eps);
        state.m.zip(&state.v, |m, v| {
            step_size * m / (v.sqrt() / bias_correction2_sqrt + eps)
        })
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, store: &mut ParamStore<T>, p: &Params<'_, T>, grads: &Gradients<T>) {
        for (id, grad) in with_gradients(store, p, grads) {
            let update = self.update(id, store.get(id), grad);
            let param = store.get_mut(id);
            *param = param.zip(&update, |p, u| p - u);
        }
    }
}
