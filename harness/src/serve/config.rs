//! `harness serve` configuration: command-line flags and environment variables, validated into a
//! [`ServeConfig`] before anything binds.

pub use crate::cli::serve::{ByteBudget, ServeArgs, parse_byte_budget};
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
