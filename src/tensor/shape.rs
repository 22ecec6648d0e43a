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
