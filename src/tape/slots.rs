//! The gradient slots a sweep fills, one per node up to the output: the memory behind
//! [`Gradients`](super::Gradients), and the one place where fan-out gradients sum
//! ([`Earlier::add_scalar`] for a number, [`Earlier::accumulate`] for a tensor). Hooks never
//! act inside them: they act on a contribution before it arrives, or on a node's gradient
//! once it is complete.

use std::fmt;
use std::mem::ManuallyDrop;

use crate::tensor::{Float, Tensor};

/// One gradient per node: `values[i]` is node `i`'s gradient when bit `i` of `filled` is set.
///
/// Not `Vec<Option<Tensor<T>>>`: a tensor's optional array pointer leaves no spare value to
/// mark "none", so that slot is 24 bytes for `f64` where this one is 16 and a bit. On a
/// scalar tape of two million nodes that is the difference between 32 MB that the allocator
/// keeps for the next step and 48 MB, above glibc's largest mmap threshold (32 MiB), mapped
/// and page-faulted in afresh by every `backward()`.
///
/// The values have no drop code, so that clearing or dropping a scalar graph's slots does
/// not visit them: a slot that is not filled never holds an array, and `arrays` records
/// whether any filled one may; only then does [`Slots::release`] walk them.
#[derive(Clone, Default)]
pub(crate) struct Slots<T: Float> {
    values: Vec<ManuallyDrop<Tensor<T>>>,
    filled: Vec<u64>,
    /// Some slot may hold an array: set by every write that is not a plain number.
    arrays: bool,
}

impl<T: Float> Slots<T> {
    /// Slots from one `Option` per node.
    pub(crate) fn from_options(grads: Vec<Option<Tensor<T>>>) -> Self {
        let mut slots = Slots::default();
        slots.prepare(grads.len());
        for (i, grad) in grads.into_iter().enumerate() {
            if let Some(grad) = grad {
                slots.set(i, grad);
            }
        }
        slots
    }

    /// Empties every slot and sizes the store to `len`, keeping its memory.
    pub(crate) fn prepare(&mut self, len: usize) {
        self.release();
        self.filled.clear();
        self.filled.resize(len.div_ceil(64), 0);
        // Released above, so truncating drops nothing that owns memory.
        self.values
            .resize(len, ManuallyDrop::new(Tensor::scalar(T::zero())));
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// Fills slot `i` with `grad`.
    pub(crate) fn set(&mut self, i: usize, grad: Tensor<T>) {
        self.arrays |= grad.as_scalar().is_none();
        if fill(&mut self.filled, i) {
            *self.values[i] = grad; // drops the old gradient
        } else {
            self.values[i] = ManuallyDrop::new(grad); // an empty slot owns nothing
        }
    }

    /// Node `i`'s gradient, if it has one.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&Tensor<T>> {
        (i < self.len() && is_filled(&self.filled, i)).then(|| &*self.values[i])
    }

    /// Node `i`'s gradient, mutable (the caller may put an array there).
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut Tensor<T>> {
        if i >= self.len() || !is_filled(&self.filled, i) {
            return None;
        }
        self.arrays = true;
        Some(&mut *self.values[i])
    }

    /// Every filled slot with its index, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Tensor<T>)> {
        let filled = &self.filled;
        (self.values.iter().enumerate())
            .filter_map(move |(i, value)| is_filled(filled, i).then_some((i, &**value)))
    }

    /// Calls `step` on each slot from the last back, with the slot's gradient (if filled)
    /// and the slots before it. Every input of a node comes before it on the tape, so the
    /// node's gradient is borrowed in place while contributions go to the earlier slots.
    #[inline(always)]
    pub(crate) fn each_from_last<E>(
        &mut self,
        mut step: impl FnMut(usize, Option<&mut Tensor<T>>, &mut Earlier<'_, T>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut earlier = Earlier {
            values: &mut self.values,
            filled: &mut self.filled,
            arrays: &mut self.arrays,
        };
        for i in (0..earlier.values.len()).rev() {
            // Node `i` leaves `earlier`: its inputs all come before it.
            let (own, values) = std::mem::take(&mut earlier.values)
                .split_last_mut()
                .expect("one slot per node");
            earlier.values = values;
            let grad = is_filled(earlier.filled, i).then_some(&mut **own);
            step(i, grad, &mut earlier)?;
        }
        Ok(())
    }

    /// Where the values live, for tests that memory is reused.
    #[cfg(test)]
    pub(crate) fn values_ptr(&self) -> *const ManuallyDrop<Tensor<T>> {
        self.values.as_ptr()
    }

    /// Drops every array a slot holds (a number owns no memory).
    fn release(&mut self) {
        if std::mem::take(&mut self.arrays) {
            for value in &mut self.values {
                if value.as_scalar().is_none() {
                    **value = Tensor::scalar(T::zero());
                }
            }
        }
    }
}

/// Whether bit `i` of `bits` is set.
#[inline]
fn is_filled(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & 1 << (i % 64) != 0
}

/// Sets bit `i` of `bits`, returning whether it was set already.
#[inline]
fn fill(bits: &mut [u64], i: usize) -> bool {
    let (word, bit) = (&mut bits[i / 64], 1 << (i % 64));
    let was = *word & bit != 0;
    *word |= bit;
    was
}

impl<T: Float> Drop for Slots<T> {
    fn drop(&mut self) {
        self.release();
    }
}

/// Shown as one `Option` per node.
impl<T: Float> fmt::Debug for Slots<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
    }
}

/// The slots before the node the sweep is at, where its contributions go (`filled` is
/// every slot's bit: the sweep reads its own node's there).
pub(crate) struct Earlier<'a, T: Float> {
    values: &'a mut [ManuallyDrop<Tensor<T>>],
    filled: &'a mut [u64],
    arrays: &'a mut bool,
}

impl<T: Float> Earlier<'_, T> {
    /// Adds `contribution` into slot `i`: the one place where fan-out gradients sum.
    #[inline]
    pub(crate) fn accumulate(&mut self, i: usize, contribution: Tensor<T>) -> &Tensor<T> {
        *self.arrays |= contribution.as_scalar().is_none();
        if fill(self.filled, i) {
            self.values[i].add_assign(&contribution);
        } else {
            self.values[i] = ManuallyDrop::new(contribution); // an empty slot owns nothing
        }
        &self.values[i]
    }

    /// Records that `grad`, the sweep's own node's gradient after its hooks ran, may be an
    /// array: a hook can replace a number with one, and the slots must then release it.
    #[inline]
    pub(crate) fn note_own(&mut self, grad: &Tensor<T>) {
        *self.arrays |= grad.as_scalar().is_none();
    }

    /// Adds the number `contribution` into slot `i` unless that slot holds an array; false
    /// (and nothing done) when it does. The unwatched sweep's fast path: no call on any
    /// branch, so the numbers it carries from input to input stay in registers.
    #[inline(always)]
    pub(crate) fn add_number(&mut self, i: usize, contribution: T) -> bool {
        if !fill(self.filled, i) {
            self.values[i] = ManuallyDrop::new(Tensor::scalar(contribution));
            return true;
        }
        match self.values[i].scalar_mut() {
            Some(sum) => {
                *sum += contribution;
                true
            }
            None => false,
        }
    }

    /// [`Earlier::accumulate`] of a number, the scalar fast path (no tensor is built), and
    /// the sum. Small enough to inline into the sweep; the array case is out of line.
    #[inline]
    pub(crate) fn add_scalar(&mut self, i: usize, contribution: T) -> T {
        match self.add_number(i, contribution) {
            true => self.values[i].as_scalar().unwrap_or(contribution),
            false => add_to_array(&mut self.values[i], contribution),
        }
    }
}

/// [`Earlier::add_scalar`] into a slot that holds an array: added to every element.
#[inline(never)]
fn add_to_array<T: Float>(acc: &mut Tensor<T>, contribution: T) -> T {
    acc.add_scalar(contribution);
    acc.as_scalar().unwrap_or(contribution)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array() -> Tensor<f64> {
        Tensor::from_vec(vec![1.0, 2.0], &[2])
    }

    #[test]
    fn a_slot_is_16_bytes_and_a_bit() {
        assert_eq!(size_of::<ManuallyDrop<Tensor<f64>>>(), 16);
        assert_eq!(
            size_of::<Option<Tensor<f64>>>(),
            24,
            "why the flags are apart"
        );
    }

    #[test]
    fn only_filled_slots_answer() {
        let slots = Slots::from_options(vec![None, Some(Tensor::scalar(2.0)), None]);
        assert_eq!(slots.len(), 3);
        assert_eq!(slots.get(0), None);
        assert_eq!(slots.get(1), Some(&Tensor::scalar(2.0)));
        assert_eq!(slots.get(3), None, "past the end");
        let filled: Vec<usize> = slots.iter().map(|(i, _)| i).collect();
        assert_eq!(filled, [1]);
        assert_eq!(format!("{slots:?}"), "[None, Some(Tensor(2.0)), None]");
    }

    /// Arrays in the slots are released when the slots are emptied for the next sweep and
    /// when the store is dropped; a value shared with the caller shows it.
    #[test]
    fn arrays_are_released_on_prepare_and_drop() {
        let mut kept = array();
        let mut slots = Slots::from_options(vec![Some(kept.clone()), None]);
        assert!(kept.array_mut().is_none(), "shared with a slot");
        slots.prepare(2);
        assert!(kept.array_mut().is_some(), "prepare released it");
        assert_eq!(slots.get(0), None);
        let slots = Slots::from_options(vec![Some(kept.clone())]);
        drop(slots);
        assert!(kept.array_mut().is_some(), "drop released it");
    }

    #[test]
    fn accumulate_add_scalar_and_add_number_sum_into_a_slot() {
        let mut slots = Slots::<f64>::default();
        slots.prepare(3);
        slots
            .each_from_last(|i, _, earlier| {
                if i == 2 {
                    assert_eq!(earlier.add_scalar(0, 1.5), 1.5);
                    assert_eq!(earlier.add_scalar(0, 2.0), 3.5);
                    earlier.accumulate(1, array());
                    assert_eq!(earlier.accumulate(1, array()).to_vec(), [2.0, 4.0]);
                    assert!(
                        !earlier.add_number(1, 1.0),
                        "a number is not added to an array"
                    );
                    assert_eq!(
                        earlier.add_scalar(1, 1.0),
                        1.0,
                        "an array's sum is not one number"
                    );
                    assert!(earlier.add_number(0, 0.5));
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(slots.get(0).and_then(Tensor::as_scalar), Some(4.0));
        assert_eq!(slots.get(1).map(Tensor::to_vec), Some(vec![3.0, 5.0]));
        assert_eq!(slots.get(2), None);
    }

    /// A hook that puts an array where a number's gradient was: the store still releases it.
    #[test]
    fn an_array_a_hook_puts_in_a_slot_is_released() {
        use crate::hooks::{GradHook, HookContext};
        #[derive(Debug)]
        struct Widen(Tensor<f64>);
        impl GradHook<f64> for Widen {
            fn name(&self) -> String {
                "widen".into()
            }
            fn apply(
                &self,
                grad: &mut Tensor<f64>,
                _: &HookContext,
            ) -> crate::Result<Option<String>> {
                *grad = self.0.clone();
                Ok(None)
            }
        }
        let mut kept = Tensor::from_vec(vec![1.0], &[1]);
        let tape = crate::Tape::<f64>::new();
        let x = tape.var("x", 2.0);
        let y = x.square();
        tape.hook(y, Widen(kept.clone()));
        let (grads, id) = (y.backward(), y.id());
        drop(tape); // and the hook with its copy
        assert!(grads.get(id).is_some_and(|g| g.shares_storage(&kept)));
        drop(grads);
        assert!(
            kept.array_mut().is_some(),
            "the store released the hook's array"
        );
    }
}
