//! A scalar edge's local derivative `∂node/∂input` as a number, for the graph's edge rows,
//! the paths and the anomaly report.

use smallvec::SmallVec;

use crate::ops::Op;
use crate::tape::{Node, NodeSpan};
use crate::tensor::{Float, Tensor};

/// `∂node/∂input[slot]` as a number when the input and the node are scalars: the op's scalar
/// rule on the recorded values, as the sweep works it out (equal to its tensor rule bit for
/// bit), else the op's tensor rule with upstream gradient 1.
pub(crate) fn scalar_local_derivative<T: Float>(
    nodes: NodeSpan<'_, T>,
    i: usize,
    slot: usize,
) -> Option<f64> {
    let node = nodes.node(i);
    match node.scalar_derivatives() {
        Some(local) => Some(local[slot].as_f64()),
        None => tensor_local_derivative(nodes, node, node.op()?, slot),
    }
}

/// [`scalar_local_derivative`] by the op's tensor rule: `None` unless the input and the node
/// are scalars.
#[inline(never)]
pub(super) fn tensor_local_derivative<T: Float>(
    nodes: NodeSpan<'_, T>,
    node: Node<'_, T>,
    op: &dyn Op<T>,
    slot: usize,
) -> Option<f64> {
    let source = nodes.node(node.input(slot).node.0).value();
    if node.value().ndim() != 0 || source.ndim() != 0 {
        return None;
    }
    let inputs: SmallVec<[&Tensor<T>; 2]> = node
        .inputs()
        .map(|x| nodes.node(x.node.0).value())
        .collect();
    let one = Tensor::scalar(T::one());
    op.vjp(slot, &inputs, node.value(), &one)
        .item()
        .map(Float::as_f64)
}
