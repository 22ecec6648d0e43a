//! When two traces are equal: when [`Trace::to_json`] writes the same text for both.
//!
//! Derived equality compared floats with `==`, so a trace holding a NaN (a `NanGuard` firing,
//! a non-finite gradient) was unequal to itself and to its own round trip through JSON, while
//! the docs promise that a trace read back equals the one written. The JSON writes every
//! number exactly (shortest round-trip form: equal bits give equal text, and `-0` differs
//! from `0`), every NaN as `"NaN"`, and does not depend on how the rows are stored in memory.

use super::Trace;

impl PartialEq for Trace {
    /// True when both traces write the same JSON: every float compared exactly, NaN equal to
    /// NaN (an equivalence relation, unlike `==` on `f64`).
    ///
    /// # Complexity
    /// Writes both traces: linear in their size.
    fn eq(&self, other: &Trace) -> bool {
        std::ptr::eq(self, other) || self.to_json() == other.to_json()
    }
}
