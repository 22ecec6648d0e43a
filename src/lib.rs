//! # chaintrace
//!
//! A reverse-mode autodiff engine with a symbolic chain-rule tracer: see *why* a gradient is
//! what it is.
//!
//! ```
//! use chaintrace::Tape;
//! let tape = Tape::<f64>::new();
//! let w = tape.var("w", 1.5);
//! let mut y = tape.var("x", 1.0);
//! for _ in 0..50 {
//!     y = w * y;
//! }
//! let grads = y.backward();
//! // ∂y/∂x = w⁵⁰ = 1.5⁵⁰ ≈ 6.3762e8: the exploding gradient in one line.
//! let x = tape.var_at(chaintrace::NodeId(1));
//! assert!((grads.wrt(x).unwrap().item().unwrap() - 1.5f64.powi(50)).abs() < 1e-3);
//! ```
//!
//! The map of the crate is docs/ARCHITECTURE.md.

#![warn(missing_docs)]

pub mod check;
pub mod error;
pub mod ops;
pub mod symbolic;
pub mod tape;
pub mod tensor;

pub use error::{Error, Result};
pub use tape::{Gradients, NodeId, Tape, Var};
pub use tensor::{Float, Tensor};

/// The README's example, compiled and run as a doctest so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
