//! The eviction policies other than exact LRU (whose hot path stays in `unsync.rs`): S3-FIFO,
//! SIEVE and GreedyDual-Size-Frequency, with libCacheSim's semantics so that a replay reproduces
//! its hit counts exactly (see the crate documentation, "Policies").
//!
//! Budgets: libCacheSim has one size per cache, counted in objects or in bytes. Here the queue
//! sizes and the "does it fit" tests apply to every bound that is set: entries (each entry counts
//! 1) and bytes (each entry counts its weight).

use super::ghost::{Ghost, share};
use super::stamps::Stamps;
use super::{Cache, Cause, MAX_SLOTS};
use crate::Policy;
use crate::linked_slab::{Detached, MAIN, NIL, SMALL};
use std::hash::{BuildHasher, Hash};

/// libCacheSim's default S3-FIFO `small-size-ratio`.
const SMALL_RATIO: f64 = 0.10;
/// libCacheSim's default S3-FIFO `move-to-main-threshold`.
const MOVE_TO_MAIN: u8 = 2;
/// S3-FIFO's frequency saturates at 3 (libCacheSim counts on but only ever uses `min(freq, 3)`
/// and `freq >= 2`, so capping changes nothing and keeps hot entries' cache lines clean).
const S3_FREQ_CAP: u8 = 3;
/// The cost of an entry whose cost is unknown, in nanoseconds (1 ms): GDSF's numerator in
/// libCacheSim (`1.0e6`), so a replay without costs reproduces its GDSF exactly.
pub(crate) const UNIT_COST_NANOS: f64 = 1.0e6;

/// The largest value a hit stores in `Slot::freq` for this policy.
pub(crate) fn freq_cap(policy: Policy) -> u8 {
    match policy {
        Policy::S3Fifo => S3_FREQ_CAP,
        Policy::Sieve => 1,
        Policy::Lru | Policy::CostAware => 0,
    }
}

/// The slab's growth cap: GDSF inserts before it evicts (libCacheSim's order), so it briefly
/// holds one entry more than `max_entries`.
pub(crate) fn growth_cap(policy: Policy, max_entries: Option<usize>) -> Option<usize> {
    match policy {
        Policy::CostAware => max_entries.map(|n| n.saturating_add(1)),
        _ => max_entries,
    }
}

/// State of the non-LRU policies.
#[derive(Debug, Default)]
pub(crate) struct PolicyState {
    // S3-FIFO
    small_entries: u64,
    small_bytes: u64,
    small_max_entries: u64,
    small_max_bytes: u64,
    main_max_entries: u64,
    main_max_bytes: u64,
    /// libCacheSim's `has_evicted`: until the first eviction, a new entry goes to the main queue
    /// once the small queue is full.
    has_evicted: bool,
    ghost: Ghost,
    // SIEVE: the hand, `NIL` = start from the tail.
    hand: u32,
    // GDSF
    /// Priority of the last evicted entry (the "inflation" clock `L`).
    clock: f64,
    /// The tie-break stamps (held in the slots) and the seconds they were issued in; the
    /// priorities live in the slots, which the slab keeps in heap order (`priority_heap`).
    pub(super) stamps: Stamps,
}

impl PolicyState {
    pub(crate) fn new() -> Self {
        Self {
            hand: NIL,
            ..Self::default()
        }
    }

    /// Forgets every entry (the cache was cleared); bounds stay.
    pub(crate) fn clear(&mut self) {
        self.small_entries = 0;
        self.small_bytes = 0;
        self.has_evicted = false;
        self.ghost.clear();
        self.hand = NIL;
        self.clock = 0.0;
        self.stamps.clear();
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// Recomputes the policy's queue sizes from the bounds (at build and on `reconfigure`).
    pub(super) fn policy_reconfigured(&mut self) {
        if self.policy != Policy::S3Fifo {
            return;
        }
        let entries = self.config.max_entries.map(|n| n as u64);
        let bytes = self.config.max_bytes;
        let st = &mut self.state;
        st.small_max_entries = share(entries, SMALL_RATIO);
        st.small_max_bytes = share(bytes, SMALL_RATIO);
        st.main_max_entries = entries.map_or(u64::MAX, |n| n - st.small_max_entries);
        st.main_max_bytes = bytes.map_or(u64::MAX, |n| n - st.small_max_bytes);
        st.ghost.resize(entries, bytes);
        if st.small_max_entries <= 1 {
            // libCacheSim's admission (kept exactly, see the crate doc): the small queue must
            // hold more than one entry, so such a cache stores nothing. Say it where it is set.
            tracing::warn!(
                max_entries = self.config.max_entries,
                "gencache: an S3-FIFO cache below 20 entries stores nothing (its small queue, a \
                 tenth, must hold two); use Policy::Lru or Policy::Sieve for so few entries"
            );
        }
    }

    /// Which bound `extra_entries` more entries of `extra_bytes` more bytes would exceed.
    fn exceeded(&self, extra_entries: usize, extra_bytes: u64) -> Option<Cause> {
        let cap = self.config.max_entries.unwrap_or(MAX_SLOTS).min(MAX_SLOTS);
        if self.slab.len() + extra_entries > cap {
            return Some(Cause::CapacityEntries);
        }
        match self.config.max_bytes {
            Some(max) if self.bytes.saturating_add(extra_bytes) > max => Some(Cause::CapacityBytes),
            _ => None,
        }
    }

    /// Evicts until an entry of `weight` bytes fits (S3-FIFO and SIEVE evict before they
    /// insert; GDSF after, see `enforce_policy_bounds`).
    pub(super) fn make_room(&mut self, weight: u64) {
        if self.policy == Policy::CostAware {
            return;
        }
        while let Some(cause) = self.exceeded(1, weight) {
            if self.slab.len() == 0 {
                break;
            }
            self.evict_one(cause);
        }
    }

    /// Evicts until every bound holds.
    pub(super) fn enforce_policy_bounds(&mut self) {
        while let Some(cause) = self.exceeded(0, 0) {
            if self.slab.len() == 0 {
                break;
            }
            self.evict_one(cause);
        }
    }

    fn evict_one(&mut self, cause: Cause) {
        match self.policy {
            Policy::Lru => self.evict_lru(cause),
            Policy::S3Fifo => self.s3_evict(cause),
            Policy::Sieve => self.sieve_evict(cause),
            Policy::CostAware => self.gdsf_evict(cause),
        }
    }

    /// S3-FIFO: whether a new key was recently evicted from the small queue (and forget it).
    /// libCacheSim looks this up at the miss, before evicting for the insert.
    pub(super) fn take_from_ghost(&mut self, hash: u64) -> bool {
        self.policy == Policy::S3Fifo && self.state.ghost.remove(hash)
    }

    /// Links a new entry into the policy's queue (GDSF: its heap) and the table; returns its
    /// index.
    /// `from_ghost`: `take_from_ghost` said so (S3-FIFO).
    pub(super) fn place_new(
        &mut self,
        slot: Detached<K, V>,
        hash: u64,
        weight: u64,
        from_ghost: bool,
    ) -> u32 {
        let i = match self.policy {
            Policy::S3Fifo => {
                // `s3_admits` already refused what the small queue cannot take.
                let to_main = from_ghost || (!self.state.has_evicted && self.s3_small_full());
                if to_main {
                    self.slab.push_front_of(slot, MAIN)
                } else {
                    self.state.small_entries += 1;
                    self.state.small_bytes += weight;
                    self.slab.push_front_of(slot, SMALL)
                }
            }
            // GDSF's slab is unlinked: the slot goes to the end, then up the heap.
            Policy::Lru | Policy::Sieve | Policy::CostAware => self.slab.push_front(slot),
        };
        self.set_slot_weight(i, weight);
        let slots = self.slab.slots();
        self.index
            .insert(hash, i, |&j| self.hasher.hash_one(&slots[j as usize].key));
        if self.policy == Policy::CostAware {
            return self.gdsf_prioritize(i);
        }
        i
    }

    /// What a hit does beyond the counters (under the exclusive lock); returns the entry's
    /// index, which only GDSF changes (its slab is its heap).
    #[inline]
    pub(super) fn on_hit(&mut self, i: u32) -> u32 {
        match self.policy {
            Policy::Lru => self.slab.move_to_front(i),
            Policy::S3Fifo | Policy::Sieve => {
                let cap = freq_cap(self.policy);
                self.slab.get_mut(i).bump_freq(cap);
            }
            Policy::CostAware => return self.gdsf_prioritize(i),
        }
        i
    }

    /// What replacing an entry's value does: LRU and GDSF treat it as a use (GDSF with the new
    /// cost and size); the FIFO policies leave it where it is.
    pub(super) fn on_update(&mut self, i: u32) {
        match self.policy {
            Policy::Lru => self.slab.move_to_front(i),
            Policy::S3Fifo | Policy::Sieve => {}
            Policy::CostAware => {
                self.gdsf_prioritize(i);
            }
        }
    }

    /// An entry's weight changes (before `set_slot_weight`).
    pub(super) fn on_reweigh(&mut self, i: u32, old: u64, new: u64) {
        if self.policy == Policy::S3Fifo && self.slab.get(i).queue() == SMALL {
            self.state.small_bytes = self.state.small_bytes - old + new;
        }
    }

    /// Slot `i` of `weight` bytes is about to leave (before the slab's `swap_remove`).
    pub(super) fn on_remove(&mut self, i: u32, weight: u64) {
        match self.policy {
            Policy::Lru => {}
            Policy::S3Fifo => {
                if self.slab.get(i).queue() == SMALL {
                    self.state.small_entries -= 1;
                    self.state.small_bytes -= weight;
                }
            }
            Policy::Sieve => {
                if self.state.hand == i {
                    self.state.hand = self.slab.prev(i);
                }
            }
            Policy::CostAware => {}
        }
    }

    /// The slab moved slot `from` to `to` (after a `swap_remove`, once everything else follows
    /// the move).
    pub(super) fn on_relocate(&mut self, from: u32, to: u32) {
        match self.policy {
            Policy::Sieve if self.state.hand == from => self.state.hand = to,
            // The former last slot fills the hole: back to its place in the heap.
            Policy::CostAware => {
                self.gdsf_restore(to);
            }
            _ => {}
        }
    }

    fn evict_index(&mut self, i: u32, cause: Cause) {
        let hash = self.hash_of(&self.slab.get(i).key);
        self.remove_index(i, hash, cause);
    }

    // ---- S3-FIFO (libCacheSim `S3FIFO.c`) ----

    fn s3_small_full(&self) -> bool {
        let st = &self.state;
        st.small_entries >= st.small_max_entries || st.small_bytes >= st.small_max_bytes
    }

    /// libCacheSim's `S3FIFO_can_insert`: an entry larger than the small queue (in bytes, or the
    /// small queue holding no entry at all) is not admitted, and nothing is evicted for it.
    pub(super) fn s3_can_insert(&self, weight: u64) -> bool {
        let st = &self.state;
        self.policy != Policy::S3Fifo || (st.small_max_entries >= 1 && weight <= st.small_max_bytes)
    }

    /// libCacheSim's `S3FIFO_insert`, after the evictions that made room: an entry exactly as
    /// large as the small queue (its whole byte size, or its only entry place) is dropped unless it
    /// comes back from the ghost (then it goes to the main queue).
    pub(super) fn s3_drops_after_evicting(&self, weight: u64, from_ghost: bool) -> bool {
        let st = &self.state;
        self.policy == Policy::S3Fifo
            && !from_ghost
            && (st.small_max_entries <= 1 || weight >= st.small_max_bytes)
    }

    /// The refusal of an entry S3-FIFO does not admit (counted in `refused_too_large`);
    /// `max_bytes` is the small queue's byte size.
    pub(super) fn s3_refuse(&mut self, weight: u64) -> crate::InsertOutcome {
        self.counters.refused_too_large += 1;
        tracing::debug!(
            weight,
            small_queue_bytes = self.state.small_max_bytes,
            small_queue_entries = self.state.small_max_entries,
            "S3-FIFO refused an entry its small queue cannot take"
        );
        crate::InsertOutcome::Refused {
            weight,
            max_bytes: self.state.small_max_bytes,
        }
    }

    fn s3_main_over(&self) -> bool {
        let st = &self.state;
        let main_entries = self.slab.len() as u64 - st.small_entries;
        let main_bytes = self.bytes - st.small_bytes;
        main_entries > st.main_max_entries || main_bytes > st.main_max_bytes
    }

    fn s3_evict(&mut self, cause: Cause) {
        self.state.has_evicted = true;
        if self.s3_main_over() || self.state.small_entries == 0 {
            self.s3_evict_main(cause);
        } else {
            self.s3_evict_small(cause);
        }
    }

    /// From the small queue's tail: an entry used at least twice moves to the main queue's head
    /// (frequency reset), until one used less is evicted into the ghost.
    fn s3_evict_small(&mut self, cause: Cause) {
        loop {
            let t = self.slab.tail_of(SMALL);
            if t == NIL {
                return;
            }
            // The next candidate, whether `t` moves or leaves (see `LinkedSlab::prefetch`).
            self.slab.prefetch(self.slab.prev(t));
            let weight = self.slot_weight(t);
            let slot = self.slab.get_mut(t);
            if slot.freq() >= MOVE_TO_MAIN {
                slot.set_freq(0);
                self.state.small_entries -= 1;
                self.state.small_bytes -= weight;
                self.slab.move_to_front_of(t, MAIN);
            } else {
                let hash = self.hash_of(&self.slab.get(t).key);
                self.state.ghost.insert(hash, weight);
                self.remove_index(t, hash, cause);
                return;
            }
        }
    }

    /// From the main queue's tail: an entry used since it was queued goes back to the head with
    /// its frequency decremented (2-bit clock), until an unused one is evicted.
    fn s3_evict_main(&mut self, cause: Cause) {
        loop {
            let t = self.slab.tail_of(MAIN);
            if t == NIL {
                return;
            }
            self.slab.prefetch(self.slab.prev(t));
            let slot = self.slab.get_mut(t);
            let f = slot.freq();
            if f >= 1 {
                slot.set_freq(f.min(S3_FREQ_CAP) - 1);
                self.slab.move_to_front(t);
            } else {
                self.evict_index(t, cause);
                return;
            }
        }
    }

    // ---- SIEVE (libCacheSim `Sieve.c`) ----

    /// The hand walks from the tail towards the head (wrapping), clearing visited bits, and
    /// evicts the first unvisited entry; it then rests on that entry's newer neighbour.
    fn sieve_evict(&mut self, cause: Cause) {
        let mut h = match self.state.hand {
            NIL => self.slab.tail(),
            h => h,
        };
        loop {
            // The hand's next stop, whether or not it stops here.
            self.slab.prefetch(self.slab.prev(h));
            let slot = self.slab.get_mut(h);
            if slot.freq() == 0 {
                break;
            }
            slot.set_freq(0);
            h = match self.slab.prev(h) {
                NIL => self.slab.tail(),
                p => p,
            };
        }
        self.state.hand = h; // `on_remove` moves it to the victim's newer neighbour
        self.evict_index(h, cause);
    }

    // ---- GreedyDual-Size-Frequency (libCacheSim `GDSF.cpp`) ----

    /// Sets slot `i`'s priority to `clock + frequency × cost / size` (frequency = hits since
    /// insertion + 1; unit cost when unknown; size = weight, or 1 when only entries are bounded);
    /// returns where the slot ended up in the heap.
    fn gdsf_prioritize(&mut self, i: u32) -> u32 {
        let slot = self.slab.get(i);
        let freq = f64::from(slot.hits()) + 1.0;
        let cost = if slot.cost >= 0.0 {
            f64::from(slot.cost)
        } else {
            UNIT_COST_NANOS
        };
        let size = match self.config.max_bytes {
            None => 1.0,
            Some(_) => self.slot_weight(i).max(1) as f64,
        };
        let priority = self.state.clock + freq * cost / size;
        self.gdsf_assign(i, priority)
    }

    /// Evicts the heap's root, the lowest `(priority, stamp)`.
    fn gdsf_evict(&mut self, cause: Cause) {
        if self.slab.len() == 0 {
            return;
        }
        self.state.clock = self.slab.priority(0);
        self.evict_index(0, cause);
    }

    /// The policy's own invariants (tests only).
    #[cfg(all(test, not(loom)))]
    pub(super) fn assert_policy_invariants(&self) {
        let st = &self.state;
        match self.policy {
            Policy::S3Fifo => {
                let small: Vec<u32> = self.slab.iter_from(self.slab.head_of(SMALL)).collect();
                assert_eq!(small.len() as u64, st.small_entries, "small queue length");
                let bytes: u64 = small.iter().map(|&i| self.slot_weight(i)).sum();
                assert_eq!(bytes, st.small_bytes, "small queue bytes");
            }
            Policy::Sieve => {
                assert!(
                    st.hand == NIL || (st.hand as usize) < self.slab.len(),
                    "hand"
                );
            }
            Policy::CostAware => {
                assert_eq!(self.slab.head_of(MAIN), NIL, "GDSF's slab is on no queue");
                self.assert_gdsf_heap();
            }
            Policy::Lru => {}
        }
        if self.policy != Policy::S3Fifo {
            assert_eq!(
                self.slab.head_of(SMALL),
                NIL,
                "only S3-FIFO uses the small queue"
            );
        }
    }
}
