//! `harness serve` configuration: command-line flags and environment variables, validated into a
//! [`ServeConfig`] before anything binds.

use super::connections::{ConnectionLimits, FD_RESERVE, default_max_connections, fd_soft_limit};
use gencache::CacheConfig;
use std::net::SocketAddr;
use std::time::Duration;

/// Default cache byte budget (1 GiB, like the workloads'): a finite memory bound out of the box;
/// `--max-bytes none` asks for unlimited explicitly.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// Shortest default or per-request TTL accepted: 1 ms of virtual time. Anything shorter would
/// round to nothing (or to a few nanoseconds) and silently turn caching off.
pub const MIN_TTL_S: f64 = 0.001;
/// Smallest `--time-scale`: below it, virtual durations shrink to nanoseconds of wall time.
pub const MIN_TIME_SCALE: f64 = 1e-6;
/// Largest `max_entries` accepted from a flag or `POST /api/cache/config`.
pub const MAX_ENTRIES_LIMIT: u64 = 100_000_000;
/// Largest `max_bytes` accepted (1 TiB): anything above is a typo, not a budget.
pub const MAX_BYTES_LIMIT: u64 = 1 << 40;
/// Longest default or per-request TTL accepted: one virtual year.
pub const MAX_TTL_S: f64 = 365.0 * 24.0 * 3600.0;
/// Largest `limit` of `GET /api/cache/entries`.
pub const MAX_ENTRIES_PAGE: usize = 1000;
/// Page size of `GET /api/cache/entries` when `limit` is not given.
pub const DEFAULT_ENTRIES_PAGE: usize = 100;

/// Flags of `harness serve`. Every flag can also come from the environment variable named beside it.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address requires an admin token.
    #[arg(long, env = "GENCACHE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Cache byte budget in payload bytes (default 1 GiB), or `none` for unlimited.
    #[arg(long, env = "GENCACHE_MAX_BYTES", default_value = "1GiB",
          value_parser = parse_byte_budget)]
    pub max_bytes: ByteBudget,
    /// Cache entry bound; unlimited when not given.
    #[arg(long, env = "GENCACHE_MAX_ENTRIES")]
    pub max_entries: Option<u64>,
    /// Default time-to-live in virtual time (`1ms` to `365days`, e.g. `24h`, `90s`), or `none` for
    /// never.
    #[arg(long, env = "GENCACHE_TTL", default_value = "24h")]
    pub ttl: String,
    /// Whether the cache is used; `false` sends every request to the generator (the seed's fallback).
    #[arg(long = "cache-enabled", env = "GENCACHE_ENABLED", default_value_t = true,
          action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub enabled: bool,
    /// Bearer token required by `POST /api/cache/config` and `POST /api/cache/clear`.
    #[arg(long, env = "GENCACHE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Real seconds per virtual second (1e-6 to 1000): generation cost, hit cost and TTL all run
    /// at this scale.
    #[arg(long, env = "GENCACHE_TIME_SCALE", default_value_t = 0.001)]
    pub time_scale: f64,
    /// Generator workers (K): generations beyond K queue for a free worker.
    #[arg(long, env = "GENCACHE_WORKERS", default_value_t = 1)]
    pub workers: u32,
    /// Virtual seconds to answer a hit (the seed's measured cached-answer time).
    #[arg(long, env = "GENCACHE_HIT_COST", default_value_t = 0.05)]
    pub hit_cost: f64,
    /// Generation cost (virtual seconds) of a request that gives none (the seed's 124.6 s).
    #[arg(long, env = "GENCACHE_DEFAULT_COST", default_value_t = 124.6)]
    pub default_cost: f64,
    /// Result size in bytes of a request that gives none.
    #[arg(long, env = "GENCACHE_DEFAULT_SIZE", default_value_t = 256 * 1024)]
    pub default_size: u64,
    /// Largest result size a request may ask for, in bytes.
    #[arg(long, env = "GENCACHE_MAX_SIZE", default_value_t = 64 * 1024 * 1024)]
    pub max_size: u64,
    /// Largest generation cost a request may ask for, in virtual seconds.
    #[arg(long, env = "GENCACHE_MAX_COST", default_value_t = 3600.0)]
    pub max_cost: f64,
    /// Request body size limit in bytes.
    #[arg(long, env = "GENCACHE_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,
    /// After Ctrl-C / SIGTERM, how long in-flight requests may take to finish (wall time, e.g.
    /// `30s`) before they are dropped; a second signal exits at once.
    #[arg(long, env = "GENCACHE_SHUTDOWN_GRACE", default_value = "30s")]
    pub shutdown_grace: String,
    /// Connections open at once; one more is answered 503 and closed. Default: 4096, or 32
    /// below the open-files limit (`ulimit -n`) when that is lower; must stay below it.
    #[arg(long, env = "GENCACHE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Longest time a client may take to send a request head, from its first byte (wall time).
    #[arg(long, env = "GENCACHE_HEADER_READ_TIMEOUT", default_value = "10s")]
    pub header_read_timeout: String,
    /// Longest time a keep-alive connection may wait for its next request (wall time).
    #[arg(long, env = "GENCACHE_IDLE_TIMEOUT", default_value = "60s")]
    pub idle_timeout: String,
}

/// `--max-bytes`: a byte count, or `None` for unlimited (`none`).
///
/// ```
/// use harness::serve::{ByteBudget, parse_byte_budget};
///
/// assert_eq!(parse_byte_budget("1GiB"), Ok(ByteBudget(Some(1 << 30))));
/// assert_eq!(parse_byte_budget("none"), Ok(ByteBudget(None)));
/// assert!(parse_byte_budget("lots").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteBudget(pub Option<u64>);

/// Parses `--max-bytes` like `harness run` does: bytes with an optional unit (`512MiB`, `1GB`),
/// or `none` / `unlimited`.
pub fn parse_byte_budget(text: &str) -> Result<ByteBudget, String> {
    if text.trim().eq_ignore_ascii_case("unlimited") {
        return Ok(ByteBudget(None));
    }
    crate::cli::parse_limit(text).map(|limit| ByteBudget(limit.0))
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_bytes: ByteBudget(Some(DEFAULT_MAX_BYTES)),
            max_entries: None,
            ttl: "24h".to_owned(),
            enabled: true,
            admin_token: None,
            time_scale: 0.001,
            workers: 1,
            hit_cost: 0.05,
            default_cost: 124.6,
            default_size: 256 * 1024,
            max_size: 64 * 1024 * 1024,
            max_cost: 3600.0,
            body_limit: 64 * 1024,
            shutdown_grace: "30s".to_owned(),
            max_connections: None,
            header_read_timeout: "10s".to_owned(),
            idle_timeout: "60s".to_owned(),
        }
    }
}

/// A configuration that is wrong before the server even starts. Names the flag at fault.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// Binding beyond loopback would expose the mutating endpoints to the network unprotected.
    #[error(
        "refusing to bind non-loopback address {0} without an admin token: set --admin-token or GENCACHE_ADMIN_TOKEN"
    )]
    NonLoopbackWithoutToken(SocketAddr),
    /// A flag's value is out of range or unparsable.
    #[error("invalid --{flag}: {reason}")]
    Invalid {
        /// The flag (without dashes).
        flag: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(flag: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        flag,
        reason: reason.into(),
    }
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// Listen address.
    pub bind: SocketAddr,
    /// Initial cache bounds.
    pub cache: CacheConfig,
    /// Whether the cache is used at start.
    pub enabled: bool,
    /// Admin bearer token, if any (never empty).
    pub admin_token: Option<String>,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// Generator workers.
    pub workers: u32,
    /// Virtual seconds per hit.
    pub hit_cost_s: f64,
    /// Default generation cost, virtual seconds.
    pub default_cost_s: f64,
    /// Default result size, bytes.
    pub default_size: u64,
    /// Largest result size, bytes.
    pub max_size: u64,
    /// Largest generation cost, virtual seconds.
    pub max_cost_s: f64,
    /// Request body limit, bytes.
    pub body_limit: usize,
    /// How long a graceful shutdown waits for in-flight requests before dropping them.
    pub shutdown_grace: Duration,
    /// Connection cap and per-connection timeouts.
    pub connections: ConnectionLimits,
}

/// Parses a wall-time duration flag (`10s`, `500ms`, `2m`), which must be positive.
fn parse_wall_duration(flag: &'static str, text: &str) -> Result<Duration, ConfigError> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| invalid(flag, format!("{text:?}: {e} (e.g. 10s, 500ms, 2m)")))?;
    if duration.is_zero() {
        return Err(invalid(flag, format!("{text:?} must be longer than zero")));
    }
    Ok(duration)
}

/// The connection cap: the one asked for (refused at or above the fd limit), or the default.
fn connection_cap(asked: Option<usize>, fd_limit: Option<u64>) -> Result<usize, ConfigError> {
    let Some(n) = asked else {
        return Ok(default_max_connections(fd_limit));
    };
    if n == 0 {
        return Err(invalid("max-connections", "must be at least 1"));
    }
    if let Some(limit) = fd_limit
        && n as u64 + FD_RESERVE > limit
    {
        return Err(invalid(
            "max-connections",
            format!(
                "{n} does not fit the open-files limit {limit} (ulimit -n) with {FD_RESERVE} \
                 descriptors to spare: use at most {}, or raise the limit",
                limit.saturating_sub(FD_RESERVE)
            ),
        ));
    }
    Ok(n)
}

/// Parses a TTL flag: a humantime duration (`24h`, `90s`, `1h 30m`) or `none` for never.
pub fn parse_ttl(text: &str) -> Result<Option<Duration>, ConfigError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let ttl = humantime::parse_duration(text)
        .map_err(|e| invalid("ttl", format!("{text:?}: {e} (e.g. 24h, 90s, none)")))?;
    if ttl.as_secs_f64() < MIN_TTL_S || ttl.as_secs_f64() > MAX_TTL_S {
        return Err(invalid(
            "ttl",
            format!("{text:?} must be at least 1ms and at most 365 days (use `none` for never)"),
        ));
    }
    Ok(Some(ttl))
}

fn positive_finite(flag: &'static str, value: f64, allow_zero: bool) -> Result<f64, ConfigError> {
    let ok = value.is_finite() && (value > 0.0 || (allow_zero && value == 0.0));
    if ok {
        Ok(value)
    } else {
        let want = if allow_zero { ">= 0" } else { "> 0" };
        Err(invalid(flag, format!("{value} must be finite and {want}")))
    }
}

impl ServeArgs {
    /// Checks every flag and the bind/token rule.
    ///
    /// ```
    /// use harness::serve::{ConfigError, ServeArgs};
    ///
    /// let open = ServeArgs { bind: "0.0.0.0:8080".parse().unwrap(), ..ServeArgs::default() };
    /// assert!(matches!(open.validate(), Err(ConfigError::NonLoopbackWithoutToken(_))));
    ///
    /// let guarded = ServeArgs { admin_token: Some("s3cret".into()), ..open };
    /// assert!(guarded.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<ServeConfig, ConfigError> {
        let admin_token = match self.admin_token.as_deref().map(str::trim) {
            Some("") => return Err(invalid("admin-token", "must not be empty")),
            Some(token) => Some(token.to_owned()),
            None => None,
        };
        if !self.bind.ip().is_loopback() && admin_token.is_none() {
            return Err(ConfigError::NonLoopbackWithoutToken(self.bind));
        }
        if let Some(n) = self.max_entries.filter(|&n| n > MAX_ENTRIES_LIMIT) {
            return Err(invalid(
                "max-entries",
                format!("{n} is above the maximum {MAX_ENTRIES_LIMIT}"),
            ));
        }
        if let Some(n) = self.max_bytes.0.filter(|&n| n > MAX_BYTES_LIMIT) {
            return Err(invalid(
                "max-bytes",
                format!("{n} is above the maximum {MAX_BYTES_LIMIT}"),
            ));
        }
        let default_ttl = parse_ttl(&self.ttl)?;
        let time_scale = positive_finite("time-scale", self.time_scale, false)?;
        if !(MIN_TIME_SCALE..=1000.0).contains(&time_scale) {
            return Err(invalid(
                "time-scale",
                format!("{time_scale} must be between {MIN_TIME_SCALE} and 1000"),
            ));
        }
        if self.workers == 0 {
            return Err(invalid("workers", "must be at least 1"));
        }
        let hit_cost_s = positive_finite("hit-cost", self.hit_cost, true)?;
        let max_cost_s = positive_finite("max-cost", self.max_cost, false)?;
        let default_cost_s = positive_finite("default-cost", self.default_cost, true)?;
        if default_cost_s > max_cost_s {
            return Err(invalid("default-cost", "must not exceed --max-cost"));
        }
        if self.default_size > self.max_size {
            return Err(invalid("default-size", "must not exceed --max-size"));
        }
        if self.max_size > MAX_BYTES_LIMIT {
            return Err(invalid(
                "max-size",
                format!("must be at most {MAX_BYTES_LIMIT}"),
            ));
        }
        if self.body_limit < 256 {
            return Err(invalid("body-limit", "must be at least 256 bytes"));
        }
        let shutdown_grace =
            humantime::parse_duration(self.shutdown_grace.trim()).map_err(|e| {
                invalid(
                    "shutdown-grace",
                    format!("{:?}: {e} (e.g. 30s, 2m)", self.shutdown_grace),
                )
            })?;
        let connections = ConnectionLimits {
            max_connections: connection_cap(self.max_connections, fd_soft_limit())?,
            header_read_timeout: parse_wall_duration(
                "header-read-timeout",
                &self.header_read_timeout,
            )?,
            idle_timeout: parse_wall_duration("idle-timeout", &self.idle_timeout)?,
        };
        Ok(ServeConfig {
            bind: self.bind,
            cache: CacheConfig {
                max_entries: self.max_entries.map(|n| n as usize),
                max_bytes: self.max_bytes.0,
                default_ttl,
            },
            enabled: self.enabled,
            admin_token,
            time_scale,
            workers: self.workers,
            hit_cost_s,
            default_cost_s,
            default_size: self.default_size,
            max_size: self.max_size,
            max_cost_s,
            body_limit: self.body_limit,
            shutdown_grace,
            connections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_loopback() {
        let config = ServeArgs::default().validate().unwrap();
        assert!(config.bind.ip().is_loopback());
        assert_eq!(config.cache.default_ttl, Some(gencache::DEFAULT_TTL));
        assert!(config.enabled);
        assert_eq!(config.cache.max_bytes, Some(DEFAULT_MAX_BYTES));
        assert_eq!(config.shutdown_grace, Duration::from_secs(30));
        assert_eq!(
            config.connections.header_read_timeout,
            Duration::from_secs(10)
        );
        assert_eq!(config.connections.idle_timeout, Duration::from_secs(60));
        if let Some(limit) = fd_soft_limit() {
            assert!((config.connections.max_connections as u64) < limit);
        }
    }

    #[test]
    fn connection_cap_must_fit_the_fd_limit() {
        assert_eq!(connection_cap(Some(100), Some(256)), Ok(100));
        assert_eq!(connection_cap(None, Some(256)), Ok(224));
        let err = connection_cap(Some(300), Some(256))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--max-connections") && err.contains("256"),
            "{err}"
        );
        assert!(connection_cap(Some(0), None).is_err());
        let zero = ServeArgs {
            header_read_timeout: "0s".into(),
            ..ServeArgs::default()
        };
        let err = zero.validate().unwrap_err().to_string();
        assert!(err.contains("--header-read-timeout"), "{err}");
        let bad = ServeArgs {
            idle_timeout: "forever".into(),
            ..ServeArgs::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("--idle-timeout")
        );
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let args = ServeArgs {
            bind: "0.0.0.0:0".parse().unwrap(),
            ..ServeArgs::default()
        };
        assert_eq!(
            args.validate(),
            Err(ConfigError::NonLoopbackWithoutToken(args.bind))
        );
        let blank = ServeArgs {
            admin_token: Some("  ".into()),
            ..args
        };
        assert!(matches!(
            blank.validate(),
            Err(ConfigError::Invalid {
                flag: "admin-token",
                ..
            })
        ));
    }

    #[test]
    fn ttl_forms() {
        assert_eq!(parse_ttl("none").unwrap(), None);
        assert_eq!(parse_ttl("90s").unwrap(), Some(Duration::from_secs(90)));
        assert!(parse_ttl("0s").is_err());
        // Positive but below 1 ms: it would round to (almost) nothing and disable caching.
        assert!(parse_ttl("1ns").is_err());
        assert!(parse_ttl("999us").is_err());
        assert_eq!(parse_ttl("1ms").unwrap(), Some(Duration::from_millis(1)));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("400days").is_err());
    }

    #[test]
    fn each_bad_flag_is_named() {
        let cases: Vec<(&str, ServeArgs)> = vec![
            (
                "max-entries",
                ServeArgs {
                    max_entries: Some(MAX_ENTRIES_LIMIT + 1),
                    ..ServeArgs::default()
                },
            ),
            (
                "max-bytes",
                ServeArgs {
                    max_bytes: ByteBudget(Some(MAX_BYTES_LIMIT + 1)),
                    ..ServeArgs::default()
                },
            ),
            (
                "time-scale",
                ServeArgs {
                    time_scale: 0.0,
                    ..ServeArgs::default()
                },
            ),
            (
                "time-scale",
                ServeArgs {
                    time_scale: 1e-9,
                    ..ServeArgs::default()
                },
            ),
            (
                "shutdown-grace",
                ServeArgs {
                    shutdown_grace: "soonish".into(),
                    ..ServeArgs::default()
                },
            ),
            (
                "workers",
                ServeArgs {
                    workers: 0,
                    ..ServeArgs::default()
                },
            ),
            (
                "hit-cost",
                ServeArgs {
                    hit_cost: -0.1,
                    ..ServeArgs::default()
                },
            ),
            (
                "default-size",
                ServeArgs {
                    default_size: u64::MAX,
                    ..ServeArgs::default()
                },
            ),
        ];
        for (flag, args) in cases {
            match args.validate() {
                Err(ConfigError::Invalid { flag: got, .. }) => assert_eq!(got, flag),
                other => panic!("expected --{flag} to be refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn env_and_flags_parse_through_clap() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let cli = Cli::try_parse_from([
            "serve",
            "--cache-enabled",
            "false",
            "--max-entries",
            "10",
            "--ttl",
            "none",
        ])
        .unwrap();
        assert!(!cli.serve.enabled);
        assert_eq!(cli.serve.max_entries, Some(10));
        let config = cli.serve.validate().unwrap();
        assert_eq!(config.cache.default_ttl, None);
        // A finite byte budget by default; unlimited only when asked for.
        assert_eq!(config.cache.max_bytes, Some(DEFAULT_MAX_BYTES));
        let unlimited = Cli::try_parse_from(["serve", "--max-bytes", "none"]).unwrap();
        assert_eq!(unlimited.serve.validate().unwrap().cache.max_bytes, None);
        let small = Cli::try_parse_from(["serve", "--max-bytes", "4096", "--shutdown-grace", "2s"])
            .unwrap()
            .serve
            .validate()
            .unwrap();
        assert_eq!(small.cache.max_bytes, Some(4096));
        assert_eq!(small.shutdown_grace, Duration::from_secs(2));
        assert!(Cli::try_parse_from(["serve", "--max-bytes", "lots"]).is_err());
        let with_unit = Cli::try_parse_from(["serve", "--max-bytes", "64MiB"]).unwrap();
        assert_eq!(with_unit.serve.max_bytes, ByteBudget(Some(64 << 20)));
    }
}
