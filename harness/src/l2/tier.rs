//! The shared tier: Redis lookups, generation leases across processes, writes and clearing.

use super::codec::{decode, encode};
use super::config::L2Config;
use super::conn::{Failure, Redis};
use super::stats::{L2Stats, bump};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A result's bytes (the service's payload type).
pub type Bytes = Arc<[u8]>;

/// Renews the lease if this owner still holds it.
const RENEW: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
/// Deletes the lease if this owner still holds it (never someone else's).
const RELEASE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// First and largest pause between two polls of a waiter.
const POLL_FIRST: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(100);
/// Keys per SCAN step of a clear.
const SCAN_COUNT: usize = 500;

/// Where a loaded value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Found in Redis at once.
    L2Hit,
    /// Written to Redis by another process's generation while this one waited for its lease.
    L2Waited,
    /// Generated here (with a lease, or without one while Redis was unusable).
    Generated,
}

/// Why the L2 could not be used at start-up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("L2 {url} is not usable: {reason}")]
pub struct L2StartError {
    /// The URL, password redacted.
    pub url: String,
    /// What went wrong, password scrubbed.
    pub reason: String,
}

/// The shared Redis tier of one server process. Cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct L2 {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Redis,
    /// Unique per process: pid and start time; each lease adds a counter.
    owner: String,
    next_lease: AtomicU64,
}

impl L2 {
    /// Connects and checks Redis with a `PING` (at most 2 s, or the call timeout if longer).
    /// When that fails: with `--l2-required` an error, otherwise a warning and an L2 that is down
    /// and retries in the background (the server starts L1-only).
    pub async fn start(config: L2Config) -> Result<Self, L2StartError> {
        let url = config.url.redacted();
        let required = config.required;
        let redis = Redis::new(config).map_err(|reason| L2StartError {
            url: url.clone(),
            reason,
        })?;
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let l2 = Self {
            inner: Arc::new(Inner {
                redis,
                owner: format!("{}-{started:x}", std::process::id()),
                next_lease: AtomicU64::new(0),
            }),
        };
        let probe_timeout = l2.config().timeout.max(Duration::from_secs(2));
        // The failure below is reported once, here, with what it means for the server.
        l2.redis().hold_warnings(true);
        match l2
            .redis()
            .call_within::<String>(redis::cmd("PING"), probe_timeout)
            .await
        {
            Ok(_) => {
                l2.redis().hold_warnings(false);
                tracing::info!(%url, prefix = %l2.config().prefix, "L2 (Redis) connected");
                Ok(l2)
            }
            Err(failure) if required => Err(L2StartError {
                url,
                reason: format!("{failure} (--l2-required is set)"),
            }),
            Err(failure) => {
                tracing::warn!(
                    %url,
                    reason = %failure,
                    "L2 (Redis) not usable at start: serving L1-only until it answers (set --l2-required to refuse to start instead)"
                );
                Ok(l2)
            }
        }
    }

    fn redis(&self) -> &Redis {
        &self.inner.redis
    }

    /// The settings it runs with.
    pub fn config(&self) -> &L2Config {
        self.redis().config()
    }

    /// Whether the last call succeeded.
    pub fn up(&self) -> bool {
        self.redis().counters.up.load(Ordering::Relaxed)
    }

    /// Counters, with the URL redacted.
    pub fn stats(&self) -> L2Stats {
        let config = self.config();
        self.redis()
            .counters
            .snapshot(config.url.redacted(), config.prefix.clone())
    }

    fn value_key(&self, key: u128) -> String {
        format!("{}{key:032x}", self.config().prefix)
    }

    fn lease_key(&self, key: u128) -> String {
        format!("{}lock:{key:032x}", self.config().prefix)
    }

    /// `GET`: a usable value, or `Ok(None)` (absent or unusable), or the call failed.
    async fn lookup(&self, key: u128) -> Result<Option<Bytes>, Failure> {
        let found = self.lookup_value(key, true).await?;
        let counters = &self.redis().counters;
        bump(if found.is_some() {
            &counters.hits
        } else {
            &counters.misses
        });
        Ok(found)
    }

    /// [`Self::lookup`] without counting a hit or a miss; an unusable value is counted and
    /// logged only when `report` (the re-check under a lease has seen it already).
    async fn lookup_value(&self, key: u128, report: bool) -> Result<Option<Bytes>, Failure> {
        let counters = &self.redis().counters;
        let found: Option<Vec<u8>> = self
            .redis()
            .call(redis::cmd("GET").arg(self.value_key(key)).clone())
            .await?;
        let Some(bytes) = found else {
            return Ok(None);
        };
        match decode(key, &bytes) {
            Ok(payload) => Ok(Some(Arc::from(payload))),
            Err(_) if !report => Ok(None),
            Err(e) => {
                bump(&counters.corrupt);
                tracing::warn!(key = %format!("{key:032x}"), error = %e, "unusable value in the L2: treated as a miss, will be overwritten");
                Ok(None)
            }
        }
    }

    /// `SET lease owner NX PX lease`: true when this process now holds it.
    async fn try_lease(&self, key: u128, token: &str) -> Result<bool, Failure> {
        let lease_ms = self.config().lease.as_millis() as u64;
        let set: Option<String> = self
            .redis()
            .call(
                redis::cmd("SET")
                    .arg(self.lease_key(key))
                    .arg(token)
                    .arg("NX")
                    .arg("PX")
                    .arg(lease_ms)
                    .clone(),
            )
            .await?;
        Ok(set.is_some())
    }

    /// Who holds the lease of `key` now.
    async fn lease_holder(&self, key: u128) -> Result<Option<String>, Failure> {
        self.redis()
            .call(redis::cmd("GET").arg(self.lease_key(key)).clone())
            .await
    }

    /// Answers an L1 miss: Redis, else a lease and `generate`, else the result another holder
    /// writes. `ttl` is the value's wall-clock lifetime in Redis (`None` = no expiry). Redis
    /// trouble never fails the call: it falls back to generating here.
    pub async fn load<E, F, Fut>(
        &self,
        key: u128,
        ttl: Option<Duration>,
        generate: F,
    ) -> Result<(Bytes, Source), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        let counters = &self.redis().counters;
        // A failed call is transient unless the tier is down (`Skipped`): one slow answer on a
        // loaded machine must not turn into a duplicate generation. Failures in a row take the
        // tier down (see `conn`), which ends the loops below.
        match self.lookup(key).await {
            Ok(Some(value)) => return Ok((value, Source::L2Hit)),
            Ok(None) | Err(Failure::Timeout | Failure::Error(_)) => {}
            Err(Failure::Skipped) => return generate().await.map(|v| (v, Source::Generated)),
        }
        let token = format!(
            "{}:{}",
            self.inner.owner,
            self.inner.next_lease.fetch_add(1, Ordering::Relaxed)
        );
        let mut waited = false;
        let mut pause = POLL_FIRST;
        // A `SET NX` that failed on our side may still have been applied: then the lease found
        // taken is our own, and waiting on it would only wait for it to expire.
        let mut uncertain = false;
        let holds_lease = loop {
            let mut attempt = self.try_lease(key, &token).await;
            if uncertain
                && attempt == Ok(false)
                && self.lease_holder(key).await == Ok(Some(token.clone()))
            {
                attempt = Ok(true);
            }
            uncertain = false;
            match attempt {
                Ok(true) => {
                    bump(&counters.leases_taken);
                    if waited {
                        bump(&counters.leases_stolen);
                    }
                    break true;
                }
                Ok(false) => {
                    if !waited {
                        waited = true;
                        bump(&counters.leases_waited);
                    }
                    // Polling with capped exponential backoff: see the module docs for why.
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(POLL_MAX);
                    match self.lookup(key).await {
                        Ok(Some(value)) => return Ok((value, Source::L2Waited)),
                        Ok(None) | Err(Failure::Timeout | Failure::Error(_)) => {}
                        Err(Failure::Skipped) => break false,
                    }
                }
                Err(Failure::Skipped) => break false,
                Err(Failure::Timeout | Failure::Error(_)) => {
                    uncertain = true;
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(POLL_MAX);
                }
            }
        };
        if !holds_lease {
            return generate().await.map(|v| (v, Source::Generated));
        }
        // Look again with the lease held: a holder that wrote its value and released between
        // our first lookup and our `SET NX` would otherwise be followed by a second generation.
        if let Ok(Some(value)) = self.lookup_value(key, false).await {
            bump(&counters.hits);
            self.release(key, &token).await;
            return Ok((
                value,
                if waited {
                    Source::L2Waited
                } else {
                    Source::L2Hit
                },
            ));
        }
        let renewal = RenewGuard(tokio::spawn(renew_lease(
            self.clone(),
            self.lease_key(key),
            token.clone(),
        )));
        let generated = generate().await;
        drop(renewal);
        if let Ok(value) = &generated {
            self.write(key, value, ttl).await;
        }
        self.release(key, &token).await;
        generated.map(|v| (v, Source::Generated))
    }

    /// `SET value PX ttl` (failures are counted and logged by the call layer).
    async fn write(&self, key: u128, value: &[u8], ttl: Option<Duration>) {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.value_key(key)).arg(encode(key, value));
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg((ttl.as_millis() as u64).max(1));
        }
        if self.redis().call::<()>(cmd).await.is_ok() {
            bump(&self.redis().counters.writes);
        }
    }

    async fn release(&self, key: u128, token: &str) {
        let released: Result<i64, _> = self
            .redis()
            .call(
                redis::cmd("EVAL")
                    .arg(RELEASE)
                    .arg(1)
                    .arg(self.lease_key(key))
                    .arg(token)
                    .clone(),
            )
            .await;
        if released == Ok(0) {
            bump(&self.redis().counters.leases_lost);
        }
    }

    /// Deletes every key under the prefix (values and leases) with `SCAN` + `UNLINK`, never
    /// `FLUSHDB`. Returns how many were deleted.
    pub async fn clear(&self) -> Result<u64, L2StartError> {
        let fail = |failure: Failure| L2StartError {
            url: self.config().url.redacted(),
            reason: format!("clearing {}*: {failure}", self.config().prefix),
        };
        let pattern = format!("{}*", self.config().prefix);
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .redis()
                .call(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT)
                        .clone(),
                )
                .await
                .map_err(fail)?;
            if !keys.is_empty() {
                let n: u64 = self
                    .redis()
                    .call(redis::cmd("UNLINK").arg(&keys).clone())
                    .await
                    .map_err(fail)?;
                deleted += n;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

/// Stops the renewal task when the generation ends, whichever way (result, error, cancel).
struct RenewGuard(tokio::task::JoinHandle<()>);

impl Drop for RenewGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Every third of the lease: push its expiry out again, while this owner holds it.
async fn renew_lease(l2: L2, lease_key: String, token: String) {
    let lease = l2.config().lease;
    let lease_ms = lease.as_millis() as u64;
    loop {
        tokio::time::sleep(lease / 3).await;
        let renewed: Result<i64, _> = l2
            .redis()
            .call(
                redis::cmd("EVAL")
                    .arg(RENEW)
                    .arg(1)
                    .arg(&lease_key)
                    .arg(&token)
                    .arg(lease_ms)
                    .clone(),
            )
            .await;
        if renewed == Ok(0) {
            bump(&l2.redis().counters.leases_lost);
            tracing::warn!(lease = %lease_key, "generation lease lost (expired or taken over) while generating");
            return;
        }
    }
}

/// The settings an L2 of `config` runs with, for `GET /api/cache/config` (no password).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct L2Info {
    /// URL, password redacted.
    pub url: String,
    /// Key prefix.
    pub prefix: String,
    /// `--l2-required`.
    pub required: bool,
    /// Per-call timeout, milliseconds.
    pub timeout_ms: u64,
    /// Lease lifetime, milliseconds.
    pub lease_ms: u64,
}

impl From<&L2Config> for L2Info {
    fn from(config: &L2Config) -> Self {
        Self {
            url: config.url.redacted(),
            prefix: config.prefix.clone(),
            required: config.required,
            timeout_ms: config.timeout.as_millis() as u64,
            lease_ms: config.lease.as_millis() as u64,
        }
    }
}
