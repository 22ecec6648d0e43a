//! The chain-rule tracer: a backward pass recorded multiplication by multiplication, per layer,
//! as numbers and as formulas.
//!
//! [`Var::backward_traced`] runs the ordinary reverse sweep with a recorder attached and
//! returns the gradients together with a [`Trace`]:
//! - [`Trace::events`]: one [`Event`] per chain-rule multiplication, in sweep order;
//! - [`Trace::ledger`]: the per-layer [`Ledger`] of gradient norms, gains and their running
//!   product, with exploding/vanishing flags;
//! - [`Trace::paths`]: `∂y/∂x` as a sum over paths, the k largest listed (scalar graphs), and
//!   [`Trace::path_lengths`]: each leaf's gradient split by path length (any graph);
//! - [`Trace::anomalies`]: where a NaN or infinity first appears, forward and backward;
//! - renderers: [`Trace::to_text`], [`Trace::to_markdown`], [`Trace::to_json`] (schema in
//!   docs/trace-format.md; [`Trace::from_json`] reads it back) and [`Trace::to_dot`].
//!
//! A trace owns all its data (names, labels, layer paths, value summaries, the graph's edges
//! and local derivatives), so a saved trace can be re-rendered and its paths listed without
//! the tape.
//!
//! # Example
//! ```
//! use chaintrace::{Tape, TraceOptions};
//! let tape = Tape::<f64>::new();
//! let w = tape.var("w", 1.5);
//! let x = tape.var("x", 1.0);
//! let mut y = x;
//! for k in 0..50 {
//!     y = tape.layer(&format!("layer{k}"), || w * y);
//! }
//! let (grads, trace) = y.backward_traced(TraceOptions::default());
//! // Each layer multiplies the gradient by w on its way back: the running product is w⁵⁰.
//! let last = trace.ledger().last().unwrap();
//! assert!((last.running / 1.5f64.powi(50) - 1.0).abs() < 1e-12);
//! assert_eq!(grads.wrt(x).unwrap().item(), Some(last.running));
//! // One path from x to y, through every layer.
//! let paths = trace.paths(x, y, 3);
//! assert_eq!((paths.len(), paths[0].edges().len()), (1, 50));
//! assert!(trace.to_text().contains("layer49"));
//! ```

mod anomaly;
mod capture;
#[cfg(feature = "serde")]
mod equality;
mod event;
#[cfg(feature = "serde")]
mod json;
mod ledger;
mod lengths;
mod limits;
mod names;
mod number;
mod options;
mod paths;
mod record;
mod recorder;
mod render;
mod summary;
mod table;

pub use anomaly::{Anomalies, BackwardAnomaly, ForwardAnomaly, Operand};
pub use event::{Event, EventLabels};
pub use ledger::{LayerRow, Ledger, LedgerNode};
pub use lengths::{LengthPart, LengthSplit};
pub use limits::{
    MAX_INPUT_BYTES, MAX_NAME_BYTES, MAX_RENDERED_PATH_LEAVES, MAX_RENDERED_PATH_NODES,
    MAX_RENDERED_PATH_NODES_TOTAL, MAX_RENDERED_PATHS, MAX_TEXT_BYTES,
};
pub use number::{fmt_num, fmt_sig, fmt_summary};
pub use options::TraceOptions;
pub use paths::{Path, PathEdge, Paths};
pub use record::{EdgeRecord, NodeRecord};
pub use summary::{Summary, TensorSummary};
pub use table::{Record, RecordIter, Records};

use crate::error::{Error, Result};
use crate::hooks::HookFiring;
use crate::symbolic::{self, Expr};
use crate::tape::{Gradients, NodeId, NodeRef, Origin, Var};
use crate::tensor::Float;
use record::Graph;
use recorder::Buffers;

/// The version tag every trace file carries; see docs/trace-format.md.
pub const SCHEMA: &str = "chaintrace-trace/1";

/// A recorded backward pass; see the [module documentation](self).
///
/// The graph and the events are stored as compact rows (a traced chain of a million
/// multiplications holds a million of each); [`Trace::nodes`], [`Trace::edges`] and
/// [`Trace::events`] read them as [`Record`] views.
///
/// With the `serde` feature, two traces are equal when they write the same JSON (see
/// `equality.rs`): so a trace read
/// back equals the one written, NaNs included.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The tape recording the trace was made from (none for a trace read from JSON); not
    /// part of the trace's content, so it takes no part in equality.
    origin: Origin,
    element: String,
    output: NodeId,
    value: Summary,
    options: TraceOptions,
    layers: Vec<String>,
    graph: Graph,
    ledger: Ledger,
    path_lengths: Vec<LengthSplit>,
    anomalies: Option<Anomalies>,
    /// Every hook that fired, in sweep order.
    hooks: Vec<HookFiring>,
}

impl<T: Float> From<Var<'_, T>> for NodeId {
    fn from(var: Var<'_, T>) -> NodeId {
        var.id()
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// [`Var::backward`] with a recorder attached: the same gradients, and a [`Trace`] of how
    /// they were formed.
    ///
    /// # Panics
    /// If the options are invalid or a hook fails; see [`Var::try_backward_traced`].
    ///
    /// # Complexity
    /// The sweep's cost, plus one pass over the tape for the ledger. Events add a summary per
    /// multiplication (and the graph tables a formula per edge); the path-length split adds
    /// one vector-Jacobian product per edge and path length.
    pub fn backward_traced(self, options: TraceOptions) -> (Gradients<T>, Trace) {
        self.try_backward_traced(options)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Var::backward_traced`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the options' thresholds are not `0 ≤ vanishing < exploding`;
    /// the first error a [hook](crate::hooks) returns.
    pub fn try_backward_traced(self, options: TraceOptions) -> Result<(Gradients<T>, Trace)> {
        options.validate()?;
        recorder::run(self.tape(), self.id(), options, Buffers::default())
    }

    /// [`Var::backward_traced`] into an existing trace, whose memory the new trace reuses:
    /// a training loop that traces every step allocates its large tables once.
    ///
    /// # Panics
    /// As [`Var::try_backward_traced_into`] fails.
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Tape, Trace, TraceOptions};
    /// let mut trace = Trace::default();
    /// for step in 1..=3 {
    ///     let tape = Tape::<f64>::new();
    ///     let w = tape.var("w", step as f64);
    ///     let y = w * w;
    ///     let grads = y.backward_traced_into(&mut trace, TraceOptions::default());
    ///     assert_eq!(grads.wrt(w).unwrap().item(), Some(2.0 * step as f64));
    ///     assert_eq!(trace.events().len(), 2); // this step's, not the earlier ones
    /// }
    /// ```
    pub fn backward_traced_into(self, trace: &mut Trace, options: TraceOptions) -> Gradients<T> {
        self.try_backward_traced_into(trace, options)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Var::backward_traced_into`], returning an error instead of panicking.
    ///
    /// # Errors
    /// As [`Var::try_backward_traced`]; `trace` is then left empty.
    pub fn try_backward_traced_into(
        self,
        trace: &mut Trace,
        options: TraceOptions,
    ) -> Result<Gradients<T>> {
        let buffers = Buffers::take(trace);
        *trace = Trace::default();
        options.validate()?;
        let (grads, new) = recorder::run(self.tape(), self.id(), options, buffers)?;
        *trace = new;
        Ok(grads)
    }
}

/// An empty trace: no nodes, events or ledger rows, to be filled by
/// [`Var::backward_traced_into`].
impl Default for Trace {
    fn default() -> Self {
        Trace {
            origin: Origin::none(),
            element: String::new(),
            output: NodeId(0),
            value: Summary::Scalar(0.0),
            options: TraceOptions::default(),
            layers: Vec::new(),
            graph: Graph::default(),
            ledger: Ledger::default(),
            path_lengths: Vec::new(),
            anomalies: None,
            hooks: Vec::new(),
        }
    }
}

impl Trace {
    /// The traced output (the loss).
    pub fn output(&self) -> NodeId {
        self.output
    }

    /// The output's value.
    pub fn value(&self) -> &Summary {
        &self.value
    }

    /// The element type of the traced tape (`"f32"` or `"f64"`); numbers are stored as `f64`.
    pub fn element(&self) -> &str {
        &self.element
    }

    /// The options the trace was recorded with.
    pub fn options(&self) -> &TraceOptions {
        &self.options
    }

    /// Every layer path of the tape, indexed by [`NodeRecord::layer`]; `""` is the top level.
    pub fn layers(&self) -> &[String] {
        &self.layers
    }

    /// The nodes up to the output, in tape order (empty unless events or paths were
    /// recorded).
    pub fn nodes(&self) -> Records<'_, NodeRecord<'_>> {
        Records::new(self)
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> Option<NodeRecord<'_>> {
        self.nodes().get(id.0)
    }

    /// Every edge up to the output, grouped by op node in tape order, in slot order.
    pub fn edges(&self) -> Records<'_, EdgeRecord<'_>> {
        Records::new(self)
    }

    /// One event per chain-rule multiplication, in sweep order (empty unless
    /// [`TraceOptions::events`] was on).
    pub fn events(&self) -> Records<'_, Event<'_>> {
        Records::new(self)
    }

    /// The per-layer ledger, from the loss back to the input.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Each leaf's gradient split by path length (recorded with [`TraceOptions::paths`] on a
    /// tape with layers; see [`LengthSplit`]).
    pub fn path_lengths(&self) -> &[LengthSplit] {
        &self.path_lengths
    }

    /// Where NaN or infinity first appeared (`None` unless [`TraceOptions::anomalies`]).
    pub fn anomalies(&self) -> Option<&Anomalies> {
        self.anomalies.as_ref()
    }

    /// Every [hook](crate::hooks) that fired during the sweep, in the order it fired: where,
    /// which hook, the gradient's norm before and after, and its note.
    pub fn hooks(&self) -> &[HookFiring] {
        &self.hooks
    }

    /// True when every recorded node holds a scalar.
    pub fn is_scalar(&self) -> bool {
        (self.graph.nodes.iter()).all(|n| matches!(n.value(), record::Stored::Scalar(_)))
    }

    /// The `k` paths between two nodes with the largest |product of local derivatives|,
    /// largest first; the ends may be given in either order, as vars of the traced tape or
    /// as [`NodeId`]s (see [`NodeRef`]).
    ///
    /// # Panics
    /// As [`Trace::try_paths`] fails.
    ///
    /// # Example
    /// ```
    /// use chaintrace::{Tape, TraceOptions};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var("a", 3.0);
    /// let b = a * a; // two paths a → b, each with local derivative a = 3
    /// let c = b + a; // and one a → c directly
    /// let (_, trace) = c.backward_traced(TraceOptions::default());
    /// let paths = trace.paths(a, c, 10);
    /// assert_eq!(paths.count(), 3);
    /// let products: Vec<f64> = paths.iter().map(|p| p.contribution()).collect();
    /// assert_eq!(products, [3.0, 3.0, 1.0]);
    /// assert_eq!(paths.gradient(), 7.0); // ∂c/∂a = 2a + 1
    /// ```
    pub fn paths(&self, from: impl Into<NodeRef>, to: impl Into<NodeRef>, k: usize) -> Paths {
        self.try_paths(from, to, k)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Trace::paths`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when an end is a var of another tape than the traced one (or of
    /// the traced tape after a [`reset`](crate::Tape::reset), or the trace was read from
    /// JSON); [`Error::Invalid`] when the graph was not recorded (events and paths both off),
    /// a node is past the traced output, or a path crosses a tensor edge (whose local
    /// derivative is a Jacobian, not a number).
    ///
    /// # Complexity
    /// See [`Paths`]: O(E · k log k) for the E edges between the two nodes.
    pub fn try_paths(
        &self,
        from: impl Into<NodeRef>,
        to: impl Into<NodeRef>,
        k: usize,
    ) -> Result<Paths> {
        let (from, to) = (from.into(), to.into());
        if !self.origin.admits(&from) || !self.origin.admits(&to) {
            return Err(Error::ForeignVar { op: "paths" });
        }
        let (from, to) = (from.id(), to.id());
        if self.graph.nodes.is_empty() {
            return Err(Error::invalid(
                "paths",
                "this trace has no graph: record it with TraceOptions::paths or ::events on",
            ));
        }
        if let Some(past) = [from, to]
            .into_iter()
            .find(|id| id.0 >= self.graph.nodes.len())
        {
            return Err(Error::invalid(
                "paths",
                format!(
                    "node {} is not in the trace (it ends at the output, node {})",
                    past.0, self.output.0
                ),
            ));
        }
        paths::k_best(&self.graph, from, to, k)
    }

    /// The closed-form gradient `∂output/∂var` in the leaves' names, built from the traced
    /// tape, which `var` must be of.
    ///
    /// # Panics
    /// As [`Trace::try_symbolic_gradient`] fails.
    pub fn symbolic_gradient<T: Float>(&self, var: Var<'_, T>) -> Expr {
        self.try_symbolic_gradient(var)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Trace::symbolic_gradient`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when `var` is not a var of the traced tape (another tape, the
    /// traced tape after a [`reset`](crate::Tape::reset), or any tape at all for a trace read
    /// from JSON, which keeps no tape); [`Error::Invalid`] when the tape holds more nodes
    /// than [`symbolic::MAX_SYMBOLIC_NODES`] up to the output.
    pub fn try_symbolic_gradient<T: Float>(&self, var: Var<'_, T>) -> Result<Expr> {
        let tape = var.tape();
        // The same recording: the output and every node before it are as traced.
        if !self.origin.is(tape) {
            return Err(Error::ForeignVar {
                op: "symbolic_gradient",
            });
        }
        if var.id() > self.output {
            return Ok(Expr::zero());
        }
        symbolic::gradient_at(tape, self.output, var.id())
    }

    /// Reads a trace written by [`Trace::to_json`] (with the `serde` feature).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the text is not JSON, misses a field, has a value of the
    /// wrong type (with the line and column), carries another schema version, or refers to
    /// nodes or edges it does not have.
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Trace> {
        json::read(text)
    }
}
