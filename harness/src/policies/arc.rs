//! ARC, as libCacheSim's `ARC.c` (the version with a floating-point `p`, as in the reference
//! Python implementation it was cross-checked against): T1/T2 data lists, B1/B2 ghost lists,
//! the adaptation of `p` on a ghost hit, REPLACE, and case IV when a miss is on no list. Sizes
//! are weights, so the same code runs with an entry or a byte budget.

use super::list::{List, Slab};
use super::reference::{Budget, Evictor};
use hashbrown::HashMap;

/// Which of the four lists a node is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    T1,
    T2,
    B1,
    B2,
}

/// Adaptive Replacement Cache.
#[derive(Debug)]
pub struct Arc {
    budget: Budget,
    map: HashMap<u64, u32>,
    slab: Slab<Where>,
    t1: List,
    t2: List,
    b1: List,
    b2: List,
    /// Weights on each list.
    t1_size: u64,
    t2_size: u64,
    b1_size: u64,
    b2_size: u64,
    p: f64,
    in_b1: bool,
    in_b2: bool,
    /// Request number of the last ghost hit (libCacheSim's `vtime_last_req_in_ghost`).
    ghost_hit_at: Option<u64>,
    /// Requests looked up so far (libCacheSim's `n_req`).
    requests: u64,
    bytes: u64,
    entries: u64,
}

impl Arc {
    /// An empty ARC with this budget.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            map: HashMap::new(),
            slab: Slab::default(),
            t1: List::default(),
            t2: List::default(),
            b1: List::default(),
            b2: List::default(),
            t1_size: 0,
            t2_size: 0,
            b1_size: 0,
            b2_size: 0,
            p: 0.0,
            in_b1: false,
            in_b2: false,
            ghost_hit_at: None,
            requests: 0,
            bytes: 0,
            entries: 0,
        }
    }

    fn weight(&self, i: u32) -> u64 {
        self.budget.weight(self.slab.get(i).size)
    }

    fn capacity(&self) -> u64 {
        self.budget.capacity
    }

    fn ghost_hit_now(&self) -> bool {
        self.ghost_hit_at == Some(self.requests) && (self.in_b1 || self.in_b2)
    }

    /// Forgets a ghost entirely.
    fn drop_ghost(&mut self, which: Where) {
        let list = if which == Where::B1 {
            &mut self.b1
        } else {
            &mut self.b2
        };
        let Some(i) = list.tail() else { return };
        self.slab.unlink(list, i);
        let w = self.weight(i);
        if which == Where::B1 {
            self.b1_size -= w;
        } else {
            self.b2_size -= w;
        }
        let key = self.slab.get(i).key;
        self.map.remove(&key);
        self.slab.release(i);
    }

    /// Data leaves the cache for a ghost list.
    fn demote(&mut self, from_t1: bool) {
        let (data, ghost) = if from_t1 {
            (&mut self.t1, &mut self.b1)
        } else {
            (&mut self.t2, &mut self.b2)
        };
        let Some(i) = data.tail() else { return };
        self.slab.unlink(data, i);
        self.slab.push_head(ghost, i);
        let w = self.budget.weight(self.slab.get(i).size);
        let size = self.slab.get(i).size;
        if from_t1 {
            self.t1_size -= w;
            self.b1_size += w;
            self.slab.get_mut(i).data = Where::B1;
        } else {
            self.t2_size -= w;
            self.b2_size += w;
            self.slab.get_mut(i).data = Where::B2;
        }
        self.bytes -= size;
        self.entries -= 1;
    }

    /// REPLACE of the paper, with libCacheSim's conditions.
    fn replace(&mut self) {
        let t1 = self.t1_size as f64;
        let cond1 = self.t1_size > 0;
        let cond2 = t1 > self.p;
        let cond3 = t1 == self.p && self.in_b2;
        let cond4 = self.t2_size == 0;
        self.demote((cond1 && (cond2 || cond3)) || cond4);
    }

    /// Case IV: the missed key is on no list.
    fn evict_miss_on_all_queues(&mut self, incoming: u64) {
        let c = self.capacity();
        if self.t1_size + self.b1_size + incoming > c {
            if self.b1_size > 0 {
                self.drop_ghost(Where::B1);
                self.replace();
            } else {
                // T1 alone fills the cache: evict its LRU without a ghost.
                let Some(i) = self.t1.tail() else { return };
                self.slab.unlink(&mut self.t1, i);
                let node = self.slab.get(i);
                let (key, size) = (node.key, node.size);
                self.t1_size -= self.budget.weight(size);
                self.bytes -= size;
                self.entries -= 1;
                self.map.remove(&key);
                self.slab.release(i);
            }
        } else {
            if self.t1_size + self.b1_size + self.t2_size + self.b2_size >= c.saturating_mul(2)
                && self.b2_size > 0
            {
                self.drop_ghost(Where::B2);
            }
            self.replace();
        }
    }

    fn evict(&mut self, incoming: u64) {
        if self.ghost_hit_now() {
            self.replace();
        } else {
            self.evict_miss_on_all_queues(incoming);
        }
    }
}

impl Evictor for Arc {
    fn lookup(&mut self, key: u64) -> bool {
        self.requests += 1;
        let Some(&i) = self.map.get(&key) else {
            return false;
        };
        self.in_b1 = false;
        self.in_b2 = false;
        let w = self.weight(i);
        match self.slab.get(i).data {
            Where::T1 => {
                self.slab.unlink(&mut self.t1, i);
                self.slab.push_head(&mut self.t2, i);
                self.slab.get_mut(i).data = Where::T2;
                self.t1_size -= w;
                self.t2_size += w;
                true
            }
            Where::T2 => {
                self.slab.move_to_head(&mut self.t2, i);
                true
            }
            Where::B1 => {
                self.ghost_hit_at = Some(self.requests);
                self.in_b1 = true;
                let delta = (self.b2_size as f64 / self.b1_size as f64).max(1.0);
                self.p = (self.p + delta).min(self.capacity() as f64);
                self.b1_size -= w;
                self.slab.unlink(&mut self.b1, i);
                self.map.remove(&key);
                self.slab.release(i);
                false
            }
            Where::B2 => {
                self.ghost_hit_at = Some(self.requests);
                self.in_b2 = true;
                let delta = (self.b1_size as f64 / self.b2_size as f64).max(1.0);
                self.p = (self.p - delta).max(0.0);
                self.b2_size -= w;
                self.slab.unlink(&mut self.b2, i);
                self.map.remove(&key);
                self.slab.release(i);
                false
            }
        }
    }

    fn contains(&self, key: u64) -> bool {
        self.map
            .get(&key)
            .is_some_and(|&i| matches!(self.slab.get(i).data, Where::T1 | Where::T2))
    }

    fn insert(&mut self, key: u64, size: u64) -> u64 {
        let w = self.budget.weight(size);
        let mut evicted = 0;
        while self.t1_size + self.t2_size + w > self.capacity() && self.entries > 0 {
            self.evict(w);
            evicted += 1;
        }
        // A ghost of this key (left when a lookup did not come first) is dropped: the key
        // becomes data again.
        if let Some(&i) = self.map.get(&key) {
            let which = self.slab.get(i).data;
            let w_old = self.weight(i);
            if which == Where::B1 {
                self.slab.unlink(&mut self.b1, i);
                self.b1_size -= w_old;
            } else {
                self.slab.unlink(&mut self.b2, i);
                self.b2_size -= w_old;
            }
            self.slab.release(i);
        }
        let to_t2 = self.ghost_hit_now();
        let i = self
            .slab
            .alloc(key, size, if to_t2 { Where::T2 } else { Where::T1 });
        if to_t2 {
            self.slab.push_head(&mut self.t2, i);
            self.t2_size += w;
            self.in_b1 = false;
            self.in_b2 = false;
            self.ghost_hit_at = None;
        } else {
            self.slab.push_head(&mut self.t1, i);
            self.t1_size += w;
        }
        self.map.insert(key, i);
        self.bytes += size;
        self.entries += 1;
        evicted
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(&i) = self.map.get(&key) else {
            return false;
        };
        let w = self.weight(i);
        let size = self.slab.get(i).size;
        match self.slab.get(i).data {
            Where::T1 => {
                self.slab.unlink(&mut self.t1, i);
                self.t1_size -= w;
            }
            Where::T2 => {
                self.slab.unlink(&mut self.t2, i);
                self.t2_size -= w;
            }
            Where::B1 | Where::B2 => return false,
        }
        self.map.remove(&key);
        self.slab.release(i);
        self.bytes -= size;
        self.entries -= 1;
        true
    }

    fn entries(&self) -> u64 {
        self.entries
    }

    fn payload_bytes(&self) -> u64 {
        self.bytes
    }
}
