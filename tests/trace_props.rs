//! Invariants of the tracer on random graphs: paths sum to the gradient, tracing never changes
//! a gradient, the events end at the gradients, a chain's ledger telescopes, and the tables
//! (stored in sweep order) read in tape order and back from JSON unchanged.

use chaintrace::trace::{Summary, TraceOptions};
use chaintrace::{Gradients, NodeId, Tape, Trace, Var};
use proptest::prelude::*;

/// One op of a random scalar graph: a kind and two picks among the earlier nodes.
type Step = (u8, usize, usize);

fn build<'t>(tape: &'t Tape<f64>, leaves: &[f64], steps: &[Step]) -> Var<'t, f64> {
    let mut vars: Vec<Var<'t, f64>> = leaves
        .iter()
        .enumerate()
        .map(|(i, &v)| tape.var(&format!("x{i}"), v))
        .collect();
    for &(kind, a, b) in steps {
        let (a, b) = (vars[a % vars.len()], vars[b % vars.len()]);
        let next = match kind % 6 {
            0 => a + b,
            1 => a - b,
            2 => a * b,
            3 => a.tanh(),
            4 => a.sigmoid() * b,
            _ => a * 0.5 + b.square(),
        };
        vars.push(next);
    }
    *vars.last().unwrap()
}

fn graph() -> impl Strategy<Value = (Vec<f64>, Vec<Step>)> {
    (
        prop::collection::vec(-1.5f64..1.5, 1..4),
        prop::collection::vec((0u8..6, 0usize..64, 0usize..64), 1..12),
    )
}

/// Σ over all paths from `leaf` to the output of the product of local derivatives, by
/// explicit enumeration (a stack, no recursion): independent of the k-best program.
fn enumerate_paths(trace: &Trace, leaf: NodeId) -> (u128, f64) {
    let mut stack = vec![(trace.output(), 1.0)];
    let (mut count, mut sum) = (0u128, 0.0);
    while let Some((node, product)) = stack.pop() {
        if node == leaf {
            count += 1;
            sum += product;
            continue;
        }
        for edge in trace.edges().iter().filter(|e| e.to() == node) {
            stack.push((edge.from(), product * edge.local().unwrap()));
        }
    }
    (count, sum)
}

fn same_gradients(a: &Gradients<f64>, b: &Gradients<f64>) -> bool {
    let a: Vec<_> = a.iter().map(|(id, g)| (id, g.to_vec())).collect();
    let b: Vec<_> = b.iter().map(|(id, g)| (id, g.to_vec())).collect();
    a == b
}

fn tolerance(x: f64) -> f64 {
    1e-9 * (1.0 + x.abs())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// ∂y/∂x is the sum over paths of products of local derivatives: the listed paths (all of
    /// them, when k is large), the program's total, the enumeration and backward() agree.
    #[test]
    fn paths_sum_to_the_gradient((leaves, steps) in graph()) {
        let tape = Tape::new();
        let y = build(&tape, &leaves, &steps);
        let grads = y.backward();
        let (_, trace) = y.backward_traced(TraceOptions::default());
        for i in 0..leaves.len() {
            let leaf = tape.nodes().node(i).id();
            let Some(g) = grads.get(leaf).map(|g| g.item().unwrap()) else { continue };
            let paths = trace.paths(leaf, y, usize::MAX);
            let (count, sum) = enumerate_paths(&trace, leaf);
            prop_assert_eq!(paths.count(), count);
            prop_assert_eq!(paths.len() as u128, count);
            prop_assert!((paths.listed_sum() - g).abs() <= tolerance(g));
            prop_assert!((paths.gradient() - g).abs() <= tolerance(g));
            prop_assert!((sum - g).abs() <= tolerance(g));
            let top = trace.paths(leaf, y, 2);
            for (p, q) in top.iter().zip(paths.iter()) {
                prop_assert_eq!(p.contribution().abs(), q.contribution().abs());
            }
        }
    }

    /// Tracing never changes a gradient, in any mode; and each node's last event leaves
    /// exactly its gradient.
    #[test]
    fn tracing_changes_nothing_and_events_end_at_the_gradients((leaves, steps) in graph()) {
        let tape = Tape::new();
        let y = build(&tape, &leaves, &steps);
        let plain = y.backward();
        let (full, trace) = y.backward_traced(TraceOptions::default());
        let (cheap, _) = y.backward_traced(TraceOptions::ledger_only());
        prop_assert!(same_gradients(&plain, &full));
        prop_assert!(same_gradients(&plain, &cheap));
        for (id, g) in plain.iter().filter(|(id, _)| *id != y.id()) {
            let last = trace.events().iter().rev().find(|e| e.from() == id).unwrap();
            prop_assert_eq!(&*last.accumulated(), &Summary::Scalar(g.item().unwrap()));
            prop_assert_eq!(trace.node(id).unwrap().grad(), Some(last.accumulated()));
        }
    }

    /// For a chain of layers yₖ = wₖ·yₖ₋₁ the running product telescopes: it equals
    /// ‖∂L/∂(last input)‖ / ‖∂L/∂(first output)‖, and also ∏|wₖ|.
    #[test]
    fn chain_running_product_is_the_ratio_of_end_norms(
        weights in prop::collection::vec(prop_oneof![-3.0f64..-0.2, 0.2f64..3.0], 1..20),
    ) {
        let tape = Tape::new();
        let mut y = tape.var("x", 0.7);
        for (k, &w) in weights.iter().enumerate() {
            y = tape.layer(&format!("layer{k}"), || tape.var(&format!("w{k}"), w) * y);
        }
        let (_, trace) = y.backward_traced(TraceOptions::ledger_only());
        let rows = trace.ledger();
        prop_assert_eq!(rows.len(), weights.len());
        let (first, last) = (&rows[0], &rows[rows.len() - 1]);
        let ratio = last.input_norm.unwrap() / first.output_norm;
        prop_assert!((last.running - ratio).abs() <= 1e-12 * ratio);
        let product: f64 = weights.iter().map(|w| w.abs()).product();
        prop_assert!((last.running - product).abs() <= 1e-12 * product);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The trace stores its tables in sweep order and numbers them in tape order: every edge
    /// keeps its tape-order index, each node's inputs are its edges in slot order, and a trace
    /// read back from JSON equals the one written, whichever parts were recorded.
    #[test]
    fn tables_keep_tape_order_and_read_back_as_written((leaves, steps) in graph()) {
        let tape = Tape::new();
        let y = build(&tape, &leaves, &steps);
        let modes = [
            TraceOptions::default(),
            TraceOptions::ledger_only().with_events(true),
            TraceOptions::ledger_only().with_paths(true),
        ];
        for opts in modes {
            let (_, trace) = y.backward_traced(opts);
            let mut next = 0;
            for node in trace.nodes() {
                for (slot, edge) in node.inputs().enumerate() {
                    prop_assert_eq!(edge.index(), next);
                    prop_assert_eq!((edge.to(), edge.slot()), (node.id(), slot));
                    let same = trace.edges().get(next).unwrap();
                    prop_assert_eq!((same.from(), same.to(), same.slot()), (edge.from(), edge.to(), slot));
                    next += 1;
                }
            }
            prop_assert_eq!(next, trace.edges().len());
            for event in trace.events() {
                let op_node = trace.node(event.to()).unwrap();
                prop_assert_eq!(Some(event.upstream()), op_node.grad());
                prop_assert_eq!(event.edge().flow(), Some(event.contribution().norm()));
            }
            #[cfg(feature = "serde")]
            prop_assert_eq!(&Trace::from_json(&trace.to_json()).unwrap(), &trace);
        }
    }
}
