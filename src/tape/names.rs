//! Interned leaf and constant names.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The names of leaves and constants, interned: a node stores a `u32`. A model names the same
/// few parameters over and over (each pass of a loop, each step after a reset), so each
/// distinct name is allocated once per tape, not once per node.
#[derive(Debug, Default)]
pub(super) struct Names {
    list: Vec<Box<str>>,
    known: HashMap<Box<str>, u32, BuildHasherDefault<Fnv1a>>,
    /// The name interned last, plus one (0: none): a loop that creates `w` on every pass skips
    /// the hash lookup.
    last: u32,
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
            && let Some(known) = self.list.get(last as usize)
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
        let id = match self.known.get(name) {
            Some(&id) => id,
            None => {
                let id = self.list.len() as u32;
                self.list.push(name.into());
                self.known.insert(name.into(), id);
                id
            }
        };
        self.last = id + 1;
        id
    }

    /// The name with id `id` (`None` for [`Names::NONE`]).
    #[inline]
    pub(super) fn get(&self, id: u32) -> Option<&str> {
        self.list.get(id as usize).map(|name| &**name)
    }

    /// Forgets every name (the nodes holding them are gone).
    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.known.clear();
        self.last = 0;
    }
}
