//! The key index: slot indices (`u32`) in [`hashbrown::HashTable`]s, the key itself living only in
//! its slot.
//!
//! One `hashbrown` table keeps a power-of-two number of buckets at most 7/8 full, so just past a
//! power of two it is half empty: 1,000,000 entries need 2,097,152 buckets (10.5 bytes per entry
//! at 5 bytes per bucket) where 1,142,858 would do. When the entry bound is known, the index is
//! therefore split into the number of tables (at most 16) whose buckets, summed, are fewest for
//! that bound, each table taking the keys of one range of hashes: 9 tables of 131,072 buckets
//! for 1,000,000 entries (5.9 bytes per entry). Tables still grow on demand, so a bounded cache
//! that is nearly empty holds small tables. A split allows each table a margin of four standard
//! deviations of its share (the keys' hashes spread binomially), and the index splits only when
//! that saves at least a tenth of the buckets; a table that still overflows simply grows, costing
//! memory, never correctness.

use hashbrown::HashTable;

/// The most tables one index is split into.
const MAX_TABLES: usize = 16;
/// Bounds below this use one table: a split saves too little to pay for itself.
const MIN_SPLIT_BOUND: usize = 1 << 14;

#[derive(Debug)]
pub(crate) struct Index {
    /// Table 0, inline: an unsplit index costs no indirection over a bare table.
    first: HashTable<u32>,
    /// Tables 1.. of a split index.
    more: Vec<HashTable<u32>>,
}

/// `hashbrown`'s bucket count for `capacity` items (a power of two at most 7/8 full).
fn buckets_for(capacity: usize) -> usize {
    (capacity.saturating_mul(8) / 7).max(1).next_power_of_two()
}

/// How many tables hold an index bounded to `bound` entries with the fewest buckets.
fn tables_for(bound: Option<usize>) -> usize {
    let Some(n) = bound.filter(|&n| n >= MIN_SPLIT_BOUND) else {
        return 1;
    };
    let buckets = |t: usize| t.saturating_mul(buckets_for(per_table(n, t)));
    let best = (1..=MAX_TABLES).min_by_key(|&t| buckets(t)).unwrap_or(1);
    // Split only for a real saving (at least a tenth of the buckets): each table costs a little
    // on every lookup and a few dozen bytes.
    if buckets(best) <= buckets(1) / 10 * 9 {
        best
    } else {
        1
    }
}

/// The capacity one of `t` tables needs for `n` entries: its share plus four standard
/// deviations (and a constant for small shares).
fn per_table(n: usize, t: usize) -> usize {
    if t == 1 {
        return n;
    }
    let share = n / t;
    share + 4 * (share as f64).sqrt() as usize + 64
}

impl Index {
    pub(crate) fn new() -> Self {
        Self {
            first: HashTable::new(),
            more: Vec::new(),
        }
    }

    fn count(&self) -> usize {
        self.more.len() + 1
    }

    /// The table that holds `hash`: bits 20..52 scaled to the table count, so independent of the
    /// bits `hashbrown` uses inside a table (the low bits pick the bucket, the top 7 the tag).
    #[inline]
    fn table(&self, hash: u64) -> &HashTable<u32> {
        if self.more.is_empty() {
            return &self.first;
        }
        match ((u64::from((hash >> 20) as u32) * self.count() as u64) >> 32) as usize {
            0 => &self.first,
            t => &self.more[t - 1],
        }
    }

    #[inline]
    fn table_mut(&mut self, hash: u64) -> &mut HashTable<u32> {
        if self.more.is_empty() {
            return &mut self.first;
        }
        match ((u64::from((hash >> 20) as u32) * self.count() as u64) >> 32) as usize {
            0 => &mut self.first,
            t => &mut self.more[t - 1],
        }
    }

    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&u32) -> bool) -> Option<u32> {
        self.table(hash).find(hash, eq).copied()
    }

    /// Adds slot `i`, whose key hashes to `hash` (`rehash` gives the hash of any indexed slot, for
    /// a table that grows).
    pub(crate) fn insert(&mut self, hash: u64, i: u32, rehash: impl Fn(&u32) -> u64) {
        self.table_mut(hash).insert_unique(hash, i, rehash);
    }

    /// Removes slot `i`, whose key hashes to `hash`.
    pub(crate) fn remove(&mut self, hash: u64, i: u32) {
        if let Ok(entry) = self.table_mut(hash).find_entry(hash, |&j| j == i) {
            entry.remove();
        }
    }

    /// Slot `from`, whose key hashes to `hash`, now lives at `to`.
    pub(crate) fn repoint(&mut self, hash: u64, from: u32, to: u32) {
        if let Some(idx) = self.table_mut(hash).find_mut(hash, |&j| j == from) {
            *idx = to;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.first.clear();
        for table in &mut self.more {
            table.clear();
        }
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.first.len() + self.more.iter().map(HashTable::len).sum::<usize>()
    }

    /// Splits the index for an entry bound (`None`: unbounded), moving every slot index if the
    /// table count changes (at build, and on `reconfigure`: O(n) then).
    pub(crate) fn shape_for(&mut self, bound: Option<usize>, rehash: impl Fn(&u32) -> u64) {
        let n = tables_for(bound);
        if n == self.count() {
            return;
        }
        let first = std::mem::take(&mut self.first);
        let more = std::mem::replace(&mut self.more, (1..n).map(|_| HashTable::new()).collect());
        for mut table in std::iter::once(first).chain(more) {
            for i in table.drain() {
                self.insert(rehash(&i), i, &rehash);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_split_minimizes_buckets_at_the_bound() {
        assert_eq!(tables_for(None), 1);
        assert_eq!(tables_for(Some(1_000)), 1);
        assert_eq!(tables_for(Some(100_000)), 1); // 131,072 buckets, 76 % full
        assert_eq!(tables_for(Some(1_000_000)), 9); // 9 × 131,072 instead of 2,097,152
        for n in [20_000, 300_000, 1_000_000, 5_000_000, 40_000_000] {
            let t = tables_for(Some(n));
            let total = t * buckets_for(per_table(n, t));
            assert!(total <= buckets_for(n), "{n}: {total} buckets");
            // Never worse than 1.75 buckets per entry (one power-of-two table can reach 2.29).
            assert!(total as f64 / n as f64 <= 1.75, "{n}: {total} buckets");
        }
    }

    /// Reshaping keeps every slot findable, and hashes spread over the tables.
    #[test]
    fn reshaping_moves_every_slot() {
        use std::hash::BuildHasher;
        let hasher = hashbrown::DefaultHashBuilder::default();
        let hash = |i: &u32| hasher.hash_one(*i);
        let mut index = Index::new();
        for i in 0..50_000u32 {
            index.insert(hash(&i), i, hash);
        }
        index.shape_for(Some(1_000_000), hash);
        assert_eq!(index.count(), 9);
        assert_eq!(index.len(), 50_000);
        for t in std::iter::once(&index.first).chain(&index.more) {
            let share = t.len() as f64 / 50_000.0;
            assert!((share - 1.0 / 9.0).abs() < 0.01, "uneven split: {share}");
        }
        for i in 0..50_000u32 {
            assert_eq!(index.find(hash(&i), |&j| j == i), Some(i));
        }
        index.remove(hash(&7), 7);
        index.repoint(hash(&8), 8, 7);
        assert_eq!(index.find(hash(&8), |&j| j == 7), Some(7));
        index.shape_for(None, hash);
        assert_eq!((index.count(), index.len()), (1, 49_999));
    }
}

#[cfg(all(test, not(loom)))]
mod core_tests {
    use crate::{CacheBuilder, CacheConfig, Policy};

    /// Every policy keeps its invariants on a split index, through evictions, removals, and
    /// `reconfigure`s that change the split.
    #[test]
    fn a_split_index_survives_every_operation() {
        for policy in Policy::ALL {
            let mut c = CacheBuilder::<u32, u32>::new()
                .max_entries(40_000)
                .policy(policy)
                .build_unsync();
            assert!(c.index.count() > 1, "{policy}: 40,000 entries split");
            for k in 0..50_000 {
                c.insert(k, k);
                if k % 7 == 0 {
                    c.get(&(k / 2));
                }
                if k % 11 == 0 {
                    c.remove(&(k / 3));
                }
            }
            c.assert_invariants();
            let resize = |c: &mut crate::unsync::Cache<u32, u32>, n| {
                c.reconfigure(CacheConfig {
                    max_entries: Some(n),
                    ..c.config()
                });
                c.assert_invariants();
                c.index.count()
            };
            assert_eq!(resize(&mut c, 100_000), 1, "{policy}");
            assert!(resize(&mut c, 20_000) > 1, "{policy}");
            for k in 50_000..60_000 {
                c.insert(k, k);
            }
            c.assert_invariants();
            assert!(c.len() <= 20_000, "{policy}");
        }
    }
}
