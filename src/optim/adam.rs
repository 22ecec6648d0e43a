//! Adam, as `torch.optim.Adam` (not AdamW: weight decay is added to the gradient).

use super::update::Spares;
use super::{Optimizer, PerParam, each_update};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::Float;

use ndarray::ArrayD;

/// The moments of one parameter: its step count, and `(m, v)` per element (updated together,
/// in one pass with the parameter).
#[derive(Clone, Debug)]
struct Moments<T: Float> {
    step: i32,
    mv: ArrayD<(T, T)>,
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
///
/// Each step is one pass over each parameter, with the expressions above element by element
/// (the same bits as computing them as whole tensors). As [`Sgd`](super::Sgd), `Adam` keeps
/// each parameter's storage from before its last step and writes the next values there.
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
    spares: Spares<T>,
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
            spares: Spares::new(),
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

    /// [`Optimizer::step`] with `d(g, p)`, the gradient with weight decay added.
    fn step_with(
        &mut self,
        store: &mut ParamStore<T>,
        p: &Params<'_, T>,
        grads: &Gradients<T>,
        d: impl Fn(T, T) -> T + Copy,
    ) {
        let (b1, b2) = (T::from_f64(self.betas.0), T::from_f64(self.betas.1));
        let (one, lr, eps) = (T::one(), T::from_f64(self.lr), T::from_f64(self.eps));
        let (spares, moments) = (&mut self.spares, &mut self.moments);
        each_update(store, p, grads, |id, param, g| {
            let state = moments.slot(id).get_or_insert_with(|| Moments {
                step: 0,
                mv: ArrayD::from_elem(param.shape(), (T::zero(), T::zero())),
            });
            state.step += 1;
            let step_size = lr / (one - b1.powi(state.step));
            let bias_correction2_sqrt = (one - b2.powi(state.step)).sqrt();
            spares.update_with(id, param, &mut state.mv, g, |p, (m, v), g| {
                let g = d(g, p);
                *m = b1 * *m + (one - b1) * g;
                *v = b2 * *v + (one - b2) * g * g;
                p - step_size * *m / (v.sqrt() / bias_correction2_sqrt + eps)
            });
        });
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, store: &mut ParamStore<T>, p: &Params<'_, T>, grads: &Gradients<T>) {
        // Two instances of the loop, so that neither tests for weight decay per element.
        if self.weight_decay != 0.0 {
            let wd = T::from_f64(self.weight_decay);
            self.step_with(store, p, grads, move |g, p| g + wd * p);
        } else {
            self.step_with(store, p, grads, |g, _| g);
        }
    }
}
