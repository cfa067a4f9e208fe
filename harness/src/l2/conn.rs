//! Every Redis call of the L2 goes through [`Redis::call`]: bounded by `--l2-timeout`, counted,
//! and skipped while the tier is down, so a dead or slow Redis costs a request nothing but the
//! L2 itself.
//!
//! Down means: a connection-level error, or three failed calls in a row. Then calls are skipped
//! (counted as `skipped`) until a retry time (250 ms, doubling to 2 s); the first call after it
//! probes with a fresh `ConnectionManager`. One warning when the tier goes down, at most one
//! every 30 s while it stays down, and one info line when it is back.

use super::config::L2Config;
use super::stats::{Counters, bump};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, RedisError};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
const WARN_EVERY: Duration = Duration::from_secs(30);
/// Failed calls in a row that take the tier down (a connection-level error takes it at once).
const FAILURES_TO_TRIP: u32 = 3;

/// Why a call gave no answer (already counted and logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The tier is down; not tried.
    Skipped,
    /// Past the timeout.
    Timeout,
    /// Redis or the connection said no (message scrubbed of the password).
    Error(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Skipped => f.write_str("L2 down, call skipped"),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Error(e) => f.write_str(e),
        }
    }
}

#[derive(Debug)]
struct Health {
    manager: Option<ConnectionManager>,
    /// `Some` while down: when the next probe may run.
    retry_at: Option<Instant>,
    backoff: Duration,
    failures_in_a_row: u32,
    /// A probe is under way: the others keep skipping.
    probing: bool,
    last_warning: Option<Instant>,
    failures_since_warning: u64,
}

/// The connection to Redis and its health.
pub(crate) struct Redis {
    config: L2Config,
    client: redis::Client,
    health: Mutex<Health>,
    pub counters: Counters,
}

enum Gate {
    Go(ConnectionManager, bool),
    Skip,
}

impl Redis {
    /// A client for `config` (validated: the URL parses). Connects lazily.
    pub fn new(config: L2Config) -> Result<Self, String> {
        let client = redis::Client::open(config.url.as_secret_str())
            .map_err(|e| config.url.scrub(&e.to_string()))?;
        Ok(Self {
            config,
            client,
            health: Mutex::new(Health {
                manager: None,
                retry_at: None,
                backoff: FIRST_BACKOFF,
                failures_in_a_row: 0,
                probing: false,
                last_warning: None,
                failures_since_warning: 0,
            }),
            counters: Counters::default(),
        })
    }

    pub fn config(&self) -> &L2Config {
        &self.config
    }

    fn manager(&self) -> Result<ConnectionManager, String> {
        let config = ConnectionManagerConfig::new()
            // Our own timeout bounds each call; these bound the work left behind in the manager.
            .set_connection_timeout(Some(self.config.timeout.max(Duration::from_millis(250))))
            // No inner response timeout: ours is the one that counts, and an answer arriving
            // after it is simply dropped by the multiplexed connection.
            .set_response_timeout(None)
            // Reconnection is ours (a fresh manager per probe), so the manager retries once.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(100));
        ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| self.config.url.scrub(&e.to_string()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Health> {
        // A panic while holding this lock leaves plain data behind: keep using it.
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn gate(&self) -> Result<Gate, String> {
        let mut health = self.lock();
        let probe = match health.retry_at {
            None => false,
            Some(at) if Instant::now() >= at && !health.probing => {
                health.probing = true;
                health.manager = None;
                true
            }
            Some(_) => return Ok(Gate::Skip),
        };
        let manager = match &health.manager {
            Some(m) => m.clone(),
            None => {
                let m = self.manager().inspect_err(|_| health.probing = false)?;
                health.manager = Some(m.clone());
                m
            }
        };
        Ok(Gate::Go(manager, probe))
    }

    /// Runs `cmd` within the timeout. `timeout` overrides `--l2-timeout` (the start-up probe).
    /// A connection found dropped (Redis restarted) is replaced and the call tried once more
    /// within the same time budget, so a restart costs no miss.
    pub async fn call_within<T: FromRedisValue>(
        &self,
        cmd: Cmd,
        timeout: Duration,
    ) -> Result<T, Failure> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut retried = false;
        loop {
            let (mut manager, probe) = match self.gate() {
                Ok(Gate::Go(manager, probe)) => (manager, probe),
                Ok(Gate::Skip) => {
                    bump(&self.counters.skipped);
                    return Err(Failure::Skipped);
                }
                Err(e) => {
                    bump(&self.counters.errors);
                    self.failed(&e, true, false);
                    return Err(Failure::Error(e));
                }
            };
            let answer =
                tokio::time::timeout_at(deadline, cmd.query_async::<T>(&mut manager)).await;
            match answer {
                Ok(Ok(value)) => {
                    self.succeeded(probe);
                    return Ok(value);
                }
                Ok(Err(e)) if !retried && !probe && is_dropped(&e) => {
                    retried = true;
                    self.replace_manager();
                }
                Ok(Err(e)) if e.is_timeout() => {
                    bump(&self.counters.timeouts);
                    let message = self.config.url.scrub(&e.to_string());
                    self.failed(&message, false, probe);
                    return Err(Failure::Timeout);
                }
                Ok(Err(e)) => {
                    bump(&self.counters.errors);
                    let connection_level = is_connection_level(&e);
                    let message = self
                        .config
                        .url
                        .scrub(&e.to_string())
                        .trim()
                        .replace('\n', "; ");
                    self.failed(&message, connection_level, probe);
                    return Err(Failure::Error(message));
                }
                Err(_elapsed) => {
                    bump(&self.counters.timeouts);
                    self.failed(
                        &format!("no answer within {}", humantime::format_duration(timeout)),
                        false,
                        probe,
                    );
                    return Err(Failure::Timeout);
                }
            }
        }
    }

    /// While the start-up probe runs, its failure is someone else's to report (the start-up
    /// message says it better); `false` lets warnings through again.
    pub fn hold_warnings(&self, hold: bool) {
        self.lock().last_warning = hold.then(Instant::now);
    }

    fn replace_manager(&self) {
        let mut health = self.lock();
        if health.retry_at.is_none() {
            health.manager = None;
        }
    }

    /// Runs `cmd` within `--l2-timeout`.
    pub async fn call<T: FromRedisValue>(&self, cmd: Cmd) -> Result<T, Failure> {
        self.call_within(cmd, self.config.timeout).await
    }

    fn succeeded(&self, probe: bool) {
        let mut health = self.lock();
        let was_down = health.retry_at.is_some();
        health.failures_in_a_row = 0;
        if probe || was_down {
            health.probing = false;
            health.retry_at = None;
            health.backoff = FIRST_BACKOFF;
            health.last_warning = None;
            health.failures_since_warning = 0;
        }
        drop(health);
        self.counters.up.store(true, Ordering::Relaxed);
        if was_down {
            tracing::info!(url = %self.config.url, "L2 (Redis) answers again: shared tier back in use");
        }
    }

    fn failed(&self, reason: &str, connection_level: bool, probe: bool) {
        let mut health = self.lock();
        health.failures_in_a_row += 1;
        health.failures_since_warning += 1;
        let already_down = health.retry_at.is_some();
        if !(connection_level
            || probe
            || already_down
            || health.failures_in_a_row >= FAILURES_TO_TRIP)
        {
            return;
        }
        // Down (or still down after a failed probe): back off, reconnect from scratch next time.
        if probe {
            health.backoff = (health.backoff * 2).min(MAX_BACKOFF);
        }
        health.probing = false;
        health.manager = None;
        health.retry_at = Some(Instant::now() + health.backoff);
        let warn = health
            .last_warning
            .is_none_or(|at| at.elapsed() >= WARN_EVERY);
        let failures = health.failures_since_warning;
        if warn {
            health.last_warning = Some(Instant::now());
            health.failures_since_warning = 0;
        }
        drop(health);
        self.counters.up.store(false, Ordering::Relaxed);
        if warn {
            tracing::warn!(
                url = %self.config.url,
                reason,
                failures,
                "L2 (Redis) unavailable: answering from L1 and the generator, retrying in the background"
            );
        }
    }
}

/// The connection was there and broke (reset, broken pipe, closed): worth one fresh try.
fn is_dropped(e: &RedisError) -> bool {
    e.is_connection_dropped() || (e.is_io_error() && !e.is_connection_refusal() && !e.is_timeout())
}

fn is_connection_level(e: &RedisError) -> bool {
    use redis::ErrorKind;
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || matches!(
            e.kind(),
            ErrorKind::AuthenticationFailed | ErrorKind::Parse | ErrorKind::Client
        )
        || e.to_string().contains("NOAUTH")
}
