//! LFU, as libCacheSim's `LFU.c`: the least frequently used object is evicted, ties broken
//! FIFO by when the object reached its frequency; an object starts at frequency 1 and forgets
//! its count when evicted.

use super::list::{List, Residents};
use super::reference::{Budget, Evictor};

/// Least frequently used, O(1) per operation (one list per frequency).
#[derive(Debug)]
pub struct Lfu {
    /// Each node's frequency.
    held: Residents<u64>,
    /// `buckets[f]`: objects of frequency `f`, oldest arrival at the head end.
    buckets: Vec<List>,
    /// A lower bound of the smallest non-empty frequency (exact after [`Self::min_bucket`]).
    min_freq: u64,
}

impl Lfu {
    /// An empty LFU with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            held: Residents::new(budget),
            buckets: vec![List::default(); 2],
            min_freq: 1,
        }
    }

    fn bucket(&mut self, freq: u64) -> &mut List {
        let f = usize::try_from(freq).unwrap_or(usize::MAX);
        if f >= self.buckets.len() {
            self.buckets.resize(f + 1, List::default());
        }
        &mut self.buckets[f]
    }

    /// The smallest frequency holding an object (the cache is not empty).
    fn min_bucket(&mut self) -> u64 {
        while (self.min_freq as usize) < self.buckets.len()
            && self.buckets[self.min_freq as usize].is_empty()
        {
            self.min_freq += 1;
        }
        self.min_freq
    }

    /// Unlinks node `i` from its frequency's list.
    fn unlink(&mut self, i: u32) {
        let f = self.held.slab.get(i).data as usize;
        let mut list = self.buckets[f];
        self.held.slab.unlink(&mut list, i);
        self.buckets[f] = list;
    }

    fn evict_one(&mut self) {
        let f = self.min_bucket();
        // libCacheSim appends to the tail and evicts `first_obj`: here pushes go to the
        // "tail" end and the oldest sits at the head end.
        let Some(i) = self.buckets[f as usize].head() else {
            return;
        };
        self.unlink(i);
        self.held.forget(i);
    }
}

impl Evictor for Lfu {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        let Some(i) = self.held.index(key) else {
            return false;
        };
        let f = self.held.slab.get(i).data;
        self.unlink(i);
        let mut new = *self.bucket(f + 1);
        self.held.slab.push_tail(&mut new, i);
        self.buckets[(f + 1) as usize] = new;
        self.held.slab.get_mut(i).data = f + 1;
        true
    }

    fn contains(&self, key: u64) -> bool {
        self.held.index(key).is_some()
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let mut evicted = 0;
        while self.held.over_budget_with(size) && !self.held.is_empty() {
            self.evict_one();
            evicted += 1;
        }
        let i = self.held.admit(key, size, 1);
        let mut ones = self.buckets[1];
        self.held.slab.push_tail(&mut ones, i);
        self.buckets[1] = ones;
        self.min_freq = 1;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(i) = self.held.index(key) else {
            return false;
        };
        self.unlink(i);
        self.held.forget(i);
        true
    }

    fn entries(&self) -> u64 {
        self.held.len()
    }

    fn payload_bytes(&self) -> u64 {
        self.held.bytes()
    }
}
