//! The workload definition: what a TOML workload file (or a built-in preset) says, and its
//! validation. Every field is checked here so that generation and replay never see nonsense.

use crate::error::WorkloadError;
use crate::units::{ByteBudget, Cost, EntryBound, HitCost, Size, Ttl, UnitError};
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
    /// Number of requests in the trace (at least 1).
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
        /// Sigma of ln(size) (≥ 0).
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
        /// Sigma of ln(cost) (≥ 0).
        sigma: f64,
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
    /// Checks every field's range and the consistency between fields. `origin` names the file or
    /// preset in errors.
    pub fn validate(&self, origin: &str) -> Result<(), WorkloadError> {
        let bad = |field: &str, message: String| WorkloadError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            message,
        };
        if self.requests == 0 {
            return Err(bad("requests", "must be at least 1, found 0".into()));
        }
        let unit = |field: &'static str| move |e: UnitError| bad(field, e.0);
        HitCost::from_secs(self.hit_cost_s).map_err(unit("hit_cost_s"))?;
        self.validate_keys(&bad)?;
        match self.size {
            SizeDist::Fixed { bytes } => {
                Size::from_bytes(bytes).map_err(unit("size.bytes"))?;
            }
            SizeDist::LogNormal { mean_bytes, sigma } => {
                // A distribution's mean, not one result's size: any positive mean.
                positive(mean_bytes, "size.mean_bytes", &bad)?;
                non_negative(sigma, "size.sigma", &bad)?;
            }
        }
        match self.cost {
            CostDist::Fixed { seconds } => {
                Cost::from_secs(seconds).map_err(unit("cost.seconds"))?;
            }
            CostDist::LogNormal { mean_s, sigma } => {
                Cost::from_secs(mean_s).map_err(unit("cost.mean_s"))?;
                // A log-normal needs a positive mean.
                positive(mean_s, "cost.mean_s", &bad)?;
                non_negative(sigma, "cost.sigma", &bad)?;
            }
        }
        match self.arrival {
            Arrival::Closed { clients: 0 } => {
                return Err(bad("arrival.clients", "must be at least 1, found 0".into()));
            }
            Arrival::Closed { .. } => {}
            Arrival::Poisson { rate_per_s } => {
                positive(rate_per_s, "arrival.rate_per_s", &bad)?;
                let span = self.requests as f64 / rate_per_s;
                if !(span.is_finite() && span <= MAX_TRACE_SPAN_S) {
                    return Err(bad(
                        "arrival.rate_per_s",
                        format!(
                            "too small: `requests` / `rate_per_s` = {} / {rate_per_s:e} = {span:e} s \
                             of trace exceeds the bound of {MAX_TRACE_SPAN_S:e} s; use a rate of \
                             at least {:e} per second",
                            self.requests,
                            self.requests as f64 / MAX_TRACE_SPAN_S
                        ),
                    ));
                }
            }
            Arrival::Bursts {
                burst_size,
                spread_s,
                mean_gap_s,
            } => {
                if burst_size == 0 || burst_size > MAX_BURST_SIZE {
                    return Err(bad(
                        "arrival.burst_size",
                        format!("must be in 1..={MAX_BURST_SIZE}, found {burst_size}"),
                    ));
                }
                non_negative(spread_s, "arrival.spread_s", &bad)?;
                positive(mean_gap_s, "arrival.mean_gap_s", &bad)?;
                // Each burst takes a gap then a window: the trace spans about this long.
                let bursts = self.key_draws();
                let span = bursts as f64 * (mean_gap_s + spread_s);
                if !(span.is_finite() && span <= MAX_TRACE_SPAN_S) {
                    let field = if spread_s > mean_gap_s {
                        "arrival.spread_s"
                    } else {
                        "arrival.mean_gap_s"
                    };
                    return Err(bad(
                        field,
                        format!(
                            "too large: {bursts} bursts × (`mean_gap_s` + `spread_s`) = \
                             {bursts} × ({mean_gap_s:e} + {spread_s:e}) = {span:e} s of trace exceeds \
                             the bound of {MAX_TRACE_SPAN_S:e} s"
                        ),
                    ));
                }
            }
        }
        EntryBound::from_optional(self.cache.max_entries).map_err(unit("cache.max_entries"))?;
        ByteBudget::from_optional(self.cache.max_bytes).map_err(unit("cache.max_bytes"))?;
        Ttl::from_optional_secs(self.cache.ttl_s).map_err(unit("cache.ttl_s"))?;
        Ok(())
    }

    fn validate_keys(
        &self,
        bad: &impl Fn(&str, String) -> WorkloadError,
    ) -> Result<(), WorkloadError> {
        match self.keys {
            KeyPopularity::Zipf {
                universe,
                exponent,
                target_hit_rate,
                calibrated_exponent,
                max_exponent,
            } => {
                if universe == 0 {
                    return Err(bad("keys.universe", "must be at least 1, found 0".into()));
                }
                match (exponent, target_hit_rate) {
                    (Some(_), Some(_)) => {
                        return Err(bad(
                            "keys.exponent",
                            "give either `exponent` or `target_hit_rate`, not both".into(),
                        ));
                    }
                    (None, None) => {
                        return Err(bad(
                            "keys",
                            "a zipf popularity needs `exponent` or `target_hit_rate`".into(),
                        ));
                    }
                    (Some(e), None) => {
                        non_negative(e, "keys.exponent", bad)?;
                        if calibrated_exponent.is_some() || max_exponent.is_some() {
                            return Err(bad(
                                "keys.calibrated_exponent",
                                "`calibrated_exponent` and `max_exponent` are only meaningful \
                                 with `target_hit_rate`"
                                    .into(),
                            ));
                        }
                    }
                    (None, Some(t)) => {
                        if !(t.is_finite() && t > 0.0 && t < 1.0) {
                            return Err(bad(
                                "keys.target_hit_rate",
                                format!("must be a fraction strictly between 0 and 1, found {t}"),
                            ));
                        }
                        if let Some(e) = calibrated_exponent {
                            non_negative(e, "keys.calibrated_exponent", bad)?;
                        }
                        if let Some(m) = max_exponent {
                            if !(m.is_finite() && m > 0.0 && m <= 20.0) {
                                return Err(bad(
                                    "keys.max_exponent",
                                    format!("must be in (0, 20], found {m}"),
                                ));
                            }
                        }
                    }
                }
            }
            KeyPopularity::Duplicates { distinct } => {
                let draws = self.key_draws();
                if distinct == 0 || distinct > draws {
                    let what = match self.arrival {
                        Arrival::Bursts { burst_size, .. } => format!(
                            "the number of bursts: `requests` = {} in bursts of \
                             `arrival.burst_size` = {burst_size}, one key per burst",
                            self.requests
                        ),
                        _ => "the number of requests".to_string(),
                    };
                    return Err(bad(
                        "keys.distinct",
                        format!("must be in 1..={draws} ({what}), found {distinct}"),
                    ));
                }
            }
            KeyPopularity::Single | KeyPopularity::Unique => {}
        }
        Ok(())
    }

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
                format!("open loop, Poisson at {rate_per_s} requests/s")
            }
            Arrival::Bursts {
                burst_size,
                spread_s,
                mean_gap_s,
            } => format!(
                "open loop, bursts of {burst_size} same-key requests within {spread_s} s, \
                 mean gap {mean_gap_s} s"
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

fn positive(
    v: f64,
    field: &str,
    bad: &impl Fn(&str, String) -> WorkloadError,
) -> Result<(), WorkloadError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("must be a finite number > 0, found {v}"),
        ))
    }
}

fn non_negative(
    v: f64,
    field: &str,
    bad: &impl Fn(&str, String) -> WorkloadError,
) -> Result<(), WorkloadError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("must be a finite number ≥ 0, found {v}"),
        ))
    }
}
