//! CLOCK with one reference bit, as libCacheSim's `Clock.c` (default `n-bit-counter=1`):
//! inserted at the head with the bit clear; a hit sets it; eviction looks at the tail, and an
//! object with the bit set has it cleared and goes back to the head (second chance).

use super::list::{List, Residents};
use super::reference::{Budget, Evictor};

/// Largest reference count (1 bit).
const MAX_FREQ: u8 = 1;

/// CLOCK (FIFO with reinsertion).
#[derive(Debug)]
pub struct Clock {
    /// Each node's reference count.
    held: Residents<u8>,
    queue: List,
}

impl Clock {
    /// An empty CLOCK with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            held: Residents::new(budget),
            queue: List::default(),
        }
    }

    fn evict_one(&mut self) {
        while let Some(i) = self.queue.tail() {
            let node = self.held.slab.get_mut(i);
            if node.data >= 1 {
                node.data -= 1;
                self.held.slab.move_to_head(&mut self.queue, i);
                continue;
            }
            self.held.slab.unlink(&mut self.queue, i);
            self.held.forget(i);
            return;
        }
    }
}

impl Evictor for Clock {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        match self.held.index(key) {
            Some(i) => {
                let node = self.held.slab.get_mut(i);
                if node.data < MAX_FREQ {
                    node.data += 1;
                }
                true
            }
            None => false,
        }
    }

    fn contains(&self, key: u64) -> bool {
        self.held.index(key).is_some()
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let mut evicted = 0;
        while self.held.over_budget_with(size) && !self.queue.is_empty() {
            self.evict_one();
            evicted += 1;
        }
        let i = self.held.admit(key, size, 0);
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
