//! The formulas pass: each op node's forward formula and each edge's local derivative
//! formula, written after the sweep in the names of the nodes' symbols.

use smallvec::SmallVec;

use crate::symbolic::Expr;
use crate::tape::{Input, NodeSpan};
use crate::tensor::Float;
use crate::trace::limits::fit_text;
use crate::trace::names::symbol;
use crate::trace::record::Graph;

/// Writes each op node's forward formula and each edge's local derivative formula, in the
/// names of the nodes' symbols (`w·x`, `tanh(u₄)`; `x`, `1 − tanh(u₄)²`), in tape order.
pub(super) fn write_formulas<T: Float>(nodes: NodeSpan<'_, T>, graph: &mut Graph) {
    let mut symbols: Vec<Expr> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| symbol(i, n))
        .collect();
    graph.node_formulas.reserve(nodes.len());
    graph.edge_formulas.reserve(graph.edges.len());
    for node in nodes.iter() {
        let Some(op) = node.op() else {
            graph.node_formulas.push(None);
            continue;
        };
        let inputs: SmallVec<[Input; 2]> = node.inputs().collect();
        let args = lend_args(&mut symbols, &inputs);
        for slot in 0..inputs.len() {
            let formula = fit_text(op.local_derivative(slot, &args).to_text());
            graph.edge_formulas.push(Some(formula));
        }
        graph
            .node_formulas
            .push(Some(fit_text(op.symbolic(&args).to_text())));
        return_args(&mut symbols, &inputs, args);
    }
}

/// The inputs' symbols, moved out of `symbols` rather than cloned; an input used twice is
/// cloned for its second slot.
fn lend_args(symbols: &mut [Expr], inputs: &[Input]) -> SmallVec<[Expr; 2]> {
    let mut args: SmallVec<[Expr; 2]> = SmallVec::new();
    for (k, input) in inputs.iter().enumerate() {
        let earlier = inputs[..k].iter().position(|x| x.node == input.node);
        args.push(match earlier {
            Some(j) => args[j].clone(),
            None => std::mem::replace(&mut symbols[input.node.0], Expr::zero()),
        });
    }
    args
}

/// Puts the symbols [`lend_args`] moved out back in place.
fn return_args(symbols: &mut [Expr], inputs: &[Input], args: SmallVec<[Expr; 2]>) {
    for (k, arg) in args.into_iter().enumerate() {
        let node = inputs[k].node;
        if !inputs[..k].iter().any(|x| x.node == node) {
            symbols[node.0] = arg;
        }
    }
}
