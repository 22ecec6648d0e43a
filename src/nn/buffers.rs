//! Buffers: named state a layer keeps in the [`ParamStore`] beside its parameters but does not
//! train (batch normalisation's running statistics), so that saving and loading the store
//! carries it, as PyTorch's `state_dict` carries a module's buffers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::ParamStore;
use crate::error::{Error, Result};
use crate::tensor::{Float, Tensor};

/// A tensor buffer: a handle shared by the layer that updates it and the store that saves
/// and loads it (cloning the handle, the layer or the store shares the same value).
#[derive(Clone, Debug)]
pub struct Buffer<T: Float>(Arc<Mutex<Tensor<T>>>);

impl<T: Float> Buffer<T> {
    fn lock(&self) -> MutexGuard<'_, Tensor<T>> {
        // A panic while holding the lock leaves a whole tensor behind: keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the current value.
    pub fn get(&self) -> Tensor<T> {
        self.lock().clone()
    }

    /// Replaces the value.
    pub fn set(&self, value: Tensor<T>) {
        *self.lock() = value;
    }

    /// The current value's shape.
    pub fn shape(&self) -> Vec<usize> {
        self.lock().shape().to_vec()
    }
}

/// A counting buffer (batch normalisation's `num_batches_tracked`), exact to `u64::MAX`
/// whatever the store's float type; saved as a 0-dimensional `I64` tensor, as PyTorch writes it.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Sets the count.
    pub fn set(&self, count: u64) {
        self.0.store(count, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn increment(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A buffer as the store holds it.
#[derive(Clone, Debug)]
pub(crate) enum Stored<T: Float> {
    Tensor(Buffer<T>),
    Count(Counter),
}

/// The store's buffers, in insertion order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers<T: Float> {
    pub(crate) entries: Vec<(String, Stored<T>)>,
}

impl<T: Float> Buffers<T> {
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }
}

impl<T: Float> ParamStore<T> {
    /// Adds a tensor buffer: state a layer updates itself (never an optimiser) and that
    /// [`save`](ParamStore::save) and [`load`](ParamStore::load) carry. Buffers never enter a
    /// tape through [`bind`](ParamStore::bind), and [`len`](ParamStore::len),
    /// [`iter`](ParamStore::iter) and [`tensors`](ParamStore::tensors) count parameters only.
    ///
    /// # Panics
    /// If a parameter or buffer of that name exists; see [`ParamStore::try_add_buffer`].
    pub fn add_buffer(&mut self, name: &str, value: Tensor<T>) -> Buffer<T> {
        self.try_add_buffer(name, value)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Adds a tensor buffer, or explains why not.
    ///
    /// # Errors
    /// [`Error::Invalid`] if a parameter or buffer of that name exists.
    pub fn try_add_buffer(&mut self, name: &str, value: Tensor<T>) -> Result<Buffer<T>> {
        self.check_free(name)?;
        let buffer = Buffer(Arc::new(Mutex::new(value)));
        self.buffers
            .entries
            .push((name.to_string(), Stored::Tensor(buffer.clone())));
        Ok(buffer)
    }

    /// Adds a counting buffer starting at 0.
    ///
    /// # Panics
    /// If a parameter or buffer of that name exists.
    pub fn add_counter(&mut self, name: &str) -> Counter {
        if let Err(e) = self.check_free(name) {
            panic!("{e}");
        }
        let counter = Counter::default();
        self.buffers
            .entries
            .push((name.to_string(), Stored::Count(counter.clone())));
        counter
    }

    /// The names of the buffers, in insertion order.
    pub fn buffer_names(&self) -> impl Iterator<Item = &str> {
        self.buffers.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The tensor buffer called `name` (`None` for a counter or an unknown name).
    pub fn buffer(&self, name: &str) -> Option<&Buffer<T>> {
        self.buffers.entries.iter().find_map(|(n, s)| match s {
            Stored::Tensor(b) if n == name => Some(b),
            _ => None,
        })
    }

    /// The counter called `name`.
    pub fn counter(&self, name: &str) -> Option<&Counter> {
        self.buffers.entries.iter().find_map(|(n, s)| match s {
            Stored::Count(c) if n == name => Some(c),
            _ => None,
        })
    }

    fn check_free(&self, name: &str) -> Result<()> {
        if self.id(name).is_some() || self.buffers.contains(name) {
            return Err(Error::invalid(
                "ParamStore::add",
                format!("a parameter named `{name}` already exists; give each layer a unique name"),
            ));
        }
        Ok(())
    }
}
