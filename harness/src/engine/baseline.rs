//! The baseline (no cache) of a closed loop with one client, derived request by request:
//! without a cache every request generates, one at a time, so its latency is its own cost and
//! virtual time is the sum of the costs. It depends on the trace alone, so it can be derived
//! beside the cached replay ([`super::replay_with_baseline`]) or on another thread, ahead of it
//! (the trace reader's, see `RequestStream::read_ahead`).

use super::{
    EngineConfig, EngineError, LatencyRecorder, MAX_COST_S, SideOutcome, checked_secs_to_ns,
};
use workloads::Request;

/// A request's cost checked and converted to nanoseconds, remembering the latest conversion
/// (consecutive requests often cost the same: converted, and checked, once).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CostConverter {
    /// The latest valid cost converted: its `f64` bits and nanoseconds.
    last: Option<(u64, u64)>,
}

impl CostConverter {
    /// `request`'s cost in nanoseconds; the error names it (at `position`, from 1).
    #[inline]
    pub(super) fn cost_ns(&mut self, request: &Request, position: u64) -> Result<u64, EngineError> {
        match self.last {
            Some((bits, ns)) if bits == request.cost.to_bits() => Ok(ns),
            _ => match checked_secs_to_ns(request.cost) {
                Some(ns) if request.cost <= MAX_COST_S => {
                    self.last = Some((request.cost.to_bits(), ns));
                    Ok(ns)
                }
                _ => Err(EngineError::CostOutOfRange {
                    request: position,
                    key: request.key,
                    cost_s: request.cost,
                }),
            },
        }
    }
}

/// The baseline of a closed loop with one client, fed one request at a time.
///
/// ```
/// use harness::engine::{DerivedBaseline, EngineConfig};
/// use workloads::Request;
///
/// let mut base = DerivedBaseline::new(&EngineConfig::default());
/// for key in [1, 2, 1] {
///     base.add(&Request { time: 0.0, key, size: 10, cost: 2.0 })?;
/// }
/// let out = base.finish();
/// assert_eq!((out.generations, out.makespan_ns), (3, 6_000_000_000));
/// # Ok::<(), harness::engine::EngineError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DerivedBaseline {
    out: SideOutcome,
    warmup: u64,
    arrived: u64,
    costs: CostConverter,
    /// Virtual time over the whole trace (warm-up included), for the overflow check.
    clock_ns: u64,
    /// Virtual time of the measured requests: the baseline's makespan.
    measured_ns: u64,
}

impl DerivedBaseline {
    /// An empty baseline for replays with `config`'s warm-up.
    pub fn new(config: &EngineConfig) -> Self {
        Self {
            out: SideOutcome::empty(),
            warmup: config.warmup,
            arrived: 0,
            costs: CostConverter::default(),
            clock_ns: 0,
            measured_ns: 0,
        }
    }

    /// Adds the next request.
    ///
    /// # Errors
    ///
    /// The error the replay stops with at this request: its cost is out of range, or the
    /// baseline's virtual time would overflow. The baseline is then left as it was.
    #[inline]
    pub fn add(&mut self, request: &Request) -> Result<(), EngineError> {
        let position = self.arrived + 1;
        let cost_ns = self.costs.cost_ns(request, position)?;
        self.add_converted(request, cost_ns, position)
    }

    /// [`Self::add`] with the cost already converted (the engine converts it once for both
    /// sides); `position` is the request's, from 1.
    #[inline]
    pub(super) fn add_converted(
        &mut self,
        request: &Request,
        cost_ns: u64,
        position: u64,
    ) -> Result<(), EngineError> {
        self.clock_ns = self
            .clock_ns
            .checked_add(cost_ns)
            .ok_or(EngineError::ClockOverflow {
                request: position,
                key: request.key,
            })?;
        self.arrived = position;
        let base = &mut self.out;
        if position <= self.warmup {
            base.warmup_requests += 1;
        } else {
            self.measured_ns += cost_ns;
            base.requests += 1;
            base.misses += 1;
            base.generations += 1;
            base.generation_ns += u128::from(cost_ns);
            base.latency.record_ns(cost_ns);
            base.latency_sum_ns += u128::from(cost_ns);
            base.cost_sum_s += request.cost;
            base.requested_bytes += u128::from(request.size);
        }
        Ok(())
    }

    /// The baseline's outcome.
    pub fn finish(self) -> SideOutcome {
        let mut out = self.out;
        out.makespan_ns = self.measured_ns;
        out.latency.finish();
        out
    }
}

impl SideOutcome {
    /// An outcome with nothing replayed.
    pub(super) fn empty() -> Self {
        SideOutcome {
            requests: 0,
            warmup_requests: 0,
            stats_at_warmup: None,
            hits: 0,
            misses: 0,
            joined: 0,
            generations: 0,
            makespan_ns: 0,
            generation_ns: 0,
            wait_ns: 0,
            hit_ns: 0,
            lookup_ns: 0,
            latency_sum_ns: 0,
            cost_sum_s: 0.0,
            requested_bytes: 0,
            hit_bytes: 0,
            latency: LatencyRecorder::new(),
            timeline: Vec::new(),
            reordered_arrivals: 0,
        }
    }
}
