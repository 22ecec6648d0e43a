//! [`grad`]: the reverse sweep recorded on the tape, so gradients are vars that can be used in
//! further computation and differentiated again (PyTorch's `create_graph=True`, JAX's
//! `grad(grad(f))`).
//!
//! The same loop as [`Var::backward`]: from the output back over the tape, each node's gradient
//! complete when reached, its op's VJP sending a contribution along every input edge. Here the
//! gradients are vars, each VJP runs on vars ([`Op::vjp_graph`], the op's one rule), undoing a
//! broadcast is a `sum_to` node and fan-out sums are `add` nodes. The nodes of a layer's
//! backward pass are recorded under the layer `grad/<layer>`, so a trace groups them.

use std::rc::Rc;

use super::hook_effect::HookEffect;
use super::node::flags;
use super::{NodeId, Tape, Var};
use crate::error::{Error, Result};
use crate::hooks::HookRunner;
use crate::ops::{Op, SumTo};
use crate::tensor::{Float, Tensor};

/// The gradients of the scalar `y` with respect to each of `xs`, recorded on the tape as vars:
/// use them in further computation, or differentiate them again, to any order.
///
/// A var `y` does not depend on gets a zero gradient (a constant of its shape). Hooks attached
/// to the tape act as in [`Var::backward`]; a hook that changes a gradient is recorded as a
/// node `hook(name)` whose value is the changed gradient and whose own derivative is the
/// factor the hook applied, taken as a constant (for [`ClipNorm`](crate::hooks::ClipNorm), the
/// clipped gradient's derivative is the unclipped one times the same factor, as when PyTorch
/// clips under `no_grad`). So the second order sees the gradient the hook let through.
///
/// # Errors
/// [`Error::ForeignVar`] when `y` or one of `xs` is of another tape; [`Error::Shape`] when `y`
/// is not a scalar (one element); [`Error::Invalid`] for an op without a recorded VJP
/// ([`Op::vjp_graph`]) on the way, or a failing hook.
///
/// # Example: the first three derivatives of `x⁴` at `x = 2`
/// ```
/// use chaintrace::{grad, Tape};
/// # fn main() -> chaintrace::Result<()> {
/// let tape = Tape::<f64>::new();
/// let x = tape.var("x", 2.0);
/// let y = x.powf(4.0);
/// let d1 = grad(y, &[x])?[0]; // 4x³
/// let d2 = grad(d1, &[x])?[0]; // 12x²
/// let d3 = grad(d2, &[x])?[0]; // 24x
/// assert_eq!((d1.item()?, d2.item()?, d3.item()?), (32.0, 48.0, 48.0));
/// # Ok(())
/// # }
/// ```
pub fn grad<'t, T: Float>(y: Var<'t, T>, xs: &[Var<'t, T>]) -> Result<Vec<Var<'t, T>>> {
    let tape = y.tape();
    if !xs.iter().all(|&x| tape.owns(x)) || !tape.owns(y) {
        return Err(Error::ForeignVar { op: "grad" });
    }
    let shape = y.shape();
    if shape.as_slice().iter().product::<usize>() != 1 {
        let why = "the output must be a scalar (one element); sum it first";
        return Err(Error::shape("grad", shape.as_slice(), &[], why));
    }
    let wanted = reaching(tape, y.id(), xs);
    let mut grads: Vec<Option<Var<'t, T>>> = vec![None; y.id().0 + 1];
    grads[y.id().0] = Some(tape.constant(Tensor::ones(shape.as_slice())));
    let hooks = HookRunner::new(tape, tape.nodes().up_to(y.id()), y.id())?;
    for i in (0..=y.id().0).rev() {
        let Some(g) = grads[i] else { continue };
        let layer = format!("grad/{}", tape.layer_name(tape.nodes().node(i).layer()));
        let layer = layer.trim_end_matches('/').to_string();
        tape.in_layer_path(&layer, || {
            let g = match &hooks {
                Some(h) => on_node(tape, h, i, g)?,
                None => g,
            };
            grads[i] = Some(g);
            step(tape, hooks.as_ref(), i, g, &wanted, &mut grads)
        })?;
    }
    Ok(xs
        .iter()
        .map(|x| match grads.get(x.id().0).copied().flatten() {
            Some(g) => g,
            None => tape.constant(Tensor::zeros(x.shape().as_slice())),
        })
        .collect())
}

/// Node `i`'s gradient `g` is complete: record its op's VJP along each input edge that leads
/// back to a wanted var, and add it into that input's gradient.
fn step<'t, T: Float>(
    tape: &'t Tape<T>,
    hooks: Option<&HookRunner<T>>,
    i: usize,
    g: Var<'t, T>,
    wanted: &[bool],
    grads: &mut [Option<Var<'t, T>>],
) -> Result<()> {
    let (op, inputs): (Rc<dyn Op<T>>, Vec<usize>) = {
        let nodes = tape.nodes();
        let Some(op) = nodes.shared_op(i) else {
            return Ok(()); // a leaf or a constant
        };
        let ids = nodes.input_ids(i).iter().map(|&j| j as usize).collect();
        (op, ids)
    };
    let vars: Vec<Var<'t, T>> = inputs.iter().map(|&j| Var::new(tape, NodeId(j))).collect();
    let output = Var::new(tape, NodeId(i));
    for (slot, &input) in inputs.iter().enumerate() {
        if !wanted[input] {
            continue;
        }
        let mut contribution = op.vjp_graph(slot, &vars, output, g)?;
        let input_shape = vars[slot].shape();
        if contribution.shape() != input_shape {
            let to = SumTo(input_shape.as_slice().to_vec());
            contribution = tape.try_apply(to, &[contribution])?;
        }
        if let Some(h) = hooks {
            contribution = on_edge(tape, h, i, slot, contribution)?;
        }
        grads[input] = Some(match grads[input] {
            Some(sum) => sum + contribution,
            None => contribution,
        });
    }
    Ok(())
}

/// Which nodes up to `y` carry a gradient and depend on one of `xs`: only their edges need a
/// recorded VJP (one forward pass over the rows).
fn reaching<T: Float>(tape: &Tape<T>, y: NodeId, xs: &[Var<'_, T>]) -> Vec<bool> {
    let nodes = tape.nodes();
    let mut wanted = vec![false; y.0 + 1];
    for x in xs {
        if let Some(w) = wanted.get_mut(x.id().0) {
            *w = nodes.rows[x.id().0].has(flags::REQUIRES_GRAD);
        }
    }
    for i in 0..=y.0 {
        let row = &nodes.rows[i];
        if !wanted[i] && row.has(flags::OP) && row.has(flags::REQUIRES_GRAD) {
            wanted[i] = nodes.input_ids(i).iter().any(|&j| wanted[j as usize]);
        }
    }
    wanted
}

/// Runs the node and layer hooks of node `i` on the value of its gradient `g`; a change is
/// recorded as a [`HookEffect`] node.
fn on_node<'t, T: Float>(
    tape: &'t Tape<T>,
    hooks: &HookRunner<T>,
    i: usize,
    g: Var<'t, T>,
) -> Result<Var<'t, T>> {
    let before = g.value();
    let mut after = before.clone();
    let mut fired = Vec::new();
    hooks.on_node(tape, tape.nodes().span(), NodeId(i), &mut after, &mut |f| {
        fired.push(f.hook)
    })?;
    HookEffect::record(g, &before, after, &fired)
}

/// Runs the edge hooks of input `slot` of node `i` on a contribution.
fn on_edge<'t, T: Float>(
    tape: &'t Tape<T>,
    hooks: &HookRunner<T>,
    i: usize,
    slot: usize,
    c: Var<'t, T>,
) -> Result<Var<'t, T>> {
    let before = c.value();
    let mut after = before.clone();
    let mut fired = Vec::new();
    hooks.on_edge(
        tape,
        tape.nodes().span(),
        NodeId(i),
        slot,
        &mut after,
        &mut |f| fired.push(f.hook),
    )?;
    HookEffect::record(c, &before, after, &fired)
}
