//! GDSF's priority queue, with no memory of its own: for `CostAware` the slab *is* a
//! min-heap (4-ary) ordered by `(priority, stamp)`. Slot 0 is the next victim; each slot ranks at
//! or above its parent `(i - 1) / 4`. The priority (`f64`, exact) lives in the slot's queue-link
//! words, which an unlinked slab does not use (`LinkedSlab::priority`), and the tie-break stamp in
//! its last-access field (`stamps` gives the second back), so an entry costs nothing beyond the
//! 40 bytes of bookkeeping every policy has: no heap array, no position array.
//!
//! The price is that sifting moves whole slots, re-pointing what refers to them (the key index,
//! the expiry queue, the side tables): O(log n) moves for the eviction that takes the root, but
//! few for a hit, since an entry's priority only grows by its own `cost / size` and the
//! high-priority entries a hit touches sit near the bottom already.
//!
//! Ties go to the older assignment, as libCacheSim orders its priority set by
//! `(priority, request number)`: every insert, update and hit issues a new, later stamp.

use super::Cache;
use crate::linked_slab::HEAVY;
use std::cmp::Ordering;
use std::hash::{BuildHasher, Hash};

/// A value no slot index takes (the core holds at most `u32::MAX - 1` slots, indices stop at
/// `u32::MAX - 2`): the key index entry of a slot moving along the heap holds it until the slot
/// arrives, so that the entries of the slots it passes can be re-pointed unambiguously.
const PARKED: u32 = u32::MAX - 1;

/// Children per node. Four halves the depth of a binary heap, so the eviction that takes the root
/// moves half as many slots (each move re-points the index and the expiry queue, the expensive
/// part); the four children sit side by side in the slab, so comparing them reads adjacent slots.
const ARITY: u64 = 4;

fn parent(i: u32) -> u32 {
    ((u64::from(i) - 1) / ARITY) as u32
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// Whether slot `a` ranks below slot `b`: lower priority, or equal and stamped earlier.
    #[inline]
    fn gdsf_below(&self, a: u32, b: u32) -> bool {
        match self.slab.priority(a).total_cmp(&self.slab.priority(b)) {
            Ordering::Equal => {
                self.slab.get(a).accessed_secs.load() < self.slab.get(b).accessed_secs.load()
            }
            ord => ord.is_lt(),
        }
    }

    /// Gives slot `i` `priority` with a new stamp and restores the heap; returns where the slot
    /// ended up. The slot's last-access field must hold the current second (every caller has
    /// just set it), which goes into the stamp table.
    pub(super) fn gdsf_assign(&mut self, i: u32, priority: f64) -> u32 {
        let secs = self.slab.get_mut(i).accessed_secs.get();
        if self.state.stamps.exhausted() {
            self.gdsf_renumber(i);
        } else if self.state.stamps.wants_prune(self.slab.len()) {
            let live = self
                .slab
                .slots()
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i as usize)
                .map(|(_, s)| s.accessed_secs.load());
            self.state.stamps.prune(live);
        }
        let stamp = self.state.stamps.issue(secs);
        self.slab.set_priority(i, priority);
        self.slab.get_mut(i).accessed_secs.set(stamp);
        self.gdsf_restore(i)
    }

    /// The last access second of slot `i` (its stamp's).
    pub(super) fn gdsf_accessed_secs(&self, i: u32) -> u32 {
        self.state
            .stamps
            .secs(self.slab.get(i).accessed_secs.load())
    }

    /// Renumbers every stamp but slot `except`'s (which holds a second, about to be stamped).
    fn gdsf_renumber(&mut self, except: u32) {
        let live: Vec<(u32, u32)> = self
            .slab
            .slots()
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != except as usize)
            .map(|(j, s)| (s.accessed_secs.load(), j as u32))
            .collect();
        for (stamp, j) in self.state.stamps.renumber(live) {
            self.slab.get_mut(j).accessed_secs.set(stamp);
        }
    }

    /// Moves slot `i` up or down until the heap order holds again; returns its new index.
    pub(super) fn gdsf_restore(&mut self, i: u32) -> u32 {
        let i = self.gdsf_sift_up(i);
        self.gdsf_sift_down(i)
    }

    fn gdsf_sift_up(&mut self, mut i: u32) -> u32 {
        if i == 0 || !self.gdsf_below(i, parent(i)) {
            return i;
        }
        let hash = self.park(i);
        while i > 0 {
            let p = parent(i);
            if !self.gdsf_below(i, p) {
                break;
            }
            self.swap_with_parked(i, p);
            i = p;
        }
        self.index.repoint(hash, PARKED, i);
        i
    }

    fn gdsf_sift_down(&mut self, mut i: u32) -> u32 {
        let n = self.slab.len() as u64;
        let mut parked = None;
        loop {
            let first = ARITY * u64::from(i) + 1;
            if first >= n {
                break;
            }
            let mut child = first as u32;
            for c in first + 1..(first + ARITY).min(n) {
                if self.gdsf_below(c as u32, child) {
                    child = c as u32;
                }
            }
            if !self.gdsf_below(child, i) {
                break;
            }
            if parked.is_none() {
                parked = Some(self.park(i));
            }
            self.swap_with_parked(i, child);
            i = child;
        }
        if let Some(hash) = parked {
            self.index.repoint(hash, PARKED, i);
        }
        i
    }

    /// Points the index entry of the slot at `i`, which is about to move, at `PARKED` while it
    /// moves (so that no two index entries ever name the same slot); returns its key's hash.
    fn park(&mut self, i: u32) -> u64 {
        let hash = self.hasher.hash_one(&self.slab.get(i).key);
        self.index.repoint(hash, i, PARKED);
        hash
    }

    /// Exchanges the moving (parked) slot at `at` with the slot at `other`, re-pointing
    /// everything that refers to either by index (the parked slot's index entry is re-pointed
    /// once it has arrived).
    fn swap_with_parked(&mut self, at: u32, other: u32) {
        self.slab.swap(at, other);
        let hash = self.hasher.hash_one(&self.slab.get(at).key);
        self.index.repoint(hash, other, at);
        let (a, b) = (at, other);
        self.expiry.swapped(&mut self.slab, a, b);
        self.inserted.swapped(self.slab.slots(), a, b);
        let heavy = |i| self.slab.cold(i).weight == HEAVY;
        if heavy(a) || heavy(b) {
            let (was_at_a, was_at_b) = (self.heavy.remove(&a), self.heavy.remove(&b));
            if let Some(w) = was_at_a {
                self.heavy.insert(b, w);
            }
            if let Some(w) = was_at_b {
                self.heavy.insert(a, w);
            }
        }
    }

    /// The heap order and the stamps hold (tests only).
    #[cfg(all(test, not(loom)))]
    pub(super) fn assert_gdsf_heap(&self) {
        for i in 0..self.slab.len() as u32 {
            let slot = self.slab.get(i);
            self.state.stamps.assert_issued(slot.accessed_secs.load());
            assert!(
                self.slab.priority(i).is_finite() && self.slab.priority(i) >= 0.0,
                "priority of slot {i}"
            );
            if i > 0 {
                assert!(!self.gdsf_below(i, parent(i)), "heap order at {i}");
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::unsync::Cache;
    use crate::unsync::stamps::Stamps;
    use crate::{CacheBuilder, CacheConfig, ManualClock, Policy};
    use proptest::prelude::*;
    use std::time::Duration;

    /// A GDSF cache of `u32 -> u64` where an entry weighs its value in bytes (so values of 2^32
    /// and more use the heavy side table).
    fn gdsf(config: CacheConfig) -> (Cache<u32, u64>, ManualClock) {
        let clock = ManualClock::new();
        let c = CacheBuilder::<u32, u64>::new()
            .config(config)
            .policy(Policy::CostAware)
            .clock(clock.clone())
            .weigher(|_: &u32, v: &u64| *v as usize)
            .build_unsync();
        (c, clock)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Get(u32),
        Insert(u32, u64, u8),
        InsertWithCost(u32, u64, u32),
        Remove(u32),
        Advance(u16),
        Shrink(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0u32..24;
        let value = prop_oneof![4 => 1u64..50, 1 => Just(u64::from(u32::MAX) + 7)];
        prop_oneof![
            4 => key.clone().prop_map(Op::Get),
            3 => (key.clone(), value.clone(), 0u8..40).prop_map(|(k, v, t)| Op::Insert(k, v, t)),
            2 => (key.clone(), value, 0u32..4).prop_map(|(k, v, c)| Op::InsertWithCost(k, v, c)),
            1 => key.prop_map(Op::Remove),
            2 => (0u16..3_000).prop_map(Op::Advance),
            1 => (1u8..20).prop_map(Op::Shrink),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        /// Every structure that refers to slots by index (key index, expiry FIFO and heap, TTL
        /// side map, heavy side table) survives the heap's slot moves, the heap order holds after
        /// every operation, and the ages and idle times read back through the stamps are exact.
        /// The stamps start near `u32::MAX`, so renumbering happens too.
        #[test]
        fn slot_moves_keep_every_structure_consistent(
            ops in prop::collection::vec(op(), 1..120),
            stamp_start in prop_oneof![Just(0u32), Just(u32::MAX - 40)],
        ) {
            let (mut c, clock) = gdsf(CacheConfig {
                max_entries: Some(16),
                max_bytes: None,
                default_ttl: Some(Duration::from_secs(3)),
            });
            c.state.stamps = Stamps::starting_at(stamp_start);
            // Reference: key -> (inserted, accessed) in whole seconds.
            let mut times = std::collections::HashMap::new();
            let mut now_ms = 0u64;
            for op in ops {
                let secs = now_ms / 1000;
                match op {
                    Op::Get(k) => {
                        if c.get(&k).is_some() {
                            if let Some(t) = times.get_mut(&k) {
                                let t: &mut (u64, u64) = t;
                                t.1 = secs;
                            }
                        }
                    }
                    Op::Insert(k, v, t) => {
                        // 0: no TTL; 1..: many distinct TTLs (more than the 30 TTL classes).
                        let ttl = (t > 0).then(|| Duration::from_millis(u64::from(t) * 997));
                        c.insert_with_ttl(k, v, ttl);
                        times.insert(k, (secs, secs));
                    }
                    Op::InsertWithCost(k, v, cost) => {
                        c.insert_with_cost(k, v, Duration::from_millis(u64::from(cost) * 250));
                        times.insert(k, (secs, secs));
                    }
                    Op::Remove(k) => {
                        c.remove(&k);
                    }
                    Op::Advance(ms) => {
                        clock.advance(Duration::from_millis(u64::from(ms)));
                        now_ms += u64::from(ms);
                    }
                    Op::Shrink(n) => {
                        let mut config = c.config();
                        config.max_entries = Some(usize::from(n));
                        config.max_bytes = (n % 3 == 0).then_some(200);
                        c.reconfigure(config);
                    }
                }
                c.assert_invariants();
                let secs = now_ms / 1000;
                for e in c.entries(0, usize::MAX) {
                    let (inserted, accessed) = times[&e.key];
                    prop_assert_eq!(e.age, Duration::from_secs(secs - inserted), "age of {}", e.key);
                    prop_assert_eq!(e.idle, Duration::from_secs(secs - accessed), "idle of {}", e.key);
                }
            }
        }
    }

    /// Eviction order is `(priority, assignment order)`: with unit costs and sizes, equal
    /// priorities go oldest assignment first; a hit raises the priority.
    #[test]
    fn ties_go_to_the_older_assignment() {
        let (mut c, _) = gdsf(CacheConfig {
            max_entries: Some(3),
            max_bytes: None,
            default_ttl: None,
        });
        for k in 0..3 {
            c.insert(k, 1);
        }
        // Priorities in units of the unit cost (1 ms): clock + frequency.
        c.get(&0); // 0 has 2, 1 and 2 have 1
        c.insert(3, 1); // 3 has 1; evicts 1 (a 1, older than 2's and 3's); clock 1
        assert!(!c.contains(&1) && c.contains(&2));
        c.insert(4, 1); // 4 has 2; evicts 2 (the older 1)
        assert!(!c.contains(&2) && c.contains(&3));
        c.insert(5, 1); // 5 has 2; evicts 3, the last 1
        assert!(!c.contains(&3));
        c.insert(6, 1); // all 2s now: 0's is the oldest assignment
        assert!(!c.contains(&0) && c.contains(&4) && c.contains(&5) && c.contains(&6));
        c.assert_invariants();
    }

    /// The stamp table keeps about one checkpoint per second in which a live entry was last
    /// used: old seconds go once no entry refers to them.
    #[test]
    fn stamp_checkpoints_follow_the_live_entries() {
        let (mut c, clock) = gdsf(CacheConfig {
            max_entries: Some(10),
            max_bytes: None,
            default_ttl: None,
        });
        for k in 0..5_000u32 {
            clock.advance(Duration::from_secs(1));
            c.insert(k, 1);
        }
        c.assert_invariants();
        assert!(
            c.state.stamps.checkpoints() <= 10 + 10 / 8 + 64 + 1,
            "{} checkpoints for 10 entries",
            c.state.stamps.checkpoints()
        );
        let idle: Vec<_> = c.entries(0, usize::MAX).iter().map(|e| e.idle).collect();
        assert_eq!(idle.len(), 10);
    }
}
