//! Streaming, deterministic generation of a workload's trace.

use crate::error::WorkloadError;
use crate::keys::{RankSampler, key_for_rank};
use crate::model::Request;
use crate::spec::{Arrival, CostDist, KeyPopularity, SizeDist, Workload};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

/// Independent random streams, so that changing the arrival process does not change the keys.
const KEY_STREAM: u64 = 1;
const ARRIVAL_STREAM: u64 = 2;

/// A workload's requests, generated one at a time (constant memory, except a burst's arrival
/// times), deterministic from the workload's seed.
#[derive(Debug, Clone)]
pub struct Trace {
    seed: u64,
    remaining: u64,
    ranks: RankSampler,
    key_rng: ChaCha8Rng,
    arrivals: Arrivals,
    arrival_rng: ChaCha8Rng,
    size: SizeDist,
    cost: CostDist,
    /// The last arrival time emitted, which replaces a non-finite one (see [`Trace::finite`]).
    last_time: f64,
}

#[derive(Debug, Clone)]
enum Arrivals {
    Closed,
    Poisson {
        now: f64,
        gap: Exp<f64>,
    },
    Bursts {
        size: u32,
        spread_s: f64,
        gap: Exp<f64>,
        /// End of the current burst window; the next one starts a gap later.
        window_end: f64,
        /// Arrival times of the current burst not yet emitted, latest first (popped from the end).
        pending: Vec<f64>,
        /// Key of the current burst.
        key: u64,
    },
}

impl Workload {
    /// The workload's trace: `requests` requests, streaming, deterministic from `seed`.
    ///
    /// A Zipf workload with a `target_hit_rate` but no stored `calibrated_exponent` is an error
    /// ([`WorkloadError::Uncalibrated`], naming `harness calibrate`): this never calibrates.
    ///
    /// ```
    /// let w = workloads::Workload::preset("seed-example").unwrap();
    /// let keys: std::collections::HashSet<u64> = w.trace().unwrap().map(|r| r.key).collect();
    /// assert_eq!(keys.len(), 30);
    /// ```
    pub fn trace(&self) -> Result<Trace, WorkloadError> {
        let exponent = match (&self.keys, self.zipf_exponent()) {
            (KeyPopularity::Zipf { .. }, None) => {
                return Err(WorkloadError::Uncalibrated {
                    origin: self.name.clone(),
                });
            }
            (_, e) => e.unwrap_or(0.0),
        };
        self.trace_with_exponent(exponent)
    }

    /// The trace with an explicit Zipf exponent (ignored by non-Zipf keys).
    pub fn trace_with_exponent(&self, exponent: f64) -> Result<Trace, WorkloadError> {
        // A workload may have been changed in code since it was loaded: check it again (cheap).
        self.validate(&self.name)?;
        let invalid = |field: &str, message: String| WorkloadError::Invalid {
            origin: self.name.clone(),
            field: field.to_string(),
            message,
        };
        let ranks = RankSampler::new(&self.keys, self.key_draws(), exponent)
            .map_err(|m| invalid("keys.exponent", m))?;
        let arrivals = match self.arrival {
            Arrival::Closed { .. } => Arrivals::Closed,
            Arrival::Poisson { rate_per_s } => Arrivals::Poisson {
                now: 0.0,
                gap: Exp::new(rate_per_s)
                    .map_err(|e| invalid("arrival.rate_per_s", e.to_string()))?,
            },
            Arrival::Bursts {
                burst_size,
                spread_s,
                mean_gap_s,
            } => Arrivals::Bursts {
                size: burst_size,
                spread_s,
                gap: Exp::new(1.0 / mean_gap_s)
                    .map_err(|e| invalid("arrival.mean_gap_s", e.to_string()))?,
                window_end: 0.0,
                pending: Vec::new(),
                key: 0,
            },
        };
        let mut key_rng = ChaCha8Rng::seed_from_u64(self.seed);
        key_rng.set_stream(KEY_STREAM);
        let mut arrival_rng = ChaCha8Rng::seed_from_u64(self.seed);
        arrival_rng.set_stream(ARRIVAL_STREAM);
        Ok(Trace {
            seed: self.seed,
            remaining: self.requests,
            ranks,
            key_rng,
            arrivals,
            arrival_rng,
            size: self.size.clone(),
            cost: self.cost.clone(),
            last_time: 0.0,
        })
    }
}

impl Trace {
    fn next_key(&mut self) -> u64 {
        key_for_rank(self.seed, self.ranks.next_rank(&mut self.key_rng))
    }

    /// `time`, or the previous arrival time if `time` is not finite.
    ///
    /// Validation bounds the trace span (`MAX_TRACE_SPAN_S`), so this should never trigger; it
    /// is the last line of defence, because one `inf` time poisons every consumer downstream (CSV
    /// output that cannot be read back, replays joining on infinite times). Repeating the previous
    /// time keeps times finite and non-decreasing; the problem is logged, never a panic.
    fn finite(&mut self, time: f64) -> f64 {
        if time.is_finite() {
            self.last_time = time;
        } else {
            tracing::error!(
                time,
                replaced_by = self.last_time,
                "non-finite arrival time generated despite validation; repeating the previous one"
            );
        }
        self.last_time
    }
}

impl Iterator for Trace {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (time, key) = match &mut self.arrivals {
            Arrivals::Closed => (0.0, None),
            Arrivals::Poisson { now, gap } => {
                *now += gap.sample(&mut self.arrival_rng);
                (*now, None)
            }
            Arrivals::Bursts {
                size,
                spread_s,
                gap,
                window_end,
                pending,
                key,
            } => {
                let new_burst = pending.is_empty();
                if new_burst {
                    let start = *window_end + gap.sample(&mut self.arrival_rng);
                    *window_end = start + *spread_s;
                    let rng = &mut self.arrival_rng;
                    pending.extend((0..*size).map(|_| start + *spread_s * rng.random::<f64>()));
                    // Latest first, so that pop() yields them in arrival order.
                    pending.sort_unstable_by(|a, b| b.total_cmp(a));
                }
                let time = pending.pop().unwrap_or(*window_end);
                (time, if new_burst { None } else { Some(*key) })
            }
        };
        let time = self.finite(time);
        let key = match key {
            Some(k) => k,
            None => {
                let k = self.next_key();
                if let Arrivals::Bursts { key, .. } = &mut self.arrivals {
                    *key = k;
                }
                k
            }
        };
        Some(Request {
            time,
            key,
            size: self.size.size_of(self.seed, key),
            cost: self.cost.cost_of(self.seed, key),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, usize::try_from(self.remaining).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_finite_arrival_time_is_never_emitted() {
        // Unreachable through validation: a Poisson clock about to overflow, built by hand.
        let mut trace = Workload::preset("seed-example")
            .and_then(|w| w.trace())
            .unwrap();
        trace.arrivals = Arrivals::Poisson {
            now: f64::MAX,
            gap: Exp::new(1.0e-300).unwrap(),
        };
        let times: Vec<f64> = trace.by_ref().take(5).map(|r| r.time).collect();
        // The raw clock did overflow: the replacement path was exercised.
        assert!(
            matches!(trace.arrivals, Arrivals::Poisson { now, .. } if now.is_infinite()),
            "{:?}",
            trace.arrivals
        );
        assert_eq!(times.len(), 5);
        assert!(times.iter().all(|t| t.is_finite()), "{times:?}");
        assert!(times.windows(2).all(|p| p[0] <= p[1]), "{times:?}");
    }
}
