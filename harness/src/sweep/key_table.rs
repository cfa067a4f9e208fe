//! The stack curve's per-key state in one open-addressing table (linear probing, Fibonacci
//! hashing, at most half full): a key and its state share a cache line, so a request costs one
//! memory miss, and [`KeyTable::prefetch`] lets the pass start that miss requests ahead.

/// Marks an empty entry (no real state has this class: classes are at most 257).
const EMPTY: u16 = u16::MAX;

/// A key's state: where its last use sits on the stack, and what the profile needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyState {
    /// Slot of the key's last use.
    pub slot: u32,
    /// Size class of its cached size.
    pub class: u16,
    /// Its cached size.
    pub size: u64,
    /// Requests of the key so far.
    pub count: u64,
    /// Position (from 1) of its last use.
    pub last_position: u64,
    /// Timestamp of its last use.
    pub last_time: f64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    state: KeyState,
}

const VACANT: Entry = Entry {
    key: 0,
    state: KeyState {
        slot: 0,
        class: EMPTY,
        size: 0,
        count: 0,
        last_position: 0,
        last_time: 0.0,
    },
};

/// Keys to states. Positions are stable until the table grows ([`KeyTable::insert`] says so).
pub(crate) struct KeyTable {
    entries: Vec<Entry>,
    shift: u32,
    len: usize,
}

impl KeyTable {
    pub(crate) fn new() -> Self {
        Self {
            entries: vec![VACANT; 1 << 10],
            shift: 64 - 10,
            len: 0,
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Asks the CPU to start loading `key`'s home entry (a hint: no effect on results).
    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let at = self.home(key);
            let ptr = self.entries.as_ptr().wrapping_add(at).cast::<i8>();
            // SAFETY: `_mm_prefetch` only hints the cache; it never faults or reads into the
            // program, whatever the address. `at < entries.len()` anyway (the home index is the
            // top `64 - shift` bits of the hash, and `entries.len() == 1 << (64 - shift)`), so
            // `ptr` points into the live allocation. SSE is part of the x86_64 baseline.
            unsafe {
                core::arch::x86_64::_mm_prefetch(ptr, core::arch::x86_64::_MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// The position of `key`, if present.
    #[inline]
    pub(crate) fn find(&self, key: u64) -> Option<u32> {
        let mask = self.entries.len() - 1;
        let mut at = self.home(key);
        loop {
            let e = &self.entries[at];
            if e.state.class == EMPTY {
                return None;
            }
            if e.key == key {
                return Some(at as u32);
            }
            at = (at + 1) & mask;
        }
    }

    /// Inserts a key known to be absent; returns its position and whether the table grew
    /// (every position changed).
    pub(crate) fn insert(&mut self, key: u64, state: KeyState) -> (u32, bool) {
        let grew = if 2 * (self.len + 1) > self.entries.len() {
            self.grow();
            true
        } else {
            false
        };
        self.len += 1;
        (self.place(key, state), grew)
    }

    fn place(&mut self, key: u64, state: KeyState) -> u32 {
        let mask = self.entries.len() - 1;
        let mut at = self.home(key);
        while self.entries[at].state.class != EMPTY {
            at = (at + 1) & mask;
        }
        self.entries[at] = Entry { key, state };
        at as u32
    }

    fn grow(&mut self) {
        let old = std::mem::replace(&mut self.entries, vec![VACANT; 0]);
        self.entries = crate::huge_pages::filled_vec(old.len() * 2, VACANT);
        self.shift -= 1;
        for e in old {
            if e.state.class != EMPTY {
                self.place(e.key, e.state);
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, at: u32) -> &KeyState {
        &self.entries[at as usize].state
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, at: u32) -> &mut KeyState {
        &mut self.entries[at as usize].state
    }

    /// Every key's position and state.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &KeyState)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.state.class != EMPTY)
            .map(|(i, e)| (i as u32, &e.state))
    }

    /// Number of keys.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(n: u64) -> KeyState {
        KeyState {
            slot: n as u32,
            class: 0,
            size: n,
            count: 1,
            last_position: n,
            last_time: 0.0,
        }
    }

    #[test]
    fn finds_every_key_across_growth_and_prefetch_is_harmless() {
        let mut t = KeyTable::new();
        let keys: Vec<u64> = (0..10_000u64)
            .map(|i| i.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (i << 3))
            .chain([0, u64::MAX, 1 << 63])
            .collect();
        for &k in &keys {
            t.prefetch(k);
            if t.find(k).is_none() {
                t.insert(k, state(k));
            }
        }
        let distinct: std::collections::HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(t.len(), distinct.len());
        for &k in &keys {
            t.prefetch(k);
            let at = t.find(k);
            assert_eq!(at.map(|a| t.get(a).size), Some(k), "{k}");
        }
        assert_eq!(t.find(12_345_678_901), None);
        assert_eq!(t.iter().count(), distinct.len());
    }
}
