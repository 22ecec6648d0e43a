//! [`SweepObserver`]: what the reverse sweep reports as it runs, the tracer's read-only view
//! of the backward pass; `()` watches nothing, so the plain sweep compiles to the bare loop.

use super::{EdgeKind, NodeId, NodeSpan, Tape};
use crate::hooks::HookFiring;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tape::sweep;

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
