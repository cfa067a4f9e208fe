//! FIFO, as libCacheSim's `FIFO.c`: a hit changes nothing; the oldest insert is evicted.

use super::list::{List, Slab};
use super::reference::{Budget, Evictor};
use hashbrown::HashMap;

/// First in, first out.
#[derive(Debug)]
pub struct Fifo {
    budget: Budget,
    map: HashMap<u64, u32>,
    slab: Slab<()>,
    queue: List,
    used: u64,
    bytes: u64,
}

impl Fifo {
    /// An empty FIFO with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            map: HashMap::new(),
            slab: Slab::default(),
            queue: List::default(),
            used: 0,
            bytes: 0,
        }
    }

    fn evict_oldest(&mut self) {
        let Some(i) = self.queue.tail() else { return };
        self.slab.unlink(&mut self.queue, i);
        let node = self.slab.get(i);
        let (key, size) = (node.key, node.size);
        self.map.remove(&key);
        self.used -= self.budget.weight(size);
        self.bytes -= size;
        self.slab.release(i);
    }
}

impl Evictor for Fifo {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let budget = self.budget;
        let w = budget.weight(size);
        let mut evicted = 0;
        while self.used + w > budget.capacity && !self.queue.is_empty() {
            self.evict_oldest();
            evicted += 1;
        }
        let i = self.slab.alloc(key, size, ());
        self.slab.push_head(&mut self.queue, i);
        self.map.insert(key, i);
        self.used += w;
        self.bytes += size;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(i) = self.map.remove(&key) else {
            return false;
        };
        self.slab.unlink(&mut self.queue, i);
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
