//! Model test: random sequences of every operation, on a manual clock, against a plain reference
//! model (a `Vec` ordered from most to least recently used), for the single-threaded core and for
//! the thread-safe cache used from one thread. Every return value, `len`, `weight`, the statistics
//! and the full entries listing are compared after each step.
//!
//! Proptest prints the minimal failing sequence; set `PROPTEST_CASES` to run more cases.

use gencache::{
    Cache, CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, ManualClock, unsync,
};
use proptest::prelude::*;
use std::time::Duration;

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

fn config() -> impl Strategy<Value = CacheConfig> {
    (
        prop::option::weighted(0.7, 0usize..8),
        prop::option::weighted(0.7, 0u64..120),
        ttl(),
    )
        .prop_map(|(max_entries, max_bytes, default_ttl)| CacheConfig {
            max_entries,
            max_bytes,
            default_ttl,
        })
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..12;
    let value = 0u32..50;
    prop_oneof![
        6 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::Peek),
        1 => key.clone().prop_map(Op::Contains),
        6 => (key.clone(), value.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (key.clone(), value, ttl()).prop_map(|(k, v, t)| Op::InsertWithTtl(k, v, t)),
        2 => key.prop_map(Op::Remove),
        1 => Just(Op::Clear),
        1 => config().prop_map(Op::Reconfigure),
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
}

/// The reference: a `Vec` in recency order (index 0 = most recently used), linear scans.
#[derive(Debug)]
struct Model {
    entries: Vec<ModelEntry>,
    config: CacheConfig,
    now: u64,
    stats: CacheStats,
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos() as u64
}

impl Model {
    fn new(config: CacheConfig) -> Self {
        Self {
            entries: Vec::new(),
            config,
            now: 0,
            stats: CacheStats::default(),
        }
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
        let before = self.entries.len();
        let now = self.now;
        self.entries
            .retain(|e| e.expires_at.is_none_or(|t| now < t));
        let n = before - self.entries.len();
        self.stats.evictions.expired += n as u64;
        n
    }

    fn enforce_bounds(&mut self) {
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
            self.entries.remove(i);
            self.stats.evictions.expired += 1;
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        let mut e = self.entries.remove(i);
        e.hits += 1;
        e.accessed_at = self.now;
        let v = e.value;
        self.entries.insert(0, e);
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
                self.entries.remove(i);
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
                self.entries.remove(i);
                self.stats.evictions.removed += 1;
            }
            return InsertOutcome::AlreadyExpired;
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
        let entry = ModelEntry {
            key,
            value,
            weight,
            expires_at,
            inserted_at: self.now,
            accessed_at: self.now,
            hits: 0,
        };
        self.entries.insert(0, entry);
        self.enforce_bounds();
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes());
        self.stats.peak_entries = self.stats.peak_entries.max(self.entries.len() as u64);
        outcome
    }

    fn remove(&mut self, key: Key) -> Option<Value> {
        let i = self.position(key)?;
        let e = self.entries.remove(i);
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
    }

    fn reconfigure(&mut self, config: CacheConfig) {
        self.config = config;
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

    fn listing(&self, offset: usize, limit: usize) -> Vec<EntryInfo<Key>> {
        let secs = |t: u64| t / 1_000_000_000;
        self.entries
            .iter()
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

fn run(ops: &[Op], initial: CacheConfig, subject: &mut dyn Subject, clock: &ManualClock) {
    let mut model = Model::new(initial);
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
            Op::Entries(o, l) => assert_eq!(subject.entries(o, l), model.listing(o, l), "{ctx}"),
        }
        model.sync_gauges();
        assert_eq!(subject.len(), model.entries.len(), "{ctx}: len");
        assert_eq!(subject.weight(), model.bytes(), "{ctx}: weight");
        assert_eq!(subject.stats(), model.stats, "{ctx}: stats");
        assert_eq!(subject.config(), model.config, "{ctx}: config");
        assert_eq!(
            subject.entries(0, usize::MAX),
            model.listing(0, usize::MAX),
            "{ctx}: listing"
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn unsync_cache_matches_the_reference_model(
        initial in config(),
        ops in prop::collection::vec(op(), 1..64),
    ) {
        let clock = ManualClock::new();
        let mut cache = CacheBuilder::<Key, Value>::new()
            .config(initial)
            .clock(clock.clone())
            .weigher(weigh)
            .build_unsync();
        run(&ops, initial, &mut cache, &clock);
    }

    #[test]
    fn sync_cache_single_threaded_matches_the_reference_model(
        initial in config(),
        ops in prop::collection::vec(op(), 1..64),
    ) {
        let clock = ManualClock::new();
        let mut cache: Cache<Key, Value> = Cache::builder()
            .config(initial)
            .clock(clock.clone())
            .weigher(weigh)
            .build();
        run(&ops, initial, &mut cache, &clock);
    }
}
