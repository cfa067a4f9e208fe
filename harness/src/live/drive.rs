//! The client side of a live replay: the trace copied for random access, closed- or open-loop
//! client tasks, and the outcome tally of one side.

use super::{LiveError, LiveSide, MAX_LIVE_REQUESTS};
use crate::realtime::timing::{scaled, sleep_until_precise};
use gencache::LoadStatus;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use workloads::Request;

/// Checks the trace and copies it (a live replay needs random access from many tasks).
pub fn collect_trace(
    requests: impl IntoIterator<Item = Request>,
) -> Result<Arc<[Request]>, LiveError> {
    let mut trace = Vec::new();
    for request in requests {
        if trace.len() == MAX_LIVE_REQUESTS {
            return Err(LiveError::Trace(format!(
                "the trace has more than {MAX_LIVE_REQUESTS} requests; live replay is for small traces"
            )));
        }
        trace.push(request);
    }
    if trace.is_empty() {
        return Err(LiveError::Trace("the trace has no requests".into()));
    }
    Ok(trace.into())
}

/// Outcome counters shared by the client tasks of one side.
#[derive(Default)]
struct Tally {
    hits: AtomicU64,
    misses: AtomicU64,
    joined: AtomicU64,
}

impl Tally {
    fn count(&self, status: LoadStatus) {
        let slot = match status {
            LoadStatus::Hit => &self.hits,
            LoadStatus::Loaded => &self.misses,
            LoadStatus::Joined => &self.joined,
        };
        slot.fetch_add(1, Ordering::Relaxed);
    }
}

/// Replays `trace` with `serve` answering each request, closed or open loop, and returns the
/// outcome counts and the wall-clock makespan (first arrival to last answer).
pub(super) async fn drive<F, Fut>(
    trace: Arc<[Request]>,
    clients: Option<u32>,
    time_scale: f64,
    serve: F,
) -> Result<(LiveSide, Duration), LiveError>
where
    F: Fn(Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<LoadStatus, LiveError>> + Send + 'static,
{
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    match clients {
        Some(clients) => {
            // Each client takes the next request of the trace when its previous one is answered.
            let next = Arc::new(AtomicUsize::new(0));
            for _ in 0..clients {
                let (trace, next, tally, serve) = (
                    Arc::clone(&trace),
                    Arc::clone(&next),
                    Arc::clone(&tally),
                    serve.clone(),
                );
                tasks.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&request) = trace.get(i) else {
                            return Ok::<(), LiveError>(());
                        };
                        tally.count(serve(request).await?);
                    }
                });
            }
        }
        None => {
            // Arrivals at their scaled offsets from the first one; a timestamp that goes
            // backwards arrives "now", as in the simulation.
            let first = trace.first().map_or(0.0, |r| r.time);
            for &request in trace.iter() {
                let (tally, serve) = (Arc::clone(&tally), serve.clone());
                let at = started + scaled(request.time - first, time_scale);
                tasks.spawn(async move {
                    sleep_until_precise(at).await;
                    tally.count(serve(request).await?);
                    Ok(())
                });
            }
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| LiveError::Task(e.to_string()))??;
    }
    let wall = started.elapsed();
    let side = LiveSide {
        requests: trace.len() as u64,
        hits: tally.hits.load(Ordering::Relaxed),
        misses: tally.misses.load(Ordering::Relaxed),
        joined: tally.joined.load(Ordering::Relaxed),
        generations: 0,
        wall_s: wall.as_secs_f64(),
        virtual_s: wall.as_secs_f64() / time_scale,
    };
    Ok((side, wall))
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
