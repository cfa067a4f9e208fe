//! GDSF's priority queue: an indexed binary min-heap of slot indices ordered by
//! `(priority, stamp)`, with each slot's priority and heap position in a side array by slot index
//! (28 bytes per entry, against ~60 for an ordered map of `(priority, stamp) → slot`).

/// "Not in the heap" (a slot pushed but not yet prioritized).
const ABSENT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Rank {
    priority: f64,
    stamp: u64,
    /// Position in `heap`, or `ABSENT`.
    pos: u32,
}

impl Rank {
    /// `(priority, stamp)` order; priorities are finite and >= 0, stamps unique.
    fn below(&self, other: &Rank) -> bool {
        match self.priority.total_cmp(&other.priority) {
            std::cmp::Ordering::Equal => self.stamp < other.stamp,
            ord => ord.is_lt(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct PriorityHeap {
    heap: Vec<u32>,
    ranks: Vec<Rank>,
}

impl PriorityHeap {
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.ranks.clear();
    }

    /// A new slot at index `ranks.len()` (the slab pushes at its end), not yet ranked.
    pub(crate) fn push_slot(&mut self) {
        self.ranks.push(Rank {
            priority: 0.0,
            stamp: 0,
            pos: ABSENT,
        });
    }

    /// Sets slot `i`'s rank (inserting it into the heap if needed).
    pub(crate) fn set(&mut self, i: u32, priority: f64, stamp: u64) {
        let rank = &mut self.ranks[i as usize];
        rank.priority = priority;
        rank.stamp = stamp;
        let pos = if rank.pos == ABSENT {
            let pos = self.heap.len();
            rank.pos = pos as u32;
            self.heap.push(i);
            pos
        } else {
            rank.pos as usize
        };
        let pos = self.sift_up(pos);
        self.sift_down(pos);
    }

    /// The lowest-ranked slot and its priority.
    pub(crate) fn lowest(&self) -> Option<(u32, f64)> {
        let &i = self.heap.first()?;
        Some((i, self.ranks[i as usize].priority))
    }

    /// Slot `i` leaves (before the slab's `swap_remove`, whose move `relocate` then follows).
    pub(crate) fn remove_slot(&mut self, i: u32) {
        let pos = self.ranks[i as usize].pos;
        if pos != ABSENT {
            let pos = pos as usize;
            let last = self.heap.pop().unwrap_or(i);
            if pos < self.heap.len() {
                self.heap[pos] = last;
                self.ranks[last as usize].pos = pos as u32;
                let pos = self.sift_up(pos);
                self.sift_down(pos);
            }
        }
        self.ranks.swap_remove(i as usize);
    }

    /// The slab moved slot `from` to `to` (its rank already moved with `remove_slot`'s
    /// `swap_remove`).
    pub(crate) fn relocate(&mut self, _from: u32, to: u32) {
        let pos = self.ranks[to as usize].pos;
        if pos != ABSENT {
            self.heap[pos as usize] = to;
        }
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn slots(&self) -> usize {
        self.ranks.len()
    }

    /// Heap order and position back-links hold (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_valid(&self) {
        for (pos, &i) in self.heap.iter().enumerate() {
            assert_eq!(
                self.ranks[i as usize].pos as usize, pos,
                "position of slot {i}"
            );
            if pos > 0 {
                let parent = self.heap[(pos - 1) / 2];
                assert!(
                    !self.ranks[i as usize].below(&self.ranks[parent as usize]),
                    "heap order at {pos}"
                );
            }
        }
    }

    fn below(&self, a: usize, b: usize) -> bool {
        self.ranks[self.heap[a] as usize].below(&self.ranks[self.heap[b] as usize])
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.ranks[self.heap[a] as usize].pos = a as u32;
        self.ranks[self.heap[b] as usize].pos = b as u32;
    }

    fn sift_up(&mut self, mut pos: usize) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !self.below(pos, parent) {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
        pos
    }

    fn sift_down(&mut self, mut pos: usize) {
        loop {
            let (left, right) = (2 * pos + 1, 2 * pos + 2);
            let mut smallest = pos;
            if left < self.heap.len() && self.below(left, smallest) {
                smallest = left;
            }
            if right < self.heap.len() && self.below(right, smallest) {
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
