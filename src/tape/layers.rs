//! Layer paths interned per tape, and the stack of open layer scopes.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::LayerId;
use super::names::Fnv1a;

/// Interned layer paths (`"block3/linear"`) and the stack of open scopes.
#[derive(Debug)]
pub(super) struct Layers {
    pub(super) names: Vec<String>,
    /// Paths are short and the program's own (FNV, as for leaf names: no HashDoS concern).
    index: HashMap<String, LayerId, BuildHasherDefault<Fnv1a>>,
    pub(super) open: Vec<LayerId>,
    /// The path `enter` builds, kept so that entering a known scope allocates nothing.
    scratch: String,
}

impl Layers {
    pub(super) fn new() -> Self {
        let mut layers = Layers {
            names: Vec::new(),
            index: HashMap::default(),
            open: Vec::new(),
            scratch: String::new(),
        };
        layers.clear();
        layers
    }

    /// Back to the top level alone, keeping the storage for the next recording (a training
    /// loop enters the same scopes every step after [`Tape::reset`](super::Tape::reset)).
    pub(super) fn clear(&mut self) {
        self.names.clear();
        self.names.push(String::new());
        self.index.clear();
        self.index.insert(String::new(), LayerId(0));
        self.open.clear();
    }

    pub(super) fn current(&self) -> LayerId {
        self.open.last().copied().unwrap_or_default()
    }

    /// Opens scope `name` inside the current one. A name that repeats its parent's last
    /// segment followed by `.` (a layer `block2` holding `block2.lin`, so that the parameters
    /// read `block2.lin.weight` as in PyTorch) drops that prefix in its path: `block2/lin`,
    /// not `block2/block2.lin`.
    pub(super) fn enter(&mut self, name: &str) {
        let parent = &self.names[self.current().0 as usize];
        let last = parent.rsplit('/').next().unwrap_or_default();
        let name = name
            .strip_prefix(last)
            .and_then(|rest| rest.strip_prefix('.'))
            .filter(|rest| !last.is_empty() && !rest.is_empty())
            .unwrap_or(name);
        let mut path = std::mem::take(&mut self.scratch);
        path.clear();
        if !parent.is_empty() {
            path.push_str(parent);
            path.push('/');
        }
        path.push_str(name);
        let id = self.intern(&path);
        self.scratch = path;
        self.open.push(id);
    }

    /// The id of the layer at the full path `path`, adding it if it is new.
    pub(super) fn intern(&mut self, path: &str) -> LayerId {
        if let Some(&id) = self.index.get(path) {
            return id;
        }
        assert!(
            self.names.len() < super::node::Meta::LAYERS as usize,
            "a tape holds fewer than 2²⁴ layer paths"
        );
        let id = LayerId(self.names.len() as u32);
        self.index.insert(path.to_string(), id);
        self.names.push(path.to_string());
        id
    }
}
