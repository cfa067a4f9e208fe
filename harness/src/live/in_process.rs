//! The live replay in this process: tokio tasks as clients, the real cache on a scaled clock, the
//! simulated generator behind it.

use super::drive::{drive, runtime};
use super::{LiveConfig, LiveError, LiveRun, LiveSide};
use crate::realtime::timing::ScaledClock;
use crate::realtime::{SimGenerator, answer};
use crate::sized_cache::sized_cache;
use gencache::{Cache, LoadStatus};
use std::sync::Arc;
use workloads::Request;

/// The live cache: key → result size, weighed by the size, on a clock scaled to virtual time.
type LiveCache = Cache<u64, u64>;

/// Answers one request in process: through the cache ([`answer`]), or straight from the
/// generator for the baseline (`cache` is None).
async fn answer_one(
    request: Request,
    cache: Option<LiveCache>,
    generator: Arc<SimGenerator>,
    config: Arc<LiveConfig>,
) -> Result<LoadStatus, LiveError> {
    let failed = |e: crate::realtime::GeneratorError| LiveError::Task(e.to_string());
    let Some(cache) = cache else {
        generator.work(request.cost).await.map_err(failed)?;
        return Ok(LoadStatus::Loaded);
    };
    let work = async {
        generator.work(request.cost).await?;
        Ok(request.size)
    };
    let loaded = answer(&cache, request.key, None, &config.answering(), work)
        .await
        .map_err(failed)?;
    Ok(loaded.status)
}

async fn in_process_side(
    trace: Arc<[Request]>,
    config: Arc<LiveConfig>,
    cached: bool,
) -> Result<LiveSide, LiveError> {
    let generator = Arc::new(SimGenerator::new(config.workers, config.time_scale));
    let cache: Option<LiveCache> =
        cached.then(|| sized_cache(config.cache, ScaledClock::new(config.time_scale)).build());
    let serve = {
        let (generator, config) = (Arc::clone(&generator), Arc::clone(&config));
        move |request| {
            answer_one(
                request,
                cache.clone(),
                Arc::clone(&generator),
                Arc::clone(&config),
            )
        }
    };
    let (mut side, _) = drive(trace, config.clients, config.time_scale, serve).await?;
    side.generations = generator.generations();
    Ok(side)
}

/// Replays `trace` live in this process, baseline then cached. Blocks for about
/// (baseline + cached virtual time) × `time_scale` seconds.
pub fn replay_in_process(trace: Arc<[Request]>, config: &LiveConfig) -> Result<LiveRun, LiveError> {
    config.validate()?;
    let shared = Arc::new(config.clone());
    let runtime = runtime()?;
    let baseline = runtime.block_on(in_process_side(
        Arc::clone(&trace),
        Arc::clone(&shared),
        false,
    ))?;
    let cached = runtime.block_on(in_process_side(trace, shared, true))?;
    Ok(LiveRun {
        mode: "in-process".into(),
        config: config.clone(),
        baseline,
        cached,
        server_stats: None,
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::collect_trace;
    use gencache::CacheConfig;
    use std::time::Duration;

    fn config(clients: Option<u32>) -> LiveConfig {
        LiveConfig {
            time_scale: 0.0001,
            workers: 1,
            hit_cost_s: 0.05,
            single_flight: true,
            clients,
            cache: CacheConfig {
                max_entries: None,
                max_bytes: None,
                default_ttl: None,
            },
        }
    }

    fn req(time: f64, key: u64) -> Request {
        Request {
            time,
            key,
            size: 100,
            cost: 10.0,
        }
    }

    #[test]
    fn closed_loop_counts_are_exact_for_one_client() {
        let trace = collect_trace([req(0.0, 1), req(0.0, 2), req(0.0, 1), req(0.0, 1)]).unwrap();
        let run = replay_in_process(trace, &config(Some(1))).unwrap();
        assert_eq!(run.baseline.generations, 4);
        assert_eq!(run.baseline.misses, 4);
        assert_eq!(run.cached.generations, 2);
        assert_eq!(run.cached.hits, 2);
        assert_eq!(run.cached.requests, 4);
        // Wall time rescaled: at least the 4 (resp. 2) generations of 10 virtual seconds.
        assert!(run.baseline.virtual_s >= 40.0);
        assert!(run.cached.virtual_s >= 20.0);
    }

    #[test]
    fn open_loop_duplicates_join_one_generation() {
        // Three requests for one key arriving together: one generation, two joins. A long
        // generation (2,000 virtual s = 200 ms) so all three surely arrive while it runs.
        let slow = Request {
            cost: 2000.0,
            ..req(0.0, 7)
        };
        let trace = collect_trace([slow, slow, slow]).unwrap();
        let run = replay_in_process(trace, &config(None)).unwrap();
        assert_eq!(run.cached.generations, 1);
        assert_eq!(run.cached.misses, 1);
        assert_eq!(run.cached.joined + run.cached.hits, 2);
        let herd = LiveConfig {
            single_flight: false,
            ..config(None)
        };
        let trace = collect_trace([slow, slow, slow]).unwrap();
        let run = replay_in_process(trace, &herd).unwrap();
        assert_eq!(
            run.cached.generations, 3,
            "without single-flight every miss generates"
        );
    }

    #[test]
    fn ttl_acts_in_virtual_time() {
        // TTL 5 virtual s; the second request for key 1 comes after a 10 s generation of key 2.
        let cfg = LiveConfig {
            cache: CacheConfig {
                default_ttl: Some(Duration::from_secs(5)),
                ..config(Some(1)).cache
            },
            ..config(Some(1))
        };
        let trace = collect_trace([req(0.0, 1), req(0.0, 2), req(0.0, 1)]).unwrap();
        let run = replay_in_process(trace, &cfg).unwrap();
        assert_eq!(run.cached.hits, 0);
        assert_eq!(run.cached.generations, 3);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let trace = collect_trace([req(0.0, 1)]).unwrap();
        for bad in [
            LiveConfig {
                time_scale: 0.0,
                ..config(Some(1))
            },
            LiveConfig {
                time_scale: 2000.0,
                ..config(Some(1))
            },
            LiveConfig {
                workers: 0,
                ..config(Some(1))
            },
            LiveConfig {
                hit_cost_s: -1.0,
                ..config(Some(1))
            },
            config(Some(0)),
        ] {
            assert!(matches!(
                replay_in_process(Arc::clone(&trace), &bad),
                Err(LiveError::Invalid { .. })
            ));
        }
        assert!(matches!(collect_trace([]), Err(LiveError::Trace(_))));
    }
}
