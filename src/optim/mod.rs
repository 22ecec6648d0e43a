//! Optimisers: update a [`ParamStore`] from one step's [`Gradients`], with PyTorch's semantics.
//!
//! An optimiser reads each parameter's gradient through the var it became on the step's tape
//! ([`Params::node`](crate::nn::Params::node)), from a `&Gradients` — so anything that
//! rewrites gradients in place first (clipping by norm, hooks) composes with it:
//!
//! ```
//! use chaintrace::nn::{Init, Layer, Linear, ParamStore};
//! use chaintrace::optim::{Optimizer, Sgd};
//! use chaintrace::{Tape, Tensor};
//!
//! let mut store = ParamStore::<f64>::new(1);
//! let fc = Linear::new(&mut store, "fc", 3, 1, Init::Normal(1.0));
//! let mut opt = Sgd::new(0.1).with_momentum(0.9);
//! let tape = Tape::new();
//! let p = store.bind(&tape);
//! let x = tape.constant(Tensor::ones(&[4, 3]));
//! let loss = fc.forward(&tape, &p, x).square().mean();
//! let mut grads = loss.backward();
//! // Rescale every parameter gradient in place (what clipping does) before the step.
//! for (_, var) in p.bound() {
//!     let g = grads.get_mut(var.id()).unwrap();
//!     *g = g.map(|v| v * 0.5);
//! }
//! opt.step(&mut store, &p, &grads);
//! ```
//!
//! Parameters that no layer used this step (no var, or no gradient) are left untouched, and
//! their optimiser state does not advance — as PyTorch skips parameters whose `grad` is `None`.

mod adam;
mod sgd;
mod update;

pub use adam::Adam;
pub use sgd::Sgd;

use crate::error::{Error, Result};
use crate::nn::{ParamId, ParamStore, Params};
use crate::tape::Gradients;
use crate::tensor::{Float, Tensor};

use ndarray::ArrayViewD;

/// Something that updates parameters from gradients.
pub trait Optimizer<T: Float> {
    /// Applies one update to every parameter of `store` that has a gradient in `grads`,
    /// found through the vars `p` bound it to.
    ///
    /// # Panics
    /// [`Sgd`] and [`Adam`] panic when `grads` does not come from the tape `p` is bound to
    /// (its gradients belong to other nodes); see [`Optimizer::try_step`].
    fn step(&mut self, store: &mut ParamStore<T>, p: &Params<'_, T>, grads: &Gradients<T>);

    /// [`Optimizer::step`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when `grads` does not come from a sweep over the tape `p` is
    /// bound to (another tape, or before its last [`reset`](crate::Tape::reset)); nothing is
    /// updated.
    fn try_step(
        &mut self,
        store: &mut ParamStore<T>,
        p: &Params<'_, T>,
        grads: &Gradients<T>,
    ) -> Result<()> {
        check_tape(p, grads)?;
        self.step(store, p, grads);
        Ok(())
    }
}

/// Refuses gradients of another tape than the one `p` is bound to.
fn check_tape<T: Float>(p: &Params<'_, T>, grads: &Gradients<T>) -> Result<()> {
    match grads.is_from(p.tape()) {
        true => Ok(()),
        false => Err(Error::ForeignVar {
            op: "Optimizer::step",
        }),
    }
}

/// Calls `update(id, parameter, gradient)` for each parameter with a gradient this step, the
/// gradient viewed in the parameter's shape.
///
/// # Panics
/// If `grads` does not come from the tape `p` is bound to.
fn each_update<T: Float>(
    store: &mut ParamStore<T>,
    p: &Params<'_, T>,
    grads: &Gradients<T>,
    mut update: impl FnMut(ParamId, &mut Tensor<T>, &ArrayViewD<'_, T>),
) {
    check_tape(p, grads).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<ParamId> = store.ids().collect();
    for id in ids {
        let Some(grad) = p.node(id).and_then(|node| grads.get(node)) else {
            continue;
        };
        let param = store.get_mut(id);
        let g = grad.view();
        if g.shape() == param.shape() {
            update(id, param, &g); // the sweep keeps a gradient in its node's shape
        } else {
            let g = g
                .broadcast(param.shape())
                .expect("a parameter's gradient has the parameter's shape");
            update(id, param, &g);
        }
    }
}

/// Per-parameter optimiser state, indexed by [`ParamId`], grown as parameters appear.
#[derive(Clone, Debug)]
struct PerParam<S>(Vec<Option<S>>);

impl<S> PerParam<S> {
    fn new() -> Self {
        PerParam(Vec::new())
    }

    fn slot(&mut self, id: ParamId) -> &mut Option<S> {
        if self.0.len() <= id.index() {
            self.0.resize_with(id.index() + 1, || None);
        }
        &mut self.0[id.index()]
    }

    fn get(&self, id: ParamId) -> Option<&S> {
        self.0.get(id.index()).and_then(Option::as_ref)
    }
}
