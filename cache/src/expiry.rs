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

use crate::linked_slab::{LinkedSlab, NEVER, NIL};

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

/// Slot `i`'s expiry links (`exp_prev`, `exp_next`) if it is queued (has a deadline), else `None`.
fn queued_links<K, V>(slots: &LinkedSlab<K, V>, i: u32) -> Option<(u32, u32)> {
    (slots.expires_at(i) != NEVER).then(|| {
        let cold = slots.cold(i);
        (cold.exp_prev, cold.exp_next)
    })
}

impl ExpiryQueue {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The slot with the earliest deadline, and that deadline.
    pub(crate) fn peek<K, V>(&self, slots: &LinkedSlab<K, V>) -> Option<(u32, u64)> {
        let top = self.heap.first().map(|&t| (t, slots.expires_at(t)));
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
    pub(crate) fn push<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, i: u32) {
        let deadline = slots.expires_at(i);
        debug_assert_ne!(deadline, NEVER);
        if self.tail == NIL || slots.expires_at(self.tail) <= deadline {
            let tail = self.tail;
            let s = slots.cold_mut(i);
            s.exp_prev = tail;
            s.exp_next = NIL;
            if tail == NIL {
                self.head = i;
                self.head_deadline = deadline;
            } else {
                slots.cold_mut(tail).exp_next = i;
            }
            self.tail = i;
        } else {
            let pos = self.heap.len();
            self.heap.push(i);
            let cold = slots.cold_mut(i);
            cold.exp_prev = IN_HEAP;
            cold.exp_next = pos as u32;
            self.sift_up(slots, pos);
        }
    }

    /// Takes slot `i` out of the queue if it is in it.
    pub(crate) fn remove<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, i: u32) {
        let Some((prev, next)) = queued_links(slots, i) else {
            return;
        };
        let cold = slots.cold_mut(i);
        cold.exp_prev = NIL;
        cold.exp_next = NIL;
        if prev == IN_HEAP {
            self.heap_remove(slots, next as usize);
            return;
        }
        if prev != NIL {
            slots.cold_mut(prev).exp_next = next;
        } else {
            self.head = next;
            if next != NIL {
                self.head_deadline = slots.expires_at(next);
            }
        }
        if next != NIL {
            slots.cold_mut(next).exp_prev = prev;
        } else {
            self.tail = prev;
        }
    }

    /// The slab moved a queued slot to index `to`: re-point whatever refers to it.
    pub(crate) fn relocate<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, to: u32) {
        let Some((prev, next)) = queued_links(slots, to) else {
            return;
        };
        if prev == IN_HEAP {
            self.heap[next as usize] = to;
            return;
        }
        if prev != NIL {
            slots.cold_mut(prev).exp_next = to;
        } else {
            self.head = to;
        }
        if next != NIL {
            slots.cold_mut(next).exp_prev = to;
        } else {
            self.tail = to;
        }
    }

    /// The slab exchanged the contents of slots `a` and `b` (both, either or neither queued):
    /// re-point their links, their neighbours' and the queue's ends.
    pub(crate) fn swapped<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, a: u32, b: u32) {
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
            let queued = slots.expires_at(i) != NEVER;
            let s = slots.cold_mut(i);
            if queued && s.exp_prev != IN_HEAP {
                s.exp_prev = other(s.exp_prev);
                s.exp_next = other(s.exp_next);
            }
        }
        for i in [a, b] {
            let Some((prev, next)) = queued_links(slots, i) else {
                continue;
            };
            if prev == IN_HEAP {
                self.heap[next as usize] = i;
                continue;
            }
            if prev != NIL {
                slots.cold_mut(prev).exp_next = i;
            }
            if next != NIL {
                slots.cold_mut(next).exp_prev = i;
            }
        }
    }

    fn heap_remove<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, pos: usize) {
        let last = self.heap.len() - 1;
        self.heap.swap_remove(pos);
        if pos < last {
            let moved = self.heap[pos];
            slots.cold_mut(moved).exp_next = pos as u32;
            self.sift_down(slots, pos);
            self.sift_up(slots, pos);
        }
    }

    fn sift_up<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, mut pos: usize) {
        let item = self.heap[pos];
        let d = slots.expires_at(item);
        while pos > 0 {
            let parent = (pos - 1) / 2;
            let p = self.heap[parent];
            if slots.expires_at(p) <= d {
                break;
            }
            self.heap[pos] = p;
            slots.cold_mut(p).exp_next = pos as u32;
            pos = parent;
        }
        self.heap[pos] = item;
        slots.cold_mut(item).exp_next = pos as u32;
    }

    fn sift_down<K, V>(&mut self, slots: &mut LinkedSlab<K, V>, mut pos: usize) {
        let n = self.heap.len();
        let item = self.heap[pos];
        let d = slots.expires_at(item);
        loop {
            let left = 2 * pos + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n
                && slots.expires_at(self.heap[right]) < slots.expires_at(self.heap[left])
            {
                right
            } else {
                left
            };
            let c = self.heap[child];
            if slots.expires_at(c) >= d {
                break;
            }
            self.heap[pos] = c;
            slots.cold_mut(c).exp_next = pos as u32;
            pos = child;
        }
        self.heap[pos] = item;
        slots.cold_mut(item).exp_next = pos as u32;
    }

    /// Number of queued slots (tests only).
    #[cfg(test)]
    pub(crate) fn len<K, V>(&self, slots: &LinkedSlab<K, V>) -> usize {
        let mut n = self.heap.len();
        let mut cur = self.head;
        while cur != NIL {
            n += 1;
            cur = slots.cold(cur).exp_next;
        }
        n
    }

    /// Checks FIFO order and links, the heap property and back-pointers (tests only).
    #[cfg(test)]
    pub(crate) fn assert_valid<K, V>(&self, slots: &LinkedSlab<K, V>) {
        let mut prev = NIL;
        let mut cur = self.head;
        while cur != NIL {
            let s = slots.cold(cur);
            assert_eq!(s.exp_prev, prev, "FIFO back link of slot {cur}");
            if prev != NIL {
                assert!(
                    slots.expires_at(prev) <= slots.expires_at(cur),
                    "FIFO out of order"
                );
            }
            prev = cur;
            cur = s.exp_next;
        }
        assert_eq!(self.tail, prev, "FIFO tail");
        if self.head != NIL {
            assert_eq!(self.head_deadline, slots.expires_at(self.head));
        }
        for (pos, &i) in self.heap.iter().enumerate() {
            assert_eq!(slots.cold(i).exp_prev, IN_HEAP);
            assert_eq!(
                slots.cold(i).exp_next as usize,
                pos,
                "heap position of slot {i}"
            );
            if pos > 0 {
                let parent = self.heap[(pos - 1) / 2];
                assert!(slots.expires_at(parent) <= slots.expires_at(i));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linked_slab::{Slot, UNKNOWN_COST};
    use proptest::prelude::*;

    /// A slab of key-less entries with these deadlines, in index order (an unlinked slab: the
    /// queue links are not what this tests).
    fn slab(deadlines: &[u64]) -> LinkedSlab<(), ()> {
        let mut slab = LinkedSlab::unlinked();
        for &d in deadlines {
            slab.push_front(Slot::detached((), (), d, 0, UNKNOWN_COST));
        }
        slab
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
            let mut slots = slab(&deadlines);
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
                        slots.set_expires_at(i as u32, NEVER);
                        member[i] = false;
                    }
                    0 => {
                        slots.set_expires_at(i as u32, d);
                        q.push(&mut slots, i as u32);
                        member[i] = true;
                    }
                    1 if member[i] => {
                        q.remove(&mut slots, i as u32);
                        slots.set_expires_at(i as u32, d);
                        q.push(&mut slots, i as u32);
                    }
                    _ => {}
                }
                q.assert_valid(&slots);
                let earliest = (0..slots.len()).filter(|&j| member[j]).map(|j| slots.expires_at(j as u32)).min();
                let peeked = q.peek(&slots);
                prop_assert_eq!(peeked.map(|(_, d)| d), earliest);
                prop_assert_eq!(peeked.map(|(t, _)| slots.expires_at(t)), earliest);
                prop_assert_eq!(q.len(&slots), member.iter().filter(|&&m| m).count());
            }
        }
    }

    #[test]
    fn in_order_deadlines_use_the_fifo_and_late_ones_the_heap() {
        let mut slots = slab(&[10, 20, 5]);
        let mut q = ExpiryQueue::new();
        for i in 0..3 {
            q.push(&mut slots, i);
        }
        assert!(q.heap.len() == 1 && slots.cold(2).exp_prev == IN_HEAP);
        assert_eq!(q.peek(&slots), Some((2, 5)));
        q.remove(&mut slots, 2);
        assert_eq!(q.peek(&slots), Some((0, 10)));
        q.remove(&mut slots, 0);
        assert_eq!(q.peek(&slots), Some((1, 20)));
        q.remove(&mut slots, 1);
        assert_eq!(q.peek(&slots), None);
    }
}
