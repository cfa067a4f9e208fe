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
        let mut vec = crate::huge_pages::vec_with_capacity(keys.size_hint().0);
        vec.extend(keys);
        Self::from_key_vec(vec)
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
    /// Index of the slot's node in the heap; 0 (the heap's unused first cell) when the slot is
    /// free.
    pos: usize,
}

/// One heap cell: the priority is kept beside the slot id, so that comparing two cells reads
/// the heap only (the slots are touched only to record where a cell moved).
#[derive(Debug, Clone, Copy)]
struct Node {
    pri: u64,
    id: u32,
}

/// libCacheSim's pqueue over slots: `nodes[1..]`, the max priority at 1.
#[derive(Debug, Default)]
struct MaxHeap {
    nodes: Vec<Node>,
}

impl MaxHeap {
    fn new() -> Self {
        Self {
            nodes: vec![Node { pri: 0, id: 0 }],
        }
    }

    fn len(&self) -> usize {
        self.nodes.len() - 1
    }

    /// The priority of the node at `pos`.
    #[inline]
    fn pri_at(&self, pos: usize) -> Option<u64> {
        self.nodes.get(pos).map(|n| n.pri)
    }

    // `cmppri(next, curr) = next < curr`: the heap is ordered so no parent is below a child.
    #[inline]
    fn bubble_up(&mut self, slots: &mut [Slot], mut i: usize) {
        let moving = self.nodes[i];
        while i > 1 {
            let parent = i >> 1;
            let up = self.nodes[parent];
            if up.pri >= moving.pri {
                break;
            }
            self.nodes[i] = up;
            slots[up.id as usize].pos = i;
            i = parent;
        }
        self.nodes[i] = moving;
        slots[moving.id as usize].pos = i;
    }

    #[inline]
    fn max_child(&self, i: usize) -> Option<usize> {
        let left = i << 1;
        if left >= self.nodes.len() {
            return None;
        }
        let right = left + 1;
        if right < self.nodes.len() && self.nodes[left].pri < self.nodes[right].pri {
            return Some(right);
        }
        Some(left)
    }

    fn percolate_down(&mut self, slots: &mut [Slot], mut i: usize) {
        let moving = self.nodes[i];
        while let Some(child) = self.max_child(i) {
            let down = self.nodes[child];
            if moving.pri >= down.pri {
                break;
            }
            self.nodes[i] = down;
            slots[down.id as usize].pos = i;
            i = child;
        }
        self.nodes[i] = moving;
        slots[moving.id as usize].pos = i;
    }

    fn insert(&mut self, slots: &mut [Slot], id: u32, pri: u64) {
        self.nodes.push(Node { pri, id });
        let i = self.nodes.len() - 1;
        self.bubble_up(slots, i);
    }

    #[inline]
    fn change_priority(&mut self, slots: &mut [Slot], id: u32, pri: u64) {
        let pos = slots[id as usize].pos;
        let old = self.nodes[pos].pri;
        self.nodes[pos].pri = pri;
        if old < pri {
            self.bubble_up(slots, pos);
        } else {
            self.percolate_down(slots, pos);
        }
    }

    fn remove(&mut self, slots: &mut [Slot], id: u32) {
        let pos = slots[id as usize].pos;
        let removed = self.nodes[pos].pri;
        let Some(last) = self.nodes.pop() else {
            return;
        };
        if pos >= self.nodes.len() {
            return;
        }
        self.nodes[pos] = last;
        slots[last.id as usize].pos = pos;
        if removed < last.pri {
            self.bubble_up(slots, pos);
        } else {
            self.percolate_down(slots, pos);
        }
    }

    fn pop(&mut self, slots: &mut [Slot]) -> Option<u32> {
        if self.nodes.len() <= 1 {
            return None;
        }
        let head = self.nodes[1].id;
        let last = self.nodes.pop()?;
        if self.nodes.len() > 1 {
            self.nodes[1] = last;
            slots[last.id as usize].pos = 1;
            self.percolate_down(slots, 1);
        }
        Some(head)
    }
}

/// Belady's MIN over a trace whose next uses are known.
///
/// A cached entry's priority is the position of its key's next request, so the entry a request
/// at position `i` hits is the one whose priority is `i`: `by_next_use[i]` names it, and a hit
/// needs no hashing (the key map serves inserts, evictions and a lookup that is not found that
/// way: a miss, or an entry re-inserted with no next use known). The answers are those of the
/// key map alone (checked against it in debug builds).
#[derive(Debug)]
pub struct Belady {
    budget: Budget,
    next: NextUses,
    map: HashMap<u64, u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    heap: MaxHeap,
    /// For each request position `p`: 1 + the slot last given `p` as its next use (0: none).
    /// It may be stale (the slot was evicted or reused): a lookup checks that the slot's
    /// priority is still `p` and its key the request's.
    by_next_use: Vec<u32>,
    /// The latest missed lookup (key, next use): its insert usually follows at once (always
    /// with one closed-loop client), so it skips `pending`.
    last_miss: Option<(u64, u64)>,
    /// Next use of the latest missed lookup of each other key not inserted yet.
    pending: HashMap<u64, u64>,
    /// Requests looked up so far.
    requests: u64,
    used: u64,
    bytes: u64,
}

impl Belady {
    /// An empty cache replaying the trace `next` was computed from.
    pub fn new(budget: Budget, next: NextUses) -> Self {
        let positions = usize::try_from(next.len()).unwrap_or(0);
        Self {
            budget,
            next,
            map: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            heap: MaxHeap::new(),
            by_next_use: crate::huge_pages::filled_vec(positions, 0),
            last_miss: None,
            pending: HashMap::new(),
            requests: 0,
            used: 0,
            bytes: 0,
        }
    }

    /// Records that slot `id` is next used at position `next`.
    #[inline]
    fn note_next_use(&mut self, id: u32, next: u64) {
        if let Some(cell) = usize::try_from(next)
            .ok()
            .and_then(|p| self.by_next_use.get_mut(p))
        {
            *cell = id + 1;
        }
    }

    /// The slot caching `key`, as the request at position `i`: the slot whose next use is `i`.
    #[inline]
    fn slot_by_position(&self, i: u64, key: u64) -> Option<u32> {
        let p = usize::try_from(i).ok()?;
        let id = self.by_next_use.get(p)?.checked_sub(1)?;
        let slot = self.slots.get(id as usize)?;
        (slot.pos != 0 && slot.key == key && self.heap.pri_at(slot.pos) == Some(i)).then_some(id)
    }

    fn release(&mut self, id: u32) {
        let slot = &mut self.slots[id as usize];
        slot.pos = 0;
        let slot = *slot;
        self.used -= self.budget.weight(slot.size);
        self.bytes -= slot.size;
        self.free.push(id);
    }

    fn evict_one(&mut self) {
        let Some(id) = self.heap.pop(&mut self.slots) else {
            return;
        };
        self.map.remove(&self.slots[id as usize].key);
        self.release(id);
    }
}

impl Evictor for Belady {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        let i = self.requests;
        let next = self.next.get(i);
        self.requests += 1;
        let found = self.slot_by_position(i, key);
        // What the position finds, the key map finds. Not always the other way round: a
        // second generation of an evicted key (without single-flight) re-inserts it with no
        // next use known (`NEVER`), and only the key map finds it when it comes back.
        debug_assert!(
            found.is_none_or(|id| self.map.get(&key) == Some(&id)),
            "request {i}, key {key}: found by position in a slot caching another key"
        );
        match found.or_else(|| self.map.get(&key).copied()) {
            Some(id) => {
                self.heap.change_priority(&mut self.slots, id, next);
                self.note_next_use(id, next);
                true
            }
            None => {
                if let Some((other, its_next)) = self.last_miss.replace((key, next))
                    && other != key
                {
                    self.pending.insert(other, its_next);
                }
                false
            }
        }
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let pri = match self.last_miss {
            Some((missed, next)) if missed == key => {
                self.last_miss = None;
                // An older lookup of the key may have been set aside; this one is later.
                if !self.pending.is_empty() {
                    self.pending.remove(&key);
                }
                next
            }
            _ => self.pending.remove(&key).unwrap_or(NEVER),
        };
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.used + w > self.budget.capacity && self.heap.len() > 0 {
            self.evict_one();
            evicted += 1;
        }
        let slot = Slot { key, size, pos: 0 };
        let id = crate::free_slots::store(&mut self.slots, &mut self.free, slot);
        self.heap.insert(&mut self.slots, id, pri);
        self.note_next_use(id, pri);
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
        self.release(id);
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

    #[test]
    fn a_hit_is_found_by_its_position_and_a_freed_slot_is_not() {
        // Positions: 0:1 1:2 2:1 3:3 4:2 5:1, one entry of room.
        let next = NextUses::from_key_vec(vec![1, 2, 1, 3, 2, 1]);
        let mut b = Belady::new(Budget::entries(1), next);
        assert!(!b.lookup(1));
        assert_eq!(b.insert(1, 1), 0);
        assert_eq!(b.slot_by_position(2, 1), Some(0));
        // One entry of room: inserting key 2 first evicts key 1 (the new object is never an
        // eviction candidate, as in libCacheSim).
        assert!(!b.lookup(2));
        assert_eq!(b.insert(2, 1), 1);
        // Key 1 was evicted: its position 2 names a freed (or reused) slot, not a hit.
        assert_eq!(b.slot_by_position(2, 1), None);
        assert!(!b.lookup(1));
        assert_eq!(b.entries(), 1);
    }
}
