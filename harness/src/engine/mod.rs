//! The discrete-event replay engine.
//!
//! One trace is replayed on a virtual clock in integer nanoseconds (exact and deterministic):
//! - the generator has `workers` workers; a request that must generate queues FIFO for a free
//!   worker and holds it for the request's cost, then the result is inserted into the cache;
//! - a hit is answered after `hit_cost` plus, when [`EngineConfig::measure_lookups`] is on, the
//!   real wall-clock time of a cache lookup: one lookup in [`LOOKUP_SAMPLE`] is timed, and every
//!   hit is charged the mean of the timed lookups that hit so far (a timed hit its own time);
//! - with single-flight, a miss whose key is being generated waits for that generation
//!   ("joined"); without, it starts its own generation;
//! - arrivals are a closed loop of `clients` clients (each sends its next request when the
//!   previous one is answered) or the trace's own open-loop timestamps.
//!
//! Ties are broken deterministically: events at the same instant run in the order they were
//! scheduled, and in open loop an arrival runs after every event at or before its time (a
//! request arriving exactly when a result lands sees it in the cache).
//!
//! With [`EngineConfig::warmup`], the first requests go through the cache (they warm it) but
//! are left out of every figure: counts, bytes, costs, latencies and the timeline windows, and
//! the makespan runs from the first measured arrival to the last measured answer.
//!
//! The engine streams the trace (no request is stored), and allocates only per in-flight
//! generation and per waiting request, from free lists reused across the run.

mod baseline;
mod error;
mod event_loop;
mod events;
mod latency;
mod one_client;
pub mod sim_cache;
mod timeline;

pub use baseline::DerivedBaseline;
pub use error::{EngineError, MAX_COST_S, checked_secs_to_ns, ns_to_secs, secs_to_ns};
pub use latency::{CURVE_PERCENTILES, LatencyFigures, LatencyRecorder};
pub use sim_cache::{
    AllocationFailed, CacheLimits, GencacheSim, LruSim, MemorySim, NoCache, Occupancy, Payload,
    SimCache, VirtualClock,
};
pub use timeline::{WindowSample, window_bounds};

use crate::distinct::DistinctKeys;
use baseline::CostConverter;
use events::EventQueue;
use gencache::{Clock, SystemClock};
use hashbrown::HashMap;
use std::collections::VecDeque;
use workloads::Request;

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalMode {
    /// `clients` clients, each sending its next request when the previous one is answered.
    Closed {
        /// Number of concurrent clients (at least 1).
        clients: u32,
    },
    /// Requests arrive at the trace's timestamps.
    Open,
}

/// With [`EngineConfig::measure_lookups`], one lookup in this many (by arrival position) is
/// timed; every hit is charged the mean of the timed hits before it (a timed hit its own time).
pub const LOOKUP_SAMPLE: u64 = 16;

/// Parameters of one replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    /// Generator workers (at least 1).
    pub workers: u32,
    /// Virtual nanoseconds to answer a hit (before the measured lookup time).
    pub hit_cost_ns: u64,
    /// Whether a miss joins an in-flight generation of the same key.
    pub single_flight: bool,
    /// Arrival process.
    pub arrival: ArrivalMode,
    /// Add the measured wall-clock time of a cache lookup to each hit's virtual latency (timed
    /// on one lookup in [`LOOKUP_SAMPLE`], the mean charged to the others).
    /// Off makes every figure deterministic (the gate runs this way).
    pub measure_lookups: bool,
    /// Number of timeline windows.
    pub windows: u32,
    /// Number of requests in the trace, if known (needed for the timeline windows).
    pub expected_requests: Option<u64>,
    /// Requests at the start of the trace that warm the cache but are left out of every
    /// figure (0: all are counted).
    pub warmup: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: 1,
            hit_cost_ns: 50_000_000,
            single_flight: true,
            arrival: ArrivalMode::Closed { clients: 1 },
            measure_lookups: true,
            windows: 100,
            expected_requests: None,
            warmup: 0,
        }
    }
}

/// Everything one replay measured (the requests after the warm-up).
#[derive(Debug, Clone)]
pub struct SideOutcome {
    /// Requests measured (after the warm-up).
    pub requests: u64,
    /// Requests of the warm-up: replayed, not measured.
    pub warmup_requests: u64,
    /// The cache's own statistics when the first measured request arrived (`None` without a
    /// warm-up): subtracted from the end's to count evictions in the measured part only.
    pub stats_at_warmup: Option<gencache::CacheStats>,
    /// Answered from the cache.
    pub hits: u64,
    /// Not answered from the cache (including joined).
    pub misses: u64,
    /// Misses that waited on another request's generation.
    pub joined: u64,
    /// Generator invocations.
    pub generations: u64,
    /// Virtual time from the first measured arrival to the last measured answer, ns.
    pub makespan_ns: u64,
    /// Worker-nanoseconds spent generating.
    pub generation_ns: u128,
    /// Request-nanoseconds spent queued for a worker or waiting on a joined generation.
    pub wait_ns: u128,
    /// Request-nanoseconds spent answering hits (hit cost plus measured lookups).
    pub hit_ns: u128,
    /// Of `hit_ns`, the measured wall-clock part (0 when lookups are not measured): the timed
    /// hits' own times plus, for each other hit, the mean of the timed hits before it.
    pub lookup_ns: u128,
    /// Sum of every request's latency, ns; always `hit_ns + wait_ns + generation_ns` (each
    /// request's time is answering a hit, waiting, or generating its own result).
    pub latency_sum_ns: u128,
    /// Sum of the trace's generation costs, seconds (for the mean miss cost).
    pub cost_sum_s: f64,
    /// Bytes requested (the sum of every request's size).
    pub requested_bytes: u128,
    /// Bytes answered from the cache (the sizes of the hit requests).
    pub hit_bytes: u128,
    /// Latency of every request.
    pub latency: LatencyRecorder,
    /// Per-window samples.
    pub timeline: Vec<WindowSample>,
    /// Arrivals whose timestamp went backwards and were taken as arriving "now".
    pub reordered_arrivals: u64,
}

impl SideOutcome {
    /// Mean generation cost over the trace, seconds.
    pub fn mean_cost_s(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.cost_sum_s / self.requests as f64
        }
    }

    /// `hits / requests`.
    pub fn hit_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.hits as f64 / self.requests as f64
        }
    }
}

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    /// A generation finished (job index).
    Completion(u32),
    /// A client is ready to send its next request.
    ClientReady(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    time: u64,
    seq: u64,
    what: What,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    key: u64,
    size: u64,
    cost_ns: u64,
    arrival_ns: u64,
    client: u32,
    /// Whether the request that started it is measured (not of the warm-up).
    measured: bool,
    /// Position of the request that started it in the trace, from 1 (for errors).
    request: u64,
    /// Head of this job's list of joined waiters in `Engine::waiters`.
    waiters: u32,
}

#[derive(Debug, Clone, Copy)]
struct Waiter {
    arrival_ns: u64,
    client: u32,
    measured: bool,
    next: u32,
}

/// What [`Engine::admit`] learns of an arriving request.
struct Admitted {
    /// Position in the trace, from 1.
    position: u64,
    /// Whether it is measured (after the warm-up).
    measured: bool,
    /// Its generation cost, checked and converted.
    cost_ns: u64,
}

/// One replay's state. Built per side by [`replay`].
struct Engine<'c, C: SimCache + ?Sized> {
    config: EngineConfig,
    cache: &'c mut C,
    events: EventQueue<Event>,
    seq: u64,
    free_workers: u32,
    queue: VecDeque<u32>,
    jobs: Vec<Job>,
    free_jobs: Vec<u32>,
    waiters: Vec<Waiter>,
    free_waiters: Vec<u32>,
    in_flight: HashMap<u64, u32>,
    /// Times the lookups when [`EngineConfig::measure_lookups`] is on: gencache's own clock (a
    /// calibrated TSC read, a fraction of `clock_gettime`'s cost, which would be most of a
    /// replayed hit's).
    lookup_clock: Option<SystemClock>,
    /// Timed lookups that hit so far, their summed wall-clock nanoseconds, and the mean that
    /// every untimed hit is charged (kept here so that an untimed hit costs no division).
    timed_hits: u64,
    timed_hit_ns: u64,
    timed_hit_mean_ns: u64,
    /// Converts and checks each request's cost.
    costs: CostConverter,
    /// Requests arrived so far, warm-up included.
    arrived: u64,
    /// The baseline derived request by request (closed loop with one client only), and the
    /// distinct keys seen (a key is new only on a miss).
    shadow: Option<Box<Shadow>>,
    /// Whether two requests can ever be outstanding at once (not with one closed-loop client):
    /// only then is the in-flight table kept, saving two hash operations per miss.
    concurrent: bool,
    /// Replay a closed loop with one client through the event queue like any other (tests
    /// compare it with the event-free loop).
    event_driven: bool,
    first_arrival: Option<u64>,
    last_answer: u64,
    last_arrival: u64,
    bounds: Vec<u64>,
    next_bound: usize,
    window_hits: u64,
    window_requests: u64,
    out: SideOutcome,
}

/// Replays `trace` through `cache` (use [`NoCache`] for the baseline) and returns what happened.
///
/// `progress` is called with the number of requests issued so far, every 4,096 requests
/// (often enough for a progress line every few seconds even on a slow pass).
///
/// # Errors
///
/// [`EngineError`] naming the request when a cost or timestamp is out of range, virtual time
/// would overflow, or the cache could not allocate a result (the memory pass).
///
/// ```
/// use harness::engine::{replay, EngineConfig, NoCache};
/// use workloads::Request;
///
/// let trace = (0..3).map(|k| Request { time: 0.0, key: k, size: 10, cost: 2.0 });
/// let out = replay(trace, &mut NoCache, &EngineConfig::default(), &mut |_| {})?;
/// assert_eq!(out.generations, 3);
/// assert_eq!(out.makespan_ns, 6_000_000_000);
/// # Ok::<(), harness::engine::EngineError>(())
/// ```
pub fn replay<C: SimCache + ?Sized>(
    trace: impl Iterator<Item = Request>,
    cache: &mut C,
    config: &EngineConfig,
    progress: &mut dyn FnMut(u64),
) -> Result<SideOutcome, EngineError> {
    let mut engine = Engine::new(*config, cache);
    engine.run(trace, progress)?;
    Ok(engine.finish())
}

/// The baseline derived beside the cached replay (closed loop with one client), and the
/// distinct keys seen (a key is new only on a miss).
struct Shadow {
    baseline: DerivedBaseline,
    distinct: DistinctKeys,
}

/// Replays `trace` through `cache` and derives the baseline (no cache) in the same pass, with
/// the number of distinct keys: exact for a closed loop with one client, where the baseline
/// needs no simulation. Any other arrival process replays the baseline separately (`None`).
///
/// # Errors
///
/// As [`replay`]; a baseline whose virtual time overflows fails as the baseline replay would.
///
/// ```
/// use harness::engine::{replay, replay_with_baseline, EngineConfig, LruSim, CacheLimits, NoCache};
/// use workloads::Request;
///
/// let trace: Vec<Request> = [1, 2, 1].iter().map(|&k| Request { time: 0.0, key: k, size: 10, cost: 2.0 }).collect();
/// let config = EngineConfig { measure_lookups: false, ..EngineConfig::default() };
/// let mut cache = LruSim::new(&CacheLimits::default());
/// let Some((cached, base, distinct)) = replay_with_baseline(trace.iter().copied(), &mut cache, &config, &mut |_| {})? else {
///     unreachable!("closed loop, one client")
/// };
/// let separate = replay(trace.iter().copied(), &mut NoCache, &EngineConfig { single_flight: false, ..config }, &mut |_| {})?;
/// assert_eq!((cached.hits, distinct), (1, 2));
/// assert_eq!((base.makespan_ns, base.generations), (separate.makespan_ns, separate.generations));
/// # Ok::<(), harness::engine::EngineError>(())
/// ```
pub fn replay_with_baseline<C: SimCache + ?Sized>(
    trace: impl Iterator<Item = Request>,
    cache: &mut C,
    config: &EngineConfig,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<(SideOutcome, SideOutcome, u64)>, EngineError> {
    if config.arrival != (ArrivalMode::Closed { clients: 1 }) {
        return Ok(None);
    }
    let mut engine = Engine::new(*config, cache);
    engine.shadow = Some(Box::new(Shadow {
        baseline: DerivedBaseline::new(config),
        distinct: DistinctKeys::new(),
    }));
    engine.run(trace, progress)?;
    let shadow = engine.shadow.take();
    let cached = engine.finish();
    Ok(shadow.map(|mut s| {
        let distinct = s.distinct.count() as u64;
        (cached, s.baseline.finish(), distinct)
    }))
}

impl<'c, C: SimCache + ?Sized> Engine<'c, C> {
    fn new(config: EngineConfig, cache: &'c mut C) -> Self {
        let bounds = config
            .expected_requests
            .map(|n| window_bounds(n.saturating_sub(config.warmup), config.windows))
            .unwrap_or_default();
        Self {
            config,
            cache,
            events: EventQueue::new(),
            seq: 0,
            free_workers: config.workers.max(1),
            queue: VecDeque::new(),
            jobs: Vec::new(),
            free_jobs: Vec::new(),
            waiters: Vec::new(),
            free_waiters: Vec::new(),
            in_flight: HashMap::new(),
            lookup_clock: config.measure_lookups.then(SystemClock::new),
            timed_hits: 0,
            timed_hit_ns: 0,
            timed_hit_mean_ns: 0,
            costs: CostConverter::default(),
            arrived: 0,
            concurrent: config.arrival != ArrivalMode::Closed { clients: 1 },
            event_driven: false,
            shadow: None,
            first_arrival: None,
            last_answer: 0,
            last_arrival: 0,
            bounds,
            next_bound: 0,
            window_hits: 0,
            window_requests: 0,
            out: SideOutcome::empty(),
        }
    }

    fn run(
        &mut self,
        trace: impl Iterator<Item = Request>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), EngineError> {
        match self.config.arrival {
            ArrivalMode::Closed { clients: 1 } if !self.event_driven => {
                self.run_one_client(trace, progress)?;
            }
            ArrivalMode::Closed { clients } => self.run_closed(trace, clients, progress)?,
            ArrivalMode::Open => self.run_open(trace, progress)?,
        }
        Ok(())
    }

    /// What every arriving request goes through before the cache sees it: its position, its
    /// cost checked and converted, the derived baseline's accounting, the measured counts and
    /// the progress callback.
    #[inline]
    fn admit(
        &mut self,
        request: &Request,
        now: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Admitted, EngineError> {
        self.arrived += 1;
        let position = self.arrived;
        let measured = position > self.config.warmup;
        let cost_ns = self.costs.cost_ns(request, position)?;
        if let Some(shadow) = &mut self.shadow {
            shadow.baseline.add_converted(request, cost_ns, position)?;
        }
        if measured {
            if self.first_arrival.is_none() && self.config.warmup > 0 {
                self.out.stats_at_warmup = Some(self.cache.stats());
            }
            self.out.requests += 1;
            self.window_requests += 1;
            self.out.cost_sum_s += request.cost;
            self.out.requested_bytes += u128::from(request.size);
            self.first_arrival.get_or_insert(now);
        } else {
            self.out.warmup_requests += 1;
        }
        self.last_arrival = now;
        if position & 0xFFF == 0 {
            progress(position);
        }
        Ok(Admitted {
            position,
            measured,
            cost_ns,
        })
    }

    /// Looks `key` (the request at `position`, from 1) up at `now` in an enabled cache: the hit's
    /// latency (the hit cost, plus the lookup's wall-clock time when lookups are measured), or
    /// `None` on a miss; `overflow` when that latency overflows the clock. The one lookup of
    /// both loops (events, one client).
    ///
    /// Only one lookup in [`LOOKUP_SAMPLE`] is timed: two counter reads cost about a third of a
    /// replayed lookup, so timing every one made the replay a fifth slower and inflated what it
    /// measured. An untimed hit is charged the mean of the timed hits so far.
    #[inline]
    fn hit_latency(
        &mut self,
        key: u64,
        position: u64,
        now: u64,
        overflow: impl FnOnce() -> EngineError,
    ) -> Result<Option<u64>, EngineError> {
        let Some(clock) = self.lookup_clock else {
            return Ok(self
                .cache
                .lookup(key, now)
                .then_some(self.config.hit_cost_ns));
        };
        let lookup = if position % LOOKUP_SAMPLE == 0 {
            let started = clock.now_nanos();
            let hit = self.cache.lookup(key, now);
            let lookup = clock.now_nanos().saturating_sub(started);
            if !hit {
                return Ok(None);
            }
            self.timed_hits += 1;
            self.timed_hit_ns = self.timed_hit_ns.saturating_add(lookup);
            self.timed_hit_mean_ns = self.timed_hit_ns / self.timed_hits;
            lookup
        } else {
            if !self.cache.lookup(key, now) {
                return Ok(None);
            }
            self.timed_hit_mean_ns
        };
        self.out.lookup_ns += u128::from(lookup);
        self.config
            .hit_cost_ns
            .checked_add(lookup)
            .map(Some)
            .ok_or_else(overflow)
    }

    /// Counts a measured hit of `size` bytes answered `latency` after its arrival, at `at`.
    /// The one hit count of both loops.
    #[inline]
    fn record_hit(&mut self, latency: u64, at: u64, size: u64) {
        self.out.hits += 1;
        self.window_hits += 1;
        self.out.hit_ns += u128::from(latency);
        self.out.latency.record_ns(latency);
        self.out.latency_sum_ns += u128::from(latency);
        self.last_answer = self.last_answer.max(at);
        self.out.hit_bytes += u128::from(size);
    }

    fn end_of_request(&mut self, now: u64) {
        if self.bounds.get(self.next_bound) == Some(&self.out.requests) {
            let occupancy = self.cache.occupancy();
            self.out.timeline.push(WindowSample {
                requests: self.out.requests,
                time_ns: now,
                window_requests: self.window_requests,
                window_hits: self.window_hits,
                cumulative_hits: self.out.hits,
                occupancy,
            });
            self.window_hits = 0;
            self.window_requests = 0;
            self.next_bound += 1;
        }
    }

    fn finish(mut self) -> SideOutcome {
        let first = self.first_arrival.unwrap_or(0);
        self.out.makespan_ns = self.last_answer.saturating_sub(first);
        self.out.latency.finish();
        self.out
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_one_client;
#[cfg(test)]
mod tests_warmup;
