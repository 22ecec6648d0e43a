//! A value or gradient as a row keeps it: a scalar's number, or a tensor summary's index,
//! packed into an `f64` and a flag bit.

use std::borrow::Cow;

use crate::trace::Summary;

/// A value or gradient as the graph keeps it: a scalar's number, or a tensor's summary by its
/// index in [`Graph::tensors`] (a row packs it into an `f64` and a flag bit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Stored {
    Scalar(f64),
    Tensor(u32),
}

impl Stored {
    /// Stores `summary`, pushing a tensor's into `tensors`.
    pub(crate) fn new(summary: Summary, tensors: &mut Vec<Summary>) -> Stored {
        match summary {
            Summary::Scalar(x) => Stored::Scalar(x),
            tensor => {
                tensors.push(tensor);
                Stored::Tensor((tensors.len() - 1) as u32)
            }
        }
    }

    /// The summary back.
    pub(crate) fn get(self, tensors: &[Summary]) -> Cow<'_, Summary> {
        match self {
            Stored::Scalar(x) => Cow::Owned(Summary::Scalar(x)),
            Stored::Tensor(k) => Cow::Borrowed(&tensors[k as usize]),
        }
    }
}

/// A [`Stored`] as a row keeps it: the number, or the tensor index in the bits of an `f64`,
/// and whether it is a tensor.
#[inline]
pub(super) fn pack(stored: Stored) -> (f64, bool) {
    match stored {
        Stored::Scalar(x) => (x, false),
        Stored::Tensor(k) => (f64::from_bits(u64::from(k)), true),
    }
}

#[inline]
pub(super) fn unpack(x: f64, tensor: bool) -> Stored {
    match tensor {
        false => Stored::Scalar(x),
        true => Stored::Tensor(x.to_bits() as u32),
    }
}

/// `bit` when `on`, else 0.
#[inline]
pub(super) fn bit(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}
