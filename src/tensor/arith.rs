//! Arithmetic on tensors, for writing vector-Jacobian products in a few lines.
//!
//! - `&a + &b`, `&a - &b`, `&a * &b`, `&a / &b`: elementwise under numpy broadcasting (the
//!   shapes are aligned on the right; a size 1 or a missing axis stretches), with the same rule
//!   and the same error as [`Tensor::zip_map`]. An owned left operand of the result's shape
//!   (`a + &b` with `a` as large as the result) is updated in place, without allocating.
//! - `&a * 2.0`, `2.0 * &a` (and `+`, `-`, `/`): a plain number on either side, applied to every
//!   element; `-&a` negates every element.
//! - [`Tensor::matmul`], [`Tensor::transpose`], [`Tensor::sum_axis`], [`Tensor::sum_axes`]:
//!   the values of the tape's `matmul`, `transpose` and `sum_axis` ops, computed by the same code.
//!
//! The operators and plain methods panic on shapes that do not fit, with the message of the
//! [`Error`](crate::Error) that the `try_` forms ([`Tensor::try_add`], …) return: it names the
//! op and both shapes.
//!
//! ```
//! use chaintrace::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
//! let b = Tensor::from_vec(vec![10.0, 20.0, 30.0], &[3]);
//! // The vector-Jacobian product of y = 3·x² + b, for the upstream gradient g.
//! let g = Tensor::ones(&[2, 3]);
//! let dx = &g * &(6.0 * &x);
//! assert_eq!(dx.to_vec(), vec![6.0, 12.0, 18.0, 24.0, 30.0, 36.0]);
//! let db = g.sum_axis(0);
//! assert_eq!(db.to_vec(), vec![2.0, 2.0, 2.0]);
//! assert_eq!((&x + &b).to_vec(), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
//! ```

use std::ops::{Add, Div, Mul, Neg, Sub};

use ndarray::Zip;

use super::{Float, Tensor};
use crate::error::Result;
use crate::ops::{MatMul, Op, SumAxis, Transpose};

impl<T: Float> Tensor<T> {
    /// `self + rhs` elementwise under numpy broadcasting; the same as `&self + rhs`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `add`, both shapes) when the shapes do not
    /// broadcast.
    pub fn try_add(&self, rhs: &Self) -> Result<Self> {
        self.zip_map(rhs, "add", |a, b| a + b)
    }

    /// `self − rhs` elementwise under numpy broadcasting; the same as `&self - rhs`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `sub`, both shapes) when the shapes do not
    /// broadcast.
    pub fn try_sub(&self, rhs: &Self) -> Result<Self> {
        self.zip_map(rhs, "sub", |a, b| a - b)
    }

    /// `self · rhs` elementwise under numpy broadcasting; the same as `&self * rhs`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `mul`, both shapes) when the shapes do not
    /// broadcast.
    pub fn try_mul(&self, rhs: &Self) -> Result<Self> {
        self.zip_map(rhs, "mul", |a, b| a * b)
    }

    /// `self / rhs` elementwise under numpy broadcasting (IEEE division: `1/0` is ∞); the same
    /// as `&self / rhs`.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `div`, both shapes) when the shapes do not
    /// broadcast.
    pub fn try_div(&self, rhs: &Self) -> Result<Self> {
        self.zip_map(rhs, "div", |a, b| a / b)
    }

    /// The matrix product `self · rhs` of a `[m, k]` and a `[k, n]` matrix, a `[m, n]` matrix:
    /// the value of [`Var::matmul`](crate::Var::matmul). In `f32` on x86-64 with AVX2 and FMA it
    /// runs the crate's own kernel, elsewhere ndarray's `dot`; either way each element is summed
    /// in an order fixed by the three sizes, so results do not change between runs.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let b = Tensor::from_vec(vec![5.0, 6.0], &[2, 1]);
    /// assert_eq!(a.matmul(&b).to_vec(), vec![17.0, 39.0]); // [1·5 + 2·6, 3·5 + 4·6]
    /// ```
    ///
    /// # Panics
    /// When the shapes do not fit, with the message of [`Tensor::try_matmul`]'s error.
    pub fn matmul(&self, rhs: &Self) -> Self {
        self.try_matmul(rhs).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tensor::matmul`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `matmul`, both shapes) unless `self` is
    /// `[m, k]` and `rhs` is `[k, n]`; [`Error::Invalid`](crate::Error::Invalid) if `[m, n]` is
    /// too large to exist.
    pub fn try_matmul(&self, rhs: &Self) -> Result<Self> {
        MatMul.forward(&[self, rhs])
    }

    /// The axes in reverse order (numpy's `.T`): `Aᵀ` for a matrix, the tensor itself for a
    /// vector or a scalar. The value of [`Var::transpose`](crate::Var::transpose). It cannot
    /// fail, so it has no `try_` form.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// let t = a.transpose();
    /// assert_eq!(t.shape(), &[3, 2]);
    /// assert_eq!(t.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    pub fn transpose(&self) -> Self {
        Transpose
            .forward(&[self])
            .expect("transpose has no failure case")
    }

    /// The sum along `axis`, which is removed (`[2, 3]` summed along axis 0 is `[3]`): the value
    /// of [`Var::sum_axis`](crate::Var::sum_axis). [`Tensor::sum`] sums everything.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(a.sum_axis(0).to_vec(), vec![5.0, 7.0, 9.0]);
    /// assert_eq!(a.sum_axis(1).to_vec(), vec![6.0, 15.0]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is not less than the rank, with the message of [`Tensor::try_sum_axis`]'s
    /// error.
    pub fn sum_axis(&self, axis: usize) -> Self {
        self.try_sum_axis(axis).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tensor::sum_axis`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `sum_axis`, the shape and the axis) when `axis`
    /// is not less than the rank.
    pub fn try_sum_axis(&self, axis: usize) -> Result<Self> {
        SumAxis(axis).forward(&[self])
    }

    /// The sum along each of `axes`, which are removed (`[2, 3, 4]` summed along `[0, 2]` is
    /// `[3]`); axes are numbered in `self`'s shape, in any order. With `keep_dims` the summed
    /// axes stay with size 1 (`[1, 3, 1]`), so the result broadcasts back against `self`.
    ///
    /// # Example
    /// ```
    /// use chaintrace::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// let rows = a.sum_axes(&[1], true);
    /// assert_eq!(rows.shape(), &[2, 1]);
    /// assert_eq!((&a - &rows).to_vec(), vec![-5.0, -4.0, -3.0, -11.0, -10.0, -9.0]);
    /// assert_eq!(a.sum_axes(&[1, 0], false).to_vec(), vec![21.0]);
    /// ```
    ///
    /// # Panics
    /// With the message of [`Tensor::try_sum_axes`]'s error.
    pub fn sum_axes(&self, axes: &[usize], keep_dims: bool) -> Self {
        self.try_sum_axes(axes, keep_dims)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tensor::sum_axes`], returning the error instead of panicking.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) (op `sum_axis`, the shape and the axis) for an
    /// axis not less than the rank, or named twice.
    pub fn try_sum_axes(&self, axes: &[usize], keep_dims: bool) -> Result<Self> {
        let rank = self.ndim();
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        for pair in sorted.windows(2) {
            if pair[0] == pair[1] {
                return Err(crate::Error::shape(
                    "sum_axis",
                    self.shape(),
                    axes,
                    format!("axis {} is named twice", pair[0]),
                ));
            }
        }
        let mut out = self.clone();
        // From the last axis down, so the numbers of the axes still to sum do not move.
        for &axis in sorted.iter().rev() {
            if axis >= rank {
                return Err(crate::Error::shape(
                    "sum_axis",
                    self.shape(),
                    &[axis],
                    format!("axis {axis} is out of range for rank {rank}"),
                ));
            }
            out = out.try_sum_axis(axis)?;
        }
        if keep_dims {
            let kept: Vec<usize> = (0..rank)
                .map(|i| {
                    if sorted.contains(&i) {
                        1
                    } else {
                        self.shape()[i]
                    }
                })
                .collect();
            out = Self::from_array(
                out.into_array()
                    .into_shape_with_order(kept)
                    .expect("the same elements with axes of size 1 put back"),
            );
        }
        Ok(out)
    }

    /// `self ∘ rhs` in place when `self` already has the broadcast shape (and is an array), so
    /// an owned left operand is reused; otherwise a new tensor, as [`Tensor::zip_map`].
    fn zip_owned(mut self, rhs: &Self, op: &'static str, f: impl Fn(T, T) -> T) -> Result<Self> {
        if let Some(a) = self.array_mut()
            && let Some(b) = rhs.view().broadcast(a.raw_dim())
        {
            Zip::from(a).and(&b).for_each(|x, &y| *x = f(*x, y));
            return Ok(self);
        }
        self.zip_map(rhs, op, f)
    }
}

/// Implements one elementwise operator for every pairing of owned and borrowed tensors, and
/// with a plain number on the right.
macro_rules! tensor_operator {
    ($Trait:ident, $method:ident, $op:literal, $sym:tt) => {
        impl<T: Float> $Trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("Elementwise `", stringify!($sym), "` under numpy broadcasting.")]
            ///
            /// # Panics
            /// When the shapes do not broadcast, naming the op and both shapes.
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                self.zip_map(rhs, $op, |a, b| a $sym b)
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: Float> $Trait<&Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("Elementwise `", stringify!($sym), "` under numpy broadcasting, ")]
            /// in `self`'s buffer when it has the result's shape.
            ///
            /// # Panics
            /// When the shapes do not broadcast, naming the op and both shapes.
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                self.zip_owned(rhs, $op, |a, b| a $sym b)
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl<T: Float> $Trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("Elementwise `", stringify!($sym), "` under numpy broadcasting, in `self`'s buffer when it has the result's shape.")]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                self $sym &rhs
            }
        }
        impl<T: Float> $Trait<Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("Elementwise `", stringify!($sym), "` under numpy broadcasting.")]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                self $sym &rhs
            }
        }
        impl<T: Float> $Trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("`x ", stringify!($sym), " rhs` for every element `x`.")]
            fn $method(self, rhs: T) -> Tensor<T> {
                self.map(|a| a $sym rhs)
            }
        }
        impl<T: Float> $Trait<T> for Tensor<T> {
            type Output = Tensor<T>;
            #[doc = concat!("`x ", stringify!($sym), " rhs` for every element `x`, in place.")]
            fn $method(mut self, rhs: T) -> Tensor<T> {
                self.map_in_place(|a: T| a $sym rhs);
                self
            }
        }
        tensor_operator!(@left $Trait, $method, $sym, f32);
        tensor_operator!(@left $Trait, $method, $sym, f64);
    };
    (@left $Trait:ident, $method:ident, $sym:tt, $float:ty) => {
        impl $Trait<&Tensor<$float>> for $float {
            type Output = Tensor<$float>;
            #[doc = concat!("`self ", stringify!($sym), " x` for every element `x`.")]
            fn $method(self, rhs: &Tensor<$float>) -> Tensor<$float> {
                rhs.map(|b| self $sym b)
            }
        }
        impl $Trait<Tensor<$float>> for $float {
            type Output = Tensor<$float>;
            #[doc = concat!("`self ", stringify!($sym), " x` for every element `x`.")]
            fn $method(self, rhs: Tensor<$float>) -> Tensor<$float> {
                rhs.map(|b| self $sym b)
            }
        }
    };
}

tensor_operator!(Add, add, "add", +);
tensor_operator!(Sub, sub, "sub", -);
tensor_operator!(Mul, mul, "mul", *);
tensor_operator!(Div, div, "div", /);

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    /// `−x` for every element `x`.
    fn neg(self) -> Tensor<T> {
        self.map(|a| -a)
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    /// `−x` for every element `x`, in place.
    fn neg(mut self) -> Tensor<T> {
        self.map_in_place(|a| -a);
        self
    }
}
