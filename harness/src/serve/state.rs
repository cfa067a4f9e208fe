//! What every handler shares: the cache, the generator, the metrics and the settings.

use super::config::ServeConfig;
use super::metrics::{Metrics, encode_cache_stats};
use crate::l2::{L2, L2StartError};
use crate::realtime::timing::ScaledClock;
use crate::realtime::{Answering, Payload, SimGenerator};
use crate::sized_cache::sized_cache;
use gencache::Cache;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

/// The cache of the service: 128-bit request fingerprints to shared payloads, weighed by payload
/// length (the size the request asked for).
pub type ServiceCache = Cache<u128, Payload>;

/// Shared state of the service (cheap to clone: everything is behind an `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    cache: ServiceCache,
    enabled: AtomicBool,
    generator: SimGenerator,
    metrics: Metrics,
    config: ServeConfig,
    /// Serializes `POST /api/cache/config`: each update reads the current bounds, changes some
    /// and writes them all back, so two at once could otherwise undo each other.
    config_update: tokio::sync::Mutex<()>,
    /// The shared Redis tier, when configured.
    l2: Option<L2>,
}

impl AppState {
    /// [`Self::new`], then connects the L2 when `config.l2` is set (see [`L2::start`]: without
    /// `--l2-required` an unusable Redis only logs a warning).
    pub async fn start(config: ServeConfig) -> Result<Self, L2StartError> {
        let l2 = match config.l2.clone() {
            Some(l2) => Some(L2::start(l2).await?),
            None => None,
        };
        Ok(Self::build(config, l2))
    }

    /// Builds the cache (on a clock scaled like the generator, so TTLs are in virtual time) and the
    /// generator from a validated configuration; L1 only (the L2 needs [`Self::start`]).
    pub fn new(config: ServeConfig) -> Self {
        Self::build(config, None)
    }

    fn build(config: ServeConfig, l2: Option<L2>) -> Self {
        let cache = sized_cache(config.cache, ScaledClock::new(config.time_scale))
            .policy(config.policy)
            .build();
        // The metrics registry reads the cache stats through a weak handle to this very state
        // (a strong one would keep the state alive forever).
        let inner = Arc::new_cyclic(|state| Inner {
            cache,
            enabled: AtomicBool::new(config.enabled),
            generator: SimGenerator::new(config.workers, config.time_scale),
            metrics: Metrics::new(Some(Box::new(StatsCollector {
                state: state.clone(),
            }))),
            config,
            config_update: tokio::sync::Mutex::new(()),
            l2,
        });
        Self { inner }
    }

    /// The cache (used even when disabled, so management endpoints keep working).
    pub fn cache(&self) -> &ServiceCache {
        &self.inner.cache
    }

    /// Whether requests go through the cache.
    pub fn enabled(&self) -> bool {
        self.inner.enabled.load(Ordering::Acquire)
    }

    /// Turns the cache on or off at runtime.
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.enabled.store(enabled, Ordering::Release);
    }

    /// The simulated generator.
    pub fn generator(&self) -> &SimGenerator {
        &self.inner.generator
    }

    /// Request metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Held across read → reconfigure → set-enabled of a configuration update.
    pub fn config_update_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.config_update
    }

    /// How cached answers are given (the service always joins concurrent misses).
    pub fn answering(&self) -> Answering {
        Answering {
            single_flight: true,
            hit_cost_s: self.inner.config.hit_cost_s,
            time_scale: self.inner.config.time_scale,
        }
    }

    /// The shared Redis tier, if any.
    pub fn l2(&self) -> Option<&L2> {
        self.inner.l2.as_ref()
    }

    /// Start-up configuration (the cache's current bounds are `cache().config()`).
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }
}

/// The cache-stats part of `GET /metrics`: reads the L1's stats, the switch, the generator's run
/// count and the L2's counters at scrape time (the cache is the one source of truth; nothing is
/// copied into the registry).
#[derive(Debug)]
struct StatsCollector {
    state: Weak<Inner>,
}

impl Collector for StatsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        // Gone only while the state is being dropped, when nobody scrapes.
        let Some(state) = self.state.upgrade() else {
            return Ok(());
        };
        encode_cache_stats(
            &mut encoder,
            &state.cache.stats(),
            state.enabled.load(Ordering::Acquire),
            state.generator.generations(),
        )?;
        match &state.l2 {
            Some(l2) => l2.stats().encode_metrics(&mut encoder),
            None => Ok(()),
        }
    }
}
