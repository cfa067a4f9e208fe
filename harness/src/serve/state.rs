//! What every handler shares: the cache, the generator, the metrics and the settings.

use super::config::ServeConfig;
use super::metrics::Metrics;
use crate::realtime::timing::ScaledClock;
use crate::realtime::{Answering, Payload, SimGenerator};
use crate::sized_cache::sized_cache;
use gencache::Cache;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
}

impl AppState {
    /// Builds the cache (on a clock scaled like the generator, so TTLs are in virtual time) and the
    /// generator from a validated configuration.
    pub fn new(config: ServeConfig) -> Self {
        let cache = sized_cache(config.cache, ScaledClock::new(config.time_scale)).build();
        Self {
            inner: Arc::new(Inner {
                cache,
                enabled: AtomicBool::new(config.enabled),
                generator: SimGenerator::new(config.workers, config.time_scale),
                metrics: Metrics::default(),
                config,
                config_update: tokio::sync::Mutex::new(()),
            }),
        }
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

    /// Start-up configuration (the cache's current bounds are `cache().config()`).
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }
}
