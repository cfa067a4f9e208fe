//! `harness serve` configuration: command-line flags and environment variables, validated into a
//! [`ServeConfig`] before anything binds.

use super::connections::{ConnectionLimits, FD_RESERVE, default_max_connections, fd_soft_limit};
use crate::cli::parse::Zero;
use crate::cli::serve::MIN_BODY_LIMIT;
pub use crate::cli::serve::ServeArgs;
use gencache::CacheConfig;
use std::net::SocketAddr;
use std::time::Duration;
/// `harness serve`'s byte budget when none is given (owned by [`workloads::units`]).
pub use workloads::units::DEFAULT_SERVE_MAX_BYTES as DEFAULT_MAX_BYTES;

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
    /// An `--l2*` flag is wrong (the message never contains the password).
    #[error(transparent)]
    L2(#[from] crate::l2::L2ConfigError),
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
    /// Eviction policy.
    pub policy: gencache::Policy,
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
    /// The shared Redis tier, when `--l2` is given.
    pub l2: Option<crate::l2::L2Config>,
    /// Connection cap and per-connection timeouts.
    pub connections: ConnectionLimits,
}

/// Parses a wall-time duration flag with the one duration parser, naming the flag.
fn parse_wall_duration(
    flag: &'static str,
    text: &str,
    zero: Zero,
) -> Result<Duration, ConfigError> {
    crate::cli::parse::parse_wall_duration(text, zero).map_err(|e| invalid(flag, e))
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
        // Each value's own range was checked when it was parsed (workloads::units); what is
        // left are the relations between them.
        if self.default_cost > self.max_cost {
            return Err(invalid("default-cost", "must not exceed --max-cost"));
        }
        if self.default_size > self.max_size {
            return Err(invalid("default-size", "must not exceed --max-size"));
        }
        if self.body_limit < MIN_BODY_LIMIT {
            return Err(invalid(
                "body-limit",
                format!("must be at least {MIN_BODY_LIMIT} bytes"),
            ));
        }
        let shutdown_grace =
            parse_wall_duration("shutdown-grace", &self.shutdown_grace, Zero::Allowed)?;
        let connections = ConnectionLimits {
            max_connections: connection_cap(self.max_connections, fd_soft_limit())?,
            header_read_timeout: parse_wall_duration(
                "header-read-timeout",
                &self.header_read_timeout,
                Zero::Refused,
            )?,
            idle_timeout: parse_wall_duration("idle-timeout", &self.idle_timeout, Zero::Refused)?,
        };
        Ok(ServeConfig {
            bind: self.bind,
            policy: self.policy,
            cache: CacheConfig {
                max_entries: self.max_entries.get().map(|n| n as usize),
                max_bytes: self.max_bytes.get(),
                default_ttl: self.ttl.get(),
            },
            enabled: self.enabled,
            admin_token,
            time_scale: self.time_scale.get(),
            workers: self.workers.get(),
            hit_cost_s: self.hit_cost.secs(),
            default_cost_s: self.default_cost.secs(),
            default_size: self.default_size.get(),
            max_size: self.max_size.get(),
            max_cost_s: self.max_cost.secs(),
            body_limit: self.body_limit,
            shutdown_grace,
            l2: self.l2.validate()?,
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
    fn each_bad_flag_is_named() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        for (flag, value) in [
            ("--max-entries", "100000001"),
            ("--max-entries", "5GiB"),
            ("--max-bytes", "2TiB"),
            ("--max-bytes", "0"),
            ("--time-scale", "0"),
            ("--time-scale", "1e-9"),
            ("--workers", "0"),
            ("--hit-cost", "-0.1"),
            ("--ttl", "0s"),
            ("--ttl", "999us"),
            ("--ttl", "400days"),
            ("--default-size", "0"),
        ] {
            let Err(e) = Cli::try_parse_from(["serve", flag, value]) else {
                panic!("{flag} {value} was accepted");
            };
            assert!(e.to_string().contains(flag), "{flag} {value}: {e}");
        }
        let relations = [
            (
                "default-size",
                ServeArgs {
                    default_size: workloads::units::Size::from_bytes(1 << 30).unwrap(),
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
        ];
        for (flag, args) in relations {
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
        assert_eq!(cli.serve.max_entries.get(), Some(10));
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
        assert_eq!(with_unit.serve.max_bytes.get(), Some(64 << 20));
        let none = Cli::try_parse_from(["serve", "--max-entries", "none"]).unwrap();
        assert_eq!(none.serve.max_entries.get(), None);
    }
}
