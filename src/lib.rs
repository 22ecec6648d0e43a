//! # chaintrace
//!
//! A reverse-mode autodiff engine with a symbolic chain-rule tracer: see *why* a gradient is
//! what it is.
//!
//! ```
//! use chaintrace::Tape;
//! # fn main() -> chaintrace::Result<()> {
//! let tape = Tape::<f64>::new();
//! let w = tape.var("w", 1.5);
//! let x = tape.var("x", 1.0);
//! let mut y = x;
//! for _ in 0..50 {
//!     y = w * y;
//! }
//! let grads = y.backward();
//! // ∂y/∂x = w⁵⁰ = 1.5⁵⁰ ≈ 6.3762e8: the exploding gradient in one line.
//! assert!((grads.scalar(x)? - 1.5f64.powi(50)).abs() < 1e-3);
//! # Ok(())
//! # }
//! ```
//!
//! The map of the crate is docs/ARCHITECTURE.md.

#![warn(missing_docs)]
// Docs link to items of every feature (`Trace::from_json`, `ParamStore::save`): checked in the
// default build, which has them all; a build without some features has those links dangling.
#![cfg_attr(
    not(all(feature = "cli", feature = "serde", feature = "safetensors")),
    allow(rustdoc::broken_intra_doc_links)
)]

pub mod check;
pub mod data;
pub mod error;
pub mod escape;
pub mod expr_lang;
pub mod hooks;
pub mod nn;
pub mod ops;
pub mod optim;
#[cfg(feature = "cli")]
pub mod report;
pub mod symbolic;
pub mod tape;
pub mod tensor;
pub mod trace;

pub use error::{Error, Result};
pub use tape::{Gradients, NodeId, Tape, Var, grad};
pub use tensor::{Float, Tensor};
pub use trace::{Trace, TraceOptions};

/// The code blocks of docs/trace-format.md, compiled and run as doctests.
#[doc = include_str!("../docs/trace-format.md")]
#[cfg(all(doctest, feature = "serde"))]
pub struct TraceFormatGuide;

/// The code blocks of docs/hooks.md, compiled and run as doctests.
#[doc = include_str!("../docs/hooks.md")]
#[cfg(doctest)]
pub struct HooksGuide;

/// The README's example, compiled and run as a doctest so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The Rust code blocks of docs/tutorial.md, compiled and run as doctests.
#[doc = include_str!("../docs/tutorial.md")]
#[cfg(doctest)]
pub struct Tutorial;
