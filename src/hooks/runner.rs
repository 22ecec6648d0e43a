//! Running the attached hooks inside the reverse sweep.

use std::rc::Rc;

use super::{GradHook, HookContext, HookFiring, HookTarget, fire};
use crate::error::Result;
use crate::tape::{LayerId, NodeId, NodeSpan, Tape};
use crate::tensor::{Float, Tensor};

/// The hooks of one sweep, resolved once at its start (so attaching during a sweep is not
/// possible and the lookup per node is a short scan).
pub(crate) struct HookRunner<T: Float> {
    /// Hooks attached to single nodes, in attachment order.
    node: Vec<(NodeId, Rc<dyn GradHook<T>>)>,
    /// For each layer id, the layer hooks that match it (its own and its ancestors').
    layer: Vec<Vec<Rc<dyn GradHook<T>>>>,
    /// Hooks attached to edges `(op node, slot)`.
    edge: Vec<(NodeId, usize, Rc<dyn GradHook<T>>)>,
}

impl<T: Float> HookRunner<T> {
    /// The runner for `tape`'s hooks, or `None` when none are attached (the common case costs
    /// one check per node).
    pub(crate) fn new(tape: &Tape<T>) -> Option<Self> {
        let table = tape.hooks_table();
        if table.entries.is_empty() {
            return None;
        }
        let layer_names = tape.layer_names();
        let mut runner = HookRunner {
            node: Vec::new(),
            layer: vec![Vec::new(); layer_names.len()],
            edge: Vec::new(),
        };
        for (target, hook) in &table.entries {
            match target {
                HookTarget::Node(id) => runner.node.push((*id, Rc::clone(hook))),
                HookTarget::Edge(id, slot) => runner.edge.push((*id, *slot, Rc::clone(hook))),
                HookTarget::Layer(name) => {
                    for (i, path) in layer_names.iter().enumerate() {
                        if in_layer(path, name) {
                            runner.layer[i].push(Rc::clone(hook));
                        }
                    }
                }
            }
        }
        Some(runner)
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
        let layer = nodes.node(id.0).layer();
        let direct = self.node.iter().filter(|(n, _)| *n == id).map(|(_, h)| h);
        let by_layer = self.layer_hooks(layer);
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

    fn layer_hooks(&self, layer: LayerId) -> impl Iterator<Item = &Rc<dyn GradHook<T>>> {
        self.layer.get(layer.0 as usize).into_iter().flatten()
    }
}

/// True when layer `path` is `name` or nested inside it (`block3/linear` is in `block3`).
fn in_layer(path: &str, name: &str) -> bool {
    path == name
        || path
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('/'))
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
