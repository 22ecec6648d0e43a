//! Interned leaf and constant names.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// The names of leaves and constants, interned. A model names the same few parameters over and
/// over (each pass of a loop, each step after a reset), so each distinct name is allocated once
/// per tape, not once per node.
#[derive(Debug, Default)]
pub(super) struct Names {
    known: HashSet<Rc<str>, BuildHasherDefault<Fnv1a>>,
    /// The name interned last: a loop that creates `w` on every pass skips the hash lookup.
    last: Option<Rc<str>>,
}

/// FNV-1a: names are a few bytes long, and std's SipHash costs more on them than the
/// allocation the interning saves. No HashDoS concern: the keys are the program's own names.
#[derive(Debug)]
struct Fnv1a(u64);

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
    /// The shared copy of `name`, allocated on its first use.
    #[inline]
    pub(super) fn intern(&mut self, name: &str) -> Rc<str> {
        // The same name as the last leaf: compared byte by byte (names are a few bytes long,
        // and a `memcmp` call costs more than the loop; this runs once per leaf).
        if let Some(last) = &self.last
            && last.len() == name.len()
            && last.bytes().zip(name.bytes()).all(|(a, b)| a == b)
        {
            return Rc::clone(last);
        }
        self.intern_new(name)
    }

    /// [`Names::intern`] for a name other than the last one.
    #[inline(never)]
    fn intern_new(&mut self, name: &str) -> Rc<str> {
        let shared = match self.known.get(name) {
            Some(known) => Rc::clone(known),
            None => {
                let new: Rc<str> = Rc::from(name);
                self.known.insert(Rc::clone(&new));
                new
            }
        };
        self.last = Some(Rc::clone(&shared));
        shared
    }

    /// Forgets every name (the nodes holding them are gone).
    pub(super) fn clear(&mut self) {
        self.known.clear();
        self.last = None;
    }
}
