//! The op table of a tape: each node's op stored once, stateless ops shared.

use std::any::TypeId;
use std::rc::Rc;

use crate::ops::Op;
use crate::tensor::Float;

/// The ops of a tape's nodes. A stateless op (a zero-sized type such as `Mul`) is stored once
/// and shared by every node that applies it; an op with parameters (`SumAxis(1)`) once per node.
pub(super) struct Ops<T: Float> {
    /// Shared so that a recorded backward pass (`grad`) can hold an op while it records.
    list: Vec<Rc<dyn Op<T>>>,
    /// Where each stateless op type is in `list`.
    stateless: Vec<(TypeId, u32)>,
}

impl<T: Float> Default for Ops<T> {
    fn default() -> Self {
        Ops {
            list: Vec::new(),
            stateless: Vec::new(),
        }
    }
}

impl<T: Float> Ops<T> {
    /// The index of `op` in the table, adding it if needed.
    #[inline]
    pub(super) fn intern<O: Op<T>>(&mut self, op: O) -> u32 {
        if size_of::<O>() != 0 {
            return self.push(Rc::new(op));
        }
        let type_id = TypeId::of::<O>();
        match self.stateless.iter().find(|(t, _)| *t == type_id) {
            Some(&(_, index)) => index,
            None => {
                let index = self.push(Rc::new(op));
                self.stateless.push((type_id, index));
                index
            }
        }
    }

    /// The number of ops in the table.
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    fn push(&mut self, op: Rc<dyn Op<T>>) -> u32 {
        self.list.push(op);
        (self.list.len() - 1) as u32
    }

    #[inline]
    pub(super) fn get(&self, index: u32) -> &dyn Op<T> {
        self.list[index as usize].as_ref()
    }

    /// A shared handle to op `index`, usable while the tape records.
    pub(super) fn shared(&self, index: u32) -> Rc<dyn Op<T>> {
        Rc::clone(&self.list[index as usize])
    }

    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.stateless.clear();
    }
}
