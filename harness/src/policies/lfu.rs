//! LFU, as libCacheSim's `LFU.c`: the least frequently used object is evicted, ties broken
//! FIFO by when the object reached its frequency; an object starts at frequency 1 and forgets
//! its count when evicted.

use super::list::{List, Slab};
use super::reference::{Budget, Evictor};
use hashbrown::HashMap;

/// Least frequently used, O(1) per operation (one list per frequency).
#[derive(Debug)]
pub struct Lfu {
    budget: Budget,
    map: HashMap<u64, u32>,
    /// Each node's frequency.
    slab: Slab<u64>,
    /// `buckets[f]`: objects of frequency `f`, oldest arrival at the head end.
    buckets: Vec<List>,
    /// A lower bound of the smallest non-empty frequency (exact after [`Self::min_bucket`]).
    min_freq: u64,
    used: u64,
    bytes: u64,
}

impl Lfu {
    /// An empty LFU with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            map: HashMap::new(),
            slab: Slab::default(),
            buckets: vec![List::default(); 2],
            min_freq: 1,
            used: 0,
            bytes: 0,
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

    fn evict_one(&mut self) {
        let f = self.min_bucket();
        let mut list = self.buckets[f as usize];
        // libCacheSim appends to the tail and evicts `first_obj`: here pushes go to the
        // "tail" end and the oldest sits at the head end.
        let Some(i) = list.head() else { return };
        self.slab.unlink(&mut list, i);
        self.buckets[f as usize] = list;
        let node = self.slab.get(i);
        let (key, size) = (node.key, node.size);
        self.map.remove(&key);
        self.used -= self.budget.weight(size);
        self.bytes -= size;
        self.slab.release(i);
    }
}

impl Evictor for Lfu {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        let Some(&i) = self.map.get(&key) else {
            return false;
        };
        let f = self.slab.get(i).data;
        let mut old = *self.bucket(f);
        self.slab.unlink(&mut old, i);
        self.buckets[f as usize] = old;
        let mut new = *self.bucket(f + 1);
        self.slab.push_tail(&mut new, i);
        self.buckets[(f + 1) as usize] = new;
        self.slab.get_mut(i).data = f + 1;
        true
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.used + w > self.budget.capacity && !self.map.is_empty() {
            self.evict_one();
            evicted += 1;
        }
        let i = self.slab.alloc(key, size, 1);
        let mut ones = self.buckets[1];
        self.slab.push_tail(&mut ones, i);
        self.buckets[1] = ones;
        self.min_freq = 1;
        self.map.insert(key, i);
        self.used += w;
        self.bytes += size;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(i) = self.map.remove(&key) else {
            return false;
        };
        let f = self.slab.get(i).data;
        let mut list = self.buckets[f as usize];
        self.slab.unlink(&mut list, i);
        self.buckets[f as usize] = list;
        let size = self.slab.get(i).size;
        self.used -= self.budget.weight(size);
        self.bytes -= size;
        self.slab.release(i);
        true
    }

    fn entries(&self) -> u64 {
        self.map.len() as u64
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}
