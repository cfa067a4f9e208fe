//! Model test: random sequences of every operation, on a manual clock, against a plain reference
//! model (a `Vec` of entries in queue order, head first, with linear scans), for every policy,
//! for the single-threaded core and for the thread-safe cache used from one thread. Every return
//! value, `len`, `weight`, the statistics and the full entries listing are compared after each
//! step.
//!
//! Each policy's reference is written from its textbook / libCacheSim description, on that one
//! `Vec`: LRU moves to the front; S3-FIFO tags entries small or main (the listing shows the small
//! queue first), keeps a ghost FIFO of keys and a 2-bit frequency; SIEVE keeps a visited bit and a
//! hand (a key); GDSF keeps a priority per entry and evicts the lowest (ties: oldest stamp).
//!
//! Proptest prints the minimal failing sequence; set `PROPTEST_CASES` to run more cases.

use gencache::{
    Cache, CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, ManualClock, Policy,
    unsync,
};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::time::Duration;

const MAIN: u8 = 0;
const SMALL: u8 = 1;

type Key = u8;
type Value = u32;

/// Every entry weighs its value plus one byte per key unit: small budgets force evictions.
fn weigh(key: &Key, value: &Value) -> usize {
    (*value as usize) + (*key as usize % 3)
}

#[derive(Debug, Clone)]
enum Op {
    Get(Key),
    Peek(Key),
    Contains(Key),
    Insert(Key, Value),
    InsertWithTtl(Key, Value, Option<Duration>),
    Remove(Key),
    Clear,
    Reconfigure(CacheConfig),
    Advance(Duration),
    Purge,
    ResetStats,
    Entries(usize, usize),
}

fn ttl() -> impl Strategy<Value = Option<Duration>> {
    prop_oneof![
        1 => Just(None),
        4 => (0u64..12_000).prop_map(|ms| Some(Duration::from_millis(ms))),
        // "Do not cache": must neither be stored nor evict anything.
        1 => Just(Some(Duration::ZERO)),
    ]
}

/// How large the generated caches and key sets are: `(keys, max_entries, max_bytes)` bounds.
/// S3-FIFO needs larger ones: it admits nothing larger than its small queue (10 % of each bound,
/// as libCacheSim), so a cache of fewer than 20 entries or 10 × the weight of an entry stores
/// nothing and would test only the refusal.
#[derive(Debug, Clone, Copy)]
struct Scale {
    keys: u8,
    entries: usize,
    bytes: u64,
}

const SMALL_SCALE: Scale = Scale {
    keys: 12,
    entries: 8,
    bytes: 120,
};
const S3FIFO_SCALE: Scale = Scale {
    keys: 32,
    entries: 32,
    bytes: 800,
};

fn config(scale: Scale) -> impl Strategy<Value = CacheConfig> {
    (
        prop::option::weighted(0.7, 0usize..scale.entries),
        prop::option::weighted(0.7, 0u64..scale.bytes),
        ttl(),
    )
        .prop_map(|(max_entries, max_bytes, default_ttl)| CacheConfig {
            max_entries,
            max_bytes,
            default_ttl,
        })
}

fn op(scale: Scale) -> impl Strategy<Value = Op> {
    let key = 0u8..scale.keys;
    let value = 0u32..50;
    prop_oneof![
        6 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::Peek),
        1 => key.clone().prop_map(Op::Contains),
        6 => (key.clone(), value.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (key.clone(), value, ttl()).prop_map(|(k, v, t)| Op::InsertWithTtl(k, v, t)),
        2 => key.prop_map(Op::Remove),
        1 => Just(Op::Clear),
        1 => config(scale).prop_map(Op::Reconfigure),
        3 => (0u64..4_000).prop_map(|ms| Op::Advance(Duration::from_millis(ms))),
        1 => Just(Op::Purge),
        1 => Just(Op::ResetStats),
        1 => (0usize..6, 0usize..8).prop_map(|(o, l)| Op::Entries(o, l)),
    ]
}

/// One entry of the reference model.
#[derive(Debug, Clone)]
struct ModelEntry {
    key: Key,
    value: Value,
    weight: u64,
    /// Nanoseconds; `None` = never.
    expires_at: Option<u64>,
    inserted_at: u64,
    accessed_at: u64,
    hits: u64,
    /// S3-FIFO queue.
    queue: u8,
    /// S3-FIFO frequency (0..=3) or SIEVE visited bit.
    freq: u8,
    /// GDSF `(priority, stamp)`.
    prio: (f64, u64),
}

/// The reference: a `Vec` in recency order (index 0 = most recently used), linear scans.
#[derive(Debug)]
struct Model {
    entries: Vec<ModelEntry>,
    config: CacheConfig,
    now: u64,
    stats: CacheStats,
    policy: Policy,
    /// A `get` that finds an expired entry leaves it for the expiry queue (the thread-safe
    /// cache's shared-lock hits of the lazy policies).
    lazy_get: bool,
    has_evicted: bool,
    /// S3-FIFO ghost: `(key, weight)`, oldest first.
    ghost: VecDeque<(Key, u64)>,
    /// SIEVE hand.
    hand: Option<Key>,
    /// GDSF clock and last stamp.
    clock: f64,
    stamp: u64,
}

/// `trunc(budget × ratio)`; unbounded stays unbounded.
fn share(budget: Option<u64>, ratio: f64) -> u64 {
    budget.map_or(u64::MAX, |b| (b as f64 * ratio) as u64)
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos() as u64
}

impl Model {
    fn new(config: CacheConfig, policy: Policy, lazy_get: bool) -> Self {
        Self {
            entries: Vec::new(),
            config,
            now: 0,
            stats: CacheStats::default(),
            policy,
            lazy_get,
            has_evicted: false,
            ghost: VecDeque::new(),
            hand: None,
            clock: 0.0,
            stamp: 0,
        }
    }

    /// Removes entry `i`, moving the SIEVE hand to its newer neighbour if it pointed there.
    fn remove_at(&mut self, i: usize) -> ModelEntry {
        if self.hand == Some(self.entries[i].key) {
            self.hand = (i > 0).then(|| self.entries[i - 1].key);
        }
        self.entries.remove(i)
    }

    fn max_entries(&self) -> u64 {
        self.config.max_entries.map_or(u64::MAX, |n| n as u64)
    }

    fn exceeded(&self, extra_entries: u64, extra_bytes: u64) -> Option<bool> {
        if self.entries.len() as u64 + extra_entries > self.max_entries() {
            return Some(true);
        }
        let over_bytes = self
            .config
            .max_bytes
            .is_some_and(|m| self.bytes() + extra_bytes > m);
        over_bytes.then_some(false)
    }

    fn count_eviction(&mut self, entries_bound: bool) {
        if entries_bound {
            self.stats.evictions.capacity_entries += 1;
        } else {
            self.stats.evictions.capacity_bytes += 1;
        }
    }

    fn small_caps(&self) -> (u64, u64) {
        let entries = self.config.max_entries.map(|n| n as u64);
        (share(entries, 0.1), share(self.config.max_bytes, 0.1))
    }

    fn small_usage(&self) -> (u64, u64) {
        let small = self.entries.iter().filter(|e| e.queue == SMALL);
        small.fold((0, 0), |(n, b), e| (n + 1, b + e.weight))
    }

    fn ghost_trim(&mut self, extra_entries: u64, extra_bytes: u64) {
        let entries = self.config.max_entries.map(|n| n as u64);
        let (cap_n, cap_b) = (share(entries, 0.9), share(self.config.max_bytes, 0.9));
        loop {
            let n = self.ghost.len() as u64;
            let b: u64 = self.ghost.iter().map(|g| g.1).sum();
            if n + extra_entries > cap_n || b + extra_bytes > cap_b {
                self.ghost.pop_front();
            } else {
                return;
            }
        }
    }

    fn ghost_insert(&mut self, key: Key, weight: u64) {
        let entries = self.config.max_entries.map(|n| n as u64);
        let (cap_n, cap_b) = (share(entries, 0.9), share(self.config.max_bytes, 0.9));
        if self.ghost.iter().any(|g| g.0 == key) || cap_n < 1 || weight > cap_b {
            return;
        }
        self.ghost_trim(1, weight);
        self.ghost.push_back((key, weight));
    }

    fn last_of(&self, queue: u8) -> Option<usize> {
        self.entries.iter().rposition(|e| e.queue == queue)
    }

    fn move_to_front(&mut self, i: usize) {
        let e = self.entries.remove(i);
        self.entries.insert(0, e);
    }

    /// One eviction by the policy (the model's `enforce_bounds` for LRU pops the tail).
    fn evict_one(&mut self, entries_bound: bool) {
        match self.policy {
            Policy::Lru => {
                self.entries.pop();
                self.count_eviction(entries_bound);
            }
            Policy::S3Fifo => {
                self.has_evicted = true;
                let (small_n, small_b) = self.small_caps();
                let (main_cap_n, main_cap_b) = (
                    self.max_entries().saturating_sub(small_n).max(
                        if self.config.max_entries.is_none() {
                            u64::MAX
                        } else {
                            0
                        },
                    ),
                    self.config.max_bytes.map_or(u64::MAX, |m| m - small_b),
                );
                let (sn, sb) = self.small_usage();
                let main_n = self.entries.len() as u64 - sn;
                let main_b = self.bytes() - sb;
                if main_n > main_cap_n || main_b > main_cap_b || sn == 0 {
                    while let Some(t) = self.last_of(MAIN) {
                        if self.entries[t].freq >= 1 {
                            self.entries[t].freq -= 1;
                            self.move_to_front(t);
                        } else {
                            self.remove_at(t);
                            self.count_eviction(entries_bound);
                            return;
                        }
                    }
                } else {
                    while let Some(t) = self.last_of(SMALL) {
                        if self.entries[t].freq >= 2 {
                            self.entries[t].freq = 0;
                            self.entries[t].queue = MAIN;
                            self.move_to_front(t);
                        } else {
                            let e = self.remove_at(t);
                            self.ghost_insert(e.key, e.weight);
                            self.count_eviction(entries_bound);
                            return;
                        }
                    }
                }
            }
            Policy::Sieve => {
                let last = self.entries.len() - 1;
                let mut h = self.hand.and_then(|k| self.position(k)).unwrap_or(last);
                while self.entries[h].freq > 0 {
                    self.entries[h].freq = 0;
                    h = if h == 0 { last } else { h - 1 };
                }
                self.hand = Some(self.entries[h].key);
                self.remove_at(h);
                self.count_eviction(entries_bound);
            }
            Policy::CostAware => {
                let mut lowest = 0;
                for (i, e) in self.entries.iter().enumerate() {
                    let l = &self.entries[lowest];
                    if (e.prio.0, e.prio.1) < (l.prio.0, l.prio.1) {
                        lowest = i;
                    }
                }
                self.clock = self.entries[lowest].prio.0;
                self.remove_at(lowest);
                self.count_eviction(entries_bound);
            }
        }
    }

    fn prioritize(&mut self, i: usize) {
        let size = match self.config.max_bytes {
            None => 1.0,
            Some(_) => self.entries[i].weight.max(1) as f64,
        };
        let freq = self.entries[i].hits as f64 + 1.0;
        self.stamp += 1;
        self.entries[i].prio = (self.clock + freq * 1.0e6 / size, self.stamp);
    }

    fn expired(&self, e: &ModelEntry) -> bool {
        e.expires_at.is_some_and(|t| self.now >= t)
    }

    fn position(&self, key: Key) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    fn bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.weight).sum()
    }

    fn sync_gauges(&mut self) {
        self.stats.bytes = self.bytes();
        self.stats.entries = self.entries.len() as u64;
    }

    fn drain_expired(&mut self) -> usize {
        let mut n = 0;
        while let Some(i) = self.entries.iter().position(|e| self.expired(e)) {
            self.remove_at(i);
            n += 1;
        }
        self.stats.evictions.expired += n as u64;
        n
    }

    fn enforce_bounds(&mut self) {
        if self.policy != Policy::Lru {
            while let Some(entries_bound) = self.exceeded(0, 0) {
                if self.entries.is_empty() {
                    break;
                }
                self.evict_one(entries_bound);
            }
            return;
        }
        if let Some(max) = self.config.max_entries {
            while self.entries.len() > max {
                self.entries.pop();
                self.stats.evictions.capacity_entries += 1;
            }
        }
        if let Some(max) = self.config.max_bytes {
            while self.bytes() > max {
                self.entries.pop();
                self.stats.evictions.capacity_bytes += 1;
            }
        }
    }

    fn get(&mut self, key: Key) -> Option<Value> {
        let Some(i) = self.position(key) else {
            self.stats.misses += 1;
            return None;
        };
        if self.expired(&self.entries[i]) {
            if !self.lazy_get {
                self.remove_at(i);
                self.stats.evictions.expired += 1;
            }
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        let e = &mut self.entries[i];
        e.hits += 1;
        e.accessed_at = self.now;
        let v = e.value;
        match self.policy {
            Policy::Lru => self.move_to_front(i),
            Policy::S3Fifo => e.freq = (e.freq + 1).min(3),
            Policy::Sieve => e.freq = 1,
            Policy::CostAware => {
                self.prioritize(i);
                self.move_to_front(i);
            }
        }
        Some(v)
    }

    fn peek(&self, key: Key) -> Option<Value> {
        let i = self.position(key)?;
        (!self.expired(&self.entries[i])).then(|| self.entries[i].value)
    }

    fn insert(&mut self, key: Key, value: Value, ttl: Option<Duration>) -> InsertOutcome {
        self.drain_expired();
        let weight = weigh(&key, &value) as u64;
        let too_heavy = self.config.max_bytes.is_some_and(|m| weight > m);
        if too_heavy || self.config.max_entries == Some(0) {
            if let Some(i) = self.position(key) {
                self.remove_at(i);
                self.stats.evictions.removed += 1;
            }
            self.stats.refused_too_large += 1;
            return InsertOutcome::Refused {
                weight,
                max_bytes: self.config.max_bytes.unwrap_or(u64::MAX),
            };
        }
        let expires_at = ttl.map(|t| self.now.saturating_add(nanos(t)));
        if expires_at.is_some_and(|deadline| deadline <= self.now) {
            // Dead on arrival ("do not cache"): nothing stored, nothing evicted, old value dropped.
            if let Some(i) = self.position(key) {
                self.remove_at(i);
                self.stats.evictions.removed += 1;
            }
            return InsertOutcome::AlreadyExpired;
        }
        if self.policy != Policy::Lru {
            return self.insert_by_policy(key, value, weight, expires_at);
        }
        let outcome = match self.position(key) {
            Some(i) => {
                self.entries.remove(i);
                self.stats.updates += 1;
                InsertOutcome::Updated
            }
            None => {
                self.stats.inserts += 1;
                InsertOutcome::Inserted
            }
        };
        let entry = self.entry(key, value, weight, expires_at);
        self.entries.insert(0, entry);
        self.enforce_bounds();
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes());
        self.stats.peak_entries = self.stats.peak_entries.max(self.entries.len() as u64);
        outcome
    }

    fn entry(&self, key: Key, value: Value, weight: u64, expires_at: Option<u64>) -> ModelEntry {
        ModelEntry {
            key,
            value,
            weight,
            expires_at,
            inserted_at: self.now,
            accessed_at: self.now,
            hits: 0,
            queue: MAIN,
            freq: 0,
            prio: (0.0, 0),
        }
    }

    /// The insert of S3-FIFO, SIEVE and GDSF (after the refusal and zero-TTL checks).
    fn insert_by_policy(
        &mut self,
        key: Key,
        value: Value,
        weight: u64,
        expires_at: Option<u64>,
    ) -> InsertOutcome {
        let outcome = if let Some(i) = self.position(key) {
            let now = self.now;
            let e = &mut self.entries[i];
            (e.value, e.weight, e.expires_at) = (value, weight, expires_at);
            (e.inserted_at, e.accessed_at, e.hits) = (now, now, 0);
            if self.policy == Policy::CostAware {
                self.prioritize(i);
                self.move_to_front(i);
            }
            self.stats.updates += 1;
            InsertOutcome::Updated
        } else {
            let mut entry = self.entry(key, value, weight, expires_at);
            let from_ghost = match self.ghost.iter().position(|g| g.0 == key) {
                Some(g) if self.policy == Policy::S3Fifo => {
                    self.ghost.remove(g);
                    true
                }
                _ => false,
            };
            let (small_n, small_b) = self.small_caps();
            let s3 = self.policy == Policy::S3Fifo;
            // libCacheSim's S3-FIFO admits nothing larger than its small queue (and evicts
            // nothing for it) ...
            if s3 && !(small_n >= 1 && weight <= small_b) {
                return self.refuse_for_small_queue(weight);
            }
            if self.policy != Policy::CostAware {
                while let Some(entries_bound) = self.exceeded(1, weight) {
                    if self.entries.is_empty() {
                        break;
                    }
                    self.evict_one(entries_bound);
                }
            }
            // ... and drops one exactly as large as it after evicting, unless it was a ghost.
            if s3 && !from_ghost && (small_n <= 1 || weight >= small_b) {
                return self.refuse_for_small_queue(weight);
            }
            if s3 {
                let (sn, sb) = self.small_usage();
                let full = sn >= small_n || sb >= small_b;
                entry.queue = if from_ghost || (!self.has_evicted && full) {
                    MAIN
                } else {
                    SMALL
                };
            }
            self.entries.insert(0, entry);
            if self.policy == Policy::CostAware {
                self.prioritize(0);
            }
            self.stats.inserts += 1;
            InsertOutcome::Inserted
        };
        self.enforce_bounds();
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes());
        self.stats.peak_entries = self.stats.peak_entries.max(self.entries.len() as u64);
        outcome
    }

    /// S3-FIFO's refusal of an entry its small queue cannot take.
    fn refuse_for_small_queue(&mut self, weight: u64) -> InsertOutcome {
        self.stats.refused_too_large += 1;
        InsertOutcome::Refused {
            weight,
            max_bytes: self.small_caps().1,
        }
    }

    fn remove(&mut self, key: Key) -> Option<Value> {
        let i = self.position(key)?;
        let e = self.remove_at(i);
        if self.expired(&e) {
            self.stats.evictions.expired += 1;
            None
        } else {
            self.stats.evictions.removed += 1;
            Some(e.value)
        }
    }

    fn clear(&mut self) {
        self.stats.evictions.cleared += self.entries.len() as u64;
        self.entries.clear();
        self.has_evicted = false;
        self.ghost.clear();
        self.hand = None;
        self.clock = 0.0;
    }

    fn reconfigure(&mut self, config: CacheConfig) {
        self.config = config;
        self.ghost_trim(0, 0);
        self.drain_expired();
        self.enforce_bounds();
    }

    fn reset_stats(&mut self) {
        self.stats = CacheStats {
            peak_bytes: self.bytes(),
            peak_entries: self.entries.len() as u64,
            ..CacheStats::default()
        };
    }

    /// GDSF: the key of the entry with the lowest `(priority, stamp)`, if it is live.
    fn next_victim_if_live(&self) -> Option<Key> {
        let lowest = self
            .entries
            .iter()
            .min_by(|a, b| a.prio.0.total_cmp(&b.prio.0).then(a.prio.1.cmp(&b.prio.1)))?;
        (!self.expired(lowest)).then_some(lowest.key)
    }

    fn listing(&self, offset: usize, limit: usize) -> Vec<EntryInfo<Key>> {
        let secs = |t: u64| t / 1_000_000_000;
        let small = self.entries.iter().filter(|e| e.queue == SMALL);
        small
            .chain(self.entries.iter().filter(|e| e.queue == MAIN))
            .filter(|e| !self.expired(e))
            .skip(offset)
            .take(limit)
            .map(|e| EntryInfo {
                key: e.key,
                weight: e.weight,
                age: Duration::from_secs(secs(self.now) - secs(e.inserted_at)),
                idle: Duration::from_secs(secs(self.now) - secs(e.accessed_at)),
                access_count: e.hits,
                expires_in: e.expires_at.map(|t| Duration::from_nanos(t - self.now)),
                cost: None,
            })
            .collect()
    }
}

/// The operations both caches offer, so one test drives either.
trait Subject {
    fn get(&mut self, k: Key) -> Option<Value>;
    fn peek(&self, k: Key) -> Option<Value>;
    fn contains(&self, k: Key) -> bool;
    fn insert(&mut self, k: Key, v: Value) -> InsertOutcome;
    fn insert_with_ttl(&mut self, k: Key, v: Value, ttl: Option<Duration>) -> InsertOutcome;
    fn remove(&mut self, k: Key) -> Option<Value>;
    fn clear(&mut self);
    fn reconfigure(&mut self, c: CacheConfig);
    fn purge(&mut self) -> usize;
    fn reset_stats(&mut self);
    fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<Key>>;
    fn len(&self) -> usize;
    fn weight(&self) -> u64;
    fn stats(&self) -> CacheStats;
    fn config(&self) -> CacheConfig;
}

macro_rules! subject_impl {
    ($t:ty) => {
        impl Subject for $t {
            fn get(&mut self, k: Key) -> Option<Value> {
                <$t>::get(self, &k)
            }
            fn peek(&self, k: Key) -> Option<Value> {
                <$t>::peek(self, &k)
            }
            fn contains(&self, k: Key) -> bool {
                <$t>::contains(self, &k)
            }
            fn insert(&mut self, k: Key, v: Value) -> InsertOutcome {
                <$t>::insert(self, k, v)
            }
            fn insert_with_ttl(&mut self, k: Key, v: Value, t: Option<Duration>) -> InsertOutcome {
                <$t>::insert_with_ttl(self, k, v, t)
            }
            fn remove(&mut self, k: Key) -> Option<Value> {
                <$t>::remove(self, &k)
            }
            fn clear(&mut self) {
                <$t>::clear(self)
            }
            fn reconfigure(&mut self, c: CacheConfig) {
                <$t>::reconfigure(self, c)
            }
            fn purge(&mut self) -> usize {
                <$t>::purge_expired(self)
            }
            fn reset_stats(&mut self) {
                <$t>::reset_stats(self)
            }
            fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<Key>> {
                <$t>::entries(self, offset, limit)
            }
            fn len(&self) -> usize {
                <$t>::len(self)
            }
            fn weight(&self) -> u64 {
                <$t>::weight(self)
            }
            fn stats(&self) -> CacheStats {
                <$t>::stats(self)
            }
            fn config(&self) -> CacheConfig {
                <$t>::config(self)
            }
        }
    };
}

subject_impl!(unsync::Cache<Key, Value>);
subject_impl!(Cache<Key, Value>);

fn run(
    ops: &[Op],
    initial: CacheConfig,
    policy: Policy,
    lazy_get: bool,
    subject: &mut dyn Subject,
    clock: &ManualClock,
) {
    let mut model = Model::new(initial, policy, lazy_get);
    for (step, op) in ops.iter().enumerate() {
        let ctx = format!("step {step}: {op:?}");
        match op.clone() {
            Op::Get(k) => assert_eq!(subject.get(k), model.get(k), "{ctx}"),
            Op::Peek(k) => assert_eq!(subject.peek(k), model.peek(k), "{ctx}"),
            Op::Contains(k) => assert_eq!(subject.contains(k), model.peek(k).is_some(), "{ctx}"),
            Op::Insert(k, v) => {
                let ttl = model.config.default_ttl;
                assert_eq!(subject.insert(k, v), model.insert(k, v, ttl), "{ctx}");
            }
            Op::InsertWithTtl(k, v, t) => {
                assert_eq!(
                    subject.insert_with_ttl(k, v, t),
                    model.insert(k, v, t),
                    "{ctx}"
                )
            }
            Op::Remove(k) => assert_eq!(subject.remove(k), model.remove(k), "{ctx}"),
            Op::Clear => {
                subject.clear();
                model.clear();
            }
            Op::Reconfigure(c) => {
                subject.reconfigure(c);
                model.reconfigure(c);
            }
            Op::Advance(d) => {
                clock.advance(d);
                model.now += nanos(d);
            }
            Op::Purge => assert_eq!(subject.purge(), model.drain_expired(), "{ctx}"),
            Op::ResetStats => {
                subject.reset_stats();
                model.reset_stats();
            }
            Op::Entries(o, l) => check_listing(subject, &model, o, l, &ctx),
        }
        model.sync_gauges();
        assert_eq!(subject.len(), model.entries.len(), "{ctx}: len");
        assert_eq!(subject.weight(), model.bytes(), "{ctx}: weight");
        assert_eq!(subject.stats(), model.stats, "{ctx}: stats");
        assert_eq!(subject.config(), model.config, "{ctx}: config");
        check_listing(subject, &model, 0, usize::MAX, &format!("{ctx}: listing"));
    }
}

/// The listing page `offset..offset + limit` agrees with the model. `CostAware` lists in its
/// heap's order, which the model does not reproduce: there the page must be that slice of the
/// cache's full listing, the full listing must hold exactly the model's live entries (every field
/// equal), and it must start with the next victim when that one is live.
fn check_listing(subject: &dyn Subject, model: &Model, offset: usize, limit: usize, ctx: &str) {
    let page = subject.entries(offset, limit);
    if model.policy != Policy::CostAware {
        assert_eq!(page, model.listing(offset, limit), "{ctx}");
        return;
    }
    let full = subject.entries(0, usize::MAX);
    let slice: Vec<_> = full.iter().skip(offset).take(limit).cloned().collect();
    assert_eq!(page, slice, "{ctx}: a page is a slice of the listing");
    let by_key = |mut v: Vec<EntryInfo<Key>>| {
        v.sort_by_key(|e| e.key);
        v
    };
    assert_eq!(
        by_key(full.clone()),
        by_key(model.listing(0, usize::MAX)),
        "{ctx}: the listed entries"
    );
    if let Some(victim) = model.next_victim_if_live() {
        assert_eq!(
            full.first().map(|e| e.key),
            Some(victim),
            "{ctx}: next victim first"
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

/// One pair of proptests (single-threaded core, thread-safe cache) per policy, each with
/// `cases()` cases.
macro_rules! model_tests {
    ($($name:ident => $policy:expr, $scale:expr, $ops:expr);* $(;)?) => {$(
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

                #[test]
                fn unsync_cache_matches_the_reference_model(
                    initial in config($scale),
                    ops in prop::collection::vec(op($scale), 1..$ops),
                ) {
                    let clock = ManualClock::new();
                    let mut cache = CacheBuilder::<Key, Value>::new()
                        .config(initial)
                        .policy($policy)
                        .clock(clock.clone())
                        .weigher(weigh)
                        .build_unsync();
                    run(&ops, initial, $policy, false, &mut cache, &clock);
                }

                #[test]
                fn sync_cache_single_threaded_matches_the_reference_model(
                    initial in config($scale),
                    ops in prop::collection::vec(op($scale), 1..$ops),
                ) {
                    let clock = ManualClock::new();
                    let mut cache: Cache<Key, Value> = Cache::builder()
                        .config(initial)
                        .policy($policy)
                        .clock(clock.clone())
                        .weigher(weigh)
                        .build();
                    let lazy = $policy.lazy_promotion();
                    run(&ops, initial, $policy, lazy, &mut cache, &clock);
                }
            }
        }
    )*};
}

model_tests! {
    lru => Policy::Lru, SMALL_SCALE, 64;
    s3fifo => Policy::S3Fifo, S3FIFO_SCALE, 128;
    sieve => Policy::Sieve, SMALL_SCALE, 64;
    cost_aware => Policy::CostAware, SMALL_SCALE, 64;
}
