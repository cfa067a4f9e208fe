//! Inserting: the public insert forms, the one insert path they all take (`insert_prepared`:
//! expired entries reclaimed first, a refusal or a dead-on-arrival TTL decided before anything is
//! evicted, then an update in place or a new entry placed by the policy), and exact LRU's
//! eviction to the bounds.

use super::{Cache, Cause, MAX_SLOTS, cost_of, nanos, secs_u32};
use crate::InsertOutcome;
use crate::Policy;
use crate::linked_slab::{Detached, HEAVY, NEVER, NIL, Slot, UNKNOWN_COST};
use std::hash::{BuildHasher, Hash};
use std::time::Duration;

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// Inserts with the default TTL.
    pub fn insert(&mut self, key: K, value: V) -> InsertOutcome {
        let ttl = self.config.default_ttl;
        self.insert_with_ttl(key, value, ttl)
    }

    /// Inserts with the default TTL and what producing the value cost (shown in listings, summed
    /// into `cost_saved` on hits, and weighed by [`Policy::CostAware`]). The cost is kept to 24
    /// significant bits (an `f32` of nanoseconds: a relative error below 1e-7).
    ///
    /// ```
    /// use gencache::{CacheBuilder, Policy};
    /// use std::time::Duration;
    ///
    /// let mut cache = CacheBuilder::<u32, u32>::new().policy(Policy::CostAware).build_unsync();
    /// cache.insert_with_cost(1, 10, Duration::from_secs(2));
    /// cache.get(&1);
    /// assert_eq!(cache.stats().cost_saved, Duration::from_secs(2));
    /// assert_eq!(cache.entries(0, 1)[0].cost, Some(Duration::from_secs(2)));
    /// ```
    pub fn insert_with_cost(&mut self, key: K, value: V, cost: Duration) -> InsertOutcome {
        let hash = self.hash_of(&key);
        let now = self.now_nanos();
        let weight = (self.weigher)(&key, &value) as u64;
        let ttl = self.config.default_ttl;
        self.insert_prepared(hash, key, value, weight, ttl, now, cost_of(Some(cost)))
    }

    /// Inserts with an explicit TTL (`None` = never expires).
    ///
    /// First reclaims every expired entry (the expiry queue is drained on writes), then stores the
    /// entry as most recently used and evicts least recently used entries until `max_entries`
    /// and then `max_bytes` hold. An entry heavier than `max_bytes` (or any entry when
    /// `max_entries` is 0) is refused: nothing is stored and no other entry is evicted, but a
    /// previous value of the same key is dropped (counted in `evictions.removed`) so that a
    /// superseded value is never served.
    ///
    /// A TTL of zero (or one that rounds to 0 ns) means "do not cache": the entry would be expired
    /// at once, so nothing is stored, nothing is evicted for it, a previous value of the key is
    /// dropped as for a refusal, and [`InsertOutcome::AlreadyExpired`] is returned. No
    /// insert/update or refusal counter moves.
    ///
    /// ```
    /// use gencache::{CacheBuilder, InsertOutcome};
    /// use std::time::Duration;
    ///
    /// let mut cache = CacheBuilder::<u32, u32>::new().max_entries(1).build_unsync();
    /// cache.insert(1, 1);
    /// assert_eq!(cache.insert_with_ttl(2, 2, Some(Duration::ZERO)), InsertOutcome::AlreadyExpired);
    /// assert_eq!(cache.get(&1), Some(1)); // not evicted for an entry that could never be served
    /// ```
    pub fn insert_with_ttl(&mut self, key: K, value: V, ttl: Option<Duration>) -> InsertOutcome {
        let hash = self.hash_of(&key);
        self.insert_hashed(hash, key, value, ttl)
    }

    pub(crate) fn insert_hashed(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Duration>,
    ) -> InsertOutcome {
        let now = self.now_nanos();
        let weight = (self.weigher)(&key, &value) as u64;
        self.insert_prepared(hash, key, value, weight, ttl, now, UNKNOWN_COST)
    }

    /// Insert with the key's hash, the entry's weight and "now" (nanoseconds) already computed;
    /// `cost` as stored in a slot (`cost_of`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_prepared(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        weight: u64,
        ttl: Option<Duration>,
        now: u64,
        cost: f32,
    ) -> InsertOutcome {
        self.drain_expired(now);
        let existing = self.find(hash, &key);

        let refuse_bytes = self.config.max_bytes.filter(|&max| weight > max);
        if refuse_bytes.is_some() || self.config.max_entries == Some(0) {
            if let Some(i) = existing {
                self.remove_index(i, hash, Cause::Removed);
            }
            self.counters.refused_too_large += 1;
            tracing::debug!(
                weight,
                max_bytes = ?self.config.max_bytes,
                max_entries = ?self.config.max_entries,
                "cache refused an entry that cannot fit its bounds on its own"
            );
            return InsertOutcome::Refused {
                weight,
                max_bytes: self.config.max_bytes.unwrap_or(u64::MAX),
            };
        }

        let expires_at = ttl.map_or(NEVER, |t| now.saturating_add(nanos(t)));
        if expires_at <= now {
            // Dead on arrival (a TTL of 0, or one that rounds to 0 ns): storing it would only
            // evict a live entry for something never servable. Like a refusal, the superseded
            // value of the key is dropped so it is not served.
            if let Some(i) = existing {
                self.remove_index(i, hash, Cause::Removed);
            }
            return InsertOutcome::AlreadyExpired;
        }
        let now_secs = secs_u32(now);
        let outcome = match existing {
            Some(i) => {
                let old_weight = self.slot_weight(i);
                self.bytes -= old_weight;
                self.bytes += weight;
                self.on_reweigh(i, old_weight, weight);
                self.set_slot_weight(i, weight);
                if self.slab.expires_at(i) != expires_at {
                    self.expiry.remove(&mut self.slab, i);
                    self.slab.set_expires_at(i, expires_at);
                    if expires_at != NEVER {
                        self.expiry.push(&mut self.slab, i);
                    }
                }
                self.inserted.release(self.slab.get(i), i);
                self.inserted.stamp(&mut self.slab, i, now);
                let slot = self.slab.get_mut(i);
                slot.value = value;
                slot.accessed_secs.set(now_secs);
                slot.reset_hits();
                slot.cost = cost;
                self.on_update(i);
                self.counters.updates += 1;
                InsertOutcome::Updated
            }
            None if self.policy != Policy::Lru => {
                let slot = Slot::detached(key, value, expires_at, now_secs, cost);
                // Before making room: the evictions may push the key out of the ghost.
                let from_ghost = self.take_from_ghost(hash);
                if !self.s3_can_insert(weight) {
                    return self.s3_refuse(weight);
                }
                self.make_room(weight);
                if self.s3_drops_after_evicting(weight, from_ghost) {
                    return self.s3_refuse(weight);
                }
                let i = self.place_new(slot, hash, weight, from_ghost);
                self.bytes += weight;
                if expires_at != NEVER {
                    self.expiry.push(&mut self.slab, i);
                }
                self.inserted.stamp(&mut self.slab, i, now);
                self.counters.inserts += 1;
                InsertOutcome::Inserted
            }
            None => {
                let slot = Slot::detached(key, value, expires_at, now_secs, cost);
                // At the entry bound, the least recently used entry makes room: evicting it first
                // (same outcome as inserting then evicting) lets the new entry reuse its slot, and
                // the table never grows past the bound.
                let cap = self.config.max_entries.unwrap_or(MAX_SLOTS).min(MAX_SLOTS);
                while self.slab.len() > cap {
                    self.evict_lru(Cause::CapacityEntries);
                }
                let i = if self.slab.len() == cap {
                    self.replace_lru(slot)
                } else {
                    self.slab.push_front(slot)
                };
                self.set_slot_weight(i, weight);
                self.bytes += weight;
                let slots = self.slab.slots();
                self.index
                    .insert(hash, i, |&j| self.hasher.hash_one(&slots[j as usize].key));
                if expires_at != NEVER {
                    self.expiry.push(&mut self.slab, i);
                }
                self.inserted.stamp(&mut self.slab, i, now);
                self.counters.inserts += 1;
                InsertOutcome::Inserted
            }
        };
        self.enforce_bounds();
        self.note_peaks();
        outcome
    }

    pub(super) fn enforce_bounds(&mut self) {
        if self.policy != Policy::Lru {
            self.enforce_policy_bounds();
            return;
        }
        if let Some(max) = self.config.max_entries {
            while self.slab.len() > max {
                self.evict_lru(Cause::CapacityEntries);
            }
        }
        if let Some(max) = self.config.max_bytes {
            while self.bytes > max && self.slab.tail() != NIL {
                self.evict_lru(Cause::CapacityBytes);
            }
        }
    }

    pub(super) fn evict_lru(&mut self, cause: Cause) {
        let i = self.slab.tail();
        if i == NIL {
            return;
        }
        let hash = self.hash_of(&self.slab.get(i).key);
        self.remove_index(i, hash, cause);
    }

    /// Evicts the least recently used entry (counted as `capacity_entries`) and stores `slot` in
    /// its place as the most recently used; returns the index. The cache must not be empty.
    fn replace_lru(&mut self, slot: Detached<K, V>) -> u32 {
        let i = self.slab.tail();
        let old_hash = self.hash_of(&self.slab.get(i).key);
        self.index.remove(old_hash, i);
        self.expiry.remove(&mut self.slab, i);
        self.inserted.release(self.slab.get(i), i);
        self.bytes -= self.slot_weight(i);
        if self.slab.cold(i).weight == HEAVY {
            self.heavy.remove(&i);
        }
        self.counters.evictions.capacity_entries += 1;
        drop(self.slab.replace(i, slot));
        // The next victim's slot is needed at the next eviction (its key, to leave the index);
        // start loading it now so that wait overlaps whatever runs until then.
        self.slab.prefetch(self.slab.tail());
        i
    }

    fn note_peaks(&mut self) {
        let c = &mut self.counters;
        c.peak_bytes = c.peak_bytes.max(self.bytes);
        c.peak_entries = c.peak_entries.max(self.slab.len() as u64);
    }
}
