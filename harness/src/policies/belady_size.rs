//! Belady-Size, libCacheSim's size-aware heuristic bound (`BeladySize.c`): at each eviction,
//! sample 128 cached objects (with replacement) and evict the one with the largest
//! `size × (next use − now)`; an object never requested again is not admitted, and is dropped
//! on its last hit. It is a heuristic bound, **not** an optimum: with sizes, the offline optimum
//! is NP-hard, and sampling makes it approximate even as a heuristic.
//!
//! libCacheSim samples with its own hash table's random walk; this one samples uniformly from
//! a seeded generator (seed printed in the policy description), so its counts are
//! deterministic but not bit-identical to libCacheSim's.

use super::belady::{NEVER, NextUses};
use super::reference::{Budget, Evictor};
use hashbrown::HashMap;

/// libCacheSim's default `n-sample`.
pub const SAMPLES: u32 = 128;

/// The fixed seed of the sampling generator.
pub const SEED: u64 = 0x6265_6c61_6479;

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    size: u64,
    next: u64,
}

/// Belady-Size with sampled eviction.
#[derive(Debug)]
pub struct BeladySize {
    budget: Budget,
    next: NextUses,
    /// Key → position in `entries` (dense, so a uniform sample is one index).
    map: HashMap<u64, usize>,
    entries: Vec<Entry>,
    pending: HashMap<u64, u64>,
    requests: u64,
    used: u64,
    bytes: u64,
    rng: u64,
}

impl BeladySize {
    /// An empty cache replaying the trace `next` was computed from.
    pub fn new(budget: Budget, next: NextUses) -> Self {
        Self {
            budget,
            next,
            map: HashMap::new(),
            entries: Vec::new(),
            pending: HashMap::new(),
            requests: 0,
            used: 0,
            bytes: 0,
            rng: SEED,
        }
    }

    /// splitmix64: small, fast, and good enough to pick samples.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn remove_at(&mut self, at: usize) {
        let entry = self.entries.swap_remove(at);
        self.map.remove(&entry.key);
        if let Some(moved) = self.entries.get(at) {
            self.map.insert(moved.key, at);
        }
        self.used -= self.budget.weight(entry.size);
        self.bytes -= entry.size;
    }

    fn evict_one(&mut self) {
        let n = self.entries.len() as u64;
        if n == 0 {
            return;
        }
        let now = self.requests;
        let mut best: Option<(u128, usize)> = None;
        for _ in 0..SAMPLES {
            let at = (self.next_random() % n) as usize;
            let e = self.entries[at];
            let score = u128::from(e.size) * u128::from(e.next.saturating_sub(now));
            if best.is_none_or(|(s, _)| s < score) {
                best = Some((score, at));
            }
        }
        if let Some((_, at)) = best {
            self.remove_at(at);
        }
    }
}

impl Evictor for BeladySize {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        let next = self.next.get(self.requests);
        self.requests += 1;
        match self.map.get(&key) {
            Some(&at) => {
                if next == NEVER {
                    self.remove_at(at);
                } else {
                    self.entries[at].next = next;
                }
                true
            }
            None => {
                self.pending.insert(key, next);
                false
            }
        }
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let next = self.pending.remove(&key).unwrap_or(NEVER);
        if next == NEVER {
            return 0;
        }
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.used + w > self.budget.capacity && !self.entries.is_empty() {
            self.evict_one();
            evicted += 1;
        }
        self.map.insert(key, self.entries.len());
        self.entries.push(Entry { key, size, next });
        self.used += w;
        self.bytes += size;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        match self.map.get(&key) {
            Some(&at) => {
                self.remove_at(at);
                true
            }
            None => false,
        }
    }

    fn entries(&self) -> u64 {
        self.entries.len() as u64
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}
