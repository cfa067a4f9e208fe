//! The trace's profile: what a cache could do with it before any cache is chosen (requests,
//! distinct keys, compulsory misses, one-hit wonders, the fitted Zipf exponent, the footprint,
//! reuse distances and times against the TTL). One pass, one hash-map entry per key.

use crate::engine::LatencyRecorder;
use hashbrown::HashMap;
use hdrhistogram::Histogram;
use reports::sweep::TraceProfile;
use workloads::Request;

/// Percentiles the profile reports for reuse distances and times.
pub const REUSE_PERCENTILES: &[f64] = &[10.0, 25.0, 50.0, 75.0, 90.0, 99.0];

#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    last_position: u64,
    last_time: f64,
    size: u64,
}

/// Reuse distances and times, fed with each request and its key's previous use (whoever keeps
/// the per-key state: [`ProfileBuilder`] or the one-pass stack curve, which has it anyway).
pub struct ReuseStats {
    requests: u64,
    timed: bool,
    reuse_requests: Histogram<u64>,
    reuse_seconds: LatencyRecorder,
    ttl_s: Option<f64>,
    reuses_after_ttl: u64,
    reuses: u64,
}

impl ReuseStats {
    /// Empty statistics; reuse times are compared with `ttl_s` when given.
    pub fn new(ttl_s: Option<f64>) -> Self {
        Self {
            requests: 0,
            timed: false,
            // Auto-resizing, 3 significant digits: cannot fail.
            reuse_requests: Histogram::new(3)
                .unwrap_or_else(|_| unreachable!("3 significant digits are valid")),
            reuse_seconds: LatencyRecorder::new(),
            ttl_s,
            reuses_after_ttl: 0,
            reuses: 0,
        }
    }

    /// Counts one request (the `position`-th, from 1) whose key was last used at
    /// `previous = (position, time)`, if ever.
    #[inline]
    pub fn observe(&mut self, position: u64, time: f64, previous: Option<(u64, f64)>) {
        self.requests += 1;
        if time != 0.0 {
            self.timed = true;
        }
        if let Some((last_position, last_time)) = previous {
            self.reuses += 1;
            self.reuse_requests
                .saturating_record(position - last_position);
            let gap = (time - last_time).max(0.0);
            self.reuse_seconds.record_ns(crate::engine::secs_to_ns(gap));
            if self.ttl_s.is_some_and(|ttl| gap >= ttl) {
                self.reuses_after_ttl += 1;
            }
        }
    }

    /// The profile, given every distinct key's `(requests, last size)`.
    pub fn finish(mut self, keys: impl Iterator<Item = (u64, u64)>) -> TraceProfile {
        self.reuse_seconds.finish();
        let mut counts = Vec::new();
        let mut footprint_bytes = 0u64;
        let mut one_hit = 0u64;
        for (count, size) in keys {
            counts.push(count);
            footprint_bytes = footprint_bytes.saturating_add(size);
            one_hit += u64::from(count == 1);
        }
        let distinct = counts.len() as u64;
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let (zipf_exponent, zipf_r2) = fit_zipf(&counts);
        let reuse_requests = if self.reuses == 0 {
            Vec::new()
        } else {
            REUSE_PERCENTILES
                .iter()
                .map(|&p| (p, self.reuse_requests.value_at_percentile(p) as f64))
                .collect()
        };
        let reuse_seconds = if self.timed && self.reuses > 0 {
            REUSE_PERCENTILES
                .iter()
                .map(|&p| (p, self.reuse_seconds.percentile_s(p)))
                .collect()
        } else {
            Vec::new()
        };
        TraceProfile {
            requests: self.requests,
            distinct_keys: distinct,
            compulsory_miss_ratio: ratio(distinct, self.requests),
            one_hit_wonder_ratio: ratio(one_hit, distinct),
            zipf_exponent,
            zipf_r2,
            footprint_bytes,
            timed: self.timed,
            reuse_requests,
            reuse_seconds,
            ttl_s: self.ttl_s,
            reuses_after_ttl: (self.timed && self.ttl_s.is_some() && self.reuses > 0)
                .then(|| ratio(self.reuses_after_ttl, self.reuses)),
        }
    }
}

/// Builds a [`TraceProfile`] one request at a time.
pub struct ProfileBuilder {
    keys: HashMap<u64, Seen>,
    stats: ReuseStats,
}

impl ProfileBuilder {
    /// An empty profile; reuse times are compared with `ttl_s` when given.
    pub fn new(ttl_s: Option<f64>) -> Self {
        Self {
            keys: HashMap::new(),
            stats: ReuseStats::new(ttl_s),
        }
    }

    /// Counts one request.
    #[inline]
    pub fn observe(&mut self, request: &Request) {
        let position = self.stats.requests + 1;
        let seen = self.keys.entry(request.key).or_insert(Seen {
            count: 0,
            last_position: 0,
            last_time: request.time,
            size: request.size,
        });
        let previous = (seen.count > 0).then_some((seen.last_position, seen.last_time));
        self.stats.observe(position, request.time, previous);
        seen.count += 1;
        seen.last_position = position;
        seen.last_time = request.time;
        seen.size = request.size;
    }

    /// Distinct keys so far.
    pub fn distinct_keys(&self) -> u64 {
        self.keys.len() as u64
    }

    /// The profile.
    pub fn finish(self) -> TraceProfile {
        self.stats
            .finish(self.keys.values().map(|s| (s.count, s.size)))
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Least-squares fit of `ln count = c − s · ln rank` over the ranks (counts sorted
/// descending): the exponent `s` and the fit's R². Fewer than two ranks give `(0, 0)`.
pub fn fit_zipf(counts_descending: &[u64]) -> (f64, f64) {
    let n = counts_descending.len();
    if n < 2 {
        return (0.0, 0.0);
    }
    let (mut sx, mut sy, mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &c) in counts_descending.iter().enumerate() {
        let x = ((i + 1) as f64).ln();
        let y = (c.max(1) as f64).ln();
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
    }
    let nf = n as f64;
    let cov = sxy - sx * sy / nf;
    let var_x = sxx - sx * sx / nf;
    let var_y = syy - sy * sy / nf;
    if var_x <= 0.0 {
        return (0.0, 0.0);
    }
    let slope = cov / var_x;
    let r2 = if var_y <= 0.0 {
        // Every key equally popular: a flat line, perfectly fitted by exponent 0.
        1.0
    } else {
        (cov * cov) / (var_x * var_y)
    };
    (-slope, r2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_power_law_fits_with_r2_one() {
        let counts: Vec<u64> = (1..=1000u64)
            .map(|r| (1e6 / (r as f64)).round() as u64)
            .collect();
        let (s, r2) = fit_zipf(&counts);
        assert!((s - 1.0).abs() < 1e-3, "{s}");
        assert!(r2 > 0.9999, "{r2}");
    }

    #[test]
    fn profile_counts_keys_wonders_and_footprint() {
        let mut p = ProfileBuilder::new(Some(10.0));
        for (time, key, size) in [(0.0, 1, 5), (1.0, 2, 7), (20.0, 1, 5), (21.0, 3, 1)] {
            p.observe(&Request {
                time,
                key,
                size,
                cost: 1.0,
            });
        }
        let p = p.finish();
        assert_eq!(p.requests, 4);
        assert_eq!(p.distinct_keys, 3);
        assert!((p.compulsory_miss_ratio - 0.75).abs() < 1e-12);
        assert!((p.one_hit_wonder_ratio - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(p.footprint_bytes, 13);
        assert!(p.timed);
        assert_eq!(p.reuses_after_ttl, Some(1.0));
        assert_eq!(p.reuse_requests.first().map(|r| r.1), Some(2.0));
    }
}
