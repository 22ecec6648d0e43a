//! What new nodes are tagged with: the layer scope they are recorded in, and whether they
//! carry a gradient ([`Tape::no_grad`]).

use std::cell::{Cell, RefCell};

use super::layers::Layers;
use super::{LayerId, Tape};
use crate::tensor::Float;

impl<T: Float> Tape<T> {
    /// Runs `build` with every node it records tagged with layer `name`, nested inside any
    /// layer already open (`"block3/linear"`). Re-entering a name reuses its layer. A name
    /// that repeats the enclosing layer's last segment and a `.` drops it: `"block3.linear"`
    /// inside `block3` is the layer `"block3/linear"` (parameter names keep their PyTorch
    /// spelling, `block3.linear.weight`).
    pub fn layer<R>(&self, name: &str, build: impl FnOnce() -> R) -> R {
        /// Closes the scope even when `build` panics (a caught shape error must not leave
        /// later nodes nested in this layer).
        struct Close<'a>(&'a RefCell<Layers>, &'a Cell<LayerId>);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                let mut layers = self.0.borrow_mut();
                layers.open.pop();
                self.1.set(layers.current());
            }
        }
        let mut layers = self.layers.borrow_mut();
        layers.enter(name);
        self.current_layer.set(layers.current());
        drop(layers);
        let _close = Close(&self.layers, &self.current_layer);
        build()
    }

    /// Runs `f` with the ops it records carrying no gradient edges (PyTorch's
    /// `torch.no_grad()`): their results are constants to every later `backward` and
    /// [`grad`](crate::grad), and no local derivatives are worked out for them. For evaluation
    /// inside a training loop, and for optimizer arithmetic. Leaves made inside are still
    /// leaves; nested calls nest; the previous state comes back even if `f` panics.
    ///
    /// ```
    /// use chaintrace::Tape;
    /// let tape = Tape::<f64>::new();
    /// let w = tape.var("w", 2.0);
    /// let frozen = tape.no_grad(|| w * 3.0);
    /// let y = w * frozen; // 2·6
    /// assert_eq!(y.item().unwrap(), 12.0);
    /// assert_eq!(y.backward().scalar(w).unwrap(), 6.0); // ∂(w·c)/∂w, c = 6 a constant
    /// ```
    pub fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore<'a>(&'a Cell<bool>, bool);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _restore = Restore(&self.no_grad, self.no_grad.replace(true));
        f()
    }

    /// The id of the layer at the full path `path` (not nested in the open scopes), added if
    /// new: where [`grad`](crate::grad) records the backward pass of a layer `hidden`, under
    /// `grad/hidden`.
    pub(crate) fn layer_at_path(&self, path: &str) -> LayerId {
        self.layers.borrow_mut().intern(path)
    }

    /// Runs `f` with the nodes it records tagged with layer `id`.
    pub(crate) fn in_layer<R>(&self, id: LayerId, f: impl FnOnce() -> R) -> R {
        struct Restore<'a>(&'a Cell<LayerId>, LayerId);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _restore = Restore(&self.current_layer, self.current_layer.replace(id));
        f()
    }

    /// The full path of a layer (`""` for the top level).
    pub fn layer_name(&self, layer: LayerId) -> String {
        let layers = self.layers.borrow();
        layers
            .paths
            .get(layer.0)
            .expect("a layer of this tape")
            .to_string()
    }

    /// Every layer path recorded so far, indexed by [`LayerId`].
    pub fn layer_names(&self) -> Vec<String> {
        self.layers
            .borrow()
            .paths
            .iter()
            .map(str::to_string)
            .collect()
    }
}
