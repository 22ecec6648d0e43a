//! A borrowed table of a trace's records (nodes, edges or events), read by index or in order.
//!
//! The trace stores compact rows; a record is a small `Copy` view of one row that reads its
//! fields through the trace, so listing a million events allocates nothing.

use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::ops::Range;

use super::Trace;

/// A view of one row of a trace's table: [`NodeRecord`](super::NodeRecord),
/// [`EdgeRecord`](super::EdgeRecord) or [`Event`](super::Event).
pub trait Record<'a>: Copy + sealed::Sealed {
    /// The record at `index`.
    #[doc(hidden)]
    fn at(trace: &'a Trace, index: usize) -> Self;

    /// How many records of this kind the trace holds.
    #[doc(hidden)]
    fn count(trace: &Trace) -> usize;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::super::NodeRecord<'_> {}
    impl Sealed for super::super::EdgeRecord<'_> {}
    impl Sealed for super::super::Event<'_> {}
}

/// The nodes, edges or events of a [`Trace`]: `len`, `get(i)`, `first`, `last` and iteration
/// in order, each item a [`Record`] view.
///
/// # Example
/// ```
/// use chaintrace::{Tape, TraceOptions};
/// let tape = Tape::<f64>::new();
/// let (w, x) = (tape.var("w", 3.0), tape.var("x", 2.0));
/// let y = w * x;
/// let (_, trace) = y.backward_traced(TraceOptions::default());
/// assert_eq!(trace.events().len(), 2);
/// let first = trace.events().get(0).unwrap();
/// assert_eq!(first.labels().input, "w"); // ∂y/∂w = x = 2 is applied first
/// assert_eq!(first.local(), Some(2.0));
/// let names: Vec<String> = trace.nodes().iter().map(|n| n.display_name().into()).collect();
/// assert_eq!(names, ["w", "x", "u₂"]);
/// ```
#[derive(Clone, Copy)]
pub struct Records<'a, R> {
    trace: &'a Trace,
    len: usize,
    kind: PhantomData<R>,
}

impl<'a, R: Record<'a>> Records<'a, R> {
    pub(crate) fn new(trace: &'a Trace) -> Self {
        Records {
            trace,
            len: R::count(trace),
            kind: PhantomData,
        }
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The record at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<R> {
        (index < self.len).then(|| R::at(self.trace, index))
    }

    /// The first record.
    pub fn first(&self) -> Option<R> {
        self.get(0)
    }

    /// The last record.
    pub fn last(&self) -> Option<R> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The records in order.
    pub fn iter(&self) -> RecordIter<'a, R> {
        RecordIter {
            trace: self.trace,
            range: 0..self.len,
            kind: PhantomData,
        }
    }
}

impl<'a, R: Record<'a>> IntoIterator for Records<'a, R> {
    type Item = R;
    type IntoIter = RecordIter<'a, R>;

    fn into_iter(self) -> RecordIter<'a, R> {
        self.iter()
    }
}

impl<'a, R: Record<'a> + fmt::Debug> fmt::Debug for Records<'a, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The records of a [`Records`] table in order.
#[derive(Clone)]
pub struct RecordIter<'a, R> {
    trace: &'a Trace,
    range: Range<usize>,
    kind: PhantomData<R>,
}

impl<'a, R: Record<'a>> Iterator for RecordIter<'a, R> {
    type Item = R;

    #[inline]
    fn next(&mut self) -> Option<R> {
        self.range.next().map(|i| R::at(self.trace, i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<R> {
        self.range.nth(n).map(|i| R::at(self.trace, i))
    }
}

impl<'a, R: Record<'a>> DoubleEndedIterator for RecordIter<'a, R> {
    fn next_back(&mut self) -> Option<R> {
        self.range.next_back().map(|i| R::at(self.trace, i))
    }
}

impl<'a, R: Record<'a>> ExactSizeIterator for RecordIter<'a, R> {}

impl<'a, R: Record<'a>> FusedIterator for RecordIter<'a, R> {}
