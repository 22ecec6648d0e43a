//! Element counts of shapes that come from outside the program, checked before anything is
//! allocated: a product that wraps around `usize` would let a wrong length pass a check and
//! panic deep inside ndarray.

use ndarray::{ArrayD, Axis, IxDyn};

use super::{Float, Tensor};
use crate::error::{Error, Result};

/// The number of elements of a tensor of `shape` holding `T`s, checked the way ndarray
/// checks a shape: the product of the sizes must not overflow, and neither the product of
/// the non-zero sizes nor the size in bytes may exceed `isize::MAX`. (A shape with a zero has
/// no elements, but ndarray still refuses one whose other sizes overflow.)
///
/// # Example
/// ```
/// use chaintrace::tensor::checked_len;
/// assert_eq!(checked_len::<f64>("Tensor::from_vec", &[2, 3]).unwrap(), 6);
/// assert_eq!(checked_len::<f64>("Tensor::from_vec", &[]).unwrap(), 1);
/// let err = checked_len::<f64>("Tensor::from_vec", &[1 << 32, 1 << 32]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid argument to `Tensor::from_vec`: shape [4294967296, 4294967296] has too many \
///      elements (more than 9223372036854775807 bytes)"
/// );
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `op` when the shape is too large to exist.
pub fn checked_len<T>(op: &'static str, shape: &[usize]) -> Result<usize> {
    let non_zero = shape
        .iter()
        .filter(|&&size| size != 0)
        .try_fold(1usize, |n, &size| n.checked_mul(size));
    let bytes = non_zero.and_then(|n| n.checked_mul(std::mem::size_of::<T>().max(1)));
    match bytes {
        Some(bytes) if bytes <= isize::MAX as usize => {
            let zero = shape.contains(&0);
            Ok(if zero { 0 } else { non_zero.unwrap_or(0) })
        }
        _ => Err(Error::invalid(
            op,
            format!(
                "shape {} has too many elements (more than {} bytes)",
                format_shape(shape),
                isize::MAX
            ),
        )),
    }
}

/// A shape as `[a, b, c]`, shortened in the middle past 8 sizes (the shape of a malicious
/// input can be long).
fn format_shape(shape: &[usize]) -> String {
    if shape.len() <= 8 {
        return format!("{shape:?}");
    }
    let head: Vec<String> = shape[..4].iter().map(usize::to_string).collect();
    let tail: Vec<String> = shape[shape.len() - 2..]
        .iter()
        .map(usize::to_string)
        .collect();
    format!(
        "[{}, … {} more …, {}] (rank {})",
        head.join(", "),
        shape.len() - 6,
        tail.join(", "),
        shape.len()
    )
}

impl<T: Float> Tensor<T> {
    /// A tensor of the given shape filled with `value`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the shape is too large to exist (see [`checked_len`]).
    pub fn try_full(shape: &[usize], value: T) -> Result<Self> {
        checked_len::<T>("Tensor::full", shape)?;
        Ok(if shape.is_empty() {
            Self::scalar(value)
        } else {
            Self::from_array(ArrayD::from_elem(IxDyn(shape), value))
        })
    }

    /// Sums a broadcast result back to `shape`: the adjoint of broadcasting to `self.shape()`.
    ///
    /// Leading axes that broadcasting added are summed away; axes where `shape` has size 1 are
    /// summed and kept.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tensor;
    /// let g = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(g.sum_to(&[3]).to_vec(), vec![5.0, 7.0, 9.0]);
    /// assert_eq!(g.sum_to(&[2, 1]).to_vec(), vec![6.0, 15.0]);
    /// assert_eq!(g.sum_to(&[]).to_vec(), vec![21.0]);
    /// ```
    ///
    /// # Panics
    /// If `self` does not have the shape `shape` broadcasts to; see [`Tensor::try_sum_to`].
    pub fn sum_to(&self, shape: &[usize]) -> Self {
        self.try_sum_to(shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tensor::sum_to`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`] (op `sum_to`) if broadcasting `shape` does not give `self.shape()`.
    pub fn try_sum_to(&self, shape: &[usize]) -> Result<Self> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let from = self.shape();
        let broadcasts = shape.len() <= from.len()
            && shape
                .iter()
                .zip(&from[from.len() - shape.len()..])
                .all(|(&s, &f)| s == f || s == 1);
        if !broadcasts {
            return Err(Error::shape(
                "sum_to",
                from,
                shape,
                "the target shape does not broadcast to the tensor's shape",
            ));
        }
        if self.is_empty() {
            // ndarray would visit each empty slice of a `[2⁴⁰, 0]` summed along axis 0.
            return Self::try_full(shape, T::zero());
        }
        if let Some(sum) = self.sum_leading_axis(shape) {
            return Ok(sum);
        }
        let mut a = self.view().to_owned();
        while a.ndim() > shape.len() {
            a = a.sum_axis(Axis(0));
        }
        for (axis, &size) in shape.iter().enumerate() {
            if size == 1 && a.shape()[axis] != 1 {
                a = a.sum_axis(Axis(axis)).insert_axis(Axis(axis));
            }
        }
        Ok(Self::from_array(a))
    }

    /// [`Tensor::sum_to`] where only the leading axis is summed away (`[b, n] → [n]` or
    /// `[1, n]`: a bias's gradient) and the array is row-major: the rows added one after
    /// another from zero, as ndarray's `sum_axis` adds them (so the same bits), without first
    /// copying the whole array or building an array per row. `None` for any other case.
    ///
    /// (ndarray sums along its smallest-stride axis in another order; in a row-major array of
    /// two or more axes that is never the leading one, ties going to the later axis.)
    fn sum_leading_axis(&self, shape: &[usize]) -> Option<Self> {
        let from = self.shape();
        let rest = from.get(1..)?;
        let leading_gone = shape == rest || (shape.first() == Some(&1) && &shape[1..] == rest);
        if rest.is_empty() || !leading_gone {
            return None;
        }
        let view = self.view();
        let values = view.as_slice()?;
        let mut sum = vec![T::zero(); rest.iter().product()];
        for row in values.chunks_exact(sum.len()) {
            for (s, &x) in sum.iter_mut().zip(row) {
                *s += x;
            }
        }
        Some(Self::from_vec(sum, shape))
    }
}

/// The shape two shapes broadcast to under numpy's rules.
///
/// # Errors
/// [`Error::Shape`] naming `op` when some aligned pair of sizes differs and neither is 1;
/// [`Error::Invalid`] naming `op` when the broadcast shape is too large to exist (two empty
/// tensors of shapes `[0, 2³², 1]` and `[0, 1, 2³²]`, say).
pub fn broadcast_shape(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(Error::shape(
                    op,
                    a,
                    b,
                    format!("axis {i}: sizes {da} and {db} do not broadcast"),
                ));
            }
        };
    }
    // The larger element type decides: a shape either holds f64s or is refused.
    checked_len::<f64>(op, &out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The leading-axis loop gives the bits of ndarray's `sum_axis` on a copy (the general
        /// path), one-wide rows included, and declines the cases it does not cover.
        #[test]
        fn leading_axis_sums_give_sum_axis_bits(
            rows in 1usize..9,
            width in 1usize..9,
            keep_axis in any::<bool>(),
            values in proptest::collection::vec(-1e6f64..1e6, 64),
        ) {
            let t = Tensor::from_vec(values[..rows * width].to_vec(), &[rows, width]);
            let target: Vec<usize> = if keep_axis { vec![1, width] } else { vec![width] };
            let general = t.view().to_owned().sum_axis(Axis(0));
            let fast = t.sum_leading_axis(&target).expect("a leading axis summed away");
            prop_assert_eq!(fast.shape(), &target[..]);
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            prop_assert_eq!(bits(fast.to_vec()), bits(general.iter().copied().collect()));
            // Not a leading axis alone: left to the general path.
            prop_assert!(t.sum_leading_axis(&[rows, 1]).is_none() || width == 1);
        }
    }
}
