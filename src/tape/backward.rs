//! The reverse sweep and the gradient store it returns.

use super::EdgeKind;
use super::node::{edge_kind, flags};
use super::{Gradients, InputValues, NodeId, NodeSpan, Nodes, Tape};
use crate::error::Result;
use crate::hooks::{HookFiring, HookRunner};
use crate::ops::Op;
use crate::tensor::{Float, Tensor};

/// What the sweep reports as it runs: the tracer's view of the backward pass.
///
/// Every method has an empty default, so the plain [`Var::backward`](super::Var::backward)
/// (observer `()`) compiles to the bare loop.
pub(crate) trait SweepObserver<T: Float> {
    /// False when this observer's callbacks would do nothing in this sweep, so the sweep may
    /// skip calling them and add a scalar contribution without wrapping it in a `Tensor` for
    /// them (hook firings are still reported). Asked once, before the loop.
    fn watches_steps(&self) -> bool {
        true
    }

    /// The sweep reaches node `i` (every node from the output back to node 0, in that
    /// order) with its complete gradient, after its hooks ran; `None` when no gradient
    /// reaches it. Called before the node's [`SweepObserver::node_complete`] and edges.
    fn visit(&mut self, _nodes: NodeSpan<'_, T>, _i: usize, _grad: Option<&Tensor<T>>) {}

    /// `grad` is complete for `node` (every consumer has contributed, its hooks have run) and
    /// is about to flow to the node's inputs.
    fn node_complete(&mut self, _tape: &Tape<T>, _node: NodeId, _grad: &Tensor<T>) {}

    /// One chain-rule multiplication along input `slot` of `node`:
    /// `contribution = upstream · ∂node/∂input`, already summed to the input's shape, before
    /// any edge hook.
    fn edge(
        &mut self,
        _tape: &Tape<T>,
        _node: NodeId,
        _slot: usize,
        _upstream: &Tensor<T>,
        _contribution: &Tensor<T>,
    ) {
    }

    /// The input of that multiplication now holds `accumulated` (fan-in sums are visible).
    fn accumulated(
        &mut self,
        _tape: &Tape<T>,
        _node: NodeId,
        _slot: usize,
        _accumulated: &Tensor<T>,
    ) {
    }

    /// A hook fired (on a node or an edge) and did what `firing` says.
    fn hook_fired(&mut self, _firing: HookFiring) {}

    /// A scalar op node in a sweep without hooks reaches its inputs: its gradient `grad`
    /// is complete. One [`SweepObserver::scalar_edge`] per input follows, so a scalar node
    /// is reported as numbers, without building a tensor. By default the numbers are
    /// wrapped in tensors for [`SweepObserver::visit`] and [`SweepObserver::node_complete`].
    fn scalar_node(&mut self, tape: &Tape<T>, nodes: NodeSpan<'_, T>, i: usize, grad: T) {
        let grad = Tensor::scalar(grad);
        self.visit(nodes, i, Some(&grad));
        self.node_complete(tape, NodeId(i), &grad);
    }

    /// One input edge of the scalar node just reported, in slot order, with its
    /// multiplication when the input needs a gradient. By default the numbers are wrapped
    /// in tensors for [`SweepObserver::edge`] and [`SweepObserver::accumulated`].
    fn scalar_edge(&mut self, tape: &Tape<T>, edge: ScalarEdge<T>) {
        if let Some(step) = edge.step {
            let (node, upstream) = (NodeId(edge.node), Tensor::scalar(edge.upstream));
            let contribution = Tensor::scalar(step.contribution);
            self.edge(tape, node, edge.slot, &upstream, &contribution);
            let accumulated = Tensor::scalar(step.accumulated);
            self.accumulated(tape, node, edge.slot, &accumulated);
        }
    }
}

/// An input edge of a scalar op node in a sweep without hooks, as
/// [`SweepObserver::scalar_edge`] reports it: plain numbers, passed by value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScalarEdge<T> {
    /// The op node (the edge's head).
    pub node: usize,
    /// The argument position.
    pub slot: usize,
    /// The input node (the edge's tail).
    pub input: usize,
    /// Whether the edge is a residual edge.
    pub kind: EdgeKind,
    /// `∂node/∂input`, as the tape recorded it.
    pub local: T,
    /// `∂L/∂node`.
    pub upstream: T,
    /// The multiplication, when the input needs a gradient.
    pub step: Option<ScalarStep<T>>,
}

/// One chain-rule multiplication on scalars.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScalarStep<T> {
    /// `∂L/∂node · ∂node/∂input`.
    pub contribution: T,
    /// `∂L/∂input` after adding the contribution (fan-in sums are visible).
    pub accumulated: T,
}

impl<T: Float> SweepObserver<T> for () {
    fn watches_steps(&self) -> bool {
        false
    }
}

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
    let mut grads: Vec<Option<Tensor<T>>> = (0..=output.0).map(|_| None).collect();
    grads[output.0] = Some(Tensor::ones(nodes.rows[output.0].value.shape()));
    if unwatched {
        each_node(&mut grads, |i, slot, earlier| match slot {
            Some(grad) => step.unwatched_node(i, grad, earlier),
            None => Ok(()),
        })?;
    } else {
        each_node(&mut grads, |i, slot, earlier| match slot {
            Some(grad) => step.watched_node(i, grad, earlier),
            None => {
                step.observer.visit(nodes.span(), i, None);
                Ok(())
            }
        })?;
    }
    Ok(Gradients::new(tape, grads))
}

/// Calls `step` on each node from the last back, with its gradient slot and the slots of the
/// nodes before it. Every input of a node comes before it on the tape, so the node's
/// gradient is borrowed in place while the contributions go to the slots before it.
#[inline(always)]
fn each_node<T: Float>(
    grads: &mut [Option<Tensor<T>>],
    mut step: impl FnMut(usize, &mut Option<Tensor<T>>, &mut [Option<Tensor<T>>]) -> Result<()>,
) -> Result<()> {
    let mut pending = grads;
    for i in (0..pending.len()).rev() {
        let (slot, earlier) = std::mem::take(&mut pending)
            .split_last_mut()
            .expect("one gradient slot per node");
        step(i, slot, earlier)?;
        pending = earlier;
    }
    Ok(())
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
        earlier: &mut [Option<Tensor<T>>],
    ) -> Result<()> {
        let rows = &self.nodes.rows;
        let row = &rows[i];
        // A scalar node: one multiply-add per input, the tape's floor.
        if let Some(derivatives) = row.scalar_derivatives()
            && let Some(g) = grad.as_scalar()
        {
            for (&input, &d) in row.inputs.iter().zip(derivatives) {
                if rows[input as usize].has(flags::REQUIRES_GRAD) {
                    add_scalar(&mut earlier[input as usize], g * d);
                }
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
        earlier: &mut [Option<Tensor<T>>],
    ) -> Result<()> {
        let row = &self.nodes.rows[i];
        if self.hooks.is_none()
            && row.has(flags::SCALAR_DERIVATIVES)
            && let Some(g) = grad.as_scalar()
        {
            self.observed_scalar_node(i, g, earlier);
            return Ok(());
        }
        self.general_node(i, grad, earlier)
    }

    /// A scalar node that the observer watches, in a sweep without hooks: the node is
    /// reported, then each input edge with the same multiply-add as in the unwatched loop,
    /// as numbers (no tensor is built).
    #[inline]
    fn observed_scalar_node(&mut self, i: usize, g: T, earlier: &mut [Option<Tensor<T>>]) {
        let rows = &self.nodes.rows;
        let row = &rows[i];
        self.observer
            .scalar_node(self.tape, self.nodes.span(), i, g);
        // A constant-length loop, unrolled: each edge's numbers stay in registers.
        let arity = usize::from(row.arity).min(2);
        for slot in 0..2 {
            if slot == arity {
                break;
            }
            let input = row.inputs[slot] as usize;
            let local = row.derivatives[slot];
            let step = rows[input].has(flags::REQUIRES_GRAD).then(|| {
                let contribution = g * local;
                let accumulated = add_scalar(&mut earlier[input], contribution);
                ScalarStep {
                    contribution,
                    accumulated,
                }
            });
            let edge = ScalarEdge {
                node: i,
                slot,
                input,
                kind: edge_kind(row.residual_slots, slot),
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
        earlier: &mut [Option<Tensor<T>>],
    ) -> Result<()> {
        let (tape, nodes) = (self.tape, self.nodes);
        if let Some(hooks) = &self.hooks {
            let observer = &mut *self.observer;
            hooks.on_node(tape, nodes.span(), NodeId(i), grad, &mut |f| {
                observer.hook_fired(f)
            })?;
        }
        self.observer.visit(nodes.span(), i, Some(&*grad));
        self.observer.node_complete(tape, NodeId(i), grad);
        let Some(op) = nodes.op(i) else {
            return Ok(());
        };
        for (slot, &input) in nodes.input_ids(i).iter().enumerate() {
            let input = input as usize;
            if !nodes.rows[input].has(flags::REQUIRES_GRAD) {
                continue;
            }
            let mut contribution = vjp(op, slot, nodes, i, grad);
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
            let accumulated = accumulate(&mut earlier[input], contribution);
            self.observer
                .accumulated(tape, NodeId(i), slot, accumulated);
        }
        Ok(())
    }
}

/// One vector-Jacobian product, `∂L/∂input` in the input's shape: the gradient times the
/// recorded local derivative for a scalar node (a scalar input needs no reshaping), else the
/// op's tensor rule followed by undoing any broadcast, here, once, for every op.
#[inline]
fn vjp<T: Float>(
    op: &dyn Op<T>,
    slot: usize,
    nodes: &Nodes<T>,
    i: usize,
    grad: &Tensor<T>,
) -> Tensor<T> {
    let row = &nodes.rows[i];
    if let (Some(derivatives), Some(g)) = (row.scalar_derivatives(), grad.as_scalar()) {
        return Tensor::scalar(g * derivatives[slot]);
    }
    let values = InputValues::of(nodes, i);
    let contribution = op.vjp(slot, values.as_slice(), &row.value, grad);
    let source = &nodes.rows[nodes.input_ids(i)[slot] as usize].value;
    if contribution.same_shape(source) {
        contribution
    } else {
        contribution.sum_to(source.shape())
    }
}

/// Adds `contribution` into a gradient slot: the one place where fan-out gradients sum.
#[inline]
fn accumulate<T: Float>(slot: &mut Option<Tensor<T>>, contribution: Tensor<T>) -> &Tensor<T> {
    match slot {
        Some(acc) => {
            acc.add_assign(&contribution);
            acc
        }
        None => slot.insert(contribution),
    }
}

/// Adds a scalar contribution into a gradient slot (the slot of a scalar input holds a
/// scalar) and returns the sum.
#[inline]
fn add_scalar<T: Float>(slot: &mut Option<Tensor<T>>, contribution: T) -> T {
    match slot {
        Some(acc) => {
            acc.add_scalar(contribution);
            acc.as_scalar().unwrap_or(contribution)
        }
        None => {
            *slot = Some(Tensor::scalar(contribution));
            contribution
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One multiplication as the tensor callbacks report it: node, slot, upstream,
    /// contribution, and the input's gradient after it.
    type Seen = (usize, usize, f64, f64, f64);

    /// Sees the sweep only through the tensor callbacks, so scalar nodes reach it through the
    /// default `scalar_node`/`scalar_edge`, which must report what the general step would.
    #[derive(Default)]
    struct Multiplications {
        visited: Vec<(usize, f64)>,
        edges: Vec<Seen>,
    }

    fn number(t: &Tensor<f64>) -> f64 {
        t.item().expect("a scalar")
    }

    impl SweepObserver<f64> for Multiplications {
        fn visit(&mut self, _: NodeSpan<'_, f64>, i: usize, grad: Option<&Tensor<f64>>) {
            self.visited.extend(grad.map(|g| (i, number(g))));
        }

        fn edge(
            &mut self,
            _: &Tape<f64>,
            n: NodeId,
            slot: usize,
            up: &Tensor<f64>,
            c: &Tensor<f64>,
        ) {
            self.edges
                .push((n.0, slot, number(up), number(c), f64::NAN));
        }

        fn accumulated(&mut self, _: &Tape<f64>, _: NodeId, _: usize, acc: &Tensor<f64>) {
            self.edges.last_mut().expect("after its edge").4 = number(acc);
        }
    }

    /// y = w·(w·x) at w = 1.5, x = 2: from y, 1·(w·x) = 3 into w and 1·w = 1.5 into u₂; from
    /// u₂ (gradient 1.5), 1.5·x = 3 into w (now 6) and 1.5·w = 2.25 into x.
    #[test]
    fn scalar_nodes_reach_a_tensor_observer_as_its_own_callbacks() {
        let tape = Tape::<f64>::new();
        let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
        let y = w * (w * x);
        let mut seen = Multiplications::default();
        let grads = sweep(&tape, y.id(), &mut seen).unwrap();
        assert_eq!(seen.visited, [(3, 1.0), (2, 1.5), (1, 2.25), (0, 6.0)]);
        let expected: [Seen; 4] = [
            (3, 0, 1.0, 3.0, 3.0),
            (3, 1, 1.0, 1.5, 1.5),
            (2, 0, 1.5, 3.0, 6.0),
            (2, 1, 1.5, 2.25, 2.25),
        ];
        assert_eq!(seen.edges, expected);
        assert_eq!(grads.wrt(w).map(number), Some(6.0));
        assert_eq!(grads.wrt(x).map(number), Some(2.25));
    }
}
