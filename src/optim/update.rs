//! Where an optimiser writes a parameter's new values.
//!
//! A training loop steps while the step's tape still holds every parameter (each is a leaf
//! of the tape, sharing the store's storage), so the new values cannot go into the old
//! storage without copying it first. [`Spares`] keeps, per parameter, the storage the values
//! before the previous step lived in: once that step's tape is gone nothing else holds it, and
//! the new values are written there. Two buffers per parameter take turns; after the first
//! step no parameter-sized array is allocated or freed. (Allocating one per step and freeing
//! the old one when the tape dropped made glibc return the top of the heap to the system and
//! fault it back in on every MLP step: 180 page faults and 10 % of the step.)

use super::PerParam;
use crate::nn::ParamId;
use crate::tensor::{Float, Tensor};

use ndarray::{ArrayD, ArrayViewD, Zip};

/// Changes `t`'s elements in place, on its own storage: the tensor is moved out of its place
/// into its ndarray array (no copy unless shared), changed by `f`, and moved back.
pub(super) fn in_place<T: Float>(t: &mut Tensor<T>, f: impl FnOnce(&mut ArrayD<T>)) {
    let mut a = std::mem::replace(t, Tensor::scalar(T::from_f64(0.0))).into_array();
    f(&mut a);
    *t = Tensor::from_array(a);
}

/// Each parameter's spare storage: the values before its previous step.
#[derive(Clone, Debug)]
pub(super) struct Spares<T: Float>(PerParam<Tensor<T>>);

impl<T: Float> Spares<T> {
    pub(super) fn new() -> Self {
        Spares(PerParam::new())
    }

    /// `p ← new(p, g)` for every element of parameter `id`.
    pub(super) fn update(
        &mut self,
        id: ParamId,
        param: &mut Tensor<T>,
        g: &ArrayViewD<'_, T>,
        new: impl Fn(T, T) -> T,
    ) {
        if let Some(p) = param.array_mut() {
            Zip::from(p).and(g).for_each(|p, &g| *p = new(*p, g));
        } else if param.ndim() == 0 {
            *param = Tensor::from_array(
                Zip::from(&param.view())
                    .and(g)
                    .map_collect(|&p, &g| new(p, g)),
            );
        } else {
            let old = self.swap_in(id, param);
            let p = param.array_mut().expect("a spare is held only here");
            Zip::from(p)
                .and(&old.view())
                .and(g)
                .for_each(|p, &old, &g| *p = new(old, g));
        }
    }

    /// `p ← new(p, b, g)` for every element, with `b` (an optimiser's state per element: a
    /// momentum buffer, Adam's moments) updated by `new` too.
    pub(super) fn update_with<B>(
        &mut self,
        id: ParamId,
        param: &mut Tensor<T>,
        b: &mut ArrayD<B>,
        g: &ArrayViewD<'_, T>,
        new: impl Fn(T, &mut B, T) -> T,
    ) {
        if let Some(p) = param.array_mut() {
            Zip::from(p)
                .and(b)
                .and(g)
                .for_each(|p, b, &g| *p = new(*p, b, g));
        } else if param.ndim() == 0 {
            let p = Zip::from(&param.view())
                .and(b)
                .and(g)
                .map_collect(|&p, b, &g| new(p, b, g));
            *param = Tensor::from_array(p);
        } else {
            let old = self.swap_in(id, param);
            let p = param.array_mut().expect("a spare is held only here");
            Zip::from(p)
                .and(&old.view())
                .and(b)
                .and(g)
                .for_each(|p, &old, b, &g| *p = new(old, b, g));
        }
    }

    /// Puts in `param`'s place storage nothing else holds — its spare, or a new array the first
    /// time (or when something still holds the spare) — keeps the old values as the next
    /// spare, and returns them.
    fn swap_in(&mut self, id: ParamId, param: &mut Tensor<T>) -> Tensor<T> {
        let slot = self.0.slot(id);
        let mut old = slot
            .take()
            .filter(|s| s.shape() == param.shape())
            .and_then(|mut s| s.array_mut().is_some().then_some(s))
            .unwrap_or_else(|| Tensor::zeros(param.shape()));
        std::mem::swap(param, &mut old);
        *slot = Some(old.clone());
        old
    }
}
