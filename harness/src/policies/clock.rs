//! CLOCK with one reference bit, as libCacheSim's `Clock.c` (default `n-bit-counter=1`):
//! inserted at the head with the bit clear; a hit sets it; eviction looks at the tail, and an
//! object with the bit set has it cleared and goes back to the head (second chance).

use super::list::{List, Slab};
use super::reference::{Budget, Evictor};
use hashbrown::HashMap;

/// Largest reference count (1 bit).
const MAX_FREQ: u8 = 1;

/// CLOCK (FIFO with reinsertion).
#[derive(Debug)]
pub struct Clock {
    budget: Budget,
    map: HashMap<u64, u32>,
    slab: Slab<u8>,
    queue: List,
    used: u64,
    bytes: u64,
}

impl Clock {
    /// An empty CLOCK with this budget.
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

    fn evict_one(&mut self) {
        while let Some(i) = self.queue.tail() {
            let node = self.slab.get_mut(i);
            if node.data >= 1 {
                node.data -= 1;
                self.slab.move_to_head(&mut self.queue, i);
                continue;
            }
            self.slab.unlink(&mut self.queue, i);
            let node = self.slab.get(i);
            let (key, size) = (node.key, node.size);
            self.map.remove(&key);
            self.used -= self.budget.weight(size);
            self.bytes -= size;
            self.slab.release(i);
            return;
        }
    }
}

impl Evictor for Clock {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        match self.map.get(&key) {
            Some(&i) => {
                let node = self.slab.get_mut(i);
                if node.data < MAX_FREQ {
                    node.data += 1;
                }
                true
            }
            None => false,
        }
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.used + w > self.budget.capacity && !self.queue.is_empty() {
            self.evict_one();
            evicted += 1;
        }
        let i = self.slab.alloc(key, size, 0);
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
