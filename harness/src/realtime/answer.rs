//! The one way a request is answered through the real cache, shared by the in-process live
//! replay and `harness serve`'s `POST /api/generate`: look up (single-flight or not), generate on
//! a miss, and sleep the hit cost on a hit.

use super::timing::{scaled, sleep_precise};
use gencache::{Cache, LoadOptions, LoadStatus, Loaded};
use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

/// How the cached side answers, the same for the live replay and the service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answering {
    /// Concurrent misses of one key join one generation (`false`: the seed's behaviour, every
    /// miss generates on its own).
    pub single_flight: bool,
    /// Virtual seconds a hit takes to answer (the seed's measured 0.05 s).
    pub hit_cost_s: f64,
    /// Real seconds per virtual second.
    pub time_scale: f64,
}

/// Answers `key` from `cache`, running `generate` on a miss; a hit then sleeps the scaled hit
/// cost. `ttl`: the entry's time-to-live when it is stored (`None`: the cache's default).
///
/// # Errors
///
/// The generation's error (joined callers get a clone of it).
pub async fn answer<K, V, E, Fut>(
    cache: &Cache<K, V>,
    key: K,
    ttl: Option<Option<Duration>>,
    how: &Answering,
    generate: Fut,
) -> Result<Loaded<V>, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + 'static,
    Fut: Future<Output = Result<V, E>>,
{
    let loaded = if how.single_flight {
        let options = match ttl {
            Some(ttl) => LoadOptions::default().ttl(ttl),
            None => LoadOptions::default(),
        };
        cache.load_async(key, options, generate).await?
    } else if let Some(value) = cache.get(&key) {
        Loaded {
            value,
            status: LoadStatus::Hit,
        }
    } else {
        // The seed's behaviour: every concurrent miss of a key generates on its own.
        let value = generate.await?;
        match ttl {
            Some(ttl) => cache.insert_with_ttl(key, value.clone(), ttl),
            None => cache.insert(key, value.clone()),
        };
        Loaded {
            value,
            status: LoadStatus::Loaded,
        }
    };
    if loaded.status == LoadStatus::Hit {
        sleep_precise(scaled(how.hit_cost_s, how.time_scale)).await;
    }
    Ok(loaded)
}
