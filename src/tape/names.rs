//! Interned leaf and constant names.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// The names of leaves and constants, interned: a node stores a `u32`. A model names the same
/// few parameters over and over (each pass of a loop, each step after a reset), so each
/// distinct name is allocated once per tape, not once per node.
#[derive(Debug, Default)]
pub(super) struct Names {
    strings: Interner,
    /// The name interned last, plus one (0: none): a loop that creates `w` on every pass skips
    /// the hash lookup.
    last: u32,
}

/// Strings numbered in order of first use, each allocated once: the list (number → string)
/// and the index (string → number) share it. A training loop that records every step on a new
/// tape, as the examples do, interns its parameter names and layer paths afresh each step, so
/// a second copy of each would be a second allocation per name per step.
#[derive(Debug)]
pub(super) struct Interner {
    list: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32, BuildHasherDefault<Fnv1a>>,
}

impl Default for Interner {
    fn default() -> Self {
        // Room for a small model's names from the start, so its first step does not grow
        // and rehash the table.
        const ROOM: usize = 8;
        Interner {
            list: Vec::with_capacity(ROOM),
            index: HashMap::with_capacity_and_hasher(ROOM, Default::default()),
        }
    }
}

impl Interner {
    /// The number of `string`, given on its first use.
    pub(super) fn intern(&mut self, string: &str) -> u32 {
        if let Some(&id) = self.index.get(string) {
            return id;
        }
        let id = u32::try_from(self.list.len()).expect("fewer than 2³² distinct strings");
        let shared: Arc<str> = string.into();
        self.list.push(Arc::clone(&shared));
        self.index.insert(shared, id);
        id
    }

    /// The string numbered `id`.
    pub(super) fn get(&self, id: u32) -> Option<&str> {
        self.list.get(id as usize).map(|s| &**s)
    }

    /// Every string, in order of number.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|s| &**s)
    }

    /// Forgets every string, keeping the storage.
    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.index.clear();
    }
}

/// FNV-1a: names are a few bytes long, and std's SipHash costs more on them than the
/// allocation the interning saves. No HashDoS concern: the keys are the program's own names.
#[derive(Debug)]
pub(super) struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Names {
    /// The id of no name.
    pub(super) const NONE: u32 = u32::MAX;

    /// The id of `name`, allocated on its first use.
    #[inline]
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        // The same name as the last leaf: compared byte by byte (names are a few bytes long,
        // and a `memcmp` call costs more than the loop; this runs once per leaf).
        if let Some(last) = self.last.checked_sub(1)
            && let Some(known) = self.strings.get(last)
            && known.len() == name.len()
            && known.bytes().zip(name.bytes()).all(|(a, b)| a == b)
        {
            return last;
        }
        self.intern_new(name)
    }

    /// [`Names::intern`] for a name other than the last one.
    #[inline(never)]
    fn intern_new(&mut self, name: &str) -> u32 {
        let id = self.strings.intern(name);
        self.last = id + 1;
        id
    }

    /// The name with id `id` (`None` for [`Names::NONE`]).
    #[inline]
    pub(super) fn get(&self, id: u32) -> Option<&str> {
        self.strings.get(id)
    }

    /// Forgets every name (the nodes holding them are gone).
    pub(super) fn clear(&mut self) {
        self.strings.clear();
        self.last = 0;
    }
}
