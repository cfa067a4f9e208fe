//! A bounded load test of a running service: a fixed number of generate requests from a fixed
//! number of concurrent clients (OS threads with blocking HTTP), latency in an HDR histogram.

use super::api::{GenerateRequest, KeyField};
use super::client::Client;
use gencache::LoadStatus;
use hdrhistogram::Histogram;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// What to send.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    /// Total requests (fixed: the test is bounded).
    pub requests: u64,
    /// Concurrent clients.
    pub concurrency: usize,
    /// Keys are drawn from `0..distinct_keys`.
    pub distinct_keys: u64,
    /// Result size of every request, bytes.
    pub size: u64,
    /// Generation cost of every request, virtual seconds.
    pub cost_s: f64,
    /// Seed of the key sequence (printed in the report, so a run can be repeated).
    pub seed: u64,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// The spec that ran.
    pub spec: LoadSpec,
    /// Requests answered 2xx.
    pub ok: u64,
    /// Requests that failed (transport or non-2xx); the first error is kept.
    pub errors: u64,
    /// First error message, if any.
    pub first_error: Option<String>,
    /// Answers by outcome.
    pub hits: u64,
    /// Answers that ran the generator.
    pub misses: u64,
    /// Answers that joined a concurrent generation.
    pub joined: u64,
    /// Wall-clock seconds of the whole run.
    pub wall_s: f64,
    /// Answered requests per wall-clock second.
    pub throughput_rps: f64,
    /// Client-side latency percentiles, milliseconds: p50, p90, p99, p99.9, max.
    pub latency_ms: [f64; 5],
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [p50, p90, p99, p999, max] = self.latency_ms;
        writeln!(
            f,
            "load: {} requests, {} concurrent clients, {} distinct keys, size {} B, cost {} s (seed {})",
            self.spec.requests,
            self.spec.concurrency,
            self.spec.distinct_keys,
            self.spec.size,
            self.spec.cost_s,
            self.spec.seed
        )?;
        writeln!(
            f,
            "  ok {}  errors {}  (hit {}, miss {}, joined {})",
            self.ok, self.errors, self.hits, self.misses, self.joined
        )?;
        writeln!(
            f,
            "  wall {:.3} s  throughput {:.0} req/s",
            self.wall_s, self.throughput_rps
        )?;
        write!(
            f,
            "  latency ms: p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  p99.9 {p999:.3}  max {max:.3}"
        )?;
        if let Some(e) = &self.first_error {
            write!(f, "\n  first error: {e}")?;
        }
        Ok(())
    }
}

/// SplitMix64: a fixed, well-mixed key sequence from the seed, without an RNG dependency here.
fn key_of(seed: u64, i: u64, distinct: u64) -> u64 {
    let mut z = seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % distinct.max(1)
}

/// Runs the load against `client` and blocks until every request is answered.
pub fn run_load(client: &Client, spec: &LoadSpec) -> LoadReport {
    let next = AtomicU64::new(0);
    let counts = [
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    ];
    let first_error = Mutex::new(None::<String>);
    // 1 µs .. 10 min, 3 significant digits; new_with_bounds only fails on bad bounds (these are fixed).
    let merged = Mutex::new(Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).ok());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..spec.concurrency.max(1) {
            scope.spawn(|| {
                let mut local = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).ok();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= spec.requests {
                        break;
                    }
                    let request = GenerateRequest {
                        key: Some(KeyField::Number(key_of(spec.seed, i, spec.distinct_keys))),
                        size: Some(spec.size),
                        cost: Some(spec.cost_s),
                        ..GenerateRequest::default()
                    };
                    let sent = Instant::now();
                    match client.generate(&request) {
                        Ok(answer) => {
                            let micros = sent.elapsed().as_micros().max(1);
                            if let Some(h) = local.as_mut() {
                                h.saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
                            }
                            let slot = match answer.status {
                                LoadStatus::Hit => 0,
                                LoadStatus::Loaded => 1,
                                LoadStatus::Joined => 2,
                            };
                            counts[slot].fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            counts[3].fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut slot) = first_error.lock() {
                                slot.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                }
                let mut merged = merged.lock();
                if let (Ok(Some(m)), Some(local)) =
                    (merged.as_deref_mut().map(Option::as_mut), local)
                {
                    // Same bounds on both sides, so adding cannot fail.
                    let _ = m.add(&local);
                }
            });
        }
    });
    let wall_s = started.elapsed().as_secs_f64();
    let [hits, misses, joined, errors] = counts.map(|c| c.into_inner());
    let ok = hits + misses + joined;
    let histogram = merged.into_inner().ok().flatten();
    let ms = |q: f64| {
        histogram
            .as_ref()
            .map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1e3)
    };
    LoadReport {
        spec: spec.clone(),
        ok,
        errors,
        first_error: first_error.into_inner().ok().flatten(),
        hits,
        misses,
        joined,
        wall_s,
        throughput_rps: if wall_s > 0.0 {
            ok as f64 / wall_s
        } else {
            0.0
        },
        latency_ms: [
            ms(0.5),
            ms(0.9),
            ms(0.99),
            ms(0.999),
            histogram.as_ref().map_or(0.0, |h| h.max() as f64 / 1e3),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_and_in_range() {
        let a: Vec<u64> = (0..100).map(|i| key_of(7, i, 10)).collect();
        let b: Vec<u64> = (0..100).map(|i| key_of(7, i, 10)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|&k| k < 10));
        // All ten keys appear in 100 draws of a well-mixed sequence.
        let mut seen = a.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10);
    }
}
