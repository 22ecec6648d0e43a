//! Weights in and out: a [`ParamStore`] saved to and loaded from a safetensors file, under the
//! store's names (PyTorch's `state_dict` keys for the layers that mirror PyTorch's).

use std::borrow::Cow;
use std::path::Path;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors, View};

use super::buffers::Stored;
use super::{Buffer, Counter, ParamId, ParamStore};
use crate::error::{Error, Result};
use crate::tensor::{Float, Tensor};

/// How strict [`ParamStore::load_with`] is. The default refuses both mismatches, as PyTorch's
/// `load_state_dict(strict=True)`.
///
/// ```
/// use chaintrace::nn::LoadOptions;
/// let lenient = LoadOptions { allow_extra: true, ..LoadOptions::default() };
/// assert!(!lenient.allow_missing);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Skip tensors of the file that the store does not have (a checkpoint of a larger model).
    pub allow_extra: bool,
    /// Keep the current value of store entries the file does not have.
    pub allow_missing: bool,
}

/// A tensor as the file holds it: dtype, shape and little-endian bytes.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

impl Encoded {
    /// In the store's own type: `F64` for `f64`, `F32` for `f32` (both exact).
    fn float<T: Float>(value: &Tensor<T>) -> Self {
        let data = value.to_vec();
        let (dtype, bytes) = if T::NAME == "f64" {
            let bytes = data.iter().flat_map(|x| x.as_f64().to_le_bytes()).collect();
            (Dtype::F64, bytes)
        } else {
            let bytes = data
                .iter()
                .flat_map(|x| (x.as_f64() as f32).to_le_bytes())
                .collect();
            (Dtype::F32, bytes)
        };
        Encoded {
            dtype,
            shape: value.shape().to_vec(),
            bytes,
        }
    }

    /// A counter as PyTorch writes `num_batches_tracked`: a 0-dimensional `I64`.
    fn count(count: u64) -> Self {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        Encoded {
            dtype: Dtype::I64,
            shape: Vec::new(),
            bytes: count.to_le_bytes().to_vec(),
        }
    }
}

/// A value read from the file, checked, waiting to be stored.
enum Loaded<T: Float> {
    Param(ParamId, Tensor<T>),
    Tensor(Buffer<T>, Tensor<T>),
    Count(Counter, u64),
}

impl<T: Float> ParamStore<T> {
    /// Writes every parameter and buffer to `path` in the safetensors format, each under its
    /// name, in the store's float type (`F32` or `F64`; counters as `I64`). The file is written
    /// beside `path` and renamed into place, so an existing file is never left half-written.
    ///
    /// # Errors
    /// [`Error::Weights`] if the file cannot be written.
    ///
    /// # Example: save, then load into a freshly built model
    /// ```
    /// use chaintrace::nn::{Init, Linear, ParamStore};
    ///
    /// let path = std::env::temp_dir().join(format!("fc-{}.safetensors", std::process::id()));
    /// let mut store = ParamStore::<f64>::new(1);
    /// let fc = Linear::new(&mut store, "fc1", 3, 2, Init::Torch);
    /// store.save(&path).unwrap();
    ///
    /// // As in PyTorch: build the model first (any weights), then load by name.
    /// let mut fresh = ParamStore::<f64>::new(99);
    /// let same = Linear::new(&mut fresh, "fc1", 3, 2, Init::Torch);
    /// assert_ne!(fresh.get(same.weight()), store.get(fc.weight()));
    /// fresh.load(&path).unwrap();
    /// assert_eq!(fresh.get(same.weight()), store.get(fc.weight()));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tensors: Vec<(String, Encoded)> = self
            .iter()
            .map(|(_, name, value)| (name.to_string(), Encoded::float(value)))
            .collect();
        for (name, stored) in &self.buffers.entries {
            let encoded = match stored {
                Stored::Tensor(buffer) => Encoded::float(&buffer.get()),
                Stored::Count(counter) => Encoded::count(counter.get()),
            };
            tensors.push((name.clone(), encoded));
        }
        safetensors::serialize_to_file(tensors, None, path)
            .map_err(|e| weights_error(path, None, format!("cannot write it: {e}")))
    }

    /// Fills the store's parameters and buffers from a safetensors file, by name, strictly:
    /// [`ParamStore::load_with`] with the default [`LoadOptions`].
    ///
    /// # Errors
    /// As [`ParamStore::load_with`].
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.load_with(path, LoadOptions::default())
    }

    /// Fills the store's parameters and buffers from a safetensors file, by name (a model is
    /// built first, then loaded, as in PyTorch). `F32` and `F64` tensors are converted to the
    /// store's type; counters (`num_batches_tracked`) are read from `I64`. Everything is
    /// checked before anything is written: a failed load leaves the store as it was.
    ///
    /// # Errors
    /// [`Error::Weights`], naming the file and the tensor, when the file cannot be read or is
    /// not safetensors; a store entry is not in the file (unless
    /// [`allow_missing`](LoadOptions::allow_missing)); the file has a tensor the store does not
    /// (unless [`allow_extra`](LoadOptions::allow_extra)); a tensor's shape differs from the
    /// store's; its dtype is another (`F16`, `BF16`, `I64` for a float tensor, …); or a value is
    /// not finite in the store's type.
    pub fn load_with(&mut self, path: impl AsRef<Path>, options: LoadOptions) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| weights_error(path, None, format!("cannot read it: {e}")))?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|e| weights_error(path, None, format!("not a safetensors file: {e}")))?;
        let mut loaded = Vec::new();
        let mut missing = Vec::new();
        for (id, name, value) in self.iter() {
            match file.tensor(name) {
                Ok(view) => {
                    let tensor = read_float(path, name, &view, value.shape())?;
                    loaded.push(Loaded::Param(id, tensor));
                }
                Err(_) => missing.push(name.to_string()),
            }
        }
        for (name, stored) in &self.buffers.entries {
            let Ok(view) = file.tensor(name) else {
                missing.push(name.clone());
                continue;
            };
            loaded.push(match stored {
                Stored::Tensor(buffer) => {
                    let tensor = read_float(path, name, &view, &buffer.shape())?;
                    Loaded::Tensor(buffer.clone(), tensor)
                }
                Stored::Count(counter) => {
                    Loaded::Count(counter.clone(), read_count(path, name, &view)?)
                }
            });
        }
        if !missing.is_empty() && !options.allow_missing {
            let reason = format!(
                "not in the file, which the store needs ({} missing: {}); \
                 LoadOptions {{ allow_missing: true, .. }} keeps the store's values",
                missing.len(),
                quoted(&missing)
            );
            return Err(weights_error(path, Some(&missing[0]), reason));
        }
        if !options.allow_extra {
            let mut extra: Vec<String> = file
                .names()
                .into_iter()
                .filter(|n| self.id(n).is_none() && !self.buffers.contains(n))
                .map(str::to_string)
                .collect();
            extra.sort();
            if let Some(first) = extra.first() {
                let reason = format!(
                    "in the file but not in the store ({} extra: {}); \
                     LoadOptions {{ allow_extra: true, .. }} skips them",
                    extra.len(),
                    quoted(&extra)
                );
                return Err(weights_error(path, Some(first), reason));
            }
        }
        for entry in loaded {
            match entry {
                Loaded::Param(id, tensor) => *self.get_mut(id) = tensor,
                Loaded::Tensor(buffer, tensor) => buffer.set(tensor),
                Loaded::Count(counter, count) => counter.set(count),
            }
        }
        Ok(())
    }
}

fn weights_error(path: &Path, tensor: Option<&str>, reason: String) -> Error {
    Error::Weights {
        path: path.display().to_string(),
        tensor: tensor.map(str::to_string),
        reason,
    }
}

fn quoted(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = names.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(", and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

/// A float tensor of the file as the store's type, with the shape the store expects.
fn read_float<T: Float>(
    path: &Path,
    name: &str,
    view: &TensorView<'_>,
    expected: &[usize],
) -> Result<Tensor<T>> {
    let fail = |reason: String| Err(weights_error(path, Some(name), reason));
    if view.shape() != expected {
        return fail(format!(
            "shape {:?} in the file, {expected:?} in the store",
            view.shape()
        ));
    }
    let values: Vec<f64> = match view.dtype() {
        Dtype::F64 => view
            .data()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect(),
        Dtype::F32 => view
            .data()
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes(b.try_into().expect("4 bytes"))))
            .collect(),
        other => {
            return fail(format!(
                "dtype {other:?} is not supported: a parameter must be F32 or F64 \
                 (converted to the store's {})",
                T::NAME
            ));
        }
    };
    let data: Vec<T> = values.iter().map(|&v| T::from_f64(v)).collect();
    if let Some(k) = data.iter().position(|v| !v.as_f64().is_finite()) {
        return fail(format!(
            "element {k}, {:e} in the file, is not finite as {} (a weight must be finite)",
            values[k],
            T::NAME
        ));
    }
    Tensor::try_from_vec(data, expected).or_else(|e| fail(e.to_string()))
}

/// A counter (`num_batches_tracked`): a 0-dimensional (or one-element) non-negative `I64`.
fn read_count(path: &Path, name: &str, view: &TensorView<'_>) -> Result<u64> {
    let fail = |reason: String| Err(weights_error(path, Some(name), reason));
    if view.dtype() != Dtype::I64 {
        return fail(format!(
            "dtype {:?} is not supported: a counter must be I64",
            view.dtype()
        ));
    }
    if view.shape().iter().product::<usize>() != 1 {
        return fail(format!(
            "shape {:?} in the file, [] in the store",
            view.shape()
        ));
    }
    let count = i64::from_le_bytes(view.data()[..8].try_into().expect("8 bytes"));
    u64::try_from(count).or_else(|_| fail(format!("a count of {count} is negative")))
}
