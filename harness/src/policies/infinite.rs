//! The infinite cache: every result is kept forever; only first requests miss. The upper
//! bound of any policy on a trace (without TTL), whatever the budget.

use super::reference::Evictor;
use hashbrown::HashMap;

/// Never evicts.
#[derive(Debug, Default)]
pub struct Infinite {
    sizes: HashMap<u64, u64>,
    bytes: u64,
}

impl Evictor for Infinite {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        self.sizes.contains_key(&key)
    }

    fn contains(&self, key: u64) -> bool {
        self.sizes.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        self.sizes.insert(key, size);
        self.bytes += size;
        0
    }

    fn remove(&mut self, key: u64) -> bool {
        match self.sizes.remove(&key) {
            Some(size) => {
                self.bytes -= size;
                true
            }
            None => false,
        }
    }

    fn entries(&self) -> u64 {
        self.sizes.len() as u64
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}
