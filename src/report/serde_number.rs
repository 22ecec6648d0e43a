//! Serde for `f64` values that may be infinite or NaN, which JSON cannot write as numbers.
//!
//! A finite value is a JSON number; the others are the strings `"Infinity"`, `"-Infinity"` and
//! `"NaN"`, which JavaScript's `Number()` reads back. Use it on a field with
//! `#[serde(with = "chaintrace::report::serde_number")]` (or [`optional`], [`optional_vec`]).
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Row {
//!     #[serde(with = "chaintrace::report::serde_number")]
//!     gradient: f64,
//! }
//! let json = serde_json::to_string(&Row { gradient: f64::INFINITY }).unwrap();
//! assert_eq!(json, r#"{"gradient":"Infinity"}"#);
//! assert_eq!(serde_json::from_str::<Row>(&json).unwrap().gradient, f64::INFINITY);
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Finite(f64),
    Special(String),
}

impl Repr {
    fn from_f64(x: f64) -> Repr {
        if x.is_finite() {
            Repr::Finite(x)
        } else if x.is_nan() {
            Repr::Special("NaN".into())
        } else if x > 0.0 {
            Repr::Special("Infinity".into())
        } else {
            Repr::Special("-Infinity".into())
        }
    }

    fn into_f64<E: serde::de::Error>(self) -> Result<f64, E> {
        match self {
            Repr::Finite(x) => Ok(x),
            Repr::Special(s) => match s.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(E::custom(format!(
                    "expected a number, \"Infinity\", \"-Infinity\" or \"NaN\", found \"{s}\""
                ))),
            },
        }
    }
}

/// Writes an `f64`.
///
/// # Errors
/// The serializer's.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    Repr::from_f64(*x).serialize(s)
}

/// Reads an `f64`.
///
/// # Errors
/// For anything but a number or one of the three strings.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Repr::deserialize(d)?.into_f64()
}

/// The same for `Option<f64>`, with `None` as `null`.
pub mod optional {
    use super::Repr;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes an `Option<f64>`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        x.map(Repr::from_f64).serialize(s)
    }

    /// Reads an `Option<f64>`.
    ///
    /// # Errors
    /// For anything but `null`, a number or one of the three strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Repr>::deserialize(d)?
            .map(Repr::into_f64)
            .transpose()
    }
}

/// The same for `Vec<Option<f64>>`.
pub mod optional_vec {
    use super::Repr;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes a `Vec<Option<f64>>`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(xs: &[Option<f64>], s: S) -> Result<S::Ok, S::Error> {
        let reprs: Vec<Option<Repr>> = xs.iter().map(|x| x.map(Repr::from_f64)).collect();
        reprs.serialize(s)
    }

    /// Reads a `Vec<Option<f64>>`.
    ///
    /// # Errors
    /// For anything but an array of what [`optional`](super::optional) reads.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<f64>>, D::Error> {
        Vec::<Option<Repr>>::deserialize(d)?
            .into_iter()
            .map(|x| x.map(Repr::into_f64).transpose())
            .collect()
    }
}

/// The same for `Vec<f64>`.
pub mod vec {
    use super::Repr;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes a `Vec<f64>`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let reprs: Vec<Repr> = xs.iter().map(|x| Repr::from_f64(*x)).collect();
        reprs.serialize(s)
    }

    /// Reads a `Vec<f64>`.
    ///
    /// # Errors
    /// For anything but an array of numbers and the three strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Repr>::deserialize(d)?
            .into_iter()
            .map(Repr::into_f64)
            .collect()
    }
}
