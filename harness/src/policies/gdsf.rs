//! GreedyDual-Size-Frequency, as libCacheSim's `GDSF.cpp`, with the request's generation cost
//! as the cost term: an object's priority is `L + freq × cost × 10⁶ / size`, where `L` is the
//! priority of the last object evicted (the inflation that ages old objects), `freq` counts its
//! requests while cached, and `size` is its weight against the budget (bytes with a byte
//! budget, 1 with an entry budget). The lowest priority is evicted, ties FIFO by the request
//! that last set the priority; a new object is inserted first and may be the one evicted
//! (libCacheSim's `GDSF_get`). With every cost 1 s it is libCacheSim's GDSF exactly.

use super::reference::{Budget, Evictor};
use hashbrown::HashMap;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    cost_s: f64,
    freq: u64,
    /// The ordering key in `queue`.
    rank: (u64, u64),
}

/// Orders non-negative finite priorities by their bits (monotone for `f64 >= 0`).
fn priority_bits(p: f64) -> u64 {
    if p.is_finite() && p > 0.0 {
        p.to_bits()
    } else {
        0
    }
}

/// GDSF with generation cost.
#[derive(Debug)]
pub struct Gdsf {
    budget: Budget,
    map: HashMap<u64, Entry>,
    /// (priority bits, request number) → key; the first is evicted.
    queue: BTreeMap<(u64, u64), u64>,
    /// Priority of the last object evicted (`L`).
    inflation: f64,
    requests: u64,
    used: u64,
    bytes: u64,
}

impl Gdsf {
    /// An empty GDSF with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            map: HashMap::new(),
            queue: BTreeMap::new(),
            inflation: 0.0,
            requests: 0,
            used: 0,
            bytes: 0,
        }
    }

    fn priority(&self, freq: u64, cost_s: f64, size: u64) -> f64 {
        // Same operation order as libCacheSim: L + (freq * 1e6) / size, with cost folded into
        // the frequency term (exact when the cost is 1).
        let weight = self.budget.weight(size).max(1);
        self.inflation + (freq as f64 * cost_s) * 1.0e6 / weight as f64
    }

    /// Inserts absent `key` with its generation cost. As libCacheSim's `GDSF_get`: insert
    /// first, then evict the lowest priorities while over budget — the new object included,
    /// when it is the least valuable.
    pub(crate) fn insert_with_cost(&mut self, key: u64, size: u64, cost_s: f64) -> u64 {
        let w = self.budget.weight(size);
        let rank = (priority_bits(self.priority(1, cost_s, size)), self.requests);
        self.queue.insert(rank, key);
        self.map.insert(
            key,
            Entry {
                size,
                cost_s,
                freq: 1,
                rank,
            },
        );
        self.used += w;
        self.bytes += size;
        let mut evicted = 0;
        while self.used > self.budget.capacity {
            let Some(((bits, _), victim)) = self.queue.pop_first() else {
                break;
            };
            self.inflation = f64::from_bits(bits);
            if let Some(e) = self.map.remove(&victim) {
                self.used -= self.budget.weight(e.size);
                self.bytes -= e.size;
            }
            evicted += 1;
        }
        evicted
    }
}

impl Evictor for Gdsf {
    #[inline]
    fn lookup(&mut self, key: u64) -> bool {
        self.requests += 1;
        let Some(&e) = self.map.get(&key) else {
            return false;
        };
        self.queue.remove(&e.rank);
        let freq = e.freq + 1;
        let rank = (
            priority_bits(self.priority(freq, e.cost_s, e.size)),
            self.requests,
        );
        self.queue.insert(rank, key);
        self.map.insert(key, Entry { freq, rank, ..e });
        true
    }

    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        self.insert_with_cost(key, size, 1.0)
    }

    fn insert_cost(&mut self, key: u64, size: u64, cost_ns: u64) -> u64 {
        self.insert_with_cost(key, size, cost_ns as f64 / 1e9)
    }

    fn remove(&mut self, key: u64) -> bool {
        match self.map.remove(&key) {
            Some(e) => {
                self.queue.remove(&e.rank);
                self.used -= self.budget.weight(e.size);
                self.bytes -= e.size;
                true
            }
            None => false,
        }
    }

    fn entries(&self) -> u64 {
        self.map.len() as u64
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}
