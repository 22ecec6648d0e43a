//! Where fan-out gradients sum: a contribution crossing an edge is added into its input's
//! gradient slot here and nowhere else. Two forms of the one operation: [`accumulate`] for
//! tensors (the general step), and [`add_scalar`] for a plain number (the scalar fast path,
//! which skips building a tensor). Hooks never act inside them: they act on a contribution
//! before it arrives, or on a node's gradient once it is complete.

use crate::tensor::{Float, Tensor};

/// Adds `contribution` into a gradient slot: the one place where fan-out gradients sum.
#[inline]
pub(super) fn accumulate<T: Float>(
    slot: &mut Option<Tensor<T>>,
    contribution: Tensor<T>,
) -> &Tensor<T> {
    match slot {
        Some(acc) => {
            acc.add_assign(&contribution);
            acc
        }
        None => slot.insert(contribution),
    }
}

/// Adds a scalar contribution into a gradient slot (the slot of a scalar input holds a
/// scalar) and returns the sum. Small enough to inline into the sweep: the array case is out
/// of line (not inlined, the call cost 15 of the scalar chain's 309 instructions per level).
#[inline]
pub(super) fn add_scalar<T: Float>(slot: &mut Option<Tensor<T>>, contribution: T) -> T {
    match slot {
        None => {
            *slot = Some(Tensor::scalar(contribution));
            contribution
        }
        Some(acc) => match acc.scalar_mut() {
            Some(a) => {
                *a += contribution;
                *a
            }
            None => add_to_array(acc, contribution),
        },
    }
}

/// [`add_scalar`] into a slot that holds an array: added to every element.
#[inline(never)]
fn add_to_array<T: Float>(acc: &mut Tensor<T>, contribution: T) -> T {
    acc.add_scalar(contribution);
    acc.as_scalar().unwrap_or(contribution)
}
