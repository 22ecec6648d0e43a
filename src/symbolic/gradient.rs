//! Closed forms from a tape: the forward expression of every node, and the gradient of one
//! node with respect to another by a symbolic reverse sweep.

use super::Expr;
use crate::error::{Error, Result};
use crate::tape::{Input, NodeId, NodeKind, NodeSpan, Tape, Var};
use crate::tensor::Float;

/// The largest tape a closed form is built for.
pub const MAX_SYMBOLIC_NODES: usize = 5_000;

/// The largest expression, in nodes, that [`forward_expressions`] and [`gradient`] build.
///
/// Expressions are trees: a node used twice is written out twice, so a graph that reuses its
/// values (a residual stack, `h = h + f(h)` repeated) has closed forms that double in size with
/// each use. Past this size a formula helps no reader, and building it would take the time and
/// memory of its full size.
pub const MAX_EXPR_NODES: usize = 100_000;

/// The most nodes all the forward expressions of one call hold together (about 200 MB).
///
/// Each node's expression is a separate tree, so a chain of `n` ops holds about `n²/2` nodes:
/// a chain of 2,000 `tanh` holds 2 million.
pub const MAX_TOTAL_NODES: usize = 2_500_000;

/// The deepest expression, in levels of nesting, that [`forward_expressions`] and
/// [`gradient`] build: past it a formula helps no reader. (Nothing that walks an [`Expr`]
/// recurses, so this is not a limit of the stack.)
pub const MAX_EXPR_DEPTH: usize = 5_000;

/// The forward expression of every node up to `last`, in the leaves' names: leaves and named
/// constants become symbols (unnamed ones `v3`, `c3` after their node id), scalar constants
/// numbers, ops their [`Op::symbolic`] form.
///
/// [`Op::symbolic`]: crate::ops::Op::symbolic
///
/// # Errors
/// [`Error::Invalid`] when `last` is not on the tape, when the tape holds more than
/// [`MAX_SYMBOLIC_NODES`] nodes up to `last` (closed forms are for graphs a reader can follow),
/// or when an expression would exceed [`MAX_EXPR_NODES`] nodes or [`MAX_EXPR_DEPTH`] levels,
/// or all of them together [`MAX_TOTAL_NODES`] nodes.
pub fn forward_expressions<T: Float>(tape: &Tape<T>, last: NodeId) -> Result<Vec<Expr>> {
    check_node(tape, last)?;
    if last.0 >= MAX_SYMBOLIC_NODES {
        return Err(Error::invalid(
            "symbolic",
            format!(
                "{} nodes is more than the {MAX_SYMBOLIC_NODES} a closed form is built for",
                last.0 + 1
            ),
        ));
    }
    let nodes = tape.nodes();
    let mut exprs: Vec<Expr> = Vec::with_capacity(last.0 + 1);
    let mut total = 0;
    for (i, node) in nodes.up_to(last).iter().enumerate() {
        let expr = match (&node.kind(), &node.name()) {
            (NodeKind::Op(op), _) => {
                let expr = with_inputs(&mut exprs, &node.inputs().collect::<Vec<_>>(), |args| {
                    op.symbolic(args)
                });
                total += check_size(&expr, "forward expression", i)?;
                if total > MAX_TOTAL_NODES {
                    return Err(Error::invalid(
                        "symbolic",
                        format!(
                            "the forward expressions up to node {i} hold {total} nodes together, \
                             more than {MAX_TOTAL_NODES}: too large a closed form to build"
                        ),
                    ));
                }
                expr
            }
            (_, Some(name)) => Expr::sym(*name),
            (NodeKind::Constant, None) => match node.value().item() {
                Some(c) if node.value().ndim() == 0 => Expr::constant(c.as_f64()),
                _ => Expr::sym(format!("c{i}")),
            },
            (NodeKind::Leaf, None) => Expr::sym(format!("v{i}")),
        };
        exprs.push(expr);
    }
    Ok(exprs)
}

/// The closed-form gradient `∂output/∂wrt` as an expression of the leaves, simplified: a
/// reverse sweep that applies each op's [`Op::vjp_symbolic`] instead of its numeric rule, and
/// adds the contributions of every path (fan-out) as the numeric sweep does.
///
/// Both vars are of one tape, which is read from them. A node `output` does not depend on (a
/// constant, or one recorded after it) has gradient 0.
///
/// [`Op::vjp_symbolic`]: crate::ops::Op::vjp_symbolic
///
/// # Example
/// ```
/// use chaintrace::{symbolic, Tape};
/// # fn main() -> chaintrace::Result<()> {
/// let tape = Tape::<f64>::new();
/// let w = tape.var("w", 1.5);
/// let x = tape.var("x", 2.0);
/// let y = (w * x).tanh();
/// let dy_dx = symbolic::gradient(y, x)?;
/// assert_eq!(dy_dx.to_string(), "w·(1 − tanh(w·x)²)");
/// assert_eq!(dy_dx.to_latex(), r"w (1 - \tanh(w x)^{2})");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::ForeignVar`] (op `symbolic::gradient`) when `output` and `wrt` are vars of two
/// different tapes; otherwise as [`forward_expressions`].
pub fn gradient<T: Float>(output: Var<'_, T>, wrt: Var<'_, T>) -> Result<Expr> {
    if !output.tape().owns(wrt) {
        return Err(Error::ForeignVar {
            op: "symbolic::gradient",
        });
    }
    gradient_at(output.tape(), output.id(), wrt.id())
}

/// [`gradient`] between two nodes of `tape` given by id (the tracer's form: a trace keeps its
/// output's id).
///
/// # Errors
/// As [`forward_expressions`]; also when `wrt` is not on the tape.
pub(crate) fn gradient_at<T: Float>(tape: &Tape<T>, output: NodeId, wrt: NodeId) -> Result<Expr> {
    check_node(tape, wrt)?;
    let mut exprs = forward_expressions(tape, output)?;
    if wrt.0 > output.0 {
        return Ok(Expr::zero());
    }
    let nodes = tape.nodes();
    let on_path = depends_on(nodes.up_to(output), wrt);
    let mut grads: Vec<Option<Expr>> = vec![None; output.0 + 1];
    grads[output.0] = Some(Expr::one());
    for i in (wrt.0 + 1..=output.0).rev() {
        // Taken, so each gradient is freed once it has been passed on.
        let (Some(grad), NodeKind::Op(op)) = (grads[i].take(), nodes.node(i).kind()) else {
            continue;
        };
        let inputs: Vec<Input> = nodes.node(i).inputs().collect();
        let terms: Vec<(usize, Expr)> = with_inputs(&mut exprs, &inputs, |args| {
            inputs
                .iter()
                .enumerate()
                .filter(|(_, input)| {
                    on_path[input.node.0] && nodes.node(input.node.0).requires_grad()
                })
                .map(|(slot, input)| (input.node.0, op.vjp_symbolic(slot, args, &grad)))
                .collect()
        });
        for (input, term) in terms {
            let sum = match grads[input].take() {
                Some(acc) => acc + term,
                None => term,
            };
            check_size(&sum, "gradient", input)?;
            grads[input] = Some(sum);
        }
    }
    Ok(grads[wrt.0].take().unwrap_or_else(Expr::zero))
}

/// Calls `f` with the expressions of `inputs`, lent from `exprs` (moved out and back, so only
/// an input used twice is copied).
fn with_inputs<R>(exprs: &mut [Expr], inputs: &[Input], f: impl FnOnce(&[Expr]) -> R) -> R {
    let mut args: Vec<Expr> = Vec::with_capacity(inputs.len());
    for (slot, input) in inputs.iter().enumerate() {
        let earlier = inputs[..slot].iter().position(|x| x.node == input.node);
        args.push(match earlier {
            Some(first) => args[first].clone(),
            None => std::mem::replace(&mut exprs[input.node.0], Expr::zero()),
        });
    }
    let result = f(&args);
    for (slot, (input, arg)) in inputs.iter().zip(args).enumerate() {
        if !inputs[..slot].iter().any(|x| x.node == input.node) {
            exprs[input.node.0] = arg;
        }
    }
    result
}

/// Which nodes depend on `wrt` (are `wrt` or have an input that does): the only ones whose
/// gradients lead to `∂output/∂wrt`. One loop in creation (topological) order.
fn depends_on<T: Float>(nodes: NodeSpan<'_, T>, wrt: NodeId) -> Vec<bool> {
    let mut depends = vec![false; nodes.len()];
    for (i, node) in nodes.iter().enumerate().skip(wrt.0) {
        depends[i] = i == wrt.0 || node.inputs().any(|x| depends[x.node.0]);
    }
    depends
}

fn check_node<T: Float>(tape: &Tape<T>, node: NodeId) -> Result<()> {
    if node.0 < tape.len() {
        Ok(())
    } else {
        Err(Error::invalid(
            "symbolic",
            format!(
                "node {} is not on this tape (it holds {} nodes)",
                node.0,
                tape.len()
            ),
        ))
    }
}

/// Refuses an expression past [`MAX_EXPR_NODES`] or [`MAX_EXPR_DEPTH`]; returns its nodes.
fn check_size(e: &Expr, what: &str, node: usize) -> Result<usize> {
    let size = super::tree::size(e);
    let excess = if size.nodes > MAX_EXPR_NODES {
        format!("{} nodes, more than {MAX_EXPR_NODES}", size.nodes)
    } else if size.depth > MAX_EXPR_DEPTH {
        format!(
            "{} levels of nesting, more than {MAX_EXPR_DEPTH}",
            size.depth
        )
    } else {
        return Ok(size.nodes);
    };
    Err(Error::invalid(
        "symbolic",
        format!("the {what} of node {node} has {excess}: too large a closed form to build"),
    ))
}
