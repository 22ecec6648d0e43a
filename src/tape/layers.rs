//! Layer paths interned per tape, and the stack of open layer scopes.

use std::collections::HashMap;

use super::LayerId;

/// Interned layer paths (`"block3/linear"`) and the stack of open scopes.
#[derive(Debug)]
pub(super) struct Layers {
    pub(super) names: Vec<String>,
    index: HashMap<String, LayerId>,
    pub(super) open: Vec<LayerId>,
}

impl Layers {
    pub(super) fn new() -> Self {
        Layers {
            names: vec![String::new()],
            index: HashMap::from([(String::new(), LayerId(0))]),
            open: Vec::new(),
        }
    }

    pub(super) fn current(&self) -> LayerId {
        self.open.last().copied().unwrap_or_default()
    }

    pub(super) fn enter(&mut self, name: &str) {
        let parent = &self.names[self.current().0 as usize];
        let path = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}/{name}")
        };
        let next = LayerId(self.names.len() as u32);
        let id = *self.index.entry(path.clone()).or_insert(next);
        if id == next {
            self.names.push(path);
        }
        self.open.push(id);
    }
}
