//! Every cache policy the harness can replay, by name: the registry behind `--policy NAME`.
//!
//! | name | what | implementation |
//! |---|---|---|
//! | `lru` | exact LRU (default) | gencache's own core ([`crate::engine::GencacheSim`]) |
//! | `s3fifo`, `sieve`, `gdsf` (alias `cost-aware`) | gencache's other policies | gencache's core (`Policy::S3Fifo`, `Sieve`, `CostAware`) |
//! | `fifo`, `clock`, `lfu`, `arc` | reference policies | this folder, libCacheSim's semantics |
//! | `belady` | offline optimum for unit sizes | this folder; needs a first pass over the trace |
//! | `belady-size` | libCacheSim's size-aware heuristic bound (not an optimum) | this folder |
//! | `infinite` | never evicts: the upper bound | this folder |
//! | `moka`, `quick_cache`, `lru-crate` | the peer crates | [`peers`] |
//!
//! Each reference policy is a small single-threaded implementation of [`reference::Evictor`],
//! replayed through the engine by [`reference::Reference`] (TTL on lookup, stats).

mod arc;
mod belady;
mod belady_size;
mod clock;
mod fifo;
mod infinite;
mod lfu;
mod list;
pub mod peers;
pub mod reference;

pub use belady::{NEVER, NextUses};
pub use reference::Budget;

use crate::engine::{CacheLimits, GencacheSim, SimCache};
use reference::Reference;
use std::fmt;

/// A policy the harness can replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyName {
    /// gencache's exact LRU (the default).
    Lru,
    /// gencache's S3-FIFO.
    S3Fifo,
    /// gencache's SIEVE.
    Sieve,

    /// First in, first out.
    Fifo,
    /// CLOCK, one reference bit.
    Clock,
    /// Least frequently used, FIFO among equals.
    Lfu,
    /// Adaptive Replacement Cache.
    Arc,
    /// GreedyDual-Size-Frequency with the generation cost: gencache's `Policy::CostAware`.
    Gdsf,
    /// Belady's MIN: the offline optimum for unit sizes.
    Belady,
    /// libCacheSim's size-aware Belady heuristic.
    BeladySize,
    /// Never evicts.
    Infinite,
    /// The moka crate (sync).
    Moka,
    /// The quick_cache crate (unsync).
    QuickCache,
    /// The lru crate.
    LruCrate,
}

impl PolicyName {
    /// Every policy, in listing order.
    pub const ALL: [PolicyName; 14] = [
        PolicyName::Lru,
        PolicyName::S3Fifo,
        PolicyName::Sieve,
        PolicyName::Fifo,
        PolicyName::Clock,
        PolicyName::Lfu,
        PolicyName::Arc,
        PolicyName::Gdsf,
        PolicyName::Belady,
        PolicyName::BeladySize,
        PolicyName::Infinite,
        PolicyName::Moka,
        PolicyName::QuickCache,
        PolicyName::LruCrate,
    ];

    /// The name `--policy` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::Lru => "lru",
            PolicyName::S3Fifo => "s3fifo",
            PolicyName::Sieve => "sieve",
            PolicyName::Fifo => "fifo",
            PolicyName::Clock => "clock",
            PolicyName::Lfu => "lfu",
            PolicyName::Arc => "arc",
            PolicyName::Gdsf => "gdsf",
            PolicyName::Belady => "belady",
            PolicyName::BeladySize => "belady-size",
            PolicyName::Infinite => "infinite",
            PolicyName::Moka => "moka",
            PolicyName::QuickCache => "quick_cache",
            PolicyName::LruCrate => "lru-crate",
        }
    }

    /// One line on what it is (for listings and reports).
    pub fn description(self) -> &'static str {
        match self {
            PolicyName::Lru => "gencache's exact LRU (default)",
            PolicyName::S3Fifo => "gencache's S3-FIFO (libCacheSim semantics)",
            PolicyName::Sieve => "gencache's SIEVE (libCacheSim semantics)",
            PolicyName::Fifo => "FIFO (libCacheSim semantics)",
            PolicyName::Clock => "CLOCK, one reference bit (libCacheSim semantics)",
            PolicyName::Lfu => "LFU, FIFO among equal counts (libCacheSim semantics)",
            PolicyName::Arc => "ARC (libCacheSim semantics)",
            PolicyName::Gdsf => {
                "GreedyDual-Size-Frequency weighted by generation cost (gencache's cost-aware)"
            }
            PolicyName::Belady => "Belady MIN: offline optimum for unit sizes (bound)",
            PolicyName::BeladySize => {
                "Belady-Size: libCacheSim's size-aware heuristic bound (not an optimum)"
            }
            PolicyName::Infinite => "infinite cache: never evicts (upper bound)",
            PolicyName::Moka => "moka 0.12 sync::Cache (W-TinyLFU), size weigher",
            PolicyName::QuickCache => "quick_cache 0.6 unsync::Cache, size weigher",
            PolicyName::LruCrate => "lru 0.12 LruCache (entries only, no weigher)",
        }
    }

    /// Whether this is a bound (knows the future, or has no budget), not a cache one could run.
    pub fn is_bound(self) -> bool {
        matches!(
            self,
            PolicyName::Belady | PolicyName::BeladySize | PolicyName::Infinite
        )
    }

    /// Whether it needs each request's next use (a first pass over the trace).
    pub fn needs_future(self) -> bool {
        matches!(self, PolicyName::Belady | PolicyName::BeladySize)
    }

    /// The valid names, comma-separated.
    pub fn valid_names() -> String {
        Self::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parses one name.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Unknown`], listing the valid names.
    pub fn parse(s: &str) -> Result<Self, PolicyError> {
        let t = s.trim().to_ascii_lowercase();
        let t = match t.as_str() {
            "quick-cache" | "quickcache" => "quick_cache".to_string(),
            "belady_size" => "belady-size".to_string(),
            "s3-fifo" => "s3fifo".to_string(),
            "cost-aware" | "cost_aware" | "costaware" => "gdsf".to_string(),
            "lru_crate" => "lru-crate".to_string(),
            _ => t,
        };
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == t)
            .ok_or_else(|| PolicyError::Unknown(s.to_string()))
    }

    /// Parses `--policies`: a comma-separated list, or `all`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Unknown`] for the first name that is not a policy, or an empty list.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, PolicyError> {
        if s.trim().eq_ignore_ascii_case("all") {
            return Ok(Self::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let p = Self::parse(part)?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        if out.is_empty() {
            return Err(PolicyError::Unknown(s.to_string()));
        }
        Ok(out)
    }
}

impl std::str::FromStr for PolicyName {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a policy cannot be replayed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not a policy name.
    #[error("unknown policy `{0}`; valid policies: {valid}", valid = PolicyName::valid_names())]
    Unknown(String),
    /// A bound that knows the future cannot model expiry.
    #[error(
        "policy {0} cannot run with a TTL: the bound evicts by each request's next use, and an expiry would take entries away the bound counts on (drop --ttl, e.g. --ttl never)"
    )]
    TtlOnBound(PolicyName),
    /// The source cannot be read twice.
    #[error(
        "policy {policy} needs the whole trace twice (a first pass for every request's next use, then the replay), but `{path}` is not a regular file (a pipe or device can be read only once): write it to a file first"
    )]
    NeedsRereadableInput {
        /// The policy.
        policy: PolicyName,
        /// The input.
        path: String,
    },
    /// A peer crate without a weigher and a byte budget.
    #[error(
        "policy {0} cannot honour a byte budget (the crate has no weigher; it bounds entries only): use --max-entries N --max-bytes none"
    )]
    NoByteBudget(PolicyName),
    /// A peer crate cannot model TTL in virtual time.
    #[error(
        "policy {0} cannot model a TTL in virtual time (the crate expires by its own clock): drop --ttl, e.g. --ttl never"
    )]
    NoTtl(PolicyName),
    /// Only gencache's LRU bounds entries and bytes at once.
    #[error(
        "policy {0} takes one bound, entries or bytes, not both: give --max-entries N --max-bytes none or --max-bytes B --max-entries none"
    )]
    TwoBounds(PolicyName),
}

/// What a policy may need besides its bounds.
#[derive(Debug, Clone, Default)]
pub struct PolicyContext {
    /// Each request's next use, for the bounds that need it.
    pub next_uses: Option<NextUses>,
    /// Distinct keys of the trace, when known (sizes a peer's table).
    pub distinct_keys: Option<u64>,
}

/// The budget of a policy that takes one bound.
///
/// # Errors
///
/// [`PolicyError::TwoBounds`] when both an entry and a byte bound are set.
pub fn single_budget(policy: PolicyName, limits: &CacheLimits) -> Result<Budget, PolicyError> {
    match (limits.max_entries, limits.max_bytes) {
        (Some(_), Some(_)) => Err(PolicyError::TwoBounds(policy)),
        (Some(n), None) => Ok(Budget::entries(n)),
        (None, Some(b)) => Ok(Budget::bytes(b)),
        (None, None) => Ok(Budget::entries(u64::MAX)),
    }
}

/// Checks that `policy` can replay with `limits` (before any pass runs, so a refusal leaves no
/// partial output).
///
/// # Errors
///
/// The [`PolicyError`] that names what the policy cannot do.
pub fn check(policy: PolicyName, limits: &CacheLimits) -> Result<(), PolicyError> {
    match policy {
        PolicyName::Lru | PolicyName::S3Fifo | PolicyName::Sieve | PolicyName::Gdsf => Ok(()),
        PolicyName::Infinite => Ok(()),
        PolicyName::Belady | PolicyName::BeladySize => {
            if limits.ttl.is_some() {
                return Err(PolicyError::TtlOnBound(policy));
            }
            single_budget(policy, limits).map(|_| ())
        }
        PolicyName::Moka | PolicyName::QuickCache | PolicyName::LruCrate => {
            if limits.ttl.is_some() {
                return Err(PolicyError::NoTtl(policy));
            }
            let budget = single_budget(policy, limits)?;
            if policy == PolicyName::LruCrate && budget.by_bytes {
                return Err(PolicyError::NoByteBudget(policy));
            }
            Ok(())
        }
        _ => single_budget(policy, limits).map(|_| ()),
    }
}

fn ttl_ns(limits: &CacheLimits) -> Option<u64> {
    limits
        .ttl
        .map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX))
}

/// Builds `policy` with these bounds.
///
/// # Errors
///
/// What [`check`] refuses; a bound that needs the future without `context.next_uses` is
/// refused as [`PolicyError::NeedsRereadableInput`].
pub fn build(
    policy: PolicyName,
    limits: &CacheLimits,
    context: &PolicyContext,
) -> Result<Box<dyn SimCache>, PolicyError> {
    check(policy, limits)?;
    let gencache = |p| -> Box<dyn SimCache> { Box::new(GencacheSim::with_policy(limits, p)) };
    let ttl = ttl_ns(limits);
    let budget = single_budget(policy, limits).unwrap_or(Budget::entries(u64::MAX));
    let future = || {
        context
            .next_uses
            .clone()
            .ok_or_else(|| PolicyError::NeedsRereadableInput {
                policy,
                path: "(no first pass was made)".to_string(),
            })
    };
    Ok(match policy {
        PolicyName::Lru => gencache(gencache::Policy::Lru),
        PolicyName::S3Fifo => gencache(gencache::Policy::S3Fifo),
        PolicyName::Sieve => gencache(gencache::Policy::Sieve),
        PolicyName::Gdsf => gencache(gencache::Policy::CostAware),
        PolicyName::Fifo => Box::new(Reference::new(fifo::Fifo::new(budget), budget, ttl)),
        PolicyName::Clock => Box::new(Reference::new(clock::Clock::new(budget), budget, ttl)),
        PolicyName::Lfu => Box::new(Reference::new(lfu::Lfu::new(budget), budget, ttl)),
        PolicyName::Arc => Box::new(Reference::new(arc::Arc::new(budget), budget, ttl)),
        PolicyName::Belady => Box::new(Reference::new(
            belady::Belady::new(budget, future()?),
            budget,
            None,
        )),
        PolicyName::BeladySize => Box::new(Reference::new(
            belady_size::BeladySize::new(budget, future()?),
            budget,
            None,
        )),
        PolicyName::Infinite => Box::new(Reference::new(
            infinite::Infinite::default(),
            Budget::entries(u64::MAX),
            ttl,
        )),
        PolicyName::Moka => Box::new(peers::MokaSim::new(budget)),
        PolicyName::QuickCache => {
            let estimate = context.distinct_keys.unwrap_or(1024).min(1 << 24);
            Box::new(peers::QuickCacheSim::new(
                budget,
                usize::try_from(estimate).unwrap_or(1024),
            ))
        }
        PolicyName::LruCrate => Box::new(peers::LruCrateSim::new(budget.capacity)),
    })
}

#[cfg(test)]
mod tests;

/// A policy whose heap is measured: every operation runs inside a reading of this thread's
/// allocation counter (the counting allocator), so `occupancy().heap_bytes` is the heap the
/// policy's structure holds (keys, links, sizes as numbers; no payloads are allocated).
pub struct HeapMeasured {
    inner: Box<dyn SimCache>,
    heap: i64,
}

impl HeapMeasured {
    /// Builds the policy with `build`, measuring what its construction kept.
    ///
    /// # Errors
    ///
    /// What `build` returns.
    pub fn new<E>(build: impl FnOnce() -> Result<Box<dyn SimCache>, E>) -> Result<Self, E> {
        let (inner, heap) = crate::alloc::measure(build);
        Ok(Self {
            inner: inner?,
            heap,
        })
    }
}

impl SimCache for HeapMeasured {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }
    #[inline]
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        let (hit, kept) = crate::alloc::measure(|| self.inner.lookup(key, now_ns));
        self.heap += kept;
        hit
    }
    #[inline]
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), crate::engine::AllocationFailed> {
        let (r, kept) = crate::alloc::measure(|| self.inner.insert(key, size, cost_ns, now_ns));
        self.heap += kept;
        r
    }
    fn occupancy(&self) -> crate::engine::Occupancy {
        crate::engine::Occupancy {
            heap_bytes: Some(u64::try_from(self.heap).unwrap_or(0)),
            ..self.inner.occupancy()
        }
    }
    fn stats(&self) -> gencache::CacheStats {
        self.inner.stats()
    }
}
