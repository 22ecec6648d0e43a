//! Op labels, each stored once per trace.

use crate::tape::Node;
use crate::tensor::Float;
use crate::trace::limits::fit_name;
use crate::trace::record::Graph;

/// Op labels, each stored once per trace, found by the node's index in the tape's op table
/// (where a stateless op such as `Mul` is stored once): one lookup per node, and
/// [`Op::label`](crate::ops::Op::label) called once per distinct op.
pub(super) struct Labels {
    /// The label index of each tape op, `u32::MAX` until met.
    by_op: Vec<u32>,
    pub(super) by_text: Vec<String>,
}

impl Labels {
    /// Labels for a tape of `ops` ops, written into `table` (empty; its memory is reused).
    pub(super) fn new(ops: usize, mut table: Vec<String>) -> Self {
        table.extend(Graph::new_ops());
        Labels {
            by_op: vec![u32::MAX; ops],
            by_text: table,
        }
    }

    /// The label index of `node`.
    #[inline]
    pub(super) fn of<T: Float>(&mut self, node: Node<'_, T>) -> u32 {
        match node.op_index() {
            None => u32::from(node.is_constant()),
            Some(k) if self.by_op[k] != u32::MAX => self.by_op[k],
            Some(k) => self.intern(k, node),
        }
    }

    /// The label of tape op `k`, met for the first time: interned by its text.
    #[inline(never)]
    fn intern<T: Float>(&mut self, k: usize, node: Node<'_, T>) -> u32 {
        let label = intern(&mut self.by_text, &fit_name(node.op_label()));
        self.by_op[k] = label;
        label
    }
}

/// The index of `text` in `table`, appended if it is not there yet.
fn intern(table: &mut Vec<String>, text: &str) -> u32 {
    let index = match table.iter().position(|t| t == text) {
        Some(index) => index,
        None => {
            table.push(text.to_string());
            table.len() - 1
        }
    };
    index as u32
}
