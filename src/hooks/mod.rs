//! Hooks: places where the reverse sweep hands a gradient to your code, which may change it.
//!
//! A hook is called at the moment a gradient is complete and before it flows further:
//!
//! - on a **node** ([`Tape::hook`]): when every consumer of the node has contributed, before
//!   the node's op passes the gradient on to its inputs;
//! - on a **layer** ([`Tape::hook_layer`]): once per sweep, on the gradient at each of the
//!   layer's outputs, as it arrives from above and before it enters the layer (PyTorch's full
//!   backward pre-hook), so `Scale(0.5)` halves everything the layer sends to its inputs;
//! - on one **edge** ([`Tape::hook_edge`]): the contribution flowing from an op to one of its
//!   inputs, before it is added into that input's gradient — so one dependency (a skip
//!   connection, say) can be scaled or cut.
//!
//! Several hooks on one place run in the order they were attached; node hooks attached
//! directly run before layer hooks firing at the same node, and an outer layer's hooks before
//! a nested layer's. Every hook that fires is reported
//! as a [`HookFiring`] (where, which hook, the norm before and after, the factor applied), and
//! the tracer puts it in the trace.
//!
//! After the sweep, [`clip_grad_norm`] rescales a set of parameter gradients by their global
//! norm, as `torch.nn.utils.clip_grad_norm_` does.
//!
//! The guide with a worked custom hook is docs/hooks.md.

mod builtin;
mod clip;
mod layer_outputs;
mod runner;

pub use builtin::{ClipNorm, ClipValue, NanGuard, Normalize, Scale};
pub use clip::{ClipGradNormOptions, clip_grad_norm, clip_grad_norm_with, global_grad_norm};
pub(crate) use runner::HookRunner;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::tape::{NodeId, Tape, Var};
use crate::tensor::{Float, Tensor};

/// Code the reverse sweep calls with a complete gradient, which it may change in place.
///
/// # Example
/// ```
/// use chaintrace::hooks::{GradHook, HookContext};
/// use chaintrace::{Result, Tape, Tensor};
///
/// /// Halves every gradient it sees.
/// #[derive(Debug)]
/// struct Halve;
///
/// impl GradHook<f64> for Halve {
///     fn name(&self) -> String {
///         "Halve".into()
///     }
///     fn apply(&self, grad: &mut Tensor<f64>, _ctx: &HookContext) -> Result<Option<String>> {
///         *grad = grad.map(|g| g / 2.0);
///         Ok(None)
///     }
/// }
///
/// let tape = Tape::<f64>::new();
/// let x = tape.var("x", 3.0);
/// let y = x.square();
/// tape.hook(y, Halve);
/// // dy/dx = 2x = 6, halved on its way through y: 3.
/// assert_eq!(y.backward().wrt(x).unwrap().item(), Some(3.0));
/// ```
pub trait GradHook<T: Float>: fmt::Debug {
    /// A short name with the hook's parameters, as the trace shows it (`"ClipNorm(5)"`).
    fn name(&self) -> String;

    /// Changes `grad` (or leaves it alone). May return a note for the trace, such as
    /// `"replaced 3 non-finite values"`.
    ///
    /// # Errors
    /// Whatever the hook decides is an error; the sweep stops and
    /// [`Var::try_backward`] returns it ([`Var::backward`] panics with it).
    fn apply(&self, grad: &mut Tensor<T>, ctx: &HookContext) -> Result<Option<String>>;
}

/// Where a hook fired: the context it receives and the trace records.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct HookContext {
    /// The node whose gradient is complete, or (for an edge hook) the op node whose input
    /// edge carries the gradient.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_id")
    )]
    pub node: NodeId,
    /// For an edge hook: the input slot of `node`, and the input node the edge leads to.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::tape::deserialize_edge")
    )]
    pub edge: Option<(usize, NodeId)>,
    /// The op label of `node` (`"tanh"`, `"leaf"`).
    pub op: String,
    /// The layer of `node` (`""` at the top level).
    pub layer: String,
}

impl fmt::Display for HookContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.edge {
            Some((slot, input)) => write!(
                f,
                "edge #{} → #{} (input {slot} of {})",
                self.node.0, input.0, self.op
            )?,
            None => write!(f, "node #{} ({})", self.node.0, self.op)?,
        }
        if !self.layer.is_empty() {
            write!(f, " in layer `{}`", self.layer)?;
        }
        Ok(())
    }
}

/// What one hook did to one gradient: the record the trace keeps.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct HookFiring {
    /// The hook's [`GradHook::name`].
    pub hook: String,
    /// Where it fired.
    pub context: HookContext,
    /// ‖gradient‖ before the hook.
    pub norm_before: f64,
    /// ‖gradient‖ after the hook.
    pub norm_after: f64,
    /// The hook's note, if it left one.
    pub note: Option<String>,
}

impl HookFiring {
    /// The factor the norm was multiplied by (`norm_after / norm_before`; 1 when both are 0,
    /// NaN when the norm before was not finite).
    pub fn factor(&self) -> f64 {
        if self.norm_before == self.norm_after {
            1.0
        } else {
            self.norm_after / self.norm_before
        }
    }

    /// True when the hook changed the gradient's norm.
    pub fn changed(&self) -> bool {
        self.norm_before != self.norm_after || self.note.is_some()
    }
}

/// Where a hook is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HookTarget {
    Node(NodeId),
    Layer(String),
    Edge(NodeId, usize),
}

/// The hooks attached to a tape, in attachment order.
pub(crate) struct HookTable<T: Float> {
    pub(crate) entries: Vec<(HookTarget, Rc<dyn GradHook<T>>)>,
}

impl<T: Float> Default for HookTable<T> {
    fn default() -> Self {
        HookTable {
            entries: Vec::new(),
        }
    }
}

impl<T: Float> Tape<T> {
    /// Attaches `hook` to the node of `var`: it runs when the node's gradient is complete,
    /// before the gradient flows on to the node's inputs.
    ///
    /// # Panics
    /// If `var` is a var of another tape; see [`Tape::try_hook`].
    pub fn hook(&self, var: Var<'_, T>, hook: impl GradHook<T> + 'static) {
        self.try_hook(var, hook).unwrap_or_else(|e| panic!("{e}"));
    }

    /// [`Tape::hook`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when `var` is a var of another tape (a hook attached by its node
    /// index would change the gradient of an unrelated node of this tape); nothing is
    /// attached.
    pub fn try_hook(&self, var: Var<'_, T>, hook: impl GradHook<T> + 'static) -> Result<()> {
        if !self.owns(var) {
            return Err(Error::ForeignVar { op: "hook" });
        }
        self.attach(HookTarget::Node(var.id()), Rc::new(hook));
        Ok(())
    }

    /// Attaches `hook` to layer `name`: in each sweep it runs once on the gradient at each
    /// of the layer's outputs, as the gradient arrives from above and before it enters the
    /// layer (PyTorch's full backward pre-hook). `Scale(0.5)` on a layer halves everything
    /// the layer sends to its inputs; `ClipNorm(c)` clips the gradient at its output to `c`.
    ///
    /// **Outputs.** A layer's outputs in a sweep are the nodes recorded in it (or in a layer
    /// nested in it) that a node outside it consumes, or that are the sweep's root. A layer
    /// with several outputs has the hook run on each output's gradient separately (a
    /// `ClipNorm` clips each to the limit, not their joint norm). The hook sees an output's
    /// complete gradient: if that output also feeds a node inside the layer, the gradient
    /// includes what flows back to it from inside, which already passed the hook at the other
    /// output. Nodes inside the layer that are not outputs are not hooked.
    ///
    /// **Names.** `name` is a layer's full path (`"net/block2"`), or a suffix of whole path
    /// segments that names exactly one layer (`"block2"` picks `"net/block2"`, never
    /// `"net/xblock2"`). A full path wins over a longer path ending in it. The name is
    /// resolved when a sweep starts, so a hook may be attached before its layer is recorded.
    ///
    /// A sweep whose root the layer does not reach leaves the hook idle (the layer has no
    /// output there), but its name must still pick out one layer of the tape.
    ///
    /// # Errors
    /// Not here: when the sweep starts, [`Var::try_backward`] (and the traced backward)
    /// returns [`Error::Invalid`] naming `name` if it picks no layer (listing the layers on
    /// the tape) or several (listing the candidates); [`Var::backward`] panics with it.
    ///
    /// # Example
    /// ```
    /// use chaintrace::hooks::Scale;
    /// use chaintrace::{Tape, Tensor};
    ///
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var("x", 2.0);
    /// let h = tape.layer("net", || {
    ///     let a = tape.layer("block1", || x * 3.0);
    ///     tape.layer("block2", || (a * a).tanh())
    /// });
    /// let plain = h.backward().wrt(x).unwrap().item().unwrap();
    /// tape.hook_layer("block2", Scale(0.5)); // the suffix picks `net/block2`
    /// let halved = h.backward().wrt(x).unwrap().item().unwrap();
    /// assert_eq!(halved, plain * 0.5);
    /// ```
    pub fn hook_layer(&self, name: &str, hook: impl GradHook<T> + 'static) {
        self.attach(HookTarget::Layer(name.to_string()), Rc::new(hook));
    }

    /// Attaches `hook` to the edge from input `slot` of `op_output`'s op: the hook sees the
    /// contribution `∂L/∂y · ∂y/∂input` before it is added to the input's gradient.
    ///
    /// For a residual block `y = tape.residual(x, f)`, slot 0 is the skip (identity) edge and
    /// slot 1 the block's output, so `tape.hook_edge(y, 0, Scale(0.0))` switches the skip off.
    ///
    /// # Panics
    /// If `op_output` is a var of another tape, or not an op node with an input `slot`; see
    /// [`Tape::try_hook_edge`].
    pub fn hook_edge(&self, op_output: Var<'_, T>, slot: usize, hook: impl GradHook<T> + 'static) {
        self.try_hook_edge(op_output, slot, hook)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// [`Tape::hook_edge`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when `op_output` is a var of another tape;
    /// [`Error::Invalid`] when its node has no input `slot` (a leaf has none). Nothing is
    /// attached.
    pub fn try_hook_edge(
        &self,
        op_output: Var<'_, T>,
        slot: usize,
        hook: impl GradHook<T> + 'static,
    ) -> Result<()> {
        if !self.owns(op_output) {
            return Err(Error::ForeignVar { op: "hook_edge" });
        }
        let inputs = self.nodes().node(op_output.id().0).inputs().len();
        if slot >= inputs {
            return Err(Error::invalid(
                "hook_edge",
                format!(
                    "node #{} has {inputs} inputs, so there is no input slot {slot}",
                    op_output.id().0
                ),
            ));
        }
        self.attach(HookTarget::Edge(op_output.id(), slot), Rc::new(hook));
        Ok(())
    }

    /// Removes every attached hook.
    pub fn clear_hooks(&self) {
        self.hooks_table().entries.clear();
    }
}

/// Measures `grad`, runs `hook` on it and reports what happened.
pub(crate) fn fire<T: Float>(
    hook: &dyn GradHook<T>,
    grad: &mut Tensor<T>,
    context: HookContext,
) -> Result<HookFiring> {
    let norm_before = grad.norm().as_f64();
    let note = hook.apply(grad, &context)?;
    Ok(HookFiring {
        hook: hook.name(),
        context,
        norm_before,
        norm_after: grad.norm().as_f64(),
        note,
    })
}
