//! The paginated listing of a core's entries, in the policy's order.

use super::{Cache, secs_u32};
use crate::linked_slab::{MAIN, NEVER, NIL, SMALL};
use crate::{EntryInfo, Policy};
use std::hash::Hash;
use std::time::Duration;

/// Where a paginated walk of the queues stands between two lock holds (used by
/// [`crate::Cache::entries`]).
#[derive(Debug)]
pub(crate) struct ListCursor<K> {
    /// Next slot to visit, with its key to detect that the slab changed meanwhile.
    next: Option<(u32, K)>,
    /// Live entries passed so far (skipped or emitted).
    position: usize,
    /// Whether the walk reached the end of the list.
    done: bool,
}

impl<K> ListCursor<K> {
    pub(crate) fn new() -> Self {
        Self {
            next: None,
            position: 0,
            done: false,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// The second slot `i` was last read or written in.
    pub(super) fn accessed_secs(&self, i: u32) -> u32 {
        if self.policy == Policy::CostAware {
            self.gdsf_accessed_secs(i)
        } else {
            self.slab.get(i).accessed_secs.load()
        }
    }

    /// First slot of the listing: the small queue's head (S3-FIFO), else the main queue's; for
    /// GDSF, whose slab is its heap, slot 0 (the next victim).
    fn list_start(&self) -> u32 {
        if self.policy == Policy::CostAware {
            return if self.slab.len() == 0 { NIL } else { 0 };
        }
        match self.slab.head_of(SMALL) {
            NIL => self.slab.head_of(MAIN),
            head => head,
        }
    }

    /// The slot after `i` in the listing: down its queue, then from the small queue's tail on to
    /// the main queue's head; for GDSF the next slot of the heap array.
    fn list_next(&self, i: u32) -> u32 {
        if self.policy == Policy::CostAware {
            return if (i as usize) + 1 < self.slab.len() {
                i + 1
            } else {
                NIL
            };
        }
        match self.slab.next(i) {
            NIL if self.slab.get(i).queue() == SMALL => self.slab.head_of(MAIN),
            next => next,
        }
    }

    /// Live entries in the policy's listing order (see [`crate::Policy`] and the crate
    /// documentation: most to least recently used for `Lru`; small queue then main queue, each
    /// newest first, for `S3Fifo`; newest first for `Sieve`; for `CostAware` its heap's order: the
    /// next entry to evict first, each entry after its heap parent, not sorted),
    /// `offset`..`offset + limit`.
    ///
    /// `age` and `idle` have one-second resolution; `expires_in` is exact. Expired entries not yet
    /// reclaimed are skipped (they are never returned).
    pub fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<K>> {
        let mut cursor = ListCursor::new();
        let mut out = Vec::new();
        self.list_step(&mut cursor, offset, limit, usize::MAX, &mut out);
        out
    }

    /// Continues a paginated walk for at most `max_steps` slots; appends to `out` the live entries
    /// at positions `offset..offset + limit`.
    pub(crate) fn list_step(
        &self,
        cursor: &mut ListCursor<K>,
        offset: usize,
        limit: usize,
        max_steps: usize,
        out: &mut Vec<EntryInfo<K>>,
    ) {
        let now = self.now_nanos();
        let now_secs = secs_u32(now);
        let mut cur = match cursor.next.take() {
            None => self.list_start(),
            Some((i, key)) => {
                let still_there = (i as usize) < self.slab.len() && self.slab.get(i).key == key;
                if still_there {
                    i
                } else if let Some(j) = self.find(self.hash_of(&key), &key) {
                    // The slab moved it; it may also have moved in recency order, but continuing
                    // from it is the best a lock-free-between-pages walk can do.
                    j
                } else {
                    // Gone: start again from the most recent end, skipping as many live entries
                    // as were already passed.
                    let already = cursor.position;
                    cursor.position = 0;
                    let mut c = self.list_start();
                    while c != NIL && cursor.position < already {
                        if self.slab.expires_at(c) > now {
                            cursor.position += 1;
                        }
                        c = self.list_next(c);
                    }
                    c
                }
            }
        };
        let end = offset.saturating_add(limit);
        let mut steps = 0;
        while cur != NIL && cursor.position < end {
            if steps == max_steps {
                cursor.next = Some((cur, self.slab.get(cur).key.clone()));
                return;
            }
            steps += 1;
            let slot = self.slab.get(cur);
            let expires_at = self.slab.expires_at(cur);
            if expires_at > now {
                if cursor.position >= offset {
                    out.push(EntryInfo {
                        key: slot.key.clone(),
                        weight: self.slot_weight(cur),
                        age: Duration::from_secs(u64::from(
                            now_secs.saturating_sub(self.inserted.inserted_secs(&self.slab, cur)),
                        )),
                        idle: Duration::from_secs(u64::from(
                            now_secs.saturating_sub(self.accessed_secs(cur)),
                        )),
                        access_count: u64::from(slot.hits()),
                        cost: (slot.cost >= 0.0).then(|| Duration::from_nanos(slot.cost as u64)),
                        expires_in: (expires_at != NEVER)
                            .then(|| Duration::from_nanos(expires_at - now)),
                    });
                }
                cursor.position += 1;
            }
            cur = self.list_next(cur);
        }
        cursor.done = true;
    }
}
