//! S3-FIFO's ghost queue: a FIFO of the keys recently evicted from the small queue, remembered by
//! their 64-bit hash only (no key, no value). A miss whose key is in the ghost goes straight to the
//! main queue.
//!
//! Sized like libCacheSim's: `trunc(0.9 × budget)`, counted in entries when the budget is in
//! entries and in the evicted entries' bytes when it is in bytes (both when both are set), and
//! evicted in FIFO order. A ghost hit removes the entry (lazily: its queue record stays until it
//! reaches the front, recognised as stale by its sequence number).
//!
//! The live hashes are a [`HashTable`] probed with the hash itself: it already is the key's full
//! 64-bit hash, so hashing it again would only cost time. A ghost hit and the eviction of the
//! oldest record are one probe each (the table's entry API), not a lookup followed by a second
//! one to change what it found; an insert looks first and inserts after making room.

use hashbrown::HashTable;
use std::collections::VecDeque;

/// libCacheSim's default `ghost-size-ratio`.
const GHOST_RATIO: f64 = 0.9;

/// A live hash, with the sequence number of its record in the FIFO and its weight.
#[derive(Debug, Clone, Copy)]
struct Live {
    hash: u64,
    seq: u64,
    weight: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Ghost {
    /// Oldest first: `(hash, sequence)`.
    fifo: VecDeque<(u64, u64)>,
    /// The live hashes (see the module doc).
    live: HashTable<Live>,
    entries: u64,
    bytes: u64,
    max_entries: u64,
    max_bytes: u64,
    next_seq: u64,
}

/// `trunc(budget × ratio)` as libCacheSim computes it (`int64_t` of a `double` product);
/// unbounded stays unbounded.
pub(crate) fn share(budget: Option<u64>, ratio: f64) -> u64 {
    budget.map_or(u64::MAX, |b| (b as f64 * ratio) as u64)
}

impl Ghost {
    /// Sizes the ghost for a cache budget, forgetting the oldest hashes if it shrank.
    pub(crate) fn resize(&mut self, max_entries: Option<u64>, max_bytes: Option<u64>) {
        self.max_entries = share(max_entries, GHOST_RATIO);
        self.max_bytes = share(max_bytes, GHOST_RATIO);
        while self.entries > self.max_entries || self.bytes > self.max_bytes {
            self.pop_oldest();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.fifo.clear();
        self.live.clear();
        self.entries = 0;
        self.bytes = 0;
    }

    /// Number of live hashes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }

    /// Removes `hash` if present; whether it was (a ghost hit).
    pub(crate) fn remove(&mut self, hash: u64) -> bool {
        let Ok(found) = self.live.find_entry(hash, |l| l.hash == hash) else {
            return false;
        };
        let (Live { weight, .. }, _) = found.remove();
        // The record stays in the FIFO, stale; only its accounting goes now.
        self.entries -= 1;
        self.bytes -= weight;
        self.compact_if_sparse();
        true
    }

    /// Remembers an entry evicted from the small queue (libCacheSim: `ghost->get`, a FIFO
    /// insert that first evicts the oldest records until the new one fits; one that cannot fit
    /// the ghost on its own is not remembered).
    pub(crate) fn insert(&mut self, hash: u64, weight: u64) {
        if self.live.find(hash, |l| l.hash == hash).is_some() {
            return;
        }
        if 1 > self.max_entries || weight > self.max_bytes {
            return;
        }
        while self.entries + 1 > self.max_entries || self.bytes + weight > self.max_bytes {
            self.pop_oldest();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.fifo.push_back((hash, seq));
        self.live
            .insert_unique(hash, Live { hash, seq, weight }, |l| l.hash);
        self.entries += 1;
        self.bytes += weight;
    }

    /// Forgets the oldest live hash (and the stale records before it).
    fn pop_oldest(&mut self) {
        while let Some((hash, seq)) = self.fifo.pop_front() {
            // A record whose hash left (a ghost hit) or came back later (a newer record) is stale.
            let Ok(found) = self
                .live
                .find_entry(hash, |l| l.hash == hash && l.seq == seq)
            else {
                continue;
            };
            let (Live { weight, .. }, _) = found.remove();
            self.entries -= 1;
            self.bytes -= weight;
            return;
        }
    }

    /// Drops stale records once they outnumber the live ones (ghost hits that never reach the
    /// front would otherwise accumulate).
    fn compact_if_sparse(&mut self) {
        if self.fifo.len() > 2 * self.live.len() + 64 {
            let live = &self.live;
            self.fifo.retain(|&(hash, seq)| {
                live.find(hash, |l| l.hash == hash && l.seq == seq)
                    .is_some()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_bounded_and_removal_frees_room() {
        let mut g = Ghost::default();
        g.resize(Some(10), None); // 9 entries
        for h in 0..12 {
            g.insert(h, 1);
        }
        assert_eq!(g.len(), 9);
        assert!(!g.remove(0) && !g.remove(2));
        assert!(g.remove(3));
        g.insert(100, 1);
        g.insert(101, 1);
        assert_eq!(g.len(), 9);
        assert!(!g.remove(4), "the oldest live hash went first");
        assert!(g.remove(101));
    }

    #[test]
    fn byte_sized_ghost_counts_weights_and_skips_what_cannot_fit() {
        let mut g = Ghost::default();
        g.resize(None, Some(100)); // 90 bytes
        g.insert(1, 91);
        assert_eq!(g.len(), 0);
        g.insert(2, 50);
        g.insert(3, 40);
        g.insert(4, 10);
        assert_eq!(g.len(), 2);
        assert!(!g.remove(2));
    }

    #[test]
    fn stale_records_are_compacted() {
        let mut g = Ghost::default();
        g.resize(Some(1_000_000), None);
        for h in 0..10_000 {
            g.insert(h, 1);
            assert!(g.remove(h));
        }
        assert!(g.fifo.len() < 200);
    }
}
