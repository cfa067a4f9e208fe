//! FIFO, as libCacheSim's `FIFO.c`: a hit changes nothing; the oldest insert is evicted.

use super::list::{List, Residents};
use super::reference::{Budget, Evictor};

/// First in, first out.
#[derive(Debug)]
pub struct Fifo {
    held: Residents<()>,
    queue: List,
}

impl Fifo {
    /// An empty FIFO with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            held: Residents::new(budget),
            queue: List::default(),
        }
    }

    fn evict_oldest(&mut self) {
        let Some(i) = self.queue.tail() else { return };
        self.held.slab.unlink(&mut self.queue, i);
        self.held.forget(i);
    }
}

impl Evictor for Fifo {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        self.held.index(key).is_some()
    }

    fn contains(&self, key: u64) -> bool {
        self.held.index(key).is_some()
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let mut evicted = 0;
        while self.held.over_budget_with(size) && !self.queue.is_empty() {
            self.evict_oldest();
            evicted += 1;
        }
        let i = self.held.admit(key, size, ());
        self.held.slab.push_head(&mut self.queue, i);
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        self.held.remove_from(&mut self.queue, key)
    }

    fn entries(&self) -> u64 {
        self.held.len()
    }

    fn payload_bytes(&self) -> u64 {
        self.held.bytes()
    }
}
