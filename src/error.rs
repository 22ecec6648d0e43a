//! The crate's error type. The policy (docs/errors.md): every op that can fail has a `try_`
//! form returning [`Result`]; the operator sugar (`a + b`, `a.matmul(b)`) panics with the same
//! message, which names the op, both shapes and the layer, so the fix is obvious.

use thiserror::Error as ThisError;

/// The result type used throughout chaintrace.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in chaintrace.
#[derive(Debug, Clone, PartialEq, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes an op cannot combine, or a shape an op cannot take.
    #[error("shape mismatch in `{op}`{}: {lhs:?} and {rhs:?}: {reason}", layer_suffix(.layer))]
    Shape {
        /// The op's name, as in traces (`"matmul"`).
        op: &'static str,
        /// The first (or only) operand's shape.
        lhs: Vec<usize>,
        /// The second operand's shape (or the requested shape).
        rhs: Vec<usize>,
        /// The layer the op was recorded in (empty at the top level).
        layer: String,
        /// What exactly does not fit.
        reason: String,
    },
    /// An argument outside an op's domain (an axis past the rank, a class index past the count).
    #[error("invalid argument to `{op}`{}: {reason}", layer_suffix(.layer))]
    Invalid {
        /// The op's name.
        op: &'static str,
        /// The layer the op was recorded in.
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// A var met a tape, or a tape's gradients or trace, other than the one that recorded it:
    /// two vars of different tapes combined, a var of another tape given to a hook, to
    /// [`Gradients`](crate::Gradients), to a [`Trace`](crate::Trace) or to an optimiser.
    #[error(
        "`{op}` got a var of another tape: a var works only with the tape that recorded it \
         and with that tape's gradients and traces"
    )]
    ForeignVar {
        /// The op or function's name (`"add"`, `"hook"`, `"symbolic_gradient"`).
        op: &'static str,
    },
    /// A gradient or value that should be finite is not.
    #[error("non-finite value: {0}")]
    NonFinite(String),
    /// A saved file that cannot be read back.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read (`"trace JSON"`).
        what: &'static str,
        /// Why it failed, with a position where known.
        reason: String,
    },
    /// A weights file that cannot be written, read, or loaded into the store: the file, the
    /// tensor at fault (when one is), and why.
    #[error("weights file `{path}`{}: {reason}", tensor_suffix(.tensor))]
    Weights {
        /// The file's path, as given.
        path: String,
        /// The tensor's name (`"fc1.weight"`), when one tensor is at fault.
        tensor: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

fn tensor_suffix(tensor: &Option<String>) -> String {
    match tensor {
        Some(name) => format!(", tensor `{name}`"),
        None => String::new(),
    }
}

fn layer_suffix(layer: &str) -> String {
    if layer.is_empty() {
        String::new()
    } else {
        format!(" (layer `{layer}`)")
    }
}

impl Error {
    /// A shape error with no layer yet; the tape fills the layer in when it records the op.
    pub fn shape(
        op: &'static str,
        lhs: &[usize],
        rhs: &[usize],
        reason: impl Into<String>,
    ) -> Self {
        Error::Shape {
            op,
            lhs: lhs.to_vec(),
            rhs: rhs.to_vec(),
            layer: String::new(),
            reason: reason.into(),
        }
    }

    /// An invalid-argument error with no layer yet.
    pub fn invalid(op: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            op,
            layer: String::new(),
            reason: reason.into(),
        }
    }

    /// Sets the layer of an op error (other variants are returned unchanged).
    pub(crate) fn in_layer(mut self, name: &str) -> Self {
        if let Error::Shape { layer, .. } | Error::Invalid { layer, .. } = &mut self
            && layer.is_empty()
        {
            *layer = name.to_string();
        }
        self
    }
}
