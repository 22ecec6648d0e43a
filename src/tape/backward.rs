//! The reverse sweep: one loop over the tape from the output back, which runs the hooks,
//! tells an observer (the tracer) what it does, and returns the gradients.

use super::node::flags;
use super::node_view::edge_kind;
use super::observer::{ScalarEdge, ScalarStep, SweepObserver};
use super::slots::{Earlier, Slots};
use super::{Gradients, InputValues, NodeId, Nodes, Tape};
use crate::error::Result;
use crate::hooks::HookRunner;
use crate::ops::Op;
use crate::tensor::{Float, Tensor};

/// The reverse sweep: one loop over the tape from `output` down to the first node.
///
/// At each node whose gradient is non-empty: the gradient is complete (every consumer has a
/// higher index), so its hooks run; then the op's vector-Jacobian product sends a contribution
/// along each input edge (edge hooks run on it) into the input's gradient. The loop comes in
/// two copies: one for when nothing watches (no hook, an observer that watches no steps),
/// where a scalar node is one multiply-add per input, and one that tells the observer about
/// every node.
pub(crate) fn sweep<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    observer: &mut impl SweepObserver<T>,
) -> Result<Gradients<T>> {
    sweep_into(tape, output, observer, Slots::default())
}

/// [`sweep`] with the gradient slots in `grads`, an earlier store's buffer: cleared and sized
/// to the output here, so a training loop that hands back its last store reuses the memory
/// instead of mapping (and page-faulting in) a fresh one every step.
pub(crate) fn sweep_into<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    observer: &mut impl SweepObserver<T>,
    mut grads: Slots<T>,
) -> Result<Gradients<T>> {
    let nodes = tape.nodes();
    let hooks = HookRunner::new(tape, nodes.up_to(output), output)?;
    // Nothing looks at single contributions: scalar ones go straight into their slots.
    let unwatched = hooks.is_none() && !observer.watches_steps();
    let mut step = Step {
        tape,
        nodes: &nodes,
        hooks,
        observer,
    };
    grads.prepare(output.0 + 1);
    grads.set(output.0, Tensor::ones(nodes.rows[output.0].value.shape()));
    if unwatched {
        grads.each_from_last(|i, slot, earlier| match slot {
            Some(grad) => step.unwatched_node(i, grad, earlier),
            None => Ok(()),
        })?;
    } else {
        grads.each_from_last(|i, slot, earlier| match slot {
            Some(grad) => step.watched_node(i, grad, earlier),
            None => {
                step.observer.visit(nodes.span(), i, None);
                Ok(())
            }
        })?;
    }
    Ok(Gradients::new(tape, grads))
}

/// What the sweep carries from node to node.
struct Step<'a, T: Float, O> {
    tape: &'a Tape<T>,
    nodes: &'a Nodes<T>,
    hooks: Option<HookRunner<T>>,
    observer: &'a mut O,
}

impl<T: Float, O: SweepObserver<T>> Step<'_, T, O> {
    /// Node `i`'s gradient `grad` is complete and nothing watches: send a contribution along
    /// each input edge into `earlier`, the gradients of the nodes before it.
    #[inline]
    fn unwatched_node(
        &mut self,
        i: usize,
        grad: &mut Tensor<T>,
        earlier: &mut Earlier<'_, T>,
    ) -> Result<()> {
        let rows = &self.nodes.rows;
        let row = &rows[i];
        // A scalar node of add, sub or mul: one multiply-add per input, the tape's floor.
        if let Some(g) = grad.as_scalar()
            && let Some(derivatives) = self.nodes.inline_derivatives(i)
        {
            // Each of the two inputs (these ops are binary) whose slot holds an array, a bit.
            let mut into_arrays = 0;
            for (slot, (&input, &d)) in row.inputs.iter().zip(&derivatives).enumerate() {
                if rows[input as usize].has(flags::REQUIRES_GRAD)
                    && !earlier.add_number(input as usize, g * d)
                {
                    into_arrays |= 1 << slot;
                }
            }
            if into_arrays != 0 {
                add_into_arrays(row.inputs, into_arrays, g, derivatives, earlier);
            }
            return Ok(());
        }
        if !row.has(flags::OP) {
            return Ok(()); // a leaf or constant: nothing flows further
        }
        self.general_node(i, grad, earlier)
    }

    /// Node `i`'s gradient `grad` is complete and a hook or the observer watches: a scalar
    /// node without hooks is reported in one call, any other goes through the general step.
    /// Out of line: inlined, its recording steps crowd the loop and it runs slower.
    #[inline(never)]
    fn watched_node(
        &mut self,
        i: usize,
        grad: &mut Tensor<T>,
        earlier: &mut Earlier<'_, T>,
    ) -> Result<()> {
        if self.hooks.is_none()
            && let Some(g) = grad.as_scalar()
            && let Some(derivatives) = self.nodes.scalar_derivatives(i)
        {
            self.observed_scalar_node(i, g, derivatives, earlier);
            return Ok(());
        }
        self.general_node(i, grad, earlier)
    }

    /// A scalar node that the observer watches, in a sweep without hooks: the node is
    /// reported, then each input edge with the same multiply-add as in the unwatched loop,
    /// as numbers (no tensor is built).
    #[inline]
    fn observed_scalar_node(
        &mut self,
        i: usize,
        g: T,
        derivatives: [T; 2],
        earlier: &mut Earlier<'_, T>,
    ) {
        let rows = &self.nodes.rows;
        let row = &rows[i];
        self.observer
            .scalar_node(self.tape, self.nodes.span(), i, g);
        // A constant-length loop, unrolled: each edge's numbers stay in registers.
        let arity = usize::from(row.meta.arity()).min(2);
        for (slot, (&input, &local)) in row.inputs.iter().zip(&derivatives).enumerate() {
            if slot == arity {
                break;
            }
            let input = input as usize;
            let step = rows[input].has(flags::REQUIRES_GRAD).then(|| {
                let contribution = g * local;
                let accumulated = earlier.add_scalar(input, contribution);
                ScalarStep {
                    contribution,
                    accumulated,
                }
            });
            let edge = ScalarEdge {
                node: i,
                slot,
                input,
                kind: edge_kind(row.has(flags::RESIDUAL), slot),
                local,
                upstream: g,
                step,
            };
            self.observer.scalar_edge(self.tape, edge);
        }
    }

    /// A node's step in general: hooks, observer, tensors. Kept out of line so the scalar
    /// steps above stay small.
    #[inline(never)]
    fn general_node(
        &mut self,
        i: usize,
        grad: &mut Tensor<T>,
        earlier: &mut Earlier<'_, T>,
    ) -> Result<()> {
        let (tape, nodes) = (self.tape, self.nodes);
        if let Some(hooks) = &self.hooks {
            let observer = &mut *self.observer;
            hooks.on_node(tape, nodes.span(), NodeId(i), grad, &mut |f| {
                observer.hook_fired(f)
            })?;
            earlier.note_own(grad);
        }
        self.observer.visit(nodes.span(), i, Some(&*grad));
        self.observer.node_complete(tape, NodeId(i), grad);
        let Some(op) = nodes.op(i) else {
            return Ok(());
        };
        let scalar = grad.as_scalar().zip(nodes.scalar_derivatives(i));
        for (slot, &input) in nodes.input_ids(i).iter().enumerate() {
            let input = input as usize;
            if !nodes.rows[input].has(flags::REQUIRES_GRAD) {
                continue;
            }
            let mut contribution = match scalar {
                Some((g, derivatives)) => Tensor::scalar(g * derivatives[slot]),
                None => vjp(op, slot, nodes, i, grad),
            };
            self.observer
                .edge(tape, NodeId(i), slot, grad, &contribution);
            if let Some(hooks) = &self.hooks {
                let observer = &mut *self.observer;
                hooks.on_edge(
                    tape,
                    nodes.span(),
                    NodeId(i),
                    slot,
                    &mut contribution,
                    &mut |f| observer.hook_fired(f),
                )?;
            }
            let accumulated = earlier.accumulate(input, contribution);
            self.observer
                .accumulated(tape, NodeId(i), slot, accumulated);
        }
        Ok(())
    }
}

/// The scalar contributions `g · dᵢ` that [`Earlier::add_number`] left for the inputs whose
/// slots hold arrays (a number broadcast into a tensor gradient: rare, out of line).
#[cold]
#[inline(never)]
fn add_into_arrays<T: Float>(
    inputs: [u32; 2],
    into_arrays: u8,
    g: T,
    derivatives: [T; 2],
    earlier: &mut Earlier<'_, T>,
) {
    for (slot, (input, d)) in inputs.into_iter().zip(derivatives).enumerate() {
        if into_arrays & 1 << slot != 0 {
            earlier.add_scalar(input as usize, g * d);
        }
    }
}

/// One vector-Jacobian product by the op's tensor rule, `∂L/∂input` in the input's shape: the
/// rule followed by undoing any broadcast, here, once, for every op. (A scalar node's is the
/// gradient times its local derivative, worked out in [`Step::general_node`].)
#[inline]
fn vjp<T: Float>(
    op: &dyn Op<T>,
    slot: usize,
    nodes: &Nodes<T>,
    i: usize,
    grad: &Tensor<T>,
) -> Tensor<T> {
    let row = &nodes.rows[i];
    let values = InputValues::of(nodes, i);
    let contribution = op.vjp(slot, values.as_slice(), &row.value, grad);
    let source = &nodes.rows[nodes.input_ids(i)[slot] as usize].value;
    if contribution.same_shape(source) {
        contribution
    } else {
        contribution.sum_to(source.shape())
    }
}
