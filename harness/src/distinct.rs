//! Counting the distinct keys of a trace: a set of `u64` keys in one open-addressing array
//! (linear probing, at most half full), so that a lookup costs one memory access where a
//! general hash set costs two (control bytes, then the bucket), and [`DistinctKeys::add`]
//! batches insertions: a batch first starts loading every key's slot, then inserts them, so
//! the memory accesses of a batch overlap instead of following one another (the set is only
//! counted at the end, so the order of insertion does not matter).
//!
//! Trace keys are a large random-access working set (millions of keys), so that one memory
//! access is most of the cost of counting them; the keys are mixed with a full 64-bit
//! finalizer before probing, so sequential or strided keys spread as well as random ones.
//!
//! ```
//! let mut keys = harness::distinct::DistinctKeys::new();
//! for key in [7, 8, 7, u64::MAX, 0] {
//!     keys.add(key);
//! }
//! assert_eq!(keys.count(), 4);
//! ```

/// Marks an empty slot. The key with this value is tracked apart (`has_vacant_key`).
const VACANT: u64 = u64::MAX;

/// Keys added per batch (each batch's slots load together).
const BATCH: usize = 16;

/// A set of `u64` keys that only grows.
#[derive(Debug, Clone)]
pub struct DistinctKeys {
    slots: Vec<u64>,
    shift: u32,
    len: usize,
    has_vacant_key: bool,
    /// Keys added but not inserted yet (fewer than [`BATCH`]).
    pending: Vec<u64>,
}

impl Default for DistinctKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// The splitmix64 finalizer: every input bit affects every output bit.
#[inline]
fn mix(key: u64) -> u64 {
    let mut x = key;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl DistinctKeys {
    /// An empty set.
    pub fn new() -> Self {
        const INITIAL_BITS: u32 = 10;
        Self {
            slots: vec![VACANT; 1 << INITIAL_BITS],
            shift: 64 - INITIAL_BITS,
            len: 0,
            has_vacant_key: false,
            pending: Vec::with_capacity(BATCH),
        }
    }

    /// Number of distinct keys inserted or added.
    pub fn count(&mut self) -> usize {
        self.flush();
        self.len + usize::from(self.has_vacant_key)
    }

    /// Adds `key` to the set, in the next batch.
    #[inline]
    pub fn add(&mut self, key: u64) {
        self.pending.push(key);
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    /// Inserts the pending batch: every slot is requested first, then each key inserted.
    fn flush(&mut self) {
        for &key in &self.pending {
            self.prefetch(key);
        }
        let mut pending = std::mem::take(&mut self.pending);
        for &key in &pending {
            self.insert(key);
        }
        pending.clear();
        self.pending = pending;
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (mix(key) >> self.shift) as usize
    }

    /// Asks the CPU to start loading `key`'s slot (a hint: it changes no result).
    #[inline]
    fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let at = self.home(key);
            let ptr = self.slots.as_ptr().wrapping_add(at).cast::<i8>();
            // SAFETY: `_mm_prefetch` only hints the cache: it never faults and reads nothing
            // into the program, whatever the address. `at < slots.len()` anyway (the home is
            // the top `64 - shift` bits of the mix, and `slots.len() == 1 << (64 - shift)`),
            // so `ptr` points into the live allocation. SSE is part of the x86_64 baseline.
            // Exercised by `tests::prefetching_changes_nothing`.
            unsafe { core::arch::x86_64::_mm_prefetch(ptr, core::arch::x86_64::_MM_HINT_T0) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// Inserts `key` now; true when it was not in the set yet.
    #[inline]
    pub fn insert(&mut self, key: u64) -> bool {
        if key == VACANT {
            let new = !self.has_vacant_key;
            self.has_vacant_key = true;
            return new;
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        loop {
            let slot = self.slots[at];
            if slot == key {
                return false;
            }
            if slot == VACANT {
                break;
            }
            at = (at + 1) & mask;
        }
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
            self.place(key);
        } else {
            self.slots[at] = key;
        }
        self.len += 1;
        true
    }

    fn place(&mut self, key: u64) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        while self.slots[at] != VACANT {
            at = (at + 1) & mask;
        }
        self.slots[at] = key;
    }

    fn grow(&mut self) {
        let doubled = crate::huge_pages::filled_vec(2 * self.slots.len(), VACANT);
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        for key in old.into_iter().filter(|&k| k != VACANT) {
            self.place(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The count equals a standard set's, for any keys (the vacant marker included), across
        /// several growths.
        #[test]
        fn counts_like_a_standard_set(keys in proptest::collection::vec(
            prop_oneof![0u64..3000, Just(u64::MAX), any::<u64>()], 0..5000)
        ) {
            let mut set = DistinctKeys::new();
            let mut batched = DistinctKeys::new();
            let mut model = std::collections::HashSet::new();
            for &k in &keys {
                prop_assert_eq!(set.insert(k), model.insert(k));
                batched.add(k);
            }
            prop_assert_eq!(set.count(), model.len());
            prop_assert_eq!(batched.count(), model.len());
            // Counting flushes the batch, and the set goes on.
            batched.add(u64::MAX - 1);
            set.insert(u64::MAX - 1);
            prop_assert_eq!(batched.count(), set.count());
        }
    }

    #[test]
    fn prefetching_changes_nothing() {
        let mut set = DistinctKeys::new();
        for k in 0..100_000u64 {
            set.prefetch(k * 4096);
            set.prefetch(u64::MAX - k);
            set.insert(k * 4096);
        }
        assert_eq!(set.count(), 100_000);
    }
}
