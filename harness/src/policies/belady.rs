//! Belady's MIN, as libCacheSim's `Belady.c`: evict the cached object whose next request is
//! furthest in the future (never = furthest of all). With unit sizes (an entry budget) this is
//! the offline optimum: no policy gets more hits at the same entry count. With a byte budget it
//! is libCacheSim's "Belady" too, but no longer optimal (sizes differ) — `belady-size` is the
//! size-aware heuristic.
//!
//! The priority queue reproduces libCacheSim's `pqueue.c` (a binary max-heap, 1-based, with the
//! same bubble-up / percolate-down rules), so that ties — several objects never requested
//! again — are broken exactly as there; with a byte budget the choice among them matters.

use super::reference::{Budget, Evictor};
use hashbrown::HashMap;
use std::sync::Arc;

/// "Never requested again".
pub const NEVER: u64 = u64::MAX;

/// For every request of a trace (by position from 0), the position of the next request of the
/// same key, or [`NEVER`]. Built by one pass over the trace before the replay.
#[derive(Debug, Clone)]
pub struct NextUses(Arc<Vec<u64>>);

impl NextUses {
    /// Computes next uses from the keys in trace order.
    pub fn from_keys(keys: impl Iterator<Item = u64>) -> Self {
        Self::from_key_vec(keys.collect())
    }

    /// Computes next uses from the keys in trace order, in place: walking the trace backwards,
    /// each key is replaced by the position where it was last seen (its next use), so the
    /// trace's keys and its next uses share one allocation (8 bytes per request, not 16).
    pub fn from_key_vec(mut keys: Vec<u64>) -> Self {
        let mut seen_at: HashMap<u64, u64> = HashMap::new();
        for (i, slot) in keys.iter_mut().enumerate().rev() {
            *slot = seen_at.insert(*slot, i as u64).unwrap_or(NEVER);
        }
        Self(Arc::new(keys))
    }

    /// Next use of request `i` (from 0); [`NEVER`] past the end.
    #[inline]
    pub fn get(&self, i: u64) -> u64 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.0.get(i).copied())
            .unwrap_or(NEVER)
    }

    /// Number of requests covered.
    pub fn len(&self) -> u64 {
        self.0.len() as u64
    }

    /// Whether no request is covered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: u64,
    size: u64,
    pri: u64,
    pos: usize,
}

/// libCacheSim's pqueue over slots: `heap[1..]` holds slot ids, the max priority at 1.
#[derive(Debug, Default)]
struct MaxHeap {
    heap: Vec<u32>,
}

impl MaxHeap {
    fn new() -> Self {
        Self { heap: vec![0] }
    }

    fn len(&self) -> usize {
        self.heap.len() - 1
    }

    // `cmppri(next, curr) = next < curr`: the heap is ordered so no parent is below a child.
    fn bubble_up(&mut self, slots: &mut [Slot], mut i: usize) {
        let moving = self.heap[i];
        let pri = slots[moving as usize].pri;
        while i > 1 {
            let parent = i >> 1;
            let up = self.heap[parent];
            if slots[up as usize].pri >= pri {
                break;
            }
            self.heap[i] = up;
            slots[up as usize].pos = i;
            i = parent;
        }
        self.heap[i] = moving;
        slots[moving as usize].pos = i;
    }

    fn max_child(&self, slots: &[Slot], i: usize) -> Option<usize> {
        let left = i << 1;
        if left >= self.heap.len() {
            return None;
        }
        let right = left + 1;
        if right < self.heap.len()
            && slots[self.heap[left] as usize].pri < slots[self.heap[right] as usize].pri
        {
            return Some(right);
        }
        Some(left)
    }

    fn percolate_down(&mut self, slots: &mut [Slot], mut i: usize) {
        let moving = self.heap[i];
        let pri = slots[moving as usize].pri;
        while let Some(child) = self.max_child(slots, i) {
            let down = self.heap[child];
            if pri >= slots[down as usize].pri {
                break;
            }
            self.heap[i] = down;
            slots[down as usize].pos = i;
            i = child;
        }
        self.heap[i] = moving;
        slots[moving as usize].pos = i;
    }

    fn insert(&mut self, slots: &mut [Slot], id: u32) {
        self.heap.push(id);
        let i = self.heap.len() - 1;
        self.bubble_up(slots, i);
    }

    fn change_priority(&mut self, slots: &mut [Slot], id: u32, pri: u64) {
        let old = slots[id as usize].pri;
        slots[id as usize].pri = pri;
        let pos = slots[id as usize].pos;
        if old < pri {
            self.bubble_up(slots, pos);
        } else {
            self.percolate_down(slots, pos);
        }
    }

    fn remove(&mut self, slots: &mut [Slot], id: u32) {
        let pos = slots[id as usize].pos;
        let last = self.heap.pop().unwrap_or(id);
        if pos >= self.heap.len() {
            return;
        }
        self.heap[pos] = last;
        slots[last as usize].pos = pos;
        if slots[id as usize].pri < slots[last as usize].pri {
            self.bubble_up(slots, pos);
        } else {
            self.percolate_down(slots, pos);
        }
    }

    fn pop(&mut self, slots: &mut [Slot]) -> Option<u32> {
        if self.heap.len() <= 1 {
            return None;
        }
        let head = self.heap[1];
        let last = self.heap.pop().unwrap_or(head);
        if self.heap.len() > 1 {
            self.heap[1] = last;
            slots[last as usize].pos = 1;
            self.percolate_down(slots, 1);
        }
        Some(head)
    }
}

/// Belady's MIN over a trace whose next uses are known.
#[derive(Debug)]
pub struct Belady {
    budget: Budget,
    next: NextUses,
    map: HashMap<u64, u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    heap: MaxHeap,
    /// Next use of the latest lookup of each key that missed, for its insert.
    pending: HashMap<u64, u64>,
    /// Requests looked up so far.
    requests: u64,
    used: u64,
    bytes: u64,
}

impl Belady {
    /// An empty cache replaying the trace `next` was computed from.
    pub fn new(budget: Budget, next: NextUses) -> Self {
        Self {
            budget,
            next,
            map: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            heap: MaxHeap::new(),
            pending: HashMap::new(),
            requests: 0,
            used: 0,
            bytes: 0,
        }
    }

    fn evict_one(&mut self) {
        let Some(id) = self.heap.pop(&mut self.slots) else {
            return;
        };
        let slot = self.slots[id as usize];
        self.map.remove(&slot.key);
        self.used -= self.budget.weight(slot.size);
        self.bytes -= slot.size;
        self.free.push(id);
    }
}

impl Evictor for Belady {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        let next = self.next.get(self.requests);
        self.requests += 1;
        match self.map.get(&key) {
            Some(&id) => {
                self.heap.change_priority(&mut self.slots, id, next);
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
        let pri = self.pending.remove(&key).unwrap_or(NEVER);
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.used + w > self.budget.capacity && self.heap.len() > 0 {
            self.evict_one();
            evicted += 1;
        }
        let slot = Slot {
            key,
            size,
            pri,
            pos: 0,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = slot;
                id
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.insert(&mut self.slots, id);
        self.map.insert(key, id);
        self.used += w;
        self.bytes += size;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(id) = self.map.remove(&key) else {
            return false;
        };
        self.heap.remove(&mut self.slots, id);
        let slot = self.slots[id as usize];
        self.used -= self.budget.weight(slot.size);
        self.bytes -= slot.size;
        self.free.push(id);
        true
    }

    fn entries(&self) -> u64 {
        self.map.len() as u64
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_uses_point_at_the_following_request_of_the_same_key() {
        let next = NextUses::from_key_vec(vec![1, 2, 1, 3, 2, 1]);
        let got: Vec<u64> = (0..7).map(|i| next.get(i)).collect();
        assert_eq!(got, [2, 4, 5, NEVER, NEVER, NEVER, NEVER]);
        assert_eq!(next.len(), 6);
        let same = NextUses::from_keys([1, 2, 1, 3, 2, 1].into_iter());
        assert_eq!((0..6).map(|i| same.get(i)).collect::<Vec<_>>(), got[..6]);
    }
}
