//! The flags of `harness serve` (each also from a `GENCACHE_*` environment variable); validated
//! into a `ServeConfig` by `ServeArgs::validate` (in `serve::config`).

use crate::serve::DEFAULT_MAX_BYTES;
use std::net::SocketAddr;

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
        }
    }
}
