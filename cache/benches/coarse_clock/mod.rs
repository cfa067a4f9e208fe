//! A gencache variant with a cheap clock, benchmarked beside the default to isolate what reading
//! the system clock on every operation costs.

use crate::common::BenchCache;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// gencache with its defaults except the clock: a [`CoarseClock`] instead of the system clock.
///
/// Not a peer: it isolates what reading the system clock on every operation costs (the default
/// cache reads it on every hit to check the TTL), which is what a cheaper clock in gencache
/// itself would save. Any gencache user can already configure this through `CacheBuilder::clock`.
pub struct GenCacheCoarseClock(gencache::Cache<u64, u64>);

impl BenchCache for GenCacheCoarseClock {
    const NAME: &'static str = "gencache_coarse_clock";

    fn with_capacity(entries: usize) -> Self {
        Self(
            gencache::Cache::builder()
                .max_entries(entries)
                .clock(CoarseClock::start(Duration::from_millis(1)))
                .build(),
        )
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }

    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A clock read from a shared atomic that a background thread refreshes every `tick`: reading it
/// is one relaxed load instead of a `clock_gettime` (whose ordered TSC read stalls the pipeline
/// behind the lookup's cache misses). Monotonic, with a resolution of `tick`. The thread stops at
/// its first tick after the last handle is dropped.
#[derive(Debug, Clone)]
pub struct CoarseClock {
    nanos: Arc<AtomicU64>,
}

impl CoarseClock {
    /// Starts the refreshing thread.
    pub fn start(tick: Duration) -> Self {
        let nanos = Arc::new(AtomicU64::new(0));
        let shared: Weak<AtomicU64> = Arc::downgrade(&nanos);
        let origin = Instant::now();
        thread::spawn(move || {
            while let Some(nanos) = shared.upgrade() {
                let elapsed = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
                nanos.store(elapsed, Ordering::Relaxed);
                drop(nanos);
                thread::sleep(tick);
            }
        });
        Self { nanos }
    }
}

impl gencache::Clock for CoarseClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

/// gencache with `Policy::S3Fifo` and the crate's own [`gencache::CoarseClock`] (1 ms), otherwise
/// its defaults: what a caller who accepts millisecond TTL resolution gets from S3-FIFO, beside
/// `gencache_s3fifo` with the default clock (the difference is the clock read of every hit).
pub struct GenCacheS3FifoCoarseClock(gencache::Cache<u64, u64>);

impl BenchCache for GenCacheS3FifoCoarseClock {
    const NAME: &'static str = "gencache_s3fifo_coarse_clock";

    fn with_capacity(entries: usize) -> Self {
        Self(
            gencache::Cache::builder()
                .max_entries(entries)
                .policy(gencache::Policy::S3Fifo)
                .clock(gencache::CoarseClock::new(Duration::from_millis(1)))
                .build(),
        )
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }

    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}
