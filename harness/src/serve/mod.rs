//! `harness serve`: the cache as a real HTTP generation service, with the seed's management API.
//!
//! `POST /api/generate` answers from the [`gencache::Cache`] or runs a simulated generator (K
//! workers sleeping `cost × time_scale`), single-flight, so concurrent identical requests generate
//! once. Endpoints:
//!
//! | method | path | what |
//! |---|---|---|
//! | POST | `/api/generate` | `{prompt, parameters}` or `{key}`, optional `size`, `cost`, `ttl_s`, `bypass_cache` |
//! | GET | `/api/cache/stats` | cache counters, generations, requests by outcome |
//! | GET | `/api/cache/config` | bounds, TTL, enabled flag, limits, generator settings |
//! | POST | `/api/cache/config` | change `max_entries`, `max_bytes`, `default_ttl_s`, `enabled` (admin) |
//! | POST | `/api/cache/clear` | drop every entry (admin) |
//! | GET | `/api/cache/entries` | `offset`, `limit` (≤ 1000), most recently used first |
//! | GET | `/metrics` | OpenMetrics text (Prometheus scrapes it), by `prometheus-client` |
//! | GET | `/healthz` | liveness |
//!
//! Configuration (flag, or environment variable; flags win):
//!
//! | flag | env | default |
//! |---|---|---|
//! | `--bind` | `GENCACHE_BIND` | `127.0.0.1:8080` |
//! | `--max-bytes` | `GENCACHE_MAX_BYTES` | 1 GiB (`none` = unlimited) |
//! | `--max-entries` | `GENCACHE_MAX_ENTRIES` | unlimited |
//! | `--ttl` | `GENCACHE_TTL` | `24h` (`none` = never) |
//! | `--cache-enabled` | `GENCACHE_ENABLED` | `true` |
//! | `--admin-token` | `GENCACHE_ADMIN_TOKEN` | none |
//! | `--time-scale` | `GENCACHE_TIME_SCALE` | `0.001` |
//! | `--workers` | `GENCACHE_WORKERS` | `1` |
//! | `--hit-cost` | `GENCACHE_HIT_COST` | `0.05` s |
//! | `--default-cost` / `--default-size` | `GENCACHE_DEFAULT_COST` / `_SIZE` | 124.6 s / 256 KiB |
//! | `--max-cost` / `--max-size` | `GENCACHE_MAX_COST` / `_SIZE` | 3600 s / 64 MiB |
//! | `--body-limit` | `GENCACHE_BODY_LIMIT` | 64 KiB |
//! | `--shutdown-grace` | `GENCACHE_SHUTDOWN_GRACE` | `30s` (then in-flight requests are dropped; a second signal exits at once) |
//! | `--l2` | `GENCACHE_L2` | none: `redis://[:password@]host:port/db` shares results and single-flight with other servers ([`crate::l2`]) |
//! | `--l2-prefix` / `--l2-required` | `GENCACHE_L2_PREFIX` / `_REQUIRED` | `gencache:` / false (start L1-only when Redis is unusable) |
//! | `--l2-timeout` / `--l2-lease` | `GENCACHE_L2_TIMEOUT` / `_LEASE` | `50ms` per Redis call / `10s` generation lease |
//!
//! "Admin" endpoints need `Authorization: Bearer <token>` when a token is configured; a
//! non-loopback bind address requires one. Every error is a JSON body naming the field at fault.
//! All times in the API are virtual seconds (wall seconds / `time_scale`), like the simulation's.
//!
//! ```no_run
//! # async fn demo() -> Result<(), harness::serve::ServeError> {
//! use harness::serve::{ServeArgs, start};
//!
//! let args = ServeArgs { bind: "127.0.0.1:0".parse().unwrap(), ..ServeArgs::default() };
//! let server = start(args.validate()?).await?;
//! println!("listening on {}", server.url());
//! let report = server.shutdown().await?;
//! assert!(report.clean());
//! # Ok(()) }
//! ```

pub mod api;
mod auth;
pub mod client;
mod config;
mod connections;
mod error;
mod extract;
pub mod fingerprint;
pub mod load;
pub(crate) mod metrics;
mod routes;
mod server;
mod state;

pub use config::{
    ConfigError, DEFAULT_ENTRIES_PAGE, DEFAULT_MAX_BYTES, MAX_ENTRIES_PAGE, ServeArgs, ServeConfig,
};
pub use connections::{ConnectionLimits, DEFAULT_MAX_CONNECTIONS, FD_RESERVE};
pub use error::{ApiError, ErrorBody};
pub use extract::{StrictJson, parse_json};
pub use metrics::{CONTENT_TYPE as METRICS_CONTENT_TYPE, LATENCY_BUCKETS_S, Metrics, status_label};
pub use routes::{EntriesQuery, router};
pub use server::{
    RunningServer, ServeError, ShutdownReport, ShutdownSignals, run, shutdown_signal, start,
};
pub use state::{AppState, ServiceCache};
