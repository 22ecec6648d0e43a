//! The tape: an append-only list of nodes, recorded as the forward pass runs.
//!
//! A node is a leaf (a named differentiable variable), a constant, or an op applied to earlier
//! nodes. Because a node can only refer to nodes recorded before it, creation order is a
//! topological order, and the reverse sweep ([`Var::backward`]) is one loop over the tape backwards.
//! [`Tape::graph`] copies the same computation into a petgraph graph for users who want
//! petgraph's algorithms; the crate's own readers (sweep, tracer, path analysis, exporters)
//! read the nodes directly.

mod backward;
mod grad;
mod gradients;
mod graph;
mod hook_effect;
mod id;
mod identity;
mod inputs;
mod layers;
mod names;
mod node;
mod node_ops;
mod node_span;
mod node_view;
mod observer;
mod scopes;
mod shape;
mod slots;
mod var;

pub(crate) use backward::sweep;
pub use grad::grad;
pub use gradients::Gradients;
pub use graph::{Edge, EdgeKind, Graph};
pub use id::{LayerId, NodeId};
#[cfg(feature = "serde")]
pub(crate) use id::{deserialize_edge, deserialize_id};
pub use identity::NodeRef;
pub(crate) use identity::{Origin, TapeIdentity};
pub use node::Nodes;
pub use node_span::NodeSpan;
pub use node_view::{Input, Inputs, Node, NodeKind};
pub(crate) use observer::{ScalarEdge, SweepObserver};
pub use shape::Shape;
pub use var::Var;

use inputs::{InputValues, ScalarValues};
use layers::Layers;
use names::Names;
use node::{Meta, Row, flags};

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::mem::ManuallyDrop;
use std::rc::Rc;

use crate::error::Result;
use crate::hooks::{GradHook, HookTable, HookTarget};
use crate::ops::Op;
use crate::tensor::{Float, Tensor};

/// The tape that records a computation, generic over the element type (`f32` or `f64`).
///
/// Build a fresh tape (or [`reset`](Tape::reset) one) for each training step; parameters live
/// outside it (your own tensors, or the planned `nn` parameter store) and enter each step
/// as new leaves.
///
/// # Example
/// ```
/// use chaintrace::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let s = tape.var("s", 2.0);
/// let x = tape.var("x", Tensor::from_vec(vec![1.0, -2.0], &[2, 1]));
/// let w = tape.var("w", Tensor::from_vec(vec![0.5, -1.0, 1.5, 2.0], &[2, 2]));
/// let b = tape.constant(Tensor::from_vec(vec![0.1, 0.2], &[2, 1]));
/// let h = tape.layer("hidden", || (w.matmul(x * s) + b).tanh());
/// let loss = h.square().sum();
/// let grads = loss.backward();
/// assert_eq!(grads.wrt(w).unwrap().shape(), &[2, 2]);
/// ```
pub struct Tape<T: Float> {
    nodes: RefCell<Nodes<T>>,
    layers: RefCell<Layers>,
    /// The innermost open layer, copied out of `layers` so recording a node reads one cell.
    current_layer: Cell<LayerId>,
    hooks: RefCell<HookTable<T>>,
    /// Inside [`Tape::no_grad`]: ops recorded now carry no gradient.
    no_grad: Cell<bool>,
    /// This recording's identity, which its gradients and traces keep (see `identity.rs`).
    identity: TapeIdentity,
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Tape<T> {
    /// An empty tape.
    pub fn new() -> Self {
        Tape {
            nodes: RefCell::new(Nodes::new()),
            layers: RefCell::new(Layers::new()),
            current_layer: Cell::new(LayerId(0)),
            hooks: RefCell::new(HookTable::default()),
            no_grad: Cell::new(false),
            identity: TapeIdentity::new(),
        }
    }

    /// Clears every node, layer and hook so the tape can record the next step; vars from
    /// before the reset can no longer be used (the borrow checker enforces it: `reset` takes
    /// `&mut self`), and [`Gradients`] and [`Trace`](crate::Trace)s from before it refuse the
    /// vars recorded after it (their node ids start again from 0). The node storage keeps its
    /// capacity, so a reused tape stops allocating.
    pub fn reset(&mut self) {
        self.identity.renew();
        self.nodes.get_mut().clear();
        self.layers.get_mut().clear();
        self.current_layer.set(LayerId(0));
        self.hooks.get_mut().entries.clear();
    }

    pub(crate) fn attach(&self, target: HookTarget, hook: Rc<dyn GradHook<T>>) {
        self.hooks.borrow_mut().entries.push((target, hook));
    }

    pub(crate) fn hooks_table(&self) -> RefMut<'_, HookTable<T>> {
        self.hooks.borrow_mut()
    }

    /// A differentiable leaf named `name`, from a plain number or a [`Tensor`].
    #[inline]
    pub fn var(&self, name: &str, value: impl Into<Tensor<T>>) -> Var<'_, T> {
        self.push_leaf(false, Some(name), value.into())
    }

    /// A constant: part of the computation, but no gradient is computed or kept for it.
    pub fn constant(&self, value: impl Into<Tensor<T>>) -> Var<'_, T> {
        self.push_leaf(true, None, value.into())
    }

    /// A named constant (shown by name in traces and formulas).
    pub fn named_constant(&self, name: &str, value: impl Into<Tensor<T>>) -> Var<'_, T> {
        self.push_leaf(true, Some(name), value.into())
    }

    /// Builds `x + f(x)`, marking the identity edge from `x` as a residual (skip) edge, so the
    /// tracer can attribute gradient to the skip path and to the block path separately.
    ///
    /// # Panics
    /// If `f(x)` does not have a shape that broadcasts with `x`; see [`Tape::try_residual`].
    pub fn residual<'t>(
        &'t self,
        x: Var<'t, T>,
        f: impl FnOnce(Var<'t, T>) -> Var<'t, T>,
    ) -> Var<'t, T> {
        self.try_residual(x, f).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tape::residual`], returning the shape error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `x` and `f(x)` do not broadcast;
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) when `x` or `f(x)` is a var of another
    /// tape.
    pub fn try_residual<'t>(
        &'t self,
        x: Var<'t, T>,
        f: impl FnOnce(Var<'t, T>) -> Var<'t, T>,
    ) -> Result<Var<'t, T>> {
        let foreign = || crate::Error::ForeignVar { op: "residual" };
        if !self.owns(x) {
            return Err(foreign()); // before `f` records anything on x's tape
        }
        let fx = f(x);
        if !self.owns(fx) {
            return Err(foreign());
        }
        // The identity edge is slot 0 of the sum.
        self.record(crate::ops::Add, &[x, fx], true)
    }

    /// Records `op` applied to `inputs`.
    ///
    /// # Panics
    /// With the op's error message (op, shapes, layer); see [`Tape::try_apply`].
    #[inline]
    pub fn apply<'t>(&'t self, op: impl Op<T>, inputs: &[Var<'t, T>]) -> Var<'t, T> {
        self.try_apply(op, inputs).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Records `op` applied to `inputs`, or returns the op's error with the layer filled in.
    ///
    /// # Errors
    /// Whatever the op's forward returns ([`Error::Shape`](crate::Error::Shape) for operands
    /// that do not fit), or [`Error::ForeignVar`](crate::Error::ForeignVar) for a var of
    /// another tape.
    #[inline(always)]
    pub fn try_apply<'t>(&'t self, op: impl Op<T>, inputs: &[Var<'t, T>]) -> Result<Var<'t, T>> {
        if !inputs.iter().all(|&v| self.owns(v)) {
            return Err(crate::Error::ForeignVar { op: op.name() });
        }
        self.record(op, inputs, false)
    }

    /// Appends an op node; with `residual`, its input slot 0 is a residual edge. The hot path
    /// of every forward pass: the one or two input values are gathered without a heap
    /// allocation, and scalars go through the op's scalar rule.
    #[inline(always)]
    fn record<O: Op<T>>(&self, op: O, inputs: &[Var<'_, T>], residual: bool) -> Result<Var<'_, T>> {
        let mut guard = self.nodes.borrow_mut();
        let nodes = &mut *guard;
        let (placed, arity, spilled) = nodes.place_inputs(inputs);
        let ids = match spilled {
            0 => &placed[..usize::from(arity)],
            _ => &nodes.spilled[placed[0] as usize..],
        };
        let rows = &nodes.rows;
        let requires_grad = !self.no_grad.get()
            && ids
                .iter()
                .any(|&i| rows[i as usize].has(flags::REQUIRES_GRAD));
        let scalar = ScalarValues::gather(rows, ids).and_then(|x| op.scalar(x.as_slice()));
        let value = match scalar {
            Some(value) => Tensor::scalar(value),
            None => match self.forward(&op, rows, ids) {
                Ok(value) => value,
                Err(e) => {
                    // No node: the inputs a concatenation spilled (from `placed[0]`) go too.
                    if spilled != 0 {
                        nodes.spilled.truncate(placed[0] as usize);
                    }
                    return Err(e);
                }
            },
        };
        let id = next_id(rows);
        let op = nodes.ops.intern(op);
        let mut flags = flags::OP | spilled;
        if requires_grad {
            flags |= flags::REQUIRES_GRAD;
        }
        if scalar.is_some() {
            flags |= flags::SCALAR;
        }
        if residual {
            flags |= flags::RESIDUAL;
        }
        nodes.push(Row {
            value: ManuallyDrop::new(value),
            inputs: placed,
            meta: Meta::new(op, self.current_layer.get(), flags, arity),
        });
        Ok(Var::new(self, id))
    }

    /// The tensor forward of an op, its error placed in the current layer.
    #[cold]
    fn forward(&self, op: &dyn Op<T>, rows: &[Row<T>], ids: &[u32]) -> Result<Tensor<T>> {
        op.forward(InputValues::gather(rows, ids).as_slice())
            .map_err(|e| e.in_layer(&self.layer_name(self.current_layer.get())))
    }

    #[inline(always)]
    fn push_leaf(&self, constant: bool, name: Option<&str>, value: Tensor<T>) -> Var<'_, T> {
        let mut nodes = self.nodes.borrow_mut();
        let name = name.map_or(Names::NONE, |n| nodes.names.intern(n));
        let id = next_id(&nodes.rows);
        let flags = match constant {
            true => flags::CONSTANT,
            false => flags::REQUIRES_GRAD,
        };
        nodes.push(Row {
            value: ManuallyDrop::new(value),
            inputs: [0; 2],
            meta: Meta::new(name, self.current_layer.get(), flags, 0),
        });
        Var::new(self, id)
    }

    /// The number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.nodes.borrow().is_empty()
    }

    /// Read access to the recorded nodes, in creation (topological) order:
    /// `tape.nodes().node(i)` is node `i` (see [`Nodes`] and [`Node`]).
    ///
    /// # Panics
    /// If called while the tape is recording (from inside an op's forward).
    pub fn nodes(&self) -> Ref<'_, Nodes<T>> {
        self.nodes.borrow()
    }

    /// The var handle of a recorded node.
    ///
    /// # Panics
    /// If `id` is not on this tape; see [`Tape::try_var_at`].
    pub fn var_at(&self, id: NodeId) -> Var<'_, T> {
        self.try_var_at(id).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tape::var_at`], returning an error for a node that is not on this tape.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) when the tape holds `id.0` nodes or fewer.
    pub fn try_var_at(&self, id: NodeId) -> Result<Var<'_, T>> {
        match id.0 < self.len() {
            true => Ok(Var::new(self, id)),
            false => Err(crate::Error::invalid(
                "var_at",
                format!(
                    "node {} is not on this tape (it holds {} nodes)",
                    id.0,
                    self.len()
                ),
            )),
        }
    }
}

/// The id of the next node (inputs are stored as `u32`).
#[inline]
fn next_id<T: Float>(rows: &[Row<T>]) -> NodeId {
    assert!(
        rows.len() < u32::MAX as usize,
        "a tape holds fewer than 2³² nodes"
    );
    NodeId(rows.len())
}
