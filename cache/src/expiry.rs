//! The expiry queue: which entry's deadline comes first, with O(1) insertion and removal in the
//! common case.
//!
//! Deadlines are `inserted_at + ttl` on a clock that never goes back, so entries inserted with the
//! same TTL (the default TTL, nearly always) arrive in deadline order. Such entries go on an
//! intrusive doubly-linked **FIFO** ordered by deadline (links in the slot: `exp_prev`/`exp_next`):
//! appending and unlinking are O(1), with no extra allocation. An entry whose deadline is earlier
//! than the FIFO's last one (a shorter per-entry TTL, or a shrunk default) goes instead to an indexed
//! binary **min-heap** (O(log n)); its slot then holds `exp_prev = IN_HEAP` and its heap position in
//! `exp_next`. The earliest deadline is the smaller of the FIFO head and the heap top.
//!
//! An entry that leaves the cache for another reason (LRU eviction, removal, update) leaves the
//! queue at once: there are no stale elements, and the queue costs the two `u32` links per slot
//! plus 4 bytes per heap member.

use crate::linked_slab::{NEVER, NIL, Slot};

/// `exp_prev` of a slot that is in the heap (its `exp_next` is then its heap position). Never a
/// slot index: the core holds at most `u32::MAX - 1` entries, so indices stop at `u32::MAX - 2`.
pub(crate) const IN_HEAP: u32 = u32::MAX - 1;

#[derive(Debug)]
pub(crate) struct ExpiryQueue {
    /// Earliest deadline of the FIFO, or `NIL`.
    head: u32,
    /// Latest deadline of the FIFO, or `NIL`.
    tail: u32,
    /// The deadline of `head`, kept here so that checking for due entries on every write does not
    /// touch a (probably cold) slot.
    head_deadline: u64,
    heap: Vec<u32>,
}

impl Default for ExpiryQueue {
    fn default() -> Self {
        Self {
            head: NIL,
            tail: NIL,
            head_deadline: NEVER,
            heap: Vec::new(),
        }
    }
}

impl ExpiryQueue {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The slot with the earliest deadline, and that deadline.
    pub(crate) fn peek<K, V>(&self, slots: &[Slot<K, V>]) -> Option<(u32, u64)> {
        let top = self
            .heap
            .first()
            .map(|&t| (t, slots[t as usize].expires_at()));
        match (self.head, top) {
            (NIL, top) => top,
            (h, None) => Some((h, self.head_deadline)),
            (h, Some((t, d))) => Some(if d < self.head_deadline {
                (t, d)
            } else {
                (h, self.head_deadline)
            }),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.head = NIL;
        self.tail = NIL;
        self.heap.clear();
    }

    /// Adds slot `i` (whose `expires_at` is set and which is in no queue).
    pub(crate) fn push<K, V>(&mut self, slots: &mut [Slot<K, V>], i: u32) {
        let deadline = slots[i as usize].expires_at();
        debug_assert_ne!(deadline, NEVER);
        if self.tail == NIL || slots[self.tail as usize].expires_at() <= deadline {
            let tail = self.tail;
            let s = &mut slots[i as usize];
            s.exp_prev = tail;
            s.exp_next = NIL;
            if tail == NIL {
                self.head = i;
                self.head_deadline = deadline;
            } else {
                slots[tail as usize].exp_next = i;
            }
            self.tail = i;
        } else {
            let pos = self.heap.len();
            self.heap.push(i);
            slots[i as usize].exp_prev = IN_HEAP;
            slots[i as usize].exp_next = pos as u32;
            self.sift_up(slots, pos);
        }
    }

    /// Takes slot `i` out of the queue if it is in it.
    pub(crate) fn remove<K, V>(&mut self, slots: &mut [Slot<K, V>], i: u32) {
        let (prev, next) = {
            let s = &slots[i as usize];
            if s.expires_at() == NEVER {
                return;
            }
            (s.exp_prev, s.exp_next)
        };
        slots[i as usize].exp_prev = NIL;
        slots[i as usize].exp_next = NIL;
        if prev == IN_HEAP {
            self.heap_remove(slots, next as usize);
            return;
        }
        if prev != NIL {
            slots[prev as usize].exp_next = next;
        } else {
            self.head = next;
            if next != NIL {
                self.head_deadline = slots[next as usize].expires_at();
            }
        }
        if next != NIL {
            slots[next as usize].exp_prev = prev;
        } else {
            self.tail = prev;
        }
    }

    /// The slab moved a queued slot to index `to`: re-point whatever refers to it.
    pub(crate) fn relocate<K, V>(&mut self, slots: &mut [Slot<K, V>], to: u32) {
        let (prev, next) = {
            let s = &slots[to as usize];
            if s.expires_at() == NEVER {
                return;
            }
            (s.exp_prev, s.exp_next)
        };
        if prev == IN_HEAP {
            self.heap[next as usize] = to;
            return;
        }
        if prev != NIL {
            slots[prev as usize].exp_next = to;
        } else {
            self.head = to;
        }
        if next != NIL {
            slots[next as usize].exp_prev = to;
        } else {
            self.tail = to;
        }
    }

    /// The slab exchanged the contents of slots `a` and `b` (both, either or neither queued):
    /// re-point their links, their neighbours' and the queue's ends.
    pub(crate) fn swapped<K, V>(&mut self, slots: &mut [Slot<K, V>], a: u32, b: u32) {
        let other = |x: u32| {
            if x == a {
                b
            } else if x == b {
                a
            } else {
                x
            }
        };
        self.head = other(self.head);
        self.tail = other(self.tail);
        // First the two slots' own FIFO links (a link to the other slot follows it), then the
        // links that point back at them.
        for i in [a, b] {
            let s = &mut slots[i as usize];
            if s.expires_at() != NEVER && s.exp_prev != IN_HEAP {
                s.exp_prev = other(s.exp_prev);
                s.exp_next = other(s.exp_next);
            }
        }
        for i in [a, b] {
            let (prev, next) = {
                let s = &slots[i as usize];
                if s.expires_at() == NEVER {
                    continue;
                }
                (s.exp_prev, s.exp_next)
            };
            if prev == IN_HEAP {
                self.heap[next as usize] = i;
                continue;
            }
            if prev != NIL {
                slots[prev as usize].exp_next = i;
            }
            if next != NIL {
                slots[next as usize].exp_prev = i;
            }
        }
    }

    fn heap_remove<K, V>(&mut self, slots: &mut [Slot<K, V>], pos: usize) {
        let last = self.heap.len() - 1;
        self.heap.swap_remove(pos);
        if pos < last {
            let moved = self.heap[pos];
            slots[moved as usize].exp_next = pos as u32;
            self.sift_down(slots, pos);
            self.sift_up(slots, pos);
        }
    }

    fn deadline<K, V>(slots: &[Slot<K, V>], i: u32) -> u64 {
        slots[i as usize].expires_at()
    }

    fn sift_up<K, V>(&mut self, slots: &mut [Slot<K, V>], mut pos: usize) {
        let item = self.heap[pos];
        let d = Self::deadline(slots, item);
        while pos > 0 {
            let parent = (pos - 1) / 2;
            let p = self.heap[parent];
            if Self::deadline(slots, p) <= d {
                break;
            }
            self.heap[pos] = p;
            slots[p as usize].exp_next = pos as u32;
            pos = parent;
        }
        self.heap[pos] = item;
        slots[item as usize].exp_next = pos as u32;
    }

    fn sift_down<K, V>(&mut self, slots: &mut [Slot<K, V>], mut pos: usize) {
        let n = self.heap.len();
        let item = self.heap[pos];
        let d = Self::deadline(slots, item);
        loop {
            let left = 2 * pos + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n
                && Self::deadline(slots, self.heap[right]) < Self::deadline(slots, self.heap[left])
            {
                right
            } else {
                left
            };
            let c = self.heap[child];
            if Self::deadline(slots, c) >= d {
                break;
            }
            self.heap[pos] = c;
            slots[c as usize].exp_next = pos as u32;
            pos = child;
        }
        self.heap[pos] = item;
        slots[item as usize].exp_next = pos as u32;
    }

    /// Number of queued slots (tests only).
    #[cfg(test)]
    pub(crate) fn len<K, V>(&self, slots: &[Slot<K, V>]) -> usize {
        let mut n = self.heap.len();
        let mut cur = self.head;
        while cur != NIL {
            n += 1;
            cur = slots[cur as usize].exp_next;
        }
        n
    }

    /// Checks FIFO order and links, the heap property and back-pointers (tests only).
    #[cfg(test)]
    pub(crate) fn assert_valid<K, V>(&self, slots: &[Slot<K, V>]) {
        let mut prev = NIL;
        let mut cur = self.head;
        while cur != NIL {
            let s = &slots[cur as usize];
            assert_eq!(s.exp_prev, prev, "FIFO back link of slot {cur}");
            if prev != NIL {
                assert!(
                    Self::deadline(slots, prev) <= s.expires_at(),
                    "FIFO out of order"
                );
            }
            prev = cur;
            cur = s.exp_next;
        }
        assert_eq!(self.tail, prev, "FIFO tail");
        if self.head != NIL {
            assert_eq!(self.head_deadline, slots[self.head as usize].expires_at());
        }
        for (pos, &i) in self.heap.iter().enumerate() {
            assert_eq!(slots[i as usize].exp_prev, IN_HEAP);
            assert_eq!(
                slots[i as usize].exp_next as usize, pos,
                "heap position of slot {i}"
            );
            if pos > 0 {
                let parent = self.heap[(pos - 1) / 2];
                assert!(Self::deadline(slots, parent) <= Self::deadline(slots, i));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slot(expires_at: u64) -> Slot<(), ()> {
        Slot::detached((), (), expires_at, 0, crate::linked_slab::UNKNOWN_COST)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]
        /// Pushing (in and out of deadline order), removing arbitrary members and changing
        /// deadlines keeps both structures valid, and `peek` always finds the earliest deadline.
        #[test]
        fn queue_tracks_earliest_deadline(
            deadlines in prop::collection::vec(0u64..50, 1..40),
            ops in prop::collection::vec((0usize..40, 0u8..3, 0u64..50), 0..80),
        ) {
            let mut slots: Vec<_> = deadlines.iter().map(|&d| slot(d)).collect();
            let mut q = ExpiryQueue::new();
            for i in 0..slots.len() {
                q.push(&mut slots, i as u32);
            }
            let mut member = vec![true; slots.len()];
            for (raw, op, d) in ops {
                let i = raw % slots.len();
                match op {
                    0 if member[i] => {
                        q.remove(&mut slots, i as u32);
                        slots[i].set_expires_at(NEVER);
                        member[i] = false;
                    }
                    0 => {
                        slots[i].set_expires_at(d);
                        q.push(&mut slots, i as u32);
                        member[i] = true;
                    }
                    1 if member[i] => {
                        q.remove(&mut slots, i as u32);
                        slots[i].set_expires_at(d);
                        q.push(&mut slots, i as u32);
                    }
                    _ => {}
                }
                q.assert_valid(&slots);
                let earliest = (0..slots.len()).filter(|&j| member[j]).map(|j| slots[j].expires_at()).min();
                let peeked = q.peek(&slots);
                prop_assert_eq!(peeked.map(|(_, d)| d), earliest);
                prop_assert_eq!(peeked.map(|(t, _)| slots[t as usize].expires_at()), earliest);
                prop_assert_eq!(q.len(&slots), member.iter().filter(|&&m| m).count());
            }
        }
    }

    #[test]
    fn in_order_deadlines_use_the_fifo_and_late_ones_the_heap() {
        let mut slots = vec![slot(10), slot(20), slot(5)];
        let mut q = ExpiryQueue::new();
        for i in 0..3 {
            q.push(&mut slots, i);
        }
        assert!(q.heap.len() == 1 && slots[2].exp_prev == IN_HEAP);
        assert_eq!(q.peek(&slots), Some((2, 5)));
        q.remove(&mut slots, 2);
        assert_eq!(q.peek(&slots), Some((0, 10)));
        q.remove(&mut slots, 0);
        assert_eq!(q.peek(&slots), Some((1, 20)));
        q.remove(&mut slots, 1);
        assert_eq!(q.peek(&slots), None);
    }
}
