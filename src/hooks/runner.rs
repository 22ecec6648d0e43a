//! Running the attached hooks inside the reverse sweep.

use std::rc::Rc;

use super::layer_outputs::{outputs, resolve};
use super::{GradHook, HookContext, HookFiring, HookTarget, fire};
use crate::error::Result;
use crate::tape::{NodeId, NodeSpan, Tape};
use crate::tensor::{Float, Tensor};

/// The hooks of one sweep, resolved once at its start (so attaching during a sweep is not
/// possible and the lookup per node is a short scan).
pub(crate) struct HookRunner<T: Float> {
    /// Hooks attached to single nodes, in attachment order.
    node: Vec<(NodeId, Rc<dyn GradHook<T>>)>,
    /// Layer hooks at the outputs of their layers, sorted by node; at one node, outer
    /// layers' hooks first, then in attachment order.
    layer: Vec<(NodeId, Rc<dyn GradHook<T>>)>,
    /// Hooks attached to edges `(op node, slot)`.
    edge: Vec<(NodeId, usize, Rc<dyn GradHook<T>>)>,
}

impl<T: Float> HookRunner<T> {
    /// The runner for `tape`'s hooks in the sweep from `root`, or `None` when none are
    /// attached (checked once per sweep: the sweep then runs its loop without hook checks). Each layer hook's name is
    /// resolved to one layer, and that layer's outputs are found in one pass over the edges
    /// of the nodes up to `root`.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) when a layer hook's name picks no layer or
    /// several (see [`Tape::hook_layer`]).
    pub(crate) fn new(
        tape: &Tape<T>,
        nodes: NodeSpan<'_, T>,
        root: NodeId,
    ) -> Result<Option<Self>> {
        let table = tape.hooks_table();
        if table.entries.is_empty() {
            return Ok(None);
        }
        let mut runner = HookRunner {
            node: Vec::new(),
            layer: Vec::new(),
            edge: Vec::new(),
        };
        let mut paths = None;
        let mut at_outputs = Vec::new();
        for (target, hook) in &table.entries {
            match target {
                HookTarget::Node(id) => runner.node.push((*id, Rc::clone(hook))),
                HookTarget::Edge(id, slot) => runner.edge.push((*id, *slot, Rc::clone(hook))),
                HookTarget::Layer(name) => {
                    let paths = paths.get_or_insert_with(|| tape.layer_names());
                    let layer = resolve(paths, name)?;
                    let depth = paths[layer].split('/').count();
                    for node in outputs(nodes, paths, layer, root) {
                        at_outputs.push((node, depth, Rc::clone(hook)));
                    }
                }
            }
        }
        // Stable: hooks of one layer depth at one node keep their attachment order.
        at_outputs.sort_by_key(|(node, depth, _)| (node.0, *depth));
        runner.layer = at_outputs.into_iter().map(|(n, _, h)| (n, h)).collect();
        Ok(Some(runner))
    }

    /// Runs the node and layer hooks of `id` on its complete gradient.
    pub(crate) fn on_node(
        &self,
        tape: &Tape<T>,
        nodes: NodeSpan<'_, T>,
        id: NodeId,
        grad: &mut Tensor<T>,
        report: &mut impl FnMut(HookFiring),
    ) -> Result<()> {
        let direct = self.node.iter().filter(|(n, _)| *n == id).map(|(_, h)| h);
        let by_layer = self.layer_hooks(id);
        for hook in direct.chain(by_layer) {
            let context = context(tape, nodes, id, None);
            report(fire(hook.as_ref(), grad, context)?);
        }
        Ok(())
    }

    /// Runs the edge hooks of input `slot` of `id` on the contribution along that edge.
    pub(crate) fn on_edge(
        &self,
        tape: &Tape<T>,
        nodes: NodeSpan<'_, T>,
        id: NodeId,
        slot: usize,
        contribution: &mut Tensor<T>,
        report: &mut impl FnMut(HookFiring),
    ) -> Result<()> {
        for (_, _, hook) in self.edge.iter().filter(|(n, s, _)| *n == id && *s == slot) {
            let input = nodes.node(id.0).input(slot).node;
            let context = context(tape, nodes, id, Some((slot, input)));
            report(fire(hook.as_ref(), contribution, context)?);
        }
        Ok(())
    }

    /// The layer hooks that fire at node `id` (an output of their layers).
    fn layer_hooks(&self, id: NodeId) -> impl Iterator<Item = &Rc<dyn GradHook<T>>> {
        let start = self.layer.partition_point(|(n, _)| n.0 < id.0);
        self.layer[start..]
            .iter()
            .take_while(move |(n, _)| *n == id)
            .map(|(_, h)| h)
    }
}

fn context<T: Float>(
    tape: &Tape<T>,
    nodes: NodeSpan<'_, T>,
    id: NodeId,
    edge: Option<(usize, NodeId)>,
) -> HookContext {
    HookContext {
        node: id,
        edge,
        op: nodes.node(id.0).op_label(),
        layer: tape.layer_name(nodes.node(id.0).layer()),
    }
}
