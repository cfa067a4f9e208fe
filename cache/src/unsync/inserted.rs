//! When each entry was inserted (for `EntryInfo::age`), without a timestamp in every slot.
//!
//! An entry with a deadline was inserted at `deadline − ttl`, exactly, so the slot only names its
//! TTL: a 5-bit **TTL class** in `Slot::meta`, whose TTL this table keeps. Entries inserted with
//! the same TTL (the default TTL, nearly always) share one class; a class is free again once no
//! entry uses it, so a changed default TTL (`reconfigure`) simply takes another class while the
//! older entries keep theirs. When more distinct TTLs are live at once than there are classes,
//! the extra entries go to the class `EXPLICIT`, whose insertion seconds sit in a side map (about
//! 10 bytes each, only for those entries). An entry without deadline is in class `NO_DEADLINE`
//! and its insertion second is kept in its `exp_prev` link, which only entries with a deadline
//! use.

use super::secs_u32;
use crate::linked_slab::{LinkedSlab, NEVER, Slot, TTL_CLASSES};
use hashbrown::HashMap;

/// The class of an entry without deadline (and of a slot not yet stamped).
const NO_DEADLINE: u8 = 0;
/// The class of an entry whose TTL found no class of its own.
const EXPLICIT: u8 = (TTL_CLASSES - 1) as u8;

#[derive(Debug, Default)]
pub(crate) struct InsertTimes {
    /// The TTL in nanoseconds of each class in use (`1..EXPLICIT`).
    ttls: [u64; TTL_CLASSES],
    /// How many slots are in each class; a class with none is free.
    counts: [u32; TTL_CLASSES],
    /// Insertion seconds of the slots in class `EXPLICIT`, by slot index.
    explicit: HashMap<u32, u32>,
}

impl InsertTimes {
    pub(crate) fn clear(&mut self) {
        self.counts = [0; TTL_CLASSES];
        self.explicit.clear();
    }

    /// Records that slot `i` was inserted (or updated) at `now` nanoseconds, with its deadline
    /// already set and its expiry links already placed. The slot must be in no class: freshly
    /// detached, or `release`d.
    pub(crate) fn stamp<K, V>(&mut self, slab: &mut LinkedSlab<K, V>, i: u32, now: u64) {
        let expires_at = slab.expires_at(i);
        if expires_at == NEVER {
            slab.get_mut(i).set_ttl_class(NO_DEADLINE);
            slab.cold_mut(i).exp_prev = secs_u32(now);
            return;
        }
        // Inserts store `now + ttl` unsaturated whenever it is not `NEVER`, and refuse deadlines
        // at or before `now`, so this is the entry's TTL exactly.
        let class = self.class_for(expires_at - now);
        slab.get_mut(i).set_ttl_class(class);
        if class == EXPLICIT {
            self.explicit.insert(i, secs_u32(now));
        } else {
            self.counts[class as usize] += 1;
        }
    }

    /// The class of `ttl`: the one already holding it, else a free one, else `EXPLICIT`.
    fn class_for(&mut self, ttl: u64) -> u8 {
        let mut free = None;
        for class in 1..EXPLICIT {
            let c = class as usize;
            if self.counts[c] > 0 {
                if self.ttls[c] == ttl {
                    return class;
                }
            } else if free.is_none() {
                free = Some(class);
            }
        }
        match free {
            Some(class) => {
                self.ttls[class as usize] = ttl;
                class
            }
            None => EXPLICIT,
        }
    }

    /// Slot `i` leaves its class (it is removed or replaced, or about to be stamped again).
    pub(crate) fn release<K, V>(&mut self, slot: &Slot<K, V>, i: u32) {
        match slot.ttl_class() {
            NO_DEADLINE => {}
            EXPLICIT => {
                self.explicit.remove(&i);
            }
            class => self.counts[class as usize] -= 1,
        }
    }

    /// The slab moved `slot` from index `from` to `to` (after a `swap_remove`).
    pub(crate) fn relocate<K, V>(&mut self, slot: &Slot<K, V>, from: u32, to: u32) {
        if slot.ttl_class() == EXPLICIT {
            if let Some(secs) = self.explicit.remove(&from) {
                self.explicit.insert(to, secs);
            }
        }
    }

    /// The slab exchanged the contents of slots `a` and `b` (`slots` is after the exchange).
    pub(crate) fn swapped<K, V>(&mut self, slots: &[Slot<K, V>], a: u32, b: u32) {
        let explicit = |i: u32| slots[i as usize].ttl_class() == EXPLICIT;
        if explicit(a) || explicit(b) {
            let (was_at_a, was_at_b) = (self.explicit.remove(&a), self.explicit.remove(&b));
            if let Some(secs) = was_at_a {
                self.explicit.insert(b, secs);
            }
            if let Some(secs) = was_at_b {
                self.explicit.insert(a, secs);
            }
        }
    }

    /// The second (since the clock origin) slot `i` was inserted or last updated at.
    pub(crate) fn inserted_secs<K, V>(&self, slab: &LinkedSlab<K, V>, i: u32) -> u32 {
        match slab.get(i).ttl_class() {
            NO_DEADLINE => slab.cold(i).exp_prev,
            EXPLICIT => self.explicit.get(&i).copied().unwrap_or(0),
            class => secs_u32(slab.expires_at(i) - self.ttls[class as usize]),
        }
    }

    /// Class counts and the side map match the slots (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_valid<K, V>(&self, slab: &LinkedSlab<K, V>) {
        let slots = slab.slots();
        let mut counts = [0u32; TTL_CLASSES];
        for (i, slot) in slots.iter().enumerate() {
            let class = slot.ttl_class();
            let expires_at = slab.expires_at(i as u32);
            assert_eq!(
                class == NO_DEADLINE,
                expires_at == NEVER,
                "class of slot {i}"
            );
            if class == EXPLICIT {
                assert!(self.explicit.contains_key(&(i as u32)), "explicit slot {i}");
            } else if class != NO_DEADLINE {
                assert!(expires_at >= self.ttls[class as usize]);
                counts[class as usize] += 1;
            }
        }
        counts[NO_DEADLINE as usize] = 0;
        assert_eq!(counts, self.counts, "TTL class counts");
        let explicit = slots.iter().filter(|s| s.ttl_class() == EXPLICIT).count();
        assert_eq!(self.explicit.len(), explicit, "explicit side map");
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::{CacheBuilder, ManualClock};
    use std::time::Duration;

    const SEC: Duration = Duration::from_secs(1);

    /// Ages stay exact (to the second) whatever the TTLs: the default one, one changed by
    /// `reconfigure`, none, and more distinct per-entry TTLs than there are classes.
    #[test]
    fn ages_are_exact_for_every_kind_of_ttl() {
        let clock = ManualClock::new();
        let mut c = CacheBuilder::<u32, u32>::new()
            .default_ttl(Some(Duration::from_secs(1_000)))
            .clock(clock.clone())
            .build_unsync();
        // Key k is inserted at second k.
        c.insert(0, 0);
        clock.advance(SEC);
        c.insert_with_ttl(1, 1, None);
        clock.advance(SEC);
        let mut config = c.config();
        config.default_ttl = Some(Duration::from_secs(2_000));
        c.reconfigure(config);
        c.insert(2, 2);
        for k in 3..80u32 {
            clock.advance(SEC);
            // 77 distinct TTLs at once: more than the 30 classes.
            c.insert_with_ttl(
                k,
                k,
                Some(Duration::from_millis(500_000 + u64::from(k) * 7)),
            );
        }
        c.assert_invariants();
        clock.advance(Duration::from_secs(20));
        let now = 99;
        for e in c.entries(0, usize::MAX) {
            assert_eq!(
                e.age,
                Duration::from_secs(now - u64::from(e.key)),
                "key {}",
                e.key
            );
        }
        // Removals free classes and side-map entries; an update restarts the age.
        for k in (3..80).step_by(2) {
            c.remove(&k);
        }
        c.insert(4, 44);
        c.insert_with_ttl(6, 66, None);
        c.assert_invariants();
        for e in c.entries(0, usize::MAX) {
            let inserted = if matches!(e.key, 4 | 6) {
                now
            } else {
                u64::from(e.key)
            };
            assert_eq!(e.age, Duration::from_secs(now - inserted), "key {}", e.key);
        }
        c.clear();
        c.assert_invariants();
    }
}
