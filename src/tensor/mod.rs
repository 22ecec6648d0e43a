//! `Tensor<T>`: the values that flow forward and the gradients that flow back.
//!
//! A tensor is an n-dimensional array of `f32` or `f64`. A scalar is the rank-0 tensor, and it is
//! stored inline (no heap allocation) because scalar graphs — the teaching case — create one
//! value and one gradient per node, and a million-node chain must stay cheap. Everything of rank
//! one or more is an [`ndarray::ArrayD`]. Matrix products run on `matrixmultiply`, except in `f32` on
//! x86-64 with AVX2 and FMA, where `gemm/` has a kernel of its own (the training step's hot spot).
//!
//! Binary elementwise operations follow numpy's broadcasting rules; [`Tensor::sum_to`] undoes a
//! broadcast, and the reverse sweep calls it in exactly one place. `norm.rs` measures tensors:
//! the overflow-safe 2-norm every norm in the crate comes from ([`ScaledNorm`]), min and max.

mod arith;
mod float;
mod gemm;
mod norm;
mod repr;
mod shape;

pub use float::Float;
pub use norm::ScaledNorm;
pub use shape::{broadcast_shape, checked_len};

use repr::{Repr, ReprMut};

use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

/// An n-dimensional array of `T` (`f32` or `f64`); a scalar is the rank-0 tensor.
///
/// # Example
/// ```
/// use chaintrace::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
/// assert_eq!(t.shape(), &[2, 2]);
/// assert_eq!(t.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
/// let s: Tensor<f64> = 2.5.into();
/// assert_eq!(s.shape(), &[] as &[usize]);
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<T> {
    /// Rank 1 or more (never rank 0: [`Tensor::from_array`] normalises); `None` for a scalar.
    /// Shared: cloning a tensor is a reference-count bump, and a tensor is copied only when
    /// one of several holders changes it in place (copy-on-write, [`Tensor::array_mut`]).
    array: Option<Arc<ArrayD<T>>>,
    /// A scalar's value, kept inline; zero, and never read, when `array` holds the values.
    ///
    /// Two plain fields rather than an enum of the two cases: the compiler passes and stores
    /// the pair as two registers, where an enum (a tag and a payload that is a float or a
    /// pointer) was built in memory and copied in 16-byte moves over the narrower stores
    /// that wrote it, a stall on every scalar node recorded (docs/performance.md, section 1).
    scalar: T,
}

impl<T: Float> Tensor<T> {
    /// A rank-0 tensor holding `x`.
    #[inline]
    pub fn scalar(x: T) -> Self {
        Tensor {
            array: None,
            scalar: x,
        }
    }

    /// A tensor of the given shape from row-major data.
    ///
    /// # Panics
    /// If `data.len()` is not the product of `shape`; [`Tensor::try_from_vec`] returns the error.
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Self {
        Self::try_from_vec(data, shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor of the given shape from row-major data.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data.len()` is not the product of `shape`; [`Error::Invalid`] if
    /// that product is too large to exist (see [`checked_len`]).
    pub fn try_from_vec(data: Vec<T>, shape: &[usize]) -> Result<Self> {
        let expected = checked_len::<T>("Tensor::from_vec", shape)?;
        if data.len() != expected {
            return Err(Error::shape(
                "Tensor::from_vec",
                &[data.len()],
                shape,
                format!(
                    "{} values cannot fill shape {shape:?} ({expected} values)",
                    data.len()
                ),
            ));
        }
        let array = ArrayD::from_shape_vec(IxDyn(shape), data).expect("length checked above");
        Ok(Self::from_array(array))
    }

    /// Wraps an ndarray array (a rank-0 array becomes an inline scalar).
    pub fn from_array(array: ArrayD<T>) -> Self {
        if array.ndim() == 0 {
            Self::scalar(
                array
                    .into_iter()
                    .next()
                    .expect("rank-0 array has one element"),
            )
        } else {
            Tensor {
                array: Some(Arc::new(array)),
                scalar: T::zero(),
            }
        }
    }

    /// A tensor of the given shape filled with `value`.
    ///
    /// # Panics
    /// If the shape is too large to exist; see [`Tensor::try_full`].
    pub fn full(shape: &[usize], value: T) -> Self {
        Self::try_full(shape, value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor of the given shape filled with zeros.
    ///
    /// # Panics
    /// As [`Tensor::full`].
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, T::zero())
    }

    /// A tensor of the given shape filled with ones.
    ///
    /// # Panics
    /// As [`Tensor::full`].
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, T::one())
    }

    /// The shape; `&[]` for a scalar.
    pub fn shape(&self) -> &[usize] {
        match self.repr() {
            Repr::Scalar(_) => &[],
            Repr::Array(a) => a.shape(),
        }
    }

    /// True when `self` and `other` have the same shape.
    ///
    /// Use this rather than `a.shape() == b.shape()` on hot paths: comparing two empty slices
    /// (two scalars) still calls `memcmp` with a dangling pointer and length 0, and glibc's
    /// AVX-512 `memcmp` then does a masked load from that unmapped address, which some CPUs
    /// (measured on AMD EPYC) serve through a slow fault-suppression assist, about 140 ns a
    /// call. In the reverse sweep of a scalar chain that one comparison was 85% of the time.
    pub fn same_shape(&self, other: &Self) -> bool {
        match (self.repr(), other.repr()) {
            (Repr::Scalar(_), Repr::Scalar(_)) => true,
            (Repr::Array(a), Repr::Array(b)) => a.shape() == b.shape(),
            _ => false,
        }
    }

    /// The value of a rank-0 tensor, `None` for any array (even one of a single element): the
    /// test the scalar fast paths of the tape and the sweep make on every node.
    #[inline]
    pub(crate) fn as_scalar(&self) -> Option<T> {
        match self.array {
            None => Some(self.scalar),
            Some(_) => None,
        }
    }

    /// The number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self.repr() {
            Repr::Scalar(_) => 1,
            Repr::Array(a) => a.len(),
        }
    }

    /// True when the tensor has no elements (a dimension of size 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in row-major order (one `memcpy` when the array is laid out row-major,
    /// as every array the ops make is).
    pub fn to_vec(&self) -> Vec<T> {
        match self.repr() {
            Repr::Scalar(x) => vec![*x],
            Repr::Array(a) => a
                .as_slice()
                .map_or_else(|| a.iter().copied().collect(), <[T]>::to_vec),
        }
    }

    /// The single value of a one-element tensor (a scalar, or shape `[1]`, `[1, 1]`, …).
    pub fn item(&self) -> Option<T> {
        match self.repr() {
            Repr::Scalar(x) => Some(*x),
            Repr::Array(a) if a.len() == 1 => a.iter().next().copied(),
            Repr::Array(_) => None,
        }
    }

    /// A read-only ndarray view (rank 0 for a scalar).
    pub fn view(&self) -> ArrayViewD<'_, T> {
        match self.repr() {
            Repr::Scalar(x) => ArrayViewD::from_shape(IxDyn(&[]), std::slice::from_ref(x))
                .expect("a rank-0 view of one element"),
            Repr::Array(a) => a.view(),
        }
    }

    /// The ndarray array (a scalar becomes a rank-0 array).
    pub fn into_array(self) -> ArrayD<T> {
        match self.array {
            None => ArrayD::from_elem(IxDyn(&[]), self.scalar),
            Some(a) => Arc::unwrap_or_clone(a),
        }
    }

    /// Applies `f` to every element.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        match self.repr() {
            Repr::Scalar(x) => Self::scalar(f(*x)),
            Repr::Array(a) => Self::from_array(a.mapv(f)),
        }
    }

    /// Combines two tensors elementwise under numpy broadcasting.
    ///
    /// # Errors
    /// [`Error::Shape`] naming `op` when the shapes do not broadcast.
    pub fn zip_map(&self, other: &Self, op: &'static str, f: impl Fn(T, T) -> T) -> Result<Self> {
        if let (Repr::Scalar(a), Repr::Scalar(b)) = (self.repr(), other.repr()) {
            return Ok(Self::scalar(f(*a, *b)));
        }
        let shape = broadcast_shape(op, self.shape(), other.shape())?;
        let dim = IxDyn(&shape);
        let a = self.view();
        let b = other.view();
        let a = a.broadcast(dim.clone()).expect("shape checked");
        let b = b.broadcast(dim).expect("shape checked");
        Ok(Self::from_array(
            Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y)),
        ))
    }

    /// Like [`Tensor::zip_map`] for shapes already known to broadcast (gradient rules).
    ///
    /// Two scalars are combined here, inline: the scalar case is the whole cost of a scalar
    /// graph's vector-Jacobian products.
    #[inline]
    pub(crate) fn zip(&self, other: &Self, f: impl Fn(T, T) -> T) -> Self {
        if let (Repr::Scalar(a), Repr::Scalar(b)) = (self.repr(), other.repr()) {
            return Self::scalar(f(*a, *b));
        }
        self.zip_map(other, "zip", f)
            .expect("gradient rule on shapes that broadcast")
    }

    /// The sum of all elements.
    pub fn sum(&self) -> T {
        match self.repr() {
            Repr::Scalar(x) => *x,
            Repr::Array(a) => a.sum(),
        }
    }

    /// The number of a rank-0 tensor, to change in place (`None` for an array).
    #[inline]
    pub(crate) fn scalar_mut(&mut self) -> Option<&mut T> {
        match self.repr_mut() {
            ReprMut::Scalar(x) => Some(x),
            ReprMut::Array(_) => None,
        }
    }

    /// Adds `x` to every element.
    #[inline]
    pub(crate) fn add_scalar(&mut self, x: T) {
        match self.repr_mut() {
            ReprMut::Scalar(a) => *a += x,
            ReprMut::Array(_) => self.map_in_place(|a| a + x),
        }
    }

    /// Applies `f` to every element, in `self`'s buffer unless another tensor shares it (then
    /// into a new one: the sharer keeps the old values).
    #[inline]
    pub(crate) fn map_in_place(&mut self, f: impl Fn(T) -> T) {
        match self.repr_mut() {
            ReprMut::Scalar(a) => *a = f(*a),
            ReprMut::Array(a) => match Arc::get_mut(a) {
                Some(a) => a.mapv_inplace(f),
                None => *a = Arc::new(a.mapv(f)),
            },
        }
    }

    /// The array, to change in place, when no other tensor shares it (`None` for a scalar or
    /// a shared array: the caller then builds a new tensor instead of copying this one first).
    #[inline]
    pub(crate) fn array_mut(&mut self) -> Option<&mut ArrayD<T>> {
        match self.repr_mut() {
            ReprMut::Scalar(_) => None,
            ReprMut::Array(a) => Arc::get_mut(a),
        }
    }

    /// True when `self` and `other` are arrays that share one buffer (cloning a tensor shares
    /// it); false for scalars, which are stored inline. For tests of "no copy".
    #[doc(hidden)]
    pub fn shares_storage(&self, other: &Self) -> bool {
        match (self.repr(), other.repr()) {
            (Repr::Array(a), Repr::Array(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Adds `other` (of the same shape) into `self`: how fan-out gradients accumulate.
    #[inline]
    pub(crate) fn add_assign(&mut self, other: &Self) {
        match (self.repr_mut(), other.repr()) {
            (ReprMut::Scalar(a), Repr::Scalar(b)) => *a += *b,
            (ReprMut::Array(a), Repr::Array(b)) if a.shape() == b.shape() => {
                match Arc::get_mut(a) {
                    Some(a) => *a += &**b,
                    None => *a = Arc::new(&**a + &**b),
                }
            }
            _ => *self = self.zip(other, |a, b| a + b),
        }
    }

    /// Converts every element to another float type.
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        match self.repr() {
            Repr::Scalar(x) => Tensor::scalar(U::from_f64(x.as_f64())),
            Repr::Array(a) => Tensor::from_array(a.mapv(|x| U::from_f64(x.as_f64()))),
        }
    }
}

impl<T: Float> From<T> for Tensor<T> {
    fn from(x: T) -> Self {
        Tensor::scalar(x)
    }
}

impl<T: Float> From<ArrayD<T>> for Tensor<T> {
    fn from(a: ArrayD<T>) -> Self {
        Tensor::from_array(a)
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Repr::Scalar(x) => write!(f, "Tensor({x:?})"),
            Repr::Array(a) => write!(f, "Tensor(shape={:?}, {:?})", a.shape(), a.as_slice()),
        }
    }
}

impl<T: Float> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Repr::Scalar(x) => write!(f, "{x}"),
            Repr::Array(a) => write!(f, "{a}"),
        }
    }
}
