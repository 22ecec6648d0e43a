//! What a traced backward pass records, and the thresholds its ledger flags.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

#[cfg(feature = "serde")]
use super::summary::num;
use crate::error::{Error, Result};

/// What [`Var::backward_traced`](crate::Var::backward_traced) records.
///
/// The per-layer ledger is always recorded (it is computed from the gradients after the sweep,
/// so it costs one pass over the tape). The other parts can be switched off: with all three
/// off ([`TraceOptions::ledger_only`]) tracing adds no work inside the sweep.
///
/// # Example
/// ```
/// use chaintrace::TraceOptions;
/// let opts = TraceOptions::default().with_events(false).with_full_values(4);
/// assert!(!opts.events && opts.paths && opts.anomalies);
/// let cheap = TraceOptions::ledger_only();
/// assert!(!cheap.events && !cheap.formulas && !cheap.paths && !cheap.anomalies);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct TraceOptions {
    /// Record one [`Event`](super::Event) per chain-rule multiplication, and the graph (node
    /// and edge tables with local derivative formulas and values).
    pub events: bool,
    /// With the graph: each edge's local derivative as a formula (one expression built and
    /// printed per edge, the costliest part of a trace; off, formulas show as `—`).
    pub formulas: bool,
    /// Record the graph (so [`Trace::paths`](super::Trace::paths) works, also on a trace read
    /// back from JSON) and split each leaf's gradient by path length.
    pub paths: bool,
    /// Locate the first non-finite forward value and the first backward multiplication that
    /// produces a non-finite product from finite operands.
    pub anomalies: bool,
    /// Tensors with at most this many elements are recorded in full, not only summarised.
    pub full_values: usize,
    /// The ledger flags a layer as exploding when the running product of gains exceeds this.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub exploding: f64,
    /// The ledger flags a layer as vanishing when the running product of gains is below this.
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub vanishing: f64,
    /// How many paths per leaf the renderers list (the k of [`Trace::paths`](super::Trace::paths)).
    pub top_paths: usize,
}

impl Default for TraceOptions {
    /// Everything on; tensors of up to 16 elements in full; exploding above 1e3, vanishing
    /// below 1e-3; the 3 largest paths per leaf rendered.
    fn default() -> Self {
        TraceOptions {
            events: true,
            formulas: true,
            paths: true,
            anomalies: true,
            full_values: 16,
            exploding: 1e3,
            vanishing: 1e-3,
            top_paths: 3,
        }
    }
}

impl TraceOptions {
    /// Only the per-layer ledger: the cheap mode for tracing every training step.
    pub fn ledger_only() -> Self {
        TraceOptions {
            events: false,
            formulas: false,
            paths: false,
            anomalies: false,
            ..TraceOptions::default()
        }
    }

    /// Sets [`TraceOptions::events`].
    pub fn with_events(mut self, on: bool) -> Self {
        self.events = on;
        self
    }

    /// Sets [`TraceOptions::formulas`].
    pub fn with_formulas(mut self, on: bool) -> Self {
        self.formulas = on;
        self
    }

    /// Sets [`TraceOptions::paths`].
    pub fn with_paths(mut self, on: bool) -> Self {
        self.paths = on;
        self
    }

    /// Sets [`TraceOptions::anomalies`].
    pub fn with_anomalies(mut self, on: bool) -> Self {
        self.anomalies = on;
        self
    }

    /// Sets [`TraceOptions::full_values`].
    pub fn with_full_values(mut self, max_elements: usize) -> Self {
        self.full_values = max_elements;
        self
    }

    /// Sets the ledger's [exploding](TraceOptions::exploding) and
    /// [vanishing](TraceOptions::vanishing) thresholds.
    pub fn with_thresholds(mut self, exploding: f64, vanishing: f64) -> Self {
        self.exploding = exploding;
        self.vanishing = vanishing;
        self
    }

    /// Sets [`TraceOptions::top_paths`].
    pub fn with_top_paths(mut self, k: usize) -> Self {
        self.top_paths = k;
        self
    }

    /// True when the node and edge tables are recorded.
    pub(crate) fn records_graph(&self) -> bool {
        self.events || self.paths
    }

    /// Checks the thresholds.
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `0 ≤ vanishing < exploding` (infinite `exploding` is allowed:
    /// it switches the flag off).
    pub fn validate(&self) -> Result<()> {
        let ordered = self.vanishing >= 0.0 && self.vanishing < self.exploding;
        if ordered {
            Ok(())
        } else {
            Err(Error::invalid(
                "backward_traced",
                format!(
                    "thresholds must satisfy 0 ≤ vanishing < exploding, got vanishing {} and exploding {}",
                    self.vanishing, self.exploding
                ),
            ))
        }
    }
}
