//! How a trace records a value or a gradient: a scalar as its number, a tensor as its shape,
//! norm, range and finiteness (and its elements, when small enough).
//!
//! Numbers are stored as `f64` whatever the tape's element type. JSON has no NaN or infinity,
//! so `num` (with the `serde` feature) writes non-finite numbers as the strings `"NaN"`, `"inf"` and `"-inf"`.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::tensor::{Float, ScaledNorm, Tensor};

/// A recorded value or gradient.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum Summary {
    /// A rank-0 tensor: the number itself.
    Scalar(#[cfg_attr(feature = "serde", serde(with = "num"))] f64),
    /// A tensor of rank one or more (boxed: most recorded values are scalars).
    Tensor(Box<TensorSummary>),
}

/// A tensor described by its shape, Frobenius norm, range and finiteness.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct TensorSummary {
    /// The shape.
    pub shape: Vec<usize>,
    /// The Frobenius norm (computed with scaling, [`ScaledNorm`], so it is finite whenever the
    /// true norm is below `f64::MAX`).
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub norm: f64,
    /// The smallest element (NaN if any element is NaN).
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub min: f64,
    /// The largest element (NaN if any element is NaN).
    #[cfg_attr(feature = "serde", serde(with = "num"))]
    pub max: f64,
    /// True when every element is finite.
    pub finite: bool,
    /// Every element in row-major order, when there are at most
    /// [`TraceOptions::full_values`](super::TraceOptions::full_values) of them.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "num::option_vec"
        )
    )]
    pub values: Option<Vec<f64>>,
}

impl Summary {
    /// Summarises `t`, keeping its elements when it has at most `full_values` of them.
    #[inline]
    pub fn of<T: Float>(t: &Tensor<T>, full_values: usize) -> Self {
        // A traced scalar graph summarises several scalars per multiplication: they take this
        // one branch, inlined, and never reach the array code.
        match t.as_scalar() {
            Some(x) => Summary::Scalar(x.as_f64()),
            None => Self::of_array(t, full_values),
        }
    }

    /// [`Summary::of`] for a tensor of rank one or more (kept out of line: `of` is inlined
    /// into the sweep, and a tensor's summary costs far more than a call).
    #[inline(never)]
    fn of_array<T: Float>(t: &Tensor<T>, full_values: usize) -> Self {
        let view = t.view();
        let (mut min, mut max, mut nan, mut finite) =
            (f64::INFINITY, f64::NEG_INFINITY, false, true);
        for x in view.iter().map(|x| x.as_f64()) {
            min = min.min(x);
            max = max.max(x);
            nan |= x.is_nan();
            finite &= x.is_finite();
        }
        if nan {
            (min, max) = (f64::NAN, f64::NAN);
        }
        let values = (t.len() <= full_values).then(|| view.iter().map(|x| x.as_f64()).collect());
        Summary::Tensor(Box::new(TensorSummary {
            shape: t.shape().to_vec(),
            // The same summation as the ledger's, so a gradient's norm reads the same in
            // every table.
            norm: tensor_norm(t),
            min,
            max,
            finite,
            values,
        }))
    }

    /// The absolute value of a scalar, the Frobenius norm of a tensor.
    pub fn norm(&self) -> f64 {
        match self {
            Summary::Scalar(x) => x.abs(),
            Summary::Tensor(t) => t.norm,
        }
    }

    /// True when every element is finite.
    pub fn is_finite(&self) -> bool {
        match self {
            Summary::Scalar(x) => x.is_finite(),
            Summary::Tensor(t) => t.finite,
        }
    }

    /// The number, for a scalar.
    pub fn as_scalar(&self) -> Option<f64> {
        match self {
            Summary::Scalar(x) => Some(*x),
            Summary::Tensor(_) => None,
        }
    }

    /// The shape (`&[]` for a scalar).
    pub fn shape(&self) -> &[usize] {
        match self {
            Summary::Scalar(_) => &[],
            Summary::Tensor(t) => &t.shape,
        }
    }
}

/// The Frobenius norm of a tensor in `f64`, from [`ScaledNorm`] (the crate's one norm), so it
/// does not overflow on the way and reads the same in every table.
pub(crate) fn tensor_norm<T: Float>(t: &Tensor<T>) -> f64 {
    ScaledNorm::of(t).norm()
}

/// The 2-norm of several norms (a layer's outputs), combined without squaring them again.
pub(crate) fn combined_norm(norms: impl IntoIterator<Item = f64>) -> f64 {
    norms
        .into_iter()
        .map(ScaledNorm::of_value)
        .fold(ScaledNorm::ZERO, ScaledNorm::combine)
        .norm()
}

/// Serde for `f64` that survives JSON: finite numbers as numbers, the others as `"NaN"`,
/// `"inf"`, `"-inf"`.
#[cfg(feature = "serde")]
pub(crate) mod num {
    use serde::de::{self, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;

    /// An `f64` with the JSON encoding above.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(crate) struct Num(pub f64);

    impl Serialize for Num {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let x = self.0;
            match () {
                _ if x.is_finite() => s.serialize_f64(x),
                _ if x.is_nan() => s.serialize_str("NaN"),
                _ if x > 0.0 => s.serialize_str("inf"),
                _ => s.serialize_str("-inf"),
            }
        }
    }

    struct NumVisitor;

    impl Visitor<'_> for NumVisitor {
        type Value = Num;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(r#"a number, or "NaN", "inf" or "-inf""#)
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<Num, E> {
            Ok(Num(x))
        }
        fn visit_i64<E: de::Error>(self, x: i64) -> Result<Num, E> {
            Ok(Num(x as f64))
        }
        fn visit_u64<E: de::Error>(self, x: u64) -> Result<Num, E> {
            Ok(Num(x as f64))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Num, E> {
            match s {
                "NaN" => Ok(Num(f64::NAN)),
                "inf" => Ok(Num(f64::INFINITY)),
                "-inf" => Ok(Num(f64::NEG_INFINITY)),
                _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
            }
        }
    }

    impl<'de> Deserialize<'de> for Num {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
            d.deserialize_any(NumVisitor)
        }
    }

    pub(crate) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        Num(*x).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Num::deserialize(d).map(|n| n.0)
    }

    /// `Option<f64>`: `null` for `None`.
    pub(crate) mod option {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub(crate) fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            x.map(Num).serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<f64>, D::Error> {
            Ok(Option::<Num>::deserialize(d)?.map(|n| n.0))
        }
    }

    /// `Option<Vec<f64>>`.
    pub(crate) mod option_vec {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            x: &Option<Vec<f64>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            x.as_ref()
                .map(|v| v.iter().copied().map(Num).collect::<Vec<_>>())
                .serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Vec<f64>>, D::Error> {
            let v = Option::<Vec<Num>>::deserialize(d)?;
            Ok(v.map(|v| v.into_iter().map(|n| n.0).collect()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_survive_huge_and_tiny_elements() {
        // ‖(3e200, 4e200)‖ = 5e200 in a summary; the plain sum of squares would be inf.
        let t = Tensor::from_vec(vec![3e200, 4e200], &[2]);
        assert!((Summary::of(&t, 0).norm() / 5e200 - 1.0).abs() < 1e-15);
        // The f32 gradient [1e20, 1e20]: (1e20)² overflows f32, not the f64 summary.
        let t = Tensor::from_vec(vec![1e20f32, 1e20], &[2]);
        assert!((Summary::of(&t, 0).norm() / (2f64.sqrt() * 1e20) - 1.0).abs() < 1e-7);
        // A layer's two outputs of norm 3e300 and 4e300: their combined norm is 5e300.
        assert!((combined_norm([3e300, 4e300]) / 5e300 - 1.0).abs() < 1e-15);
        assert!(combined_norm([1.0, f64::NAN]).is_nan());
        assert_eq!(combined_norm([1.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(combined_norm([]), 0.0);
    }

    /// Every table reads the same norm for the same gradient, to the last bit.
    #[test]
    fn summaries_and_ledger_sum_squares_alike() {
        let xs: Vec<f64> = (0..1001)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        let t = Tensor::from_vec(xs, &[7, 143]);
        assert_eq!(Summary::of(&t, 0).norm(), tensor_norm(&t));
        let plain: f64 = t.to_vec().iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((tensor_norm(&t) - plain).abs() <= 1e-12 * plain);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn non_finite_numbers_round_trip_through_json() {
        let s = Summary::of(
            &Tensor::from_vec(vec![1.0, f64::NAN, f64::NEG_INFINITY], &[3]),
            8,
        );
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"shape":[3],"norm":"NaN","min":"NaN","max":"NaN","finite":false,"values":[1.0,"NaN","-inf"]}"#
        );
        let back: Summary = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        let inf: Summary = serde_json::from_str(r#""inf""#).unwrap();
        assert_eq!(inf, Summary::Scalar(f64::INFINITY));
    }
}
