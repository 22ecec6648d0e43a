//! The edges the multiplications crossed: the trace's events, as rows of the edge table.

/// The edge rows the multiplications crossed, in sweep order: an event is its edge row and
/// its place in this list.
///
/// When every edge row was crossed (a scalar graph whose every input needs a gradient), the
/// list is the edge table itself and is not written: a traced chain level then stores no
/// index at all. One form for one list, so traces compare equal whichever way they were made.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EventRows {
    /// The rows, when not `every_edge`.
    rows: Vec<u32>,
    every_edge: bool,
}

impl EventRows {
    /// The list `rows` (strictly increasing, so all `edges` rows means every row), in its
    /// one form; `rows`' memory is kept for the next trace.
    pub(crate) fn new(mut rows: Vec<u32>, edges: usize) -> Self {
        let every_edge = edges > 0 && rows.len() == edges;
        if every_edge {
            rows.clear();
        }
        EventRows { rows, every_edge }
    }

    /// Every one of the `edges` rows, the list left unwritten.
    pub(crate) fn every_edge(mut rows: Vec<u32>, edges: usize) -> Self {
        rows.clear();
        EventRows {
            rows,
            every_edge: edges > 0,
        }
    }

    /// Empties the list, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.every_edge = false;
    }

    /// The list's memory, emptied.
    pub(crate) fn take(&mut self) -> Vec<u32> {
        self.every_edge = false;
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        rows
    }

    /// The number of events, in a graph of `edges` edge rows.
    pub(crate) fn count(&self, edges: usize) -> usize {
        match self.every_edge {
            true => edges,
            false => self.rows.len(),
        }
    }

    /// The edge row of event `k` (`k` < [`EventRows::count`]).
    #[inline]
    pub(crate) fn row(&self, k: usize) -> usize {
        match self.every_edge {
            true => k,
            false => self.rows[k] as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::trace::Summary;

    /// A scalar chain crosses every edge: its event list is the edge table, unwritten. A
    /// constant input leaves an edge without an event, and the list is written. Either way an
    /// event names the edge its multiplication crossed, and the trace reads back equal.
    #[test]
    fn the_event_list_is_written_only_when_some_edge_has_no_event() {
        use crate::{Tape, TraceOptions};
        let events = TraceOptions::ledger_only().with_events(true);
        let tape = Tape::<f64>::new();
        let (w, x) = (tape.var("w", 1.5), tape.var("x", 2.0));
        let (_, chain) = (w * (w * x)).backward_traced(events.clone());
        assert!(chain.graph.events.every_edge && chain.graph.events.rows.is_empty());
        assert_eq!(chain.events().len(), 4);
        // w·(w·x) at w = 1.5, x = 2: the second multiplication into w adds 1.5·x to w·x.
        let second_into_w = chain.events().get(2).unwrap();
        let edge = (
            second_into_w.from().0,
            second_into_w.to().0,
            second_into_w.slot(),
        );
        assert_eq!(edge, (0, 2, 0));
        assert_eq!(
            second_into_w.accumulated(),
            Cow::Owned(Summary::Scalar(3.0 + 3.0))
        );

        let tape = Tape::<f64>::new();
        let (w, two) = (tape.var("w", 1.5), tape.constant(2.0));
        let (_, scaled) = (w * two * w).backward_traced(events);
        assert!(!scaled.graph.events.every_edge);
        assert_eq!(scaled.graph.edges.len(), 4);
        assert_eq!(scaled.graph.events.rows, [0, 1, 2]); // not row 3, into the constant
        let into: Vec<usize> = scaled.events().iter().map(|e| e.to().0).collect();
        assert_eq!(into, [3, 3, 2]);
        #[cfg(feature = "serde")]
        for trace in [chain, scaled] {
            assert_eq!(crate::Trace::from_json(&trace.to_json()).unwrap(), trace);
        }
    }

    /// One form for one list, however it was made.
    #[test]
    fn event_lists_have_one_form() {
        assert_eq!(
            EventRows::new(vec![0, 1, 2], 3),
            EventRows::every_edge(vec![7], 3)
        );
        assert_eq!(EventRows::new(vec![], 0), EventRows::every_edge(vec![], 0));
        assert_eq!(EventRows::new(vec![], 0), EventRows::default());
        assert_ne!(
            EventRows::new(vec![0, 2], 3),
            EventRows::every_edge(vec![], 3)
        );
    }
}
