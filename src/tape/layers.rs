//! Layer paths interned per tape, and the stack of open layer scopes.

use super::LayerId;
use super::names::Interner;

/// Interned layer paths (`"block3/linear"`) and the stack of open scopes.
#[derive(Debug)]
pub(super) struct Layers {
    /// The paths, numbered by [`LayerId`]; the top level is `""`, number 0.
    pub(super) paths: Interner,
    pub(super) open: Vec<LayerId>,
    /// The path `enter` builds, kept so that entering a known scope allocates nothing.
    scratch: String,
}

impl Layers {
    pub(super) fn new() -> Self {
        let mut layers = Layers {
            paths: Interner::default(),
            open: Vec::new(),
            scratch: String::new(),
        };
        layers.clear();
        layers
    }

    /// Back to the top level alone, keeping the storage for the next recording (a training
    /// loop enters the same scopes every step after [`Tape::reset`](super::Tape::reset)).
    pub(super) fn clear(&mut self) {
        self.paths.clear();
        self.paths.intern("");
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
        let parent = self.paths.get(self.current().0).unwrap_or_default();
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
        let id = self.paths.intern(path);
        assert!(
            id < super::node::Meta::LAYERS,
            "a tape holds fewer than 2²⁴ layer paths"
        );
        LayerId(id)
    }
}
