//! The L2's counters, its JSON view in `/api/cache/stats` and its lines in `/metrics`.

use crate::serve::metrics::{const_counter, const_gauge};
use prometheus_client::encoding::DescriptorEncoder;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counted with relaxed atomics; read at scrape time.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub up: AtomicBool,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub corrupt: AtomicU64,
    pub writes: AtomicU64,
    pub leases_taken: AtomicU64,
    pub leases_waited: AtomicU64,
    pub leases_stolen: AtomicU64,
    pub leases_lost: AtomicU64,
    pub errors: AtomicU64,
    pub timeouts: AtomicU64,
    pub skipped: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The L2 part of `GET /api/cache/stats` (the top-level cache fields are the L1's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Stats {
    /// The Redis URL, password redacted.
    pub url: String,
    /// Key prefix.
    pub prefix: String,
    /// Whether the last Redis call succeeded (false: serving from L1 and the generator only).
    pub up: bool,
    /// L1 misses answered from Redis (a value, or the result another holder wrote while this
    /// process waited for its lease).
    pub hits: u64,
    /// Lookups in Redis that found no usable value.
    pub misses: u64,
    /// Values found in Redis that were truncated, foreign or corrupt (counted in `misses` too;
    /// never served, overwritten by the next generation).
    pub corrupt: u64,
    /// Generated values written to Redis.
    pub writes: u64,
    /// Generation leases taken by this process.
    pub leases_taken: u64,
    /// Times this process found another holder's lease and waited for its result.
    pub leases_waited: u64,
    /// Leases taken after waiting: the holder died (its lease expired) or gave up without a value.
    pub leases_stolen: u64,
    /// Leases that were gone when this process renewed or released them.
    pub leases_lost: u64,
    /// Redis calls that failed (refused, reset, wrong password, not Redis, ...).
    pub errors: u64,
    /// Redis calls that ran past `--l2-timeout`.
    pub timeouts: u64,
    /// Redis calls not made because the L2 was down (retried with backoff, at most 2 s apart).
    pub skipped: u64,
}

impl Counters {
    pub fn snapshot(&self, url: String, prefix: String) -> L2Stats {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        L2Stats {
            url,
            prefix,
            up: self.up.load(Ordering::Relaxed),
            hits: n(&self.hits),
            misses: n(&self.misses),
            corrupt: n(&self.corrupt),
            writes: n(&self.writes),
            leases_taken: n(&self.leases_taken),
            leases_waited: n(&self.leases_waited),
            leases_stolen: n(&self.leases_stolen),
            leases_lost: n(&self.leases_lost),
            errors: n(&self.errors),
            timeouts: n(&self.timeouts),
            skipped: n(&self.skipped),
        }
    }
}

impl L2Stats {
    /// Encodes these stats as the `gencache_l2_*` families of `GET /metrics`: the `gencache_l2_up`
    /// gauge and one counter per figure (exposed as `gencache_l2_{name}_total`).
    pub(crate) fn encode_metrics(&self, encoder: &mut DescriptorEncoder) -> std::fmt::Result {
        const_gauge(
            encoder,
            "gencache_l2_up",
            "1 when the shared Redis tier answers, 0 when serving from L1 and the generator only.",
            u64::from(self.up),
        )?;
        for (name, help, value) in [
            ("hits", "L1 misses answered from Redis.", self.hits),
            (
                "misses",
                "Redis lookups without a usable value.",
                self.misses,
            ),
            (
                "corrupt",
                "Truncated, foreign or corrupt values found in Redis (never served).",
                self.corrupt,
            ),
            ("writes", "Generated values written to Redis.", self.writes),
            (
                "leases_taken",
                "Generation leases taken.",
                self.leases_taken,
            ),
            (
                "leases_waited",
                "Waits for another process's generation lease.",
                self.leases_waited,
            ),
            (
                "leases_stolen",
                "Leases taken after waiting on an expired or abandoned one.",
                self.leases_stolen,
            ),
            (
                "leases_lost",
                "Leases gone at renewal or release.",
                self.leases_lost,
            ),
            ("errors", "Redis calls that failed.", self.errors),
            (
                "timeouts",
                "Redis calls past the per-call timeout.",
                self.timeouts,
            ),
            (
                "skipped",
                "Redis calls not made while the tier was down.",
                self.skipped,
            ),
        ] {
            const_counter(encoder, &format!("gencache_l2_{name}"), help, value)?;
        }
        Ok(())
    }
}
