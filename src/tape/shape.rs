//! `Shape`: a var's shape, copied out of the tape without allocating.

use std::fmt;
use std::ops::{Deref, DerefMut};

use smallvec::SmallVec;

/// The shape of a var's value, as [`Var::shape`](super::Var::shape) returns it: held inline
/// for up to four axes (every tensor the crate's layers build), so reading it does not
/// allocate; it is a copy, so no borrow of the tape outlives the call (recording goes on).
///
/// Reads as a `&[usize]` (it derefs to one) and compares with slices, arrays and vectors.
///
/// # Example
/// ```
/// use chaintrace::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let m = tape.var("m", Tensor::zeros(&[2, 3]));
/// let shape = m.shape();
/// assert_eq!(shape, [2, 3]);
/// assert_eq!(shape.len(), 2);
/// let t = m.transpose(); // recording while `shape` is alive
/// assert_eq!(t.shape(), vec![3, 2]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(SmallVec<[usize; 4]>);

impl Shape {
    pub(super) fn new(dims: &[usize]) -> Self {
        Shape(SmallVec::from_slice(dims))
    }

    /// The axes as a slice.
    pub fn as_slice(&self) -> &[usize] {
        &self.0
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

/// A copy: changing it (`kept[last] = 1`) changes no var.
impl DerefMut for Shape {
    fn deref_mut(&mut self) -> &mut [usize] {
        &mut self.0
    }
}

impl AsRef<[usize]> for Shape {
    fn as_ref(&self) -> &[usize] {
        &self.0
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl From<Shape> for Vec<usize> {
    fn from(shape: Shape) -> Self {
        shape.0.into_vec()
    }
}

impl PartialEq<[usize]> for Shape {
    fn eq(&self, other: &[usize]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[usize]> for Shape {
    fn eq(&self, other: &&[usize]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Vec<usize>> for Shape {
    fn eq(&self, other: &Vec<usize>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Shape {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[usize; N]> for Shape {
    fn eq(&self, other: &&[usize; N]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Shape> for Vec<usize> {
    fn eq(&self, other: &Shape) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<Shape> for [usize] {
    fn eq(&self, other: &Shape) -> bool {
        self == other.as_slice()
    }
}

impl PartialEq<Shape> for &[usize] {
    fn eq(&self, other: &Shape) -> bool {
        *self == other.as_slice()
    }
}
