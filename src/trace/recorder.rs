//! Runs the sweep with the recorder attached and assembles the [`Trace`].

use super::anomaly::{Anomalies, BackwardWatch, Namer, first_non_finite_value};
use super::event::{EventLog, EventRow};
use super::ledger::{LedgerInput, ledger};
use super::lengths::{Splitter, has_layers};
use super::record::{Graph, graph};
use super::summary::Summary;
use super::{Trace, TraceOptions};
use crate::error::Result;
use crate::hooks::HookFiring;
use crate::tape::{Gradients, NodeId, ScalarStep, SweepObserver, Tape, sweep};
use crate::tensor::{Float, Tensor};

/// What the sweep feeds: each part is `None` when its option is off, so ledger-only tracing
/// adds nothing inside the loop.
struct Recorder<'a, T: Float> {
    graph: Option<Graph>,
    /// Events and edge flows; fed only when the graph is recorded.
    log: EventLog,
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
        self.graph.is_some() || self.splitter.is_some() || self.watch.is_some()
    }

    #[inline]
    fn node_complete(&mut self, tape: &Tape<T>, node: NodeId, grad: &Tensor<T>) {
        self.others_node_complete(tape, node, grad);
    }

    #[inline]
    fn scalar_node_complete(&mut self, tape: &Tape<T>, node: NodeId, grad: T) {
        if self.splitter.is_some() || self.watch.is_some() {
            self.others_node_complete(tape, node, &Tensor::scalar(grad));
        }
    }

    #[inline]
    fn scalar_edge(&mut self, tape: &Tape<T>, node: NodeId, slot: usize, step: ScalarStep<T>) {
        if let Some(graph) = &mut self.graph {
            let contribution = step.contribution.as_f64();
            self.log
                .scalar_edge(graph, node, slot, contribution, step.accumulated.as_f64());
        }
        if self.watch.is_some() {
            let upstream = Tensor::scalar(step.upstream);
            let contribution = Tensor::scalar(step.contribution);
            self.watch_edge(tape, node, slot, &upstream, &contribution);
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
        if let Some(graph) = &mut self.graph {
            self.log.edge(graph, node, slot, contribution);
        }
        self.watch_edge(tape, node, slot, upstream, contribution);
    }

    fn hook_fired(&mut self, firing: HookFiring) {
        self.hooks.push(firing);
    }

    #[inline]
    fn accumulated(&mut self, _tape: &Tape<T>, _node: NodeId, _slot: usize, acc: &Tensor<T>) {
        self.log.accumulated(acc);
    }
}

impl<T: Float> Recorder<'_, T> {
    /// The path-length splitter's and the anomaly watch's part of `node_complete`.
    #[inline]
    fn others_node_complete(&mut self, tape: &Tape<T>, node: NodeId, grad: &Tensor<T>) {
        if let Some(splitter) = &mut self.splitter {
            splitter.node_complete(tape.nodes().span(), node.0);
        }
        if let Some(watch) = &mut self.watch {
            watch.node_complete(grad);
        }
    }

    /// The anomaly watch's part of `edge`.
    #[inline]
    fn watch_edge(
        &mut self,
        tape: &Tape<T>,
        node: NodeId,
        slot: usize,
        upstream: &Tensor<T>,
        contribution: &Tensor<T>,
    ) {
        if let Some(watch) = &mut self.watch {
            let nodes = tape.nodes();
            let at = (node.0, slot);
            watch.edge(nodes.span(), &self.namer, at, upstream, contribution);
        }
    }
}

/// The traced backward pass of `output` on `tape`.
///
/// The trace's tables are written into `buffers` (cleared vectors of an earlier trace), so
/// tracing step after step reuses their memory.
pub(crate) fn run<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    options: TraceOptions,
    buffers: Buffers,
) -> Result<(Gradients<T>, Trace)> {
    let layers = tape.layer_names();
    let namer = Namer {
        layers: &layers,
        full_values: options.full_values,
    };
    let mut recorder = prepare(tape, output, &options, namer, buffers);
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
        graph,
        log,
        splitter,
        watch,
        hooks,
        ..
    } = recorder;
    let mut graph = graph.unwrap_or_default();
    // The gradients' summaries: scalars in one tight loop (a traced chain has a million).
    for (i, row) in graph.nodes.iter_mut().enumerate() {
        row.grad = grads
            .get(NodeId(i))
            .map(|g| Summary::of(g, options.full_values));
    }
    let trace = Trace {
        element: T::NAME.to_string(),
        output,
        value: Summary::of(nodes.node(output.0).value(), options.full_values),
        layers: layers.clone(),
        graph,
        events: log.into_events(),
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
    buffers: Buffers,
) -> Recorder<'a, T> {
    let nodes = tape.nodes();
    let nodes = nodes.up_to(output);
    let Buffers {
        graph: tables,
        events,
    } = buffers;
    let graph = options
        .records_graph()
        .then(|| graph(nodes, options.full_values, options.formulas, tables));
    let edges = graph.as_ref().map_or(0, |g| g.edges.len());
    Recorder {
        log: EventLog::new(events, edges, options.full_values, options.events),
        graph,
        splitter: (options.paths && has_layers(nodes)).then(|| Splitter::new(nodes, output)),
        watch: options.anomalies.then(BackwardWatch::default),
        namer,
        hooks: Vec::new(),
    }
}

/// The vectors of an earlier trace, emptied, for the next trace to fill.
#[derive(Default)]
pub(crate) struct Buffers {
    graph: Graph,
    events: Vec<EventRow>,
}

impl Buffers {
    /// Empties `trace`, keeping the memory of its largest tables.
    pub(crate) fn take(trace: &mut Trace) -> Buffers {
        let mut graph = std::mem::take(&mut trace.graph);
        graph.clear();
        let mut events = std::mem::take(&mut trace.events);
        events.clear();
        Buffers { graph, events }
    }
}
