//! The parameter store (tensors that persist across steps) and its binding to one step's tape.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::buffers::Buffers;
use super::init::Init;
use crate::error::{Error, Result};
use crate::tape::{NodeId, Tape, Var};
use crate::tensor::{Float, Tensor};

/// A parameter's index in its [`ParamStore`]: what a layer keeps to find its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(usize);

impl ParamId {
    /// The position in the store (parameters are numbered in the order they were added).
    pub fn index(self) -> usize {
        self.0
    }
}

/// The parameters of a model: named tensors that outlive every tape, and the seeded random
/// generator that initialised them.
///
/// Layers add their parameters when they are built (`"fc1.weight"`, `"fc1.bias"`); each
/// training step [binds](ParamStore::bind) the store to a fresh tape, and an optimiser writes
/// the updated values back. Names are unique and stable, and iteration is in insertion order,
/// so everything printed is deterministic.
///
/// Beside the parameters, a store holds *buffers*: state a layer updates itself and no
/// optimiser touches (batch normalisation's `bn.running_mean`, `bn.running_var` and
/// `bn.num_batches_tracked`; [`ParamStore::add_buffer`]). The layer and the store share them,
/// and so does a clone of the store.
///
/// # Weights in and out
/// [`ParamStore::save`] writes every parameter and buffer to a safetensors file under its
/// name; [`ParamStore::load`] fills a store from one by name, converting `F32`↔`F64`. The
/// names of the layers that mirror PyTorch's are PyTorch's `state_dict` keys (`fc1.weight`,
/// `lstm.weight_ih_l0`, `bn.running_var`), so a model saved from PyTorch with
/// `safetensors.torch.save_file(model.state_dict(), …)` loads into the same model built here
/// (docs/weights.md; with the `safetensors` feature, on by default):
///
/// ```
/// # #[cfg(feature = "safetensors")] {
/// use chaintrace::nn::{Init, Linear, ParamStore};
/// # let path = std::env::temp_dir().join(format!("doc-{}.safetensors", std::process::id()));
/// let mut trained = ParamStore::<f64>::new(0);
/// let fc1 = Linear::new(&mut trained, "fc1", 2, 3, Init::Torch);
/// trained.save(&path)?;
///
/// let mut store = ParamStore::<f32>::new(1); // another seed, another float type
/// let same = Linear::new(&mut store, "fc1", 2, 3, Init::Torch);
/// store.load(&path)?;
/// assert_eq!(*store.get(same.weight()), trained.get(fc1.weight()).cast::<f32>());
/// # std::fs::remove_file(&path).unwrap();
/// # }
/// # Ok::<(), chaintrace::Error>(())
/// ```
///
/// # Example: the training loop
/// ```
/// use chaintrace::nn::{Init, Layer, Linear, ParamStore};
/// use chaintrace::optim::{Optimizer, Sgd};
/// use chaintrace::{Tape, Tensor};
///
/// let mut store = ParamStore::<f64>::new(0);
/// let model = Linear::new(&mut store, "fc", 1, 1, Init::Constant(0.0));
/// let mut opt = Sgd::new(0.1);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]);
/// let y = Tensor::from_vec(vec![2.0, 4.0, 6.0], &[3, 1]);
/// for _ in 0..200 {
///     let tape = Tape::new();
///     let p = store.bind(&tape);
///     let loss = model.forward(&tape, &p, tape.constant(x.clone())).mse(tape.constant(y.clone()));
///     let grads = loss.backward();
///     opt.step(&mut store, &p, &grads);
/// }
/// let w = store.get(store.id("fc.weight").unwrap()).item().unwrap();
/// assert!((w - 2.0).abs() < 1e-2, "w = {w}");
/// ```
#[derive(Clone, Debug)]
pub struct ParamStore<T: Float> {
    names: Arc<Vec<String>>,
    index: BTreeMap<String, ParamId>,
    values: Vec<Tensor<T>>,
    rng: ChaCha8Rng,
    pub(super) buffers: Buffers<T>,
}

impl<T: Float> ParamStore<T> {
    /// An empty store whose initialisers draw from a ChaCha8 generator seeded with `seed`:
    /// building the same model with the same seed gives the same weights.
    pub fn new(seed: u64) -> Self {
        ParamStore {
            names: Arc::new(Vec::new()),
            index: BTreeMap::new(),
            values: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            buffers: Buffers::default(),
        }
    }

    /// Adds a parameter with a given value.
    ///
    /// # Panics
    /// If the name is taken; see [`ParamStore::try_add`].
    pub fn add(&mut self, name: &str, value: Tensor<T>) -> ParamId {
        self.try_add(name, value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Adds a parameter, or explains why not.
    ///
    /// # Errors
    /// [`Error::Invalid`] if a parameter or buffer of that name exists (give each layer its
    /// own name).
    pub fn try_add(&mut self, name: &str, value: Tensor<T>) -> Result<ParamId> {
        if self.index.contains_key(name) || self.buffers.contains(name) {
            return Err(Error::invalid(
                "ParamStore::add",
                format!("a parameter named `{name}` already exists; give each layer a unique name"),
            ));
        }
        let id = ParamId(self.values.len());
        Arc::make_mut(&mut self.names).push(name.to_string());
        self.index.insert(name.to_string(), id);
        self.values.push(value);
        Ok(id)
    }

    /// Adds a parameter of `shape` drawn by `init` from the store's generator.
    ///
    /// # Panics
    /// If the name is taken, or `init` needs fans and `shape` has rank below 2.
    pub fn add_init(&mut self, name: &str, shape: &[usize], init: Init) -> ParamId {
        let value = init.sample(shape, &mut self.rng);
        self.add(name, value)
    }

    /// Draws a parameter afresh by `init` (same shape), from the store's generator: for
    /// instance an orthogonal hidden-to-hidden matrix for a recurrent layer.
    ///
    /// # Panics
    /// If `id` belongs to another store, or `init` needs fans and the shape has rank below 2.
    pub fn reinit(&mut self, id: ParamId, init: Init) {
        let i = self.check(id);
        let shape = self.values[i].shape().to_vec();
        self.values[i] = init.sample(&shape, &mut self.rng);
    }

    /// The store's random generator, for custom initialisation.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// The current value of a parameter.
    ///
    /// # Panics
    /// If `id` belongs to another store.
    pub fn get(&self, id: ParamId) -> &Tensor<T> {
        &self.values[self.check(id)]
    }

    /// Mutable access to a parameter's value (optimisers write through this).
    ///
    /// # Panics
    /// If `id` belongs to another store.
    pub fn get_mut(&mut self, id: ParamId) -> &mut Tensor<T> {
        let i = self.check(id);
        &mut self.values[i]
    }

    /// A parameter's name.
    ///
    /// # Panics
    /// If `id` belongs to another store.
    pub fn name(&self, id: ParamId) -> &str {
        &self.names[self.check(id)]
    }

    /// The id of the parameter called `name`.
    pub fn id(&self, name: &str) -> Option<ParamId> {
        self.index.get(name).copied()
    }

    /// Every parameter as `(id, name, value)`, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, &str, &Tensor<T>)> {
        self.names
            .iter()
            .zip(&self.values)
            .enumerate()
            .map(|(i, (n, v))| (ParamId(i), n.as_str(), v))
    }

    /// Every parameter id, in insertion order.
    pub fn ids(&self) -> impl Iterator<Item = ParamId> + use<T> {
        (0..self.values.len()).map(ParamId)
    }

    /// The number of parameters (tensors, not elements).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no parameter has been added.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The total number of scalar weights.
    pub fn num_elements(&self) -> usize {
        self.values.iter().map(Tensor::len).sum()
    }

    /// Every value (sharing the store's storage: no element is copied), in insertion order (for [`gradcheck`](crate::check::gradcheck)
    /// inputs, used with [`ParamStore::bind_vars`]).
    pub fn tensors(&self) -> Vec<Tensor<T>> {
        self.values.clone()
    }

    /// Binds the store to `tape` for one step. Each parameter enters the tape as a leaf named
    /// after it the first time a layer asks for it ([`Params::var`]), inside that layer's scope,
    /// so traces show `fc1.weight` under `fc1`; parameters no layer uses stay off the tape.
    ///
    /// Nothing is copied: a parameter's leaf shares the store's storage (a tensor's array is
    /// reference-counted), and an optimiser's step, which writes a new tensor, leaves the
    /// tape's values as they were.
    pub fn bind<'t>(&self, tape: &'t Tape<T>) -> Params<'t, T> {
        Params {
            tape,
            names: Arc::clone(&self.names),
            slots: RefCell::new(self.values.iter().cloned().map(Slot::Pending).collect()),
        }
    }

    /// Binds the store to vars that already exist, one per parameter in insertion order: how a
    /// gradient check feeds perturbed parameters through a model.
    ///
    /// # Panics
    /// If the number of vars or a var's shape does not match the store, or a var is on
    /// another tape; see [`ParamStore::try_bind_vars`].
    pub fn bind_vars<'t>(&self, tape: &'t Tape<T>, vars: &[Var<'t, T>]) -> Params<'t, T> {
        self.try_bind_vars(tape, vars)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`ParamStore::bind_vars`], returning an error instead of panicking.
    ///
    /// # Errors
    /// [`Error::ForeignVar`] when a var is not on `tape`; [`Error::Invalid`] when there is
    /// not one var per parameter; [`Error::Shape`] when a var's shape is not its
    /// parameter's.
    pub fn try_bind_vars<'t>(
        &self,
        tape: &'t Tape<T>,
        vars: &[Var<'t, T>],
    ) -> Result<Params<'t, T>> {
        const OP: &str = "bind_vars";
        if vars.len() != self.len() {
            return Err(Error::invalid(
                OP,
                format!(
                    "one var per parameter is needed ({} parameters, {} vars)",
                    self.len(),
                    vars.len()
                ),
            ));
        }
        for ((name, value), var) in self.names.iter().zip(&self.values).zip(vars) {
            if !tape.owns(*var) {
                return Err(Error::ForeignVar { op: OP });
            }
            if var.shape() != value.shape() {
                let reason = format!("the var for `{name}` does not have the parameter's shape");
                return Err(Error::shape(OP, &var.shape(), value.shape(), reason));
            }
        }
        Ok(Params {
            tape,
            names: Arc::clone(&self.names),
            slots: RefCell::new(vars.iter().map(|v| Slot::Bound(v.id())).collect()),
        })
    }

    fn check(&self, id: ParamId) -> usize {
        assert!(
            id.0 < self.values.len(),
            "parameter #{} is not in this store ({} parameters)",
            id.0,
            self.values.len()
        );
        id.0
    }
}

#[derive(Debug)]
enum Slot<T: Float> {
    /// Not on the tape yet: the value to put there.
    Pending(Tensor<T>),
    /// On the tape as this node.
    Bound(NodeId),
}

/// The store bound to one step's tape: hands layers their parameters as vars, and tells the
/// optimiser which var each parameter became.
pub struct Params<'t, T: Float> {
    tape: &'t Tape<T>,
    names: Arc<Vec<String>>,
    slots: RefCell<Vec<Slot<T>>>,
}

impl<T: Float> std::fmt::Debug for Params<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field("bound", &self.bound())
            .finish_non_exhaustive()
    }
}

impl<'t, T: Float> Params<'t, T> {
    /// The parameter as a var on this step's tape: a leaf named after the parameter, recorded
    /// in the current layer scope the first time it is asked for, the same var afterwards
    /// (so a weight shared by several layers or time steps accumulates one gradient).
    ///
    /// # Panics
    /// If `id` belongs to another store.
    pub fn var(&self, id: ParamId) -> Var<'t, T> {
        let mut slots = self.slots.borrow_mut();
        let slot = slots.get_mut(id.0).unwrap_or_else(|| {
            panic!("parameter #{} is not in the bound store", id.0);
        });
        let node = match slot {
            Slot::Bound(node) => *node,
            Slot::Pending(value) => {
                let value = std::mem::replace(value, Tensor::scalar(T::zero()));
                let node = self.tape.var(&self.names[id.0], value).id();
                *slot = Slot::Bound(node);
                node
            }
        };
        self.tape.var_at(node)
    }

    /// The parameter called `name` as a var (see [`Params::var`]; like it, this binds a
    /// parameter no layer has used yet, in the current scope).
    pub fn get(&self, name: &str) -> Option<Var<'t, T>> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(self.var(ParamId(i)))
    }

    /// The node a parameter became on this step's tape, if a layer used it.
    pub fn node(&self, id: ParamId) -> Option<NodeId> {
        match self.slots.borrow().get(id.0)? {
            Slot::Bound(node) => Some(*node),
            Slot::Pending(_) => None,
        }
    }

    /// Every parameter that entered the tape this step, with its var, in store order: what
    /// gradient clipping and norm reports iterate over.
    pub fn bound(&self) -> Vec<(ParamId, Var<'t, T>)> {
        let slots = self.slots.borrow();
        slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Bound(node) => Some((ParamId(i), self.tape.var_at(*node))),
                Slot::Pending(_) => None,
            })
            .collect()
    }

    /// The vars of [`Params::bound`] alone.
    pub fn vars(&self) -> Vec<Var<'t, T>> {
        self.bound().into_iter().map(|(_, v)| v).collect()
    }

    /// The tape the store is bound to.
    pub fn tape(&self) -> &'t Tape<T> {
        self.tape
    }
}
