//! Which entries a full cache evicts: the [`Policy`] a cache is built with.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The eviction policy of a cache ([`crate::CacheBuilder::policy`]). Every policy keeps every
/// promise of the crate (one global byte and entry budget, refusal of oversize entries, TTL,
/// statistics, `reconfigure`, listing, single-flight); they differ in which entry goes when a
/// bound is exceeded, in the listing order, and in whether a hit needs the exclusive lock. See
/// the [crate documentation](crate#policies) for each.
///
/// ```
/// use gencache::{Cache, Policy};
///
/// let cache: Cache<u32, u32> = Cache::builder().max_entries(100).policy(Policy::S3Fifo).build();
/// cache.insert(1, 1);
/// assert_eq!(cache.get(&1), Some(1));
/// assert_eq!("s3fifo".parse::<Policy>(), Ok(Policy::S3Fifo));
/// assert_eq!(Policy::default(), Policy::Lru);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Exact least-recently-used (the default).
    #[default]
    Lru,
    /// S3-FIFO (small FIFO of 10 %, main FIFO with a 2-bit clock, ghost FIFO of 90 %), as in
    /// libCacheSim; hits set a counter and move nothing. Admission is libCacheSim's too: a new
    /// entry must be smaller than the small queue (less than a tenth of `max_bytes`, and
    /// `max_entries` at least 20), else it is refused (see the [crate documentation](crate#policies)).
    #[serde(rename = "s3fifo", alias = "s3-fifo")]
    S3Fifo,
    /// SIEVE (one FIFO with a visited bit and a moving hand), as in libCacheSim; hits set a bit.
    Sieve,
    /// GreedyDual-Size-Frequency: evicts the lowest `clock + frequency × cost / size`, where
    /// `clock` is the priority of the last evicted entry; cost is what the value took to produce.
    CostAware,
}

impl Policy {
    /// Every policy, in a fixed order (for tests, benches and help texts).
    pub const ALL: [Policy; 4] = [
        Policy::Lru,
        Policy::S3Fifo,
        Policy::Sieve,
        Policy::CostAware,
    ];

    /// The policy's name as `FromStr` and serde spell it.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lru => "lru",
            Policy::S3Fifo => "s3fifo",
            Policy::Sieve => "sieve",
            Policy::CostAware => "cost-aware",
        }
    }

    /// Whether a hit only sets per-entry bits (so the thread-safe cache serves it under a shared
    /// lock): S3-FIFO and SIEVE.
    pub fn lazy_promotion(self) -> bool {
        matches!(self, Policy::S3Fifo | Policy::Sieve)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy name that is none of `lru`, `s3fifo`, `sieve`, `cost-aware`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache policy {0:?} (expected one of: lru, s3fifo, sieve, cost-aware)")]
pub struct UnknownPolicy(pub String);

impl FromStr for Policy {
    type Err = UnknownPolicy;

    /// Case-insensitive; accepts `s3-fifo`, `costaware` and `gdsf` as aliases.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lru" => Ok(Policy::Lru),
            "s3fifo" | "s3-fifo" => Ok(Policy::S3Fifo),
            "sieve" => Ok(Policy::Sieve),
            "cost-aware" | "costaware" | "gdsf" => Ok(Policy::CostAware),
            _ => Err(UnknownPolicy(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_and_serde() {
        for p in Policy::ALL {
            assert_eq!(p.name().parse::<Policy>(), Ok(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
        }
        assert_eq!("GDSF".parse::<Policy>(), Ok(Policy::CostAware));
        let err = "arc".parse::<Policy>().unwrap_err();
        assert!(err.to_string().contains("\"arc\""));
    }
}
