//! The shared second tier of `harness serve`: several server processes pointing at one Redis
//! share their generated results and their single-flight.
//!
//! Lookup order: the in-process [`gencache::Cache`] (L1), then Redis `GET`, then the generator.
//! A value found in Redis goes into the L1; a generated one is written to Redis with the TTL
//! (`PX`, wall-clock milliseconds: the virtual TTL times the time scale).
//!
//! **Single-flight across processes.** Within a process the L1's own single-flight joins the
//! callers of a key, so only one of them reaches [`L2::load`]: a process holds at most one lease
//! per key. On a miss in both tiers it takes `SET PREFIXlock:<key> <owner> NX PX <lease>`; the
//! holder generates, renews the lease every third of its lifetime (compare-and-`PEXPIRE` in Lua,
//! so only the owner's lease is extended), writes the value, and releases (compare-and-`DEL`).
//! A process that finds the lease taken waits: it polls the value with capped exponential
//! backoff (2 ms doubling to 100 ms), and tries the lease again each round. A holder killed with
//! SIGKILL stops renewing, its lease expires, and the first waiter whose `SET NX` succeeds takes
//! over (`leases_stolen`).
//!
//! *Why polling* rather than keyspace notifications or pub/sub: notifications need
//! `notify-keyspace-events` set on the server (often not allowed on managed Redis) and, like
//! pub/sub, a dedicated subscriber connection per process; both lose messages across a
//! reconnect, so a waiter needs a poll as a fallback anyway, and a poll is also what notices an
//! expired lease. With at most one waiter per key per process, polling costs a few `GET`s per
//! waiting second and adds at most 100 ms to a waiter's answer (a generation is seconds).
//!
//! **Values are self-describing** ([`codec`]): a truncated, foreign or corrupt value is a miss,
//! counted, and overwritten by the next generation; it is never served.
//!
//! **Faults.** Each Redis call is bounded by `--l2-timeout` (50 ms). One failed call is taken as
//! transient (the next step is tried); a connection-level error or three failures in a row take
//! the tier "down": calls are skipped (no timeouts piling up on requests), one probe runs after a
//! backoff (250 ms doubling to 2 s) on a fresh connection, and requests are answered from the L1
//! and the generator meanwhile, with no client-visible error. `/metrics` shows `gencache_l2_up`
//! and the error/timeout/skipped counters; one warning is logged when the tier goes down (at most
//! one per 30 s while it stays down). No L2 work outlives the server's shutdown grace: every call
//! is bounded, and renewal tasks end with their generation.
//!
//! *Why redis-rs* (`ConnectionManager`, tokio) rather than fred: both are maintained and async;
//! redis-rs is the most used client, its `ConnectionManager` is one multiplexed, cloneable,
//! self-reconnecting connection (all this tier needs: no pool, no cluster, no pub/sub), and it
//! builds with `default-features = false` into a small dependency tree. fred offers more (pools,
//! reconnect policies, client tracking, built-in timeouts) at the cost of a larger API and
//! dependency set; its extra features would not be used here. TLS is not enabled (`redis://`
//! only).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use harness::l2::{L2, L2Args, L2Url};
//!
//! let args = L2Args { url: Some(L2Url::new("redis://127.0.0.1:6379/0")), ..L2Args::default() };
//! let l2 = L2::start(args.validate()?.expect("--l2 given")).await?;
//! let (value, source) = l2
//!     .load(42, None, || async { Ok::<_, std::convert::Infallible>(b"result"[..].into()) })
//!     .await?;
//! println!("{} bytes from {source:?}", value.len());
//! # Ok(()) }
//! ```

pub mod codec;
mod config;
mod conn;
mod stats;
mod tier;

pub use config::{DEFAULT_PREFIX, L2Args, L2Config, L2ConfigError, L2Url};
pub use stats::L2Stats;
pub use tier::{Bytes, L2, L2Info, L2StartError, Source};
