//! GDSF's priority queue: an indexed binary min-heap of `(priority, stamp, slot)` records ordered
//! by `(priority, stamp)`, with each slot's heap position in a side array by slot index: 20 bytes
//! per entry (a 16-byte record, a `u32` position), against ~60 for an ordered map of
//! `(priority, stamp) → slot`. Records carry their priority, so sifting compares without
//! following an index.
//!
//! Stamps break ties between equal priorities (the older assignment is lower, as libCacheSim
//! orders its priority set by `(priority, request number)`). They are `u32`: when they run out,
//! every record is renumbered in `(priority, stamp)` order, which keeps every comparison's outcome
//! (and so the heap) unchanged.

use crate::linked_slab::grow_capped;

/// "Not in the heap" (a slot pushed but not yet prioritized).
const ABSENT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Record {
    priority: f64,
    stamp: u32,
    slot: u32,
}

impl Record {
    /// `(priority, stamp)` order; priorities are finite and >= 0, stamps unique.
    fn below(&self, other: &Record) -> bool {
        match self.priority.total_cmp(&other.priority) {
            std::cmp::Ordering::Equal => self.stamp < other.stamp,
            ord => ord.is_lt(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct PriorityHeap {
    heap: Vec<Record>,
    /// Heap position by slot index, or `ABSENT`.
    pos: Vec<u32>,
    /// The stamp of the next assignment.
    next_stamp: u32,
    /// Most slots the cache holds (its entry bound), if known: the arrays grow to it exactly.
    growth_cap: Option<usize>,
}

impl PriorityHeap {
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.pos.clear();
        self.next_stamp = 0;
    }

    pub(crate) fn set_growth_cap(&mut self, cap: Option<usize>) {
        self.growth_cap = cap;
    }

    /// A new slot at index `pos.len()` (the slab pushes at its end), not yet ranked.
    pub(crate) fn push_slot(&mut self) {
        if self.pos.len() == self.pos.capacity() {
            grow_capped(&mut self.pos, self.growth_cap);
        }
        self.pos.push(ABSENT);
    }

    /// Sets slot `i`'s priority, stamped after every earlier assignment (inserting it into the
    /// heap if needed).
    pub(crate) fn set(&mut self, i: u32, priority: f64) {
        if self.next_stamp == u32::MAX {
            self.renumber();
        }
        let record = Record {
            priority,
            stamp: self.next_stamp,
            slot: i,
        };
        self.next_stamp += 1;
        let pos = match self.pos[i as usize] {
            ABSENT => {
                if self.heap.len() == self.heap.capacity() {
                    grow_capped(&mut self.heap, self.growth_cap);
                }
                self.heap.push(record);
                self.heap.len() - 1
            }
            pos => {
                self.heap[pos as usize] = record;
                pos as usize
            }
        };
        self.pos[i as usize] = pos as u32;
        let pos = self.sift_up(pos);
        self.sift_down(pos);
    }

    /// Gives the records stamps `0..n` in `(priority, stamp)` order. A sorted array is a valid
    /// min-heap, and every pair compares as before, so later operations behave exactly as if the
    /// stamps had not run out.
    fn renumber(&mut self) {
        self.heap.sort_unstable_by(|a, b| {
            a.priority
                .total_cmp(&b.priority)
                .then(a.stamp.cmp(&b.stamp))
        });
        for (n, record) in self.heap.iter_mut().enumerate() {
            record.stamp = n as u32;
            self.pos[record.slot as usize] = n as u32;
        }
        self.next_stamp = self.heap.len() as u32;
    }

    /// The lowest-ranked slot and its priority.
    pub(crate) fn lowest(&self) -> Option<(u32, f64)> {
        self.heap.first().map(|r| (r.slot, r.priority))
    }

    /// Slot `i` leaves (before the slab's `swap_remove`, whose move `relocate` then follows).
    pub(crate) fn remove_slot(&mut self, i: u32) {
        let pos = self.pos[i as usize];
        if pos != ABSENT {
            let pos = pos as usize;
            let last = self.heap.len() - 1;
            self.heap.swap_remove(pos);
            if pos < last {
                self.pos[self.heap[pos].slot as usize] = pos as u32;
                let pos = self.sift_up(pos);
                self.sift_down(pos);
            }
        }
        self.pos.swap_remove(i as usize);
    }

    /// The slab moved slot `from` to `to` (its position already moved with `remove_slot`'s
    /// `swap_remove`).
    pub(crate) fn relocate(&mut self, _from: u32, to: u32) {
        let pos = self.pos[to as usize];
        if pos != ABSENT {
            self.heap[pos as usize].slot = to;
        }
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn slots(&self) -> usize {
        self.pos.len()
    }

    /// Heap order and position back-links hold (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_valid(&self) {
        for (pos, record) in self.heap.iter().enumerate() {
            assert_eq!(
                self.pos[record.slot as usize] as usize, pos,
                "position of slot {}",
                record.slot
            );
            assert!(record.stamp < self.next_stamp, "stamp from the future");
            if pos > 0 {
                let parent = &self.heap[(pos - 1) / 2];
                assert!(!record.below(parent), "heap order at {pos}");
            }
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].slot as usize] = a as u32;
        self.pos[self.heap[b].slot as usize] = b as u32;
    }

    fn sift_up(&mut self, mut pos: usize) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !self.heap[pos].below(&self.heap[parent]) {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
        pos
    }

    fn sift_down(&mut self, mut pos: usize) {
        let n = self.heap.len();
        loop {
            let (left, right) = (2 * pos + 1, 2 * pos + 2);
            let mut smallest = pos;
            if left < n && self.heap[left].below(&self.heap[smallest]) {
                smallest = left;
            }
            if right < n && self.heap[right].below(&self.heap[smallest]) {
                smallest = right;
            }
            if smallest == pos {
                return;
            }
            self.swap(pos, smallest);
            pos = smallest;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The priorities in eviction order (pops the whole heap as the slab would: the last slot
    /// moves into the victim's index).
    fn pop_priorities(mut h: PriorityHeap) -> Vec<f64> {
        let mut out = Vec::new();
        while let Some((i, priority)) = h.lowest() {
            out.push(priority);
            let last = (h.pos.len() - 1) as u32;
            h.remove_slot(i);
            if i != last {
                h.relocate(last, i);
            }
            h.assert_valid();
        }
        out
    }

    /// Running out of stamps renumbers without changing any outcome: ties still go to the older
    /// assignment, across the renumbering.
    #[test]
    fn renumbering_keeps_the_order_of_ties() {
        let build = |start: u32| {
            let mut h = PriorityHeap {
                next_stamp: start,
                ..PriorityHeap::default()
            };
            for i in 0..6u32 {
                h.push_slot();
                h.set(i, f64::from(i % 3));
                h.assert_valid();
            }
            h.set(0, 1.0); // re-prioritized last: after slots 1 and 4 among the 1.0s
            h.assert_valid();
            h
        };
        let near_the_end = build(u32::MAX - 3);
        assert!(near_the_end.next_stamp < 100, "renumbered");
        let order = |h: &PriorityHeap| {
            let mut v: Vec<_> = h
                .heap
                .iter()
                .map(|r| (r.priority, r.stamp, r.slot))
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            v.into_iter().map(|r| r.2).collect::<Vec<_>>()
        };
        assert_eq!(order(&near_the_end), order(&build(0)));
        assert_eq!(order(&build(0)), vec![3, 1, 4, 0, 2, 5]);
        assert_eq!(pop_priorities(build(0)), [0.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    }
}
