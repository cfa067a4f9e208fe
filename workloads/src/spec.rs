//! The workload definition: what a TOML workload file (or a built-in preset) says. Its
//! validation, which checks every field so that generation and replay never see nonsense, is in
//! `spec/validate.rs`.

use crate::units::Num;
use serde::{Deserialize, Serialize};

pub use crate::units::{DEFAULT_COST_S, DEFAULT_HIT_COST_S, DEFAULT_TTL_S};
/// Largest exponent calibration searches unless the workload sets `keys.max_exponent`. Measured
/// web and LLM-prompt popularity is usually fitted with exponents of about 0.6–1.2; at s = 2 the
/// top key alone takes 61 % of the requests. A target that needs more is not a realistic
/// workload, so it is reported unreachable rather than met with a handful of keys.
pub const DEFAULT_MAX_EXPONENT: f64 = 2.0;
/// Upper bound of `arrival.burst_size`; a burst is buffered to sort its arrival times.
pub const MAX_BURST_SIZE: u32 = 1_000_000;
/// Upper bound of a trace's expected span in seconds (~31.7 million years): arrival parameters
/// whose span exceeds it (e.g. `rate_per_s = 1e-310`) would overflow arrival times to infinity.
pub const MAX_TRACE_SPAN_S: f64 = 1.0e15;

/// A workload: how many requests, which keys, how big and how slow their results are, how they
/// arrive, and the cache configuration the workload is calibrated for.
///
/// Read from TOML (unknown fields are rejected):
///
/// ```
/// use workloads::Workload;
/// let w = Workload::from_toml_str(r#"
///     name = "mine"
///     description = "a small example"
///     requests = 1000
///     seed = 7
///     [keys]
///     kind = "zipf"
///     universe = 500
///     exponent = 0.9
///     [size]
///     kind = "fixed"
///     bytes = 4096
///     [arrival]
///     kind = "closed"
///     clients = 1
///     [cache]
///     max_entries = 100
/// "#, "inline").unwrap();
/// assert_eq!(w.trace().unwrap().count(), 1000);
/// assert_eq!(w.zipf_exponent(), Some(0.9));
/// assert_eq!(w.cache.ttl_s, Some(86_400.0)); // default TTL: 24 h
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Short name (preset name or file stem).
    pub name: String,
    /// One line saying what the workload shows.
    #[serde(default)]
    pub description: String,
    /// Number of requests in the trace (1 ..= [`MAX_REQUESTS`](crate::units::MAX_REQUESTS)).
    pub requests: u64,
    /// Seed of every random choice: same seed, same trace.
    pub seed: u64,
    /// Time to answer a hit in seconds (default 0.05 s); used by closed-loop calibration.
    #[serde(default = "default_hit_cost_s")]
    pub hit_cost_s: f64,
    /// Which keys are requested, and how often.
    pub keys: KeyPopularity,
    /// Output size of each key's result.
    pub size: SizeDist,
    /// Generation time of each key's result (default: fixed 124.6 s).
    #[serde(default)]
    pub cost: CostDist,
    /// How requests arrive (default: closed loop, 1 client).
    #[serde(default)]
    pub arrival: Arrival,
    /// The cache configuration the workload is calibrated for.
    #[serde(default)]
    pub cache: CacheSpec,
}

fn default_hit_cost_s() -> f64 {
    DEFAULT_HIT_COST_S
}

/// Key popularity: which key each request asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyPopularity {
    /// Zipf over `universe` keys: rank r (1-based) has probability ∝ 1/r^exponent.
    ///
    /// Give either `exponent`, or `target_hit_rate` (then `calibrated_exponent` stores the result
    /// of `harness calibrate`; a target without it is an error, never a silent calibration).
    Zipf {
        /// Number of distinct keys that can be requested.
        universe: u64,
        /// An explicit exponent (≥ 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exponent: Option<f64>,
        /// The hit rate the cache of `[cache]` must achieve, in (0, 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_hit_rate: Option<f64>,
        /// The exponent calibration found for `target_hit_rate` (stored in presets).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calibrated_exponent: Option<f64>,
        /// Largest exponent calibration may use (default
        /// [`DEFAULT_MAX_EXPONENT`] = 2): beyond it a handful of keys take
        /// nearly all requests, and a target that needs more is reported unreachable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_exponent: Option<f64>,
    },
    /// Every request asks for the same key (the 100 % case, minus one cold miss).
    Single,
    /// Every request asks for a different key (the cache never helps).
    Unique,
    /// Exactly `distinct` distinct keys; each first occurrence is placed uniformly at random among
    /// the key draws — the requests, or the bursts with `bursts` arrivals (the first draw is
    /// always new) — and every other draw repeats a uniformly chosen key already seen.
    Duplicates {
        /// Number of distinct keys (1 ≤ distinct ≤ requests; with `bursts` arrivals, at most the
        /// number of bursts, `requests.div_ceil(burst_size)`, as a burst shares one key).
        distinct: u64,
    },
}

/// Output size distribution, in bytes. Sizes are a function of (seed, key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SizeDist {
    /// Every result has `bytes` bytes.
    Fixed {
        /// Size in bytes (≥ 1).
        bytes: u64,
    },
    /// Lognormal with the given mean (bytes) and sigma of the underlying normal; at least 1 byte.
    LogNormal {
        /// Mean size in bytes (> 0).
        mean_bytes: f64,
        /// Sigma of ln(size) (0 ..= [`MAX_LOGNORMAL_SIGMA`](crate::units::MAX_LOGNORMAL_SIGMA), and small enough that the median,
        /// `mean_bytes` × e^(−sigma²/2), is at least 1 byte).
        sigma: f64,
    },
}

/// Generation cost distribution, in seconds. Costs are a function of (seed, key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CostDist {
    /// Every generation takes `seconds` (default 124.6 s).
    Fixed {
        /// Seconds (≥ 0).
        #[serde(default = "default_cost_s")]
        seconds: f64,
    },
    /// Lognormal with the given mean (seconds) and sigma of the underlying normal.
    LogNormal {
        /// Mean generation time in seconds (> 0).
        mean_s: f64,
        /// Sigma of ln(cost) (0 ..= [`MAX_LOGNORMAL_SIGMA`](crate::units::MAX_LOGNORMAL_SIGMA)).
        sigma: f64,
    },
    /// Most keys uniform in `min_s ..= max_s`, a fraction `tail_fraction` of keys taking
    /// `tail_s` (a few slow generations among quick ones; the `mixed-cost` preset).
    UniformWithTail {
        /// Shortest common generation, seconds (≥ 0).
        min_s: f64,
        /// Longest common generation, seconds (≥ `min_s`).
        max_s: f64,
        /// The tail's generation time, seconds.
        tail_s: f64,
        /// Fraction of keys in the tail (0 ..= 1).
        tail_fraction: f64,
    },
}

fn default_cost_s() -> f64 {
    DEFAULT_COST_S
}

impl Default for CostDist {
    fn default() -> Self {
        CostDist::Fixed {
            seconds: DEFAULT_COST_S,
        }
    }
}

/// How requests arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Arrival {
    /// Closed loop: `clients` clients, each sends its next request when the previous one is
    /// answered. Request times are `0.0`. The seed's sequential benchmark is `clients = 1`.
    Closed {
        /// Number of concurrent clients (≥ 1).
        clients: u32,
    },
    /// Open loop, Poisson arrivals at `rate_per_s` requests per second.
    Poisson {
        /// Mean arrival rate (> 0, and at least `requests` / [`MAX_TRACE_SPAN_S`]).
        rate_per_s: f64,
    },
    /// Open loop, bursts: `burst_size` requests for the *same* key arriving within `spread_s`
    /// seconds (uniformly, sorted); the next burst starts an exponentially distributed gap of mean
    /// `mean_gap_s` after the end of the previous burst window. Each burst's key is drawn from
    /// the key popularity.
    Bursts {
        /// Requests per burst (1 ..= 1,000,000).
        burst_size: u32,
        /// Width of a burst window in seconds (≥ 0; bursts × (`mean_gap_s` + `spread_s`) must stay
        /// within [`MAX_TRACE_SPAN_S`]).
        spread_s: f64,
        /// Mean quiet time between burst windows in seconds (> 0).
        mean_gap_s: f64,
    },
}

impl Default for Arrival {
    fn default() -> Self {
        Arrival::Closed { clients: 1 }
    }
}

/// The cache configuration a workload is calibrated for (and the harness replays with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Entry bound; `None` = unbounded.
    #[serde(default)]
    pub max_entries: Option<u64>,
    /// Byte budget (sum of result sizes); `None` = unbounded.
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// Default TTL in seconds; `None` = entries never expire.
    ///
    /// In TOML: absent = 24 h (gencache's default), a number of seconds, or `"never"`.
    #[serde(
        default = "default_ttl_s",
        deserialize_with = "ttl_field::deserialize",
        serialize_with = "ttl_field::serialize"
    )]
    pub ttl_s: Option<f64>,
}

fn default_ttl_s() -> Option<f64> {
    Some(DEFAULT_TTL_S)
}

impl Default for CacheSpec {
    fn default() -> Self {
        Self {
            max_entries: None,
            max_bytes: None,
            ttl_s: default_ttl_s(),
        }
    }
}

impl CacheSpec {
    /// The TTL as a `Duration` (`None` = never expires), ready for `CacheBuilder::default_ttl`.
    pub fn ttl(&self) -> Option<std::time::Duration> {
        // Validation guarantees a finite positive number, so the conversion cannot panic.
        self.ttl_s
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
    }

    /// A short human description, e.g. "max 1.0 GiB, TTL 24 h".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.max_entries {
            parts.push(format!("max {n} entries"));
        }
        if let Some(b) = self.max_bytes {
            parts.push(format!("max {}", human_bytes(b)));
        }
        if parts.is_empty() {
            parts.push("unbounded".to_string());
        }
        match self.ttl_s {
            Some(s) if s % 3600.0 == 0.0 => parts.push(format!("TTL {} h", s / 3600.0)),
            Some(s) => parts.push(format!("TTL {s} s")),
            None => parts.push("no TTL".to_string()),
        }
        parts.join(", ")
    }
}

/// Formats a byte count with binary units (e.g. "1.0 GiB").
pub(crate) fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = b as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{b} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `ttl_s`: a number of seconds, or text the TTL's parser reads (`"never"`, `"24h"`).
mod ttl_field {
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(f64),
        Word(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        match Raw::deserialize(d) {
            Ok(Raw::Seconds(s)) => Ok(Some(s)),
            Ok(Raw::Word(w)) => w
                .parse::<crate::units::Ttl>()
                .map(|ttl| ttl.secs())
                .map_err(serde::de::Error::custom),
            Err(_) => Err(serde::de::Error::custom(
                "expected a number of seconds or \"never\"",
            )),
        }
    }

    pub(super) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(secs) => s.serialize_f64(*secs),
            None => s.serialize_str("never"),
        }
    }
}

impl Workload {
    /// How many keys the trace draws: one per request, or one per burst (every request of a
    /// burst asks for the same key), i.e. `requests.div_ceil(burst_size)`.
    pub(crate) fn key_draws(&self) -> u64 {
        match self.arrival {
            // max(1): validation rejects burst_size 0 later; never divide by zero meanwhile.
            Arrival::Bursts { burst_size, .. } => {
                self.requests.div_ceil(u64::from(burst_size.max(1)))
            }
            Arrival::Closed { .. } | Arrival::Poisson { .. } => self.requests,
        }
    }

    /// The target hit rate, if the key popularity is calibrated to one.
    pub fn target_hit_rate(&self) -> Option<f64> {
        match self.keys {
            KeyPopularity::Zipf {
                target_hit_rate, ..
            } => target_hit_rate,
            _ => None,
        }
    }

    /// The Zipf exponent actually used: the explicit one, or the stored calibrated one.
    pub fn zipf_exponent(&self) -> Option<f64> {
        match self.keys {
            KeyPopularity::Zipf {
                exponent,
                calibrated_exponent,
                ..
            } => exponent.or(calibrated_exponent),
            _ => None,
        }
    }

    /// The arrival process in words, e.g. "closed loop, 1 client".
    pub fn arrival_description(&self) -> String {
        match self.arrival {
            Arrival::Closed { clients: 1 } => "closed loop, 1 client".to_string(),
            Arrival::Closed { clients } => format!("closed loop, {clients} clients"),
            Arrival::Poisson { rate_per_s } => {
                format!("open loop, Poisson at {} requests/s", Num(rate_per_s))
            }
            Arrival::Bursts {
                burst_size,
                spread_s,
                mean_gap_s,
            } => format!(
                "open loop, bursts of {burst_size} same-key requests within {} s, \
                 mean gap {} s",
                Num(spread_s),
                Num(mean_gap_s)
            ),
        }
    }

    /// The key popularity in words, e.g. "zipf(s=0.81) over 50000 keys".
    pub fn keys_description(&self) -> String {
        match &self.keys {
            KeyPopularity::Zipf {
                universe,
                target_hit_rate,
                ..
            } => {
                let exponent = self
                    .zipf_exponent()
                    .map_or_else(|| "uncalibrated".to_string(), |e| format!("s={e:.4}"));
                match target_hit_rate {
                    Some(t) => format!(
                        "zipf({exponent}) over {universe} keys, calibrated to {:.1} % hits",
                        t * 100.0
                    ),
                    None => format!("zipf({exponent}) over {universe} keys"),
                }
            }
            KeyPopularity::Single => "one key".to_string(),
            KeyPopularity::Unique => "every key distinct".to_string(),
            KeyPopularity::Duplicates { distinct } => format!(
                "exactly {distinct} distinct keys, {} repeats",
                self.requests - distinct
            ),
        }
    }
}

mod validate;
