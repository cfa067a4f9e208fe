//! The flags of `harness serve` (each also from a `GENCACHE_*` environment variable); validated
//! into a `ServeConfig` by `ServeArgs::validate` (in `serve::config`). Every value is read by its
//! type of [`workloads::units`], the same parser the other surfaces use.

use std::net::SocketAddr;
use workloads::units::{ByteBudget, Cost, EntryBound, HitCost, Size, TimeScale, Ttl, Workers};

/// Where `harness serve` listens by default.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Largest generation cost a request may ask for by default, virtual seconds.
pub const DEFAULT_MAX_COST_S: f64 = 3600.0;
/// Largest result size a request may ask for by default: 64 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 64 << 20;
/// Request body size limit by default: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 << 10;
/// Smallest request body limit accepted.
pub const MIN_BODY_LIMIT: usize = 256;
/// How long in-flight requests may finish after a shutdown signal, by default.
pub const DEFAULT_SHUTDOWN_GRACE: &str = "30s";
/// How long a client may take to send a request head, by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: &str = "10s";
/// How long a keep-alive connection may wait for its next request, by default.
pub const DEFAULT_IDLE_TIMEOUT: &str = "60s";

/// Flags of `harness serve`. Every flag can also come from the environment variable named beside it.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address requires an admin token.
    #[arg(long, env = "GENCACHE_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Cache byte budget in payload bytes, with a unit (`512MiB`), or `none` for unlimited.
    #[arg(long, env = "GENCACHE_MAX_BYTES", value_name = "BYTES",
          default_value_t = ByteBudget::SERVE_DEFAULT, allow_negative_numbers = true)]
    pub max_bytes: ByteBudget,
    /// Cache entry bound, or `none` (the default) for unlimited.
    #[arg(long, env = "GENCACHE_MAX_ENTRIES", value_name = "N",
          default_value_t = EntryBound::UNBOUNDED, allow_negative_numbers = true)]
    pub max_entries: EntryBound,
    /// Eviction policy: `lru`, `s3fifo`, `sieve` or `cost-aware`.
    #[arg(long, env = "GENCACHE_POLICY", default_value = "lru")]
    pub policy: gencache::Policy,
    /// Default time-to-live in virtual time (`1ms` to `365days`, e.g. `24h`, `90s`), or `never`.
    #[arg(long, env = "GENCACHE_TTL", value_name = "TTL", default_value_t = Ttl::DEFAULT,
          allow_hyphen_values = true)]
    pub ttl: Ttl,
    /// Whether the cache is used; `false` sends every request to the generator (the seed's fallback).
    #[arg(long = "cache-enabled", env = "GENCACHE_ENABLED", default_value_t = true,
          action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub enabled: bool,
    /// Bearer token required by `POST /api/cache/config` and `POST /api/cache/clear`.
    #[arg(long, env = "GENCACHE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Real seconds per virtual second (1e-6 to 1000): generation cost, hit cost and TTL all run
    /// at this scale.
    #[arg(long, env = "GENCACHE_TIME_SCALE", value_name = "SCALE",
          default_value_t = TimeScale::DEFAULT, allow_negative_numbers = true)]
    pub time_scale: TimeScale,
    /// Generator workers (K): generations beyond K queue for a free worker.
    #[arg(long, env = "GENCACHE_WORKERS", value_name = "K", default_value_t = Workers::DEFAULT,
          allow_negative_numbers = true)]
    pub workers: Workers,
    /// Virtual seconds to answer a hit (the seed's measured cached-answer time).
    #[arg(long, env = "GENCACHE_HIT_COST", value_name = "S", default_value_t = HitCost::DEFAULT,
          allow_negative_numbers = true)]
    pub hit_cost: HitCost,
    /// Generation cost (virtual seconds) of a request that gives none (the seed's 124.6 s).
    #[arg(long, env = "GENCACHE_DEFAULT_COST", value_name = "S", default_value_t = Cost::DEFAULT,
          allow_negative_numbers = true)]
    pub default_cost: Cost,
    /// Result size of a request that gives none (bytes, or with a unit).
    #[arg(long, env = "GENCACHE_DEFAULT_SIZE", value_name = "BYTES",
          default_value_t = Size::DEFAULT, allow_negative_numbers = true)]
    pub default_size: Size,
    /// Largest result size a request may ask for (bytes, or with a unit).
    #[arg(long, env = "GENCACHE_MAX_SIZE", value_name = "BYTES",
          default_value_t = default_max_size(), allow_negative_numbers = true)]
    pub max_size: Size,
    /// Largest generation cost a request may ask for, in virtual seconds.
    #[arg(long, env = "GENCACHE_MAX_COST", value_name = "S", default_value_t = default_max_cost(),
          allow_negative_numbers = true)]
    pub max_cost: Cost,
    /// Request body size limit in bytes.
    #[arg(long, env = "GENCACHE_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT,
          allow_negative_numbers = true)]
    pub body_limit: usize,
    /// After Ctrl-C / SIGTERM, how long in-flight requests may take to finish (wall time, e.g.
    /// `30s`) before they are dropped; a second signal exits at once.
    #[arg(long, env = "GENCACHE_SHUTDOWN_GRACE", default_value = DEFAULT_SHUTDOWN_GRACE,
          allow_hyphen_values = true)]
    pub shutdown_grace: String,
    /// The shared Redis tier (`--l2`, `--l2-prefix`, `--l2-required`, `--l2-timeout`,
    /// `--l2-lease`).
    #[command(flatten)]
    pub l2: crate::l2::L2Args,
    /// Connections open at once; one more is answered 503 and closed. Default: 4096, or 32
    /// below the open-files limit (`ulimit -n`) when that is lower; must stay below it.
    #[arg(
        long,
        env = "GENCACHE_MAX_CONNECTIONS",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub max_connections: Option<usize>,
    /// Longest time a client may take to send a request head, from its first byte (wall time).
    #[arg(long, env = "GENCACHE_HEADER_READ_TIMEOUT", value_name = "DURATION",
          default_value = DEFAULT_HEADER_READ_TIMEOUT, allow_hyphen_values = true)]
    pub header_read_timeout: String,
    /// Longest time a keep-alive connection may wait for its next request (wall time).
    #[arg(long, env = "GENCACHE_IDLE_TIMEOUT", value_name = "DURATION",
          default_value = DEFAULT_IDLE_TIMEOUT, allow_hyphen_values = true)]
    pub idle_timeout: String,
}

fn default_max_size() -> Size {
    Size::from_bytes(DEFAULT_MAX_SIZE).unwrap_or(Size::DEFAULT)
}

fn default_max_cost() -> Cost {
    Cost::from_secs(DEFAULT_MAX_COST_S).unwrap_or(Cost::DEFAULT)
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_bytes: ByteBudget::SERVE_DEFAULT,
            max_entries: EntryBound::UNBOUNDED,
            policy: gencache::Policy::Lru,
            ttl: Ttl::DEFAULT,
            enabled: true,
            admin_token: None,
            time_scale: TimeScale::DEFAULT,
            workers: Workers::DEFAULT,
            hit_cost: HitCost::DEFAULT,
            default_cost: Cost::DEFAULT,
            default_size: Size::DEFAULT,
            max_size: default_max_size(),
            max_cost: default_max_cost(),
            body_limit: DEFAULT_BODY_LIMIT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE.to_owned(),
            l2: crate::l2::L2Args::default(),
            max_connections: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT.to_owned(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT.to_owned(),
        }
    }
}
