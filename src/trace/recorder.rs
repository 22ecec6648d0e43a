//! Runs the sweep with the recorder attached and assembles the [`Trace`].

use super::anomaly::{Anomalies, BackwardWatch, Namer, first_non_finite_value};
use super::capture::Capture;
use super::ledger::{LedgerInput, ledger};
use super::lengths::{Splitter, has_layers};
use super::limits::{fit_name, fit_text};
use super::record::Graph;
use super::summary::Summary;
use super::{Trace, TraceOptions};
use crate::error::Result;
use crate::hooks::HookFiring;
use crate::tape::{Gradients, NodeId, NodeSpan, Origin, ScalarEdge, SweepObserver, Tape, sweep};
use crate::tensor::{Float, Tensor};

/// What the sweep feeds: each part is `None` when its option is off, so ledger-only tracing
/// adds nothing inside the loop. `EXTRAS` is false when neither the path-length splitter nor
/// the anomaly watch is on: their tests are then compiled out of the sweep, where they cost
/// 8% of an events trace of a scalar chain.
struct Recorder<'a, T: Float, const EXTRAS: bool> {
    parts: Parts<T>,
    namer: Namer<'a>,
}

// Inlined into the sweep, so that the parts that are off cost one test each: ledger-only
// tracing then runs the untraced loop.
impl<T: Float, const EXTRAS: bool> SweepObserver<T> for Recorder<'_, T, EXTRAS> {
    /// Ledger-only tracing watches nothing inside the sweep: the ledger is built afterwards
    /// from the gradients, so the sweep runs as fast as an untraced one.
    fn watches_steps(&self) -> bool {
        self.parts.capture.is_some()
            || (EXTRAS && (self.parts.splitter.is_some() || self.parts.watch.is_some()))
    }

    #[inline]
    fn visit(&mut self, nodes: NodeSpan<'_, T>, i: usize, grad: Option<&Tensor<T>>) {
        if let Some(capture) = &mut self.parts.capture {
            capture.visit(nodes, i, grad);
        }
    }

    #[inline]
    fn node_complete(&mut self, tape: &Tape<T>, node: NodeId, grad: &Tensor<T>) {
        if !EXTRAS {
            return;
        }
        if let Some(splitter) = &mut self.parts.splitter {
            splitter.node_complete(tape.nodes().span(), node.0);
        }
        if let Some(watch) = &mut self.parts.watch {
            watch.node_complete(grad);
        }
    }

    #[inline]
    fn scalar_node(&mut self, tape: &Tape<T>, nodes: NodeSpan<'_, T>, i: usize, grad: T) {
        if let Some(capture) = &mut self.parts.capture {
            capture.scalar_node(nodes.node(i), grad);
        }
        if EXTRAS && (self.parts.splitter.is_some() || self.parts.watch.is_some()) {
            self.node_complete(tape, NodeId(i), &Tensor::scalar(grad));
        }
    }

    #[inline]
    fn scalar_edge(&mut self, tape: &Tape<T>, edge: ScalarEdge<T>) {
        if let Some(capture) = &mut self.parts.capture {
            capture.scalar_edge(&edge);
        }
        if let (true, Some(step), Some(_)) = (EXTRAS, edge.step, &self.parts.watch) {
            let upstream = Tensor::scalar(edge.upstream);
            let contribution = Tensor::scalar(step.contribution);
            self.watch_edge(tape, NodeId(edge.node), edge.slot, &upstream, &contribution);
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
        if let Some(capture) = &mut self.parts.capture {
            capture.edge(slot, contribution);
        }
        self.watch_edge(tape, node, slot, upstream, contribution);
    }

    fn hook_fired(&mut self, mut firing: HookFiring) {
        firing.hook = fit_name(firing.hook);
        firing.context.op = fit_name(firing.context.op);
        firing.context.layer = fit_name(firing.context.layer);
        firing.note = firing.note.map(fit_text);
        self.parts.hooks.push(firing);
    }

    #[inline]
    fn accumulated(&mut self, _tape: &Tape<T>, _node: NodeId, slot: usize, acc: &Tensor<T>) {
        if let Some(capture) = &mut self.parts.capture {
            capture.accumulated(slot, acc);
        }
    }
}

impl<T: Float, const EXTRAS: bool> Recorder<'_, T, EXTRAS> {
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
        if !EXTRAS {
            return;
        }
        if let Some(watch) = &mut self.parts.watch {
            let nodes = tape.nodes();
            let at = (node.0, slot);
            watch.edge(nodes.span(), &self.namer, at, upstream, contribution);
        }
    }
}

/// The traced backward pass of `output` on `tape`.
///
/// The trace's tables are written into `buffers` (emptied tables of an earlier trace), so
/// tracing step after step reuses their memory.
pub(crate) fn run<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    options: TraceOptions,
    buffers: Buffers,
) -> Result<(Gradients<T>, Trace)> {
    let layers: Vec<String> = tape.layer_names().into_iter().map(fit_name).collect();
    let namer = Namer {
        layers: &layers,
        full_values: options.full_values,
    };
    let forward = options.anomalies.then(|| {
        let nodes = tape.nodes();
        first_non_finite_value(nodes.up_to(output), &namer)
    });
    let parts = prepare(tape, output, &options, buffers);
    let (grads, parts) = match parts.splitter.is_some() || parts.watch.is_some() {
        true => record::<T, true>(tape, output, parts, namer)?,
        false => record::<T, false>(tape, output, parts, namer)?,
    };
    let nodes = tape.nodes();
    let nodes = nodes.up_to(output);
    let ledger = ledger(&LedgerInput {
        nodes,
        grads: &grads,
        layers: &layers,
        exploding: options.exploding,
        vanishing: options.vanishing,
    });
    let Parts {
        capture,
        splitter,
        watch,
        hooks,
    } = parts;
    let graph = match capture {
        Some(capture) => capture.finish(nodes, options.formulas),
        None => Graph::default(),
    };
    let trace = Trace {
        origin: Origin::of(tape),
        element: T::NAME.to_string(),
        output,
        value: Summary::of(nodes.node(output.0).value(), options.full_values),
        layers: layers.clone(),
        graph,
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

/// The recorder's parts for these options.
fn prepare<T: Float>(
    tape: &Tape<T>,
    output: NodeId,
    options: &TraceOptions,
    buffers: Buffers,
) -> Parts<T> {
    let nodes = tape.nodes();
    let nodes = nodes.up_to(output);
    let capture = options
        .records_graph()
        .then(|| Capture::new(nodes, buffers.graph, options.full_values, options.events));
    Parts {
        capture,
        splitter: (options.paths && has_layers(nodes)).then(|| Splitter::new(nodes, output)),
        watch: options.anomalies.then(BackwardWatch::default),
        hooks: Vec::new(),
    }
}

/// What a recorder holds, before and after its sweep.
struct Parts<T: Float> {
    /// The graph and its multiplications, written as the sweep visits each node.
    capture: Option<Capture>,
    splitter: Option<Splitter<T>>,
    watch: Option<BackwardWatch>,
    /// Hook firings are always kept: they are rare, and a changed gradient must never go
    /// unexplained.
    hooks: Vec<HookFiring>,
}

/// The sweep, fed to a recorder of `parts` (`EXTRAS` when it has a splitter or a watch).
fn record<T: Float, const EXTRAS: bool>(
    tape: &Tape<T>,
    output: NodeId,
    parts: Parts<T>,
    namer: Namer<'_>,
) -> Result<(Gradients<T>, Parts<T>)> {
    let mut recorder = Recorder::<T, EXTRAS> { parts, namer };
    let grads = sweep(tape, output, &mut recorder)?;
    Ok((grads, recorder.parts))
}

/// The tables of an earlier trace, emptied, for the next trace to fill.
#[derive(Default)]
pub(crate) struct Buffers {
    graph: Graph,
}

impl Buffers {
    /// Empties `trace`, keeping the memory of its tables.
    pub(crate) fn take(trace: &mut Trace) -> Buffers {
        let mut graph = std::mem::take(&mut trace.graph);
        graph.clear();
        Buffers { graph }
    }
}
