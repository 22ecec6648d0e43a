//! Runs the sweep with the recorder attached and assembles the [`Trace`].

use super::anomaly::{Anomalies, BackwardWatch, Namer, first_non_finite_value};
use super::event::EventLog;
use super::ledger::{LedgerInput, ledger};
use super::lengths::{Splitter, has_layers};
use super::record::{Tables, tables};
use super::summary::Summary;
use super::{SCHEMA, Trace, TraceOptions};
use crate::error::Result;
use crate::hooks::HookFiring;
use crate::tape::{Gradients, NodeId, SweepObserver, Tape, sweep};
use crate::tensor::{Float, Tensor};

/// What the sweep feeds: each part is `None` when its option is off, so ledger-only tracing
/// adds nothing inside the loop.
struct Recorder<'a, T: Float> {
    tables: Option<Tables>,
    log: Option<EventLog>,
    splitter: Option<Splitter<T>>,
    watch: Option<BackwardWatch>,
    namer: Namer<'a>,
    /// Hook firings are always kept: they are rare, and a changed gradient must never go
    /// unexplained.
    hooks: Vec<HookFiring>,
}

// Inlined into the sweep, so that the parts that are off cost one test each: ledger-only
// tracing then runs the untraced loop.
impl<T: Float> SweepObserver<T> for Recorder<'_, T> {
    /// Ledger-only tracing watches nothing inside the sweep: the ledger is built afterwards
    /// from the gradients, so the sweep runs as fast as an untraced one.
    fn watches_steps(&self) -> bool {
        self.log.is_some() || self.splitter.is_some() || self.watch.is_some()
    }

    #[inline]
    fn node_complete(&mut self, tape: &Tape<T>, node: NodeId, grad: &Tensor<T>) {
        if let Some(log) = &mut self.log {
            log.node_complete(grad);
        }
        if let Some(splitter) = &mut self.splitter {
            splitter.node_complete(tape.nodes().span(), node.0);
        }
        if let Some(watch) = &mut self.watch {
            watch.node_complete(grad);
        }
    }

    #[inline]
    fn edge(
        &mut self,
        tape: &Tape<T>,
        node: NodeId,
        slot: usize,
        upstream: &Tensor<T>,
        contribution: &Tensor<T>,
    ) {
        if let (Some(log), Some(tables)) = (&mut self.log, &mut self.tables) {
            log.edge(tables, node, slot, contribution);
        }
        if let Some(watch) = &mut self.watch {
            let nodes = tape.nodes();
            watch.edge(
                nodes.span(),
                &self.namer,
                (node.0, slot),
                upstream,
                contribution,
            );
        }
    }

    fn hook_fired(&mut self, firing: HookFiring) {
        self.hooks.push(firing);
    }

    #[inline]
    fn accumulated(&mut self, _tape: &Tape<T>, _node: NodeId, _slot: usize, acc: &Tensor<T>) {
        if let Some(log) = &mut self.log {
            log.accumulated(acc);
        }
    }
}

/// The traced backward pass of `output` on `tape`.
pub(crate) fn run<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    options: TraceOptions,
) -> Result<(Gradients<T>, Trace)> {
    let layers = tape.layer_names();
    let namer = Namer {
        layers: &layers,
        full_values: options.full_values,
    };
    let mut recorder = prepare(tape, output, &options, namer);
    let forward = options.anomalies.then(|| {
        let nodes = tape.nodes();
        first_non_finite_value(nodes.up_to(output), &recorder.namer)
    });
    let grads = sweep(tape, output, &mut recorder)?;
    let nodes = tape.nodes();
    let nodes = nodes.up_to(output);
    let ledger = ledger(&LedgerInput {
        nodes,
        grads: &grads,
        layers: &layers,
        exploding: options.exploding,
        vanishing: options.vanishing,
    });
    let Recorder {
        tables,
        log,
        splitter,
        watch,
        hooks,
        ..
    } = recorder;
    let (mut node_records, edges) = tables.map_or_else(Default::default, |t| (t.nodes, t.edges));
    for record in &mut node_records {
        record.grad = grads
            .get(record.id)
            .map(|g| Summary::of(g, options.full_values));
    }
    let trace = Trace {
        schema: SCHEMA.to_string(),
        element: T::NAME.to_string(),
        output,
        value: Summary::of(nodes.node(output.0).value(), options.full_values),
        layers: layers.clone(),
        nodes: node_records,
        edges,
        events: log.map(EventLog::into_events).unwrap_or_default(),
        ledger,
        path_lengths: splitter.map(|s| s.leaf_splits(nodes)).unwrap_or_default(),
        anomalies: forward.map(|forward| Anomalies {
            forward,
            backward: watch.and_then(|w| w.found),
        }),
        hooks,
        options,
    };
    Ok((grads, trace))
}

/// The recorder's parts for these options, with the graph tables built before the sweep.
fn prepare<'a, T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    options: &TraceOptions,
    namer: Namer<'a>,
) -> Recorder<'a, T> {
    let nodes = tape.nodes();
    let nodes = nodes.up_to(output);
    let tables = options
        .records_graph()
        .then(|| tables(nodes, options.full_values, options.formulas));
    let log = tables
        .as_ref()
        .map(|t| EventLog::new(t.edges.len(), options.full_values, options.events));
    Recorder {
        tables,
        log,
        splitter: (options.paths && has_layers(nodes)).then(|| Splitter::new(nodes, output)),
        watch: options.anomalies.then(BackwardWatch::default),
        namer,
        hooks: Vec::new(),
    }
}
