//! Live replay: the simulation's replay done for real, to check the simulation against reality.
//!
//! Tokio tasks are the clients (a closed loop of C tasks, or one task per request released at
//! its scaled arrival time), the real [`gencache::Cache`] with its async single-flight sits in
//! front of a generator of K workers (a semaphore) that sleeps each request's cost × `time_scale`,
//! and hits sleep the hit cost × `time_scale`. Wall-clock makespans are divided by `time_scale`
//! back into virtual seconds and compared with the simulation of the same trace
//! ([`compare`]): hit counts must be equal for a closed loop of one client (the order of
//! requests is then fixed), and the speedup within [`SPEEDUP_TOLERANCE_PCT`].
//!
//! The cache runs on a [`ScaledClock`], so a 24 h TTL lasts 24 *virtual* hours as in the
//! simulation. Cached values are the result sizes (weighed as such, like the simulation's cache):
//! the live replay measures time, not memory.
//!
//! With a target URL ([`replay_http`]) the same replay goes over HTTP to a running
//! `harness serve`: the baseline with `bypass_cache`, the cached side through the server's cache,
//! whose stats are read before and after.

use crate::serve::api::{ConfigUpdate, GenerateRequest, KeyField, StatsResponse};
use crate::serve::client::{Client, ClientError, ClientTimeouts};
use crate::serve::timing::{ScaledClock, scaled, sleep_precise, sleep_until_precise};
use crate::serve::{Outcome, SimGenerator};
use gencache::{Cache, CacheConfig, LoadOptions, LoadStatus};
use reports::results::{LiveComparison, ModelParams, RunResults};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use workloads::Request;

/// The live-replay flags of `harness run`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct LiveArgs {
    /// Also replay the trace for real in this process (tokio tasks, the real cache, scaled
    /// sleeps) and print it beside the simulation.
    #[arg(long, conflicts_with = "target")]
    pub live: bool,
    /// Replay the trace for real over HTTP against a running `harness serve` at this URL
    /// (`http://127.0.0.1:PORT`) and print it beside the simulation.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Real seconds per virtual second of the live replay (0 < scale <= 1): at 0.001 a 124.6 s
    /// generation sleeps 124.6 ms.
    #[arg(
        long,
        value_name = "SCALE",
        default_value_t = 0.001,
        allow_negative_numbers = true
    )]
    pub time_scale: f64,
    /// Admin token of the target server, to align its cache bounds with the simulation's and
    /// clear it before the replay.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "GENCACHE_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub target_token: Option<String>,
    /// Longest wait for a TCP connection to the target (e.g. `5s`).
    #[arg(long, value_name = "DURATION", default_value = "5s",
          value_parser = parse_timeout)]
    pub target_connect_timeout: Duration,
    /// Longest wait for one request's whole answer from the target (e.g. `60s`); raise it for
    /// generations that take longer at the server's time scale.
    #[arg(long, value_name = "DURATION", default_value = "60s",
          value_parser = parse_timeout)]
    pub target_timeout: Duration,
}

/// A positive humantime duration (`5s`, `500ms`, `2m`).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?}: {e} (e.g. 5s, 500ms, 2m)"))?;
    if duration.is_zero() {
        return Err(format!("{text:?} must be longer than zero"));
    }
    Ok(duration)
}

impl LiveArgs {
    /// Whether a live replay was asked for.
    pub fn requested(&self) -> bool {
        self.live || self.target.is_some()
    }
}

/// `harness run --live` / `--target` for one source already simulated: replays its trace live
/// with the simulation's model, returns the comparison for `results.json` and the printed
/// side-by-side summary.
pub fn run_for(
    source: &crate::source::Source,
    options: &crate::run::RunOptions,
    simulated: &RunResults,
    args: &LiveArgs,
) -> Result<(LiveComparison, String), LiveError> {
    let clients = match crate::run::effective_arrival(source, options) {
        crate::engine::ArrivalMode::Closed { clients } => Some(clients),
        crate::engine::ArrivalMode::Open => None,
    };
    let config = LiveConfig::from_model(&simulated.model, clients, args.time_scale);
    config.validate()?;
    let mut stream = source
        .open()
        .map_err(|e| LiveError::Trace(format!("{}: {e}", source.name())))?;
    let trace = collect_trace(&mut stream)?;
    stream
        .finish()
        .map_err(|e| LiveError::Trace(format!("{}: {e}", source.name())))?;
    let expected_wall_s =
        (simulated.baseline.virtual_time_s + simulated.cached.virtual_time_s) * args.time_scale;
    tracing::info!(
        workload = %source.name(),
        expected_wall_s,
        "live replay starting"
    );
    let live = match &args.target {
        Some(target) => {
            let timeouts = ClientTimeouts {
                connect: args.target_connect_timeout,
                request: args.target_timeout,
            };
            replay_http(target, args.target_token.clone(), timeouts, trace, &config)?
        }
        None => replay_in_process(trace, &config)?,
    };
    let comparison = compare(simulated, &live);
    let agree = agreement(&comparison, config.clients);
    if !agree.holds() {
        tracing::warn!(
            workload = %source.name(),
            speedup_diff_pct = comparison.speedup_diff_pct,
            hit_diff = comparison.hit_diff,
            "live replay and simulation disagree beyond the tolerance"
        );
    }
    let text = LiveSummary {
        simulated,
        live: &live,
    }
    .to_string();
    Ok((comparison, text))
}

/// Largest |live − simulated| / simulated speedup, in percent, for the two to "agree".
pub const SPEEDUP_TOLERANCE_PCT: f64 = 5.0;

/// Largest trace a live replay accepts: it runs in real (scaled) time and keeps the trace in
/// memory.
pub const MAX_LIVE_REQUESTS: usize = 1_000_000;

/// Why a live replay failed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A parameter is out of range.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The parameter (flag name).
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The trace is empty or too long.
    #[error("cannot replay live: {0}")]
    Trace(String),
    /// Talking to the target server failed.
    #[error("live replay against the server failed: {0}")]
    Http(#[from] ClientError),
    /// A client task failed.
    #[error("live replay task failed: {0}")]
    Task(String),
    /// The tokio runtime could not start.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// How a live replay runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveConfig {
    /// Real seconds per virtual second (0 < scale ≤ 1).
    pub time_scale: f64,
    /// Generator workers (K ≥ 1).
    pub workers: u32,
    /// Virtual seconds to answer a hit.
    pub hit_cost_s: f64,
    /// Whether concurrent duplicate misses join one generation.
    pub single_flight: bool,
    /// `Some(C)`: closed loop of C clients; `None`: open loop at the trace's timestamps.
    pub clients: Option<u32>,
    /// The cached side's bounds.
    pub cache: CacheConfig,
}

impl LiveConfig {
    /// The live configuration of a simulated run: same workers, hit cost, single-flight and cache
    /// bounds as its [`ModelParams`].
    pub fn from_model(model: &ModelParams, clients: Option<u32>, time_scale: f64) -> Self {
        Self {
            time_scale,
            workers: model.workers,
            hit_cost_s: model.hit_cost_s,
            single_flight: model.single_flight,
            clients,
            cache: CacheConfig {
                max_entries: model
                    .max_entries
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
                max_bytes: model.max_bytes,
                default_ttl: model
                    .ttl_s
                    .and_then(|s| Duration::try_from_secs_f64(s).ok()),
            },
        }
    }

    fn validate(&self) -> Result<(), LiveError> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0 && self.time_scale <= 1.0) {
            return Err(LiveError::Invalid {
                what: "--time-scale",
                reason: format!("{} must be above 0 and at most 1", self.time_scale),
            });
        }
        if self.workers == 0 {
            return Err(LiveError::Invalid {
                what: "--workers",
                reason: "must be at least 1".into(),
            });
        }
        if self.clients == Some(0) {
            return Err(LiveError::Invalid {
                what: "--clients",
                reason: "must be at least 1".into(),
            });
        }
        if !(self.hit_cost_s.is_finite() && self.hit_cost_s >= 0.0) {
            return Err(LiveError::Invalid {
                what: "--hit-cost",
                reason: format!("{} must be finite and >= 0", self.hit_cost_s),
            });
        }
        Ok(())
    }

    fn arrival_text(&self) -> String {
        match self.clients {
            Some(1) => "closed loop, 1 client".into(),
            Some(c) => format!("closed loop, {c} clients"),
            None => "open loop, trace timestamps".into(),
        }
    }
}

/// One side (baseline or cached) of a live replay.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiveSide {
    /// Requests answered.
    pub requests: u64,
    /// Answered from the cache.
    pub hits: u64,
    /// Ran the generator.
    pub misses: u64,
    /// Joined a concurrent generation.
    pub joined: u64,
    /// Generator runs.
    pub generations: u64,
    /// Wall-clock makespan, seconds.
    pub wall_s: f64,
    /// The makespan in virtual seconds (`wall_s / time_scale`).
    pub virtual_s: f64,
}

/// A finished live replay, both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRun {
    /// "in-process" or the target URL.
    pub mode: String,
    /// The configuration it ran with (for `--target`: the server's time scale, workers, hit cost).
    pub config: LiveConfig,
    /// No cache.
    pub baseline: LiveSide,
    /// Through the cache.
    pub cached: LiveSide,
    /// For `--target`: the server's stats before and after the cached side.
    pub server_stats: Option<(StatsResponse, StatsResponse)>,
    /// Things the reader should know (settings that differ from the simulation's, ...).
    pub notes: Vec<String>,
}

impl LiveRun {
    /// `baseline.virtual_s / cached.virtual_s`.
    pub fn speedup(&self) -> f64 {
        ratio(self.baseline.virtual_s, self.cached.virtual_s)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

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
    fn count(&self, outcome: Outcome) {
        let slot = match outcome {
            Outcome::Hit => &self.hits,
            Outcome::Miss => &self.misses,
            Outcome::Joined => &self.joined,
        };
        slot.fetch_add(1, Ordering::Relaxed);
    }
}

/// Replays `trace` with `serve` answering each request, closed or open loop, and returns the
/// outcome counts and the wall-clock makespan (first arrival to last answer).
async fn drive<F, Fut>(
    trace: Arc<[Request]>,
    clients: Option<u32>,
    time_scale: f64,
    serve: F,
) -> Result<(LiveSide, Duration), LiveError>
where
    F: Fn(Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Outcome, LiveError>> + Send + 'static,
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

fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The live cache: key → result size, weighed by the size, on a clock scaled to virtual time.
type LiveCache = Cache<u64, u64>;

/// Answers one request in process: from the cache or the generator (baseline: `cache` is None).
async fn answer(
    request: Request,
    cache: Option<LiveCache>,
    generator: Arc<SimGenerator>,
    config: Arc<LiveConfig>,
) -> Result<Outcome, LiveError> {
    let internal = |e: crate::serve::ApiError| LiveError::Task(e.message);
    let Some(cache) = cache else {
        generator.work(request.cost).await.map_err(internal)?;
        return Ok(Outcome::Miss);
    };
    let outcome = if config.single_flight {
        let work = async {
            generator.work(request.cost).await?;
            Ok(request.size)
        };
        let loaded = cache
            .load_async(request.key, LoadOptions::default(), work)
            .await
            .map_err(internal)?;
        match loaded.status {
            LoadStatus::Hit => Outcome::Hit,
            LoadStatus::Loaded => Outcome::Miss,
            LoadStatus::Joined => Outcome::Joined,
        }
    } else if cache.get(&request.key).is_some() {
        Outcome::Hit
    } else {
        // The seed's behaviour: every concurrent miss of a key generates on its own.
        generator.work(request.cost).await.map_err(internal)?;
        cache.insert(request.key, request.size);
        Outcome::Miss
    };
    if outcome == Outcome::Hit {
        sleep_precise(scaled(config.hit_cost_s, config.time_scale)).await;
    }
    Ok(outcome)
}

async fn in_process_side(
    trace: Arc<[Request]>,
    config: Arc<LiveConfig>,
    cached: bool,
) -> Result<LiveSide, LiveError> {
    let generator = Arc::new(SimGenerator::new(config.workers, config.time_scale));
    let cache: Option<LiveCache> = cached.then(|| {
        Cache::builder()
            .config(config.cache)
            .clock(ScaledClock::new(config.time_scale))
            .weigher(|_key: &u64, size: &u64| usize::try_from(*size).unwrap_or(usize::MAX))
            .build()
    });
    let serve = {
        let (generator, config) = (Arc::clone(&generator), Arc::clone(&config));
        move |request| {
            answer(
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

/// Replays `trace` over HTTP against a running `harness serve` at `target`: baseline with
/// `bypass_cache`, then through the server's cache. With `admin_token` the server's cache is
/// first set to `config.cache`'s bounds and cleared, so the run starts cold like the simulation;
/// without one, differences are listed in [`LiveRun::notes`]. Time scale, workers and hit cost are
/// the server's (a note says when they differ from `config`).
pub fn replay_http(
    target: &str,
    admin_token: Option<String>,
    timeouts: ClientTimeouts,
    trace: Arc<[Request]>,
    config: &LiveConfig,
) -> Result<LiveRun, LiveError> {
    config.validate()?;
    let client = Client::with_timeouts(target, admin_token.clone(), timeouts)?;
    let server = client.config()?;
    let mut notes = Vec::new();
    let generator = &server.generator;
    let mut effective = config.clone();
    effective.time_scale = generator.time_scale;
    if generator.time_scale != config.time_scale {
        notes.push(format!(
            "the server runs at time scale {} (asked for {}); the server's is used",
            generator.time_scale, config.time_scale
        ));
    }
    if generator.workers != config.workers {
        notes.push(format!(
            "the server has {} generator worker(s), the simulation {}: start it with --workers {}",
            generator.workers, config.workers, config.workers
        ));
        effective.workers = generator.workers;
    }
    if (generator.hit_cost_s - config.hit_cost_s).abs() > 1e-12 {
        notes.push(format!(
            "the server's hit cost is {} s, the simulation's {} s: start it with --hit-cost {}",
            generator.hit_cost_s, config.hit_cost_s, config.hit_cost_s
        ));
        effective.hit_cost_s = generator.hit_cost_s;
    }
    if !config.single_flight {
        notes.push(
            "the server always uses single-flight; --no-single-flight is not replayed over HTTP"
                .into(),
        );
    }
    let wanted = ConfigUpdate {
        enabled: Some(true),
        max_entries: Some(config.cache.max_entries.map(|n| n as u64)),
        max_bytes: Some(config.cache.max_bytes),
        default_ttl_s: Some(config.cache.default_ttl.map(|d| d.as_secs_f64())),
    };
    if admin_token.is_some() {
        client.set_config(&wanted)?;
        client.clear()?;
    } else {
        let same = server.enabled
            && server.max_entries == wanted.max_entries.flatten()
            && server.max_bytes == wanted.max_bytes.flatten()
            && server.default_ttl_s == wanted.default_ttl_s.flatten();
        if !same {
            notes.push("the server's cache bounds differ from the simulation's and no admin token was given to align them (GENCACHE_ADMIN_TOKEN)".into());
        }
        if client.stats()?.cache.entries > 0 {
            notes.push("the server's cache was not empty and could not be cleared without an admin token: expect extra hits".into());
        }
    }
    let runtime = runtime()?;
    let side = |bypass_cache: bool| {
        let client = client.clone();
        move |request: Request| {
            let client = client.clone();
            async move {
                let body = GenerateRequest {
                    key: Some(KeyField::Number(request.key)),
                    size: Some(request.size),
                    cost: Some(request.cost),
                    bypass_cache,
                    ..GenerateRequest::default()
                };
                let answer = tokio::task::spawn_blocking(move || client.generate(&body))
                    .await
                    .map_err(|e| LiveError::Task(e.to_string()))??;
                Ok(answer.status)
            }
        }
    };
    let before_baseline = client.stats()?;
    let (mut baseline, _) = runtime.block_on(drive(
        Arc::clone(&trace),
        config.clients,
        effective.time_scale,
        side(true),
    ))?;
    let before = client.stats()?;
    baseline.generations = before
        .generations
        .saturating_sub(before_baseline.generations);
    let (mut cached, _) = runtime.block_on(drive(
        trace,
        config.clients,
        effective.time_scale,
        side(false),
    ))?;
    let after = client.stats()?;
    cached.generations = after.generations.saturating_sub(before.generations);
    let server_hits = after.requests.hit.saturating_sub(before.requests.hit);
    if server_hits != cached.hits {
        notes.push(format!(
            "the server counted {server_hits} hits during the run, its answers to this replay {}: other clients were using it",
            cached.hits
        ));
    }
    Ok(LiveRun {
        mode: client.base().to_owned(),
        config: effective,
        baseline,
        cached,
        server_stats: Some((before, after)),
        notes,
    })
}

/// The live run beside the simulation's results for the same trace.
pub fn compare(simulated: &RunResults, live: &LiveRun) -> LiveComparison {
    let speedup = live.speedup();
    let requests = live.cached.requests.max(1) as f64;
    LiveComparison {
        mode: live.mode.clone(),
        time_scale: live.config.time_scale,
        baseline_s: live.baseline.virtual_s,
        cached_s: live.cached.virtual_s,
        speedup,
        hits: live.cached.hits,
        hit_rate: live.cached.hits as f64 / requests,
        generations: live.cached.generations,
        speedup_diff_pct: diff_pct(speedup, simulated.speedup),
        hit_diff: live.cached.hits as i64 - simulated.cache.hits as i64,
    }
}

fn diff_pct(live: f64, simulated: f64) -> f64 {
    if simulated > 0.0 {
        (live - simulated) / simulated * 100.0
    } else {
        0.0
    }
}

/// Whether live and simulated agree within the stated tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Hit counts must be exactly equal (closed loop with one client: the order is fixed).
    pub hits_must_match: bool,
    /// Hit counts equal (or not required to be).
    pub hits_ok: bool,
    /// Speedup within [`SPEEDUP_TOLERANCE_PCT`].
    pub speedup_ok: bool,
}

impl Agreement {
    /// Both checks passed.
    pub fn holds(&self) -> bool {
        self.hits_ok && self.speedup_ok
    }
}

/// Checks a comparison against the tolerance. With more than one client (or open loop) the
/// interleaving of real tasks may differ from the simulation's tie-breaking, so only the speedup
/// is required to agree.
pub fn agreement(comparison: &LiveComparison, clients: Option<u32>) -> Agreement {
    let hits_must_match = clients == Some(1);
    Agreement {
        hits_must_match,
        hits_ok: !hits_must_match || comparison.hit_diff == 0,
        speedup_ok: comparison.speedup_diff_pct.abs() <= SPEEDUP_TOLERANCE_PCT,
    }
}

/// A printable side-by-side table of the simulation and the live replay.
pub struct LiveSummary<'a> {
    /// The simulation.
    pub simulated: &'a RunResults,
    /// The live replay.
    pub live: &'a LiveRun,
}

impl fmt::Display for LiveSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sim, live) = (self.simulated, self.live);
        let cmp = compare(sim, live);
        let agree = agreement(&cmp, live.config.clients);
        writeln!(
            f,
            "live replay ({}, time scale {}, {} worker(s), {}):",
            live.mode,
            live.config.time_scale,
            live.config.workers,
            live.config.arrival_text()
        )?;
        writeln!(
            f,
            "  {:<18} {:>14} {:>14} {:>10}",
            "", "simulation", "live", "diff"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: f64, l: f64| {
            writeln!(
                f,
                "  {name:<18} {s:>14.2} {l:>14.2} {:>+9.2}%",
                diff_pct(l, s)
            )
        };
        row(
            f,
            "baseline time (s)",
            sim.baseline.virtual_time_s,
            live.baseline.virtual_s,
        )?;
        row(
            f,
            "cached time (s)",
            sim.cached.virtual_time_s,
            live.cached.virtual_s,
        )?;
        row(f, "speedup (x)", sim.speedup, cmp.speedup)?;
        let count = |f: &mut fmt::Formatter<'_>, name: &str, s: u64, l: u64| {
            writeln!(
                f,
                "  {name:<18} {s:>14} {l:>14} {:>+10}",
                l as i64 - s as i64
            )
        };
        count(f, "hits", sim.cache.hits, live.cached.hits)?;
        writeln!(
            f,
            "  {:<18} {:>13.2}% {:>13.2}% {:>+8.2}pp",
            "hit rate",
            sim.cache.hit_rate * 100.0,
            cmp.hit_rate * 100.0,
            (cmp.hit_rate - sim.cache.hit_rate) * 100.0
        )?;
        count(f, "joined", sim.cache.joined, live.cached.joined)?;
        count(
            f,
            "generations",
            sim.cached.generations,
            live.cached.generations,
        )?;
        writeln!(
            f,
            "  wall clock: baseline {:.3} s, cached {:.3} s",
            live.baseline.wall_s, live.cached.wall_s
        )?;
        if let Some((before, after)) = &live.server_stats {
            writeln!(
                f,
                "  server stats over the cached side: hits +{}, misses +{}, joined +{}, generations +{}, entries {} -> {}",
                after.cache.hits.saturating_sub(before.cache.hits),
                after.cache.misses.saturating_sub(before.cache.misses),
                after
                    .cache
                    .loads_joined
                    .saturating_sub(before.cache.loads_joined),
                after.generations.saturating_sub(before.generations),
                before.cache.entries,
                after.cache.entries
            )?;
        }
        for note in &live.notes {
            writeln!(f, "  note: {note}")?;
        }
        let yes = |b: bool| if b { "yes" } else { "NO" };
        write!(
            f,
            "  agreement: hit counts {} ({}); speedup within ±{SPEEDUP_TOLERANCE_PCT} %: {} ({:+.2} %)",
            if agree.hits_must_match {
                "must match exactly (closed loop, 1 client)"
            } else {
                "may differ (concurrent clients)"
            },
            if agree.hits_ok {
                format!("yes, diff {}", cmp.hit_diff)
            } else {
                format!("NO, diff {}", cmp.hit_diff)
            },
            yes(agree.speedup_ok),
            cmp.speedup_diff_pct
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                time_scale: 2.0,
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
