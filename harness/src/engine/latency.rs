//! Latency histograms (hdrhistogram), recorded in microseconds with 3 significant digits
//! (0.1 % relative precision), from 1 µs to one virtual year.
//!
//! A replay records one latency per request, and most requests have one of two latencies (every
//! hit costs the hit cost; a trace's generations often cost the same), hits and misses
//! interleaved: the two latest distinct values are counted apart and recorded together, one
//! histogram update per value when a third one comes (or at the end). A histogram only counts,
//! so every figure is the same as recording them one by one.

use hdrhistogram::Histogram;
use std::borrow::Cow;

/// Highest latency the histogram can hold: one year in microseconds. Larger values are clamped.
const MAX_MICROS: u64 = 365 * 24 * 3600 * 1_000_000;

/// Percentiles written to the percentile curve (for plotting and the CSV).
pub const CURVE_PERCENTILES: &[f64] = &[
    0.0, 5.0, 10.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 97.5,
    99.0, 99.5, 99.9, 99.99, 100.0,
];

/// A latency recorder for one side of a replay.
#[derive(Debug, Clone)]
pub struct LatencyRecorder {
    histogram: Histogram<u64>,
    /// The two latest distinct values recorded (µs), with how many times each was recorded
    /// since it last entered `histogram` (a count of 0: no value).
    pending: [(u64, u64); 2],
    /// Which of `pending` was recorded last: a third value replaces the other one. An index
    /// rather than keeping the latest first, since hits and misses alternate and moving the
    /// pair on each switch was a measurable part of a replayed request.
    latest: usize,
}

/// Latency percentiles in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencyFigures {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        // The bounds are constants that satisfy hdrhistogram's preconditions (low >= 1,
        // high >= 2 * low, sigfig <= 5), so construction cannot fail.
        let histogram = Histogram::new_with_bounds(1, MAX_MICROS, 3)
            .unwrap_or_else(|_| unreachable!("constant histogram bounds are valid"));
        Self {
            histogram,
            pending: [(0, 0); 2],
            latest: 0,
        }
    }

    /// Records one latency given in nanoseconds.
    #[inline]
    pub fn record_ns(&mut self, ns: u64) {
        let micros = (ns / 1_000).min(MAX_MICROS);
        if micros == self.pending[0].0 {
            self.pending[0].1 += 1;
            self.latest = 0;
        } else if micros == self.pending[1].0 {
            self.pending[1].1 += 1;
            self.latest = 1;
        } else {
            let older = 1 - self.latest;
            let (value, count) = self.pending[older];
            if count > 0 {
                self.histogram.saturating_record_n(value, count);
            }
            self.pending[older] = (micros, 1);
            self.latest = older;
        }
    }

    /// Records `count` latencies of `ns` nanoseconds each.
    pub fn record_n_ns(&mut self, ns: u64, count: u64) {
        let micros = (ns / 1_000).min(MAX_MICROS);
        self.histogram.saturating_record_n(micros, count);
    }

    /// Moves the pending counts into the histogram.
    fn settle(&mut self) {
        for (micros, count) in &mut self.pending {
            if *count > 0 {
                self.histogram.saturating_record_n(*micros, *count);
                *count = 0;
            }
        }
    }

    fn pending_count(&self) -> u64 {
        self.pending[0].1 + self.pending[1].1
    }

    /// The histogram with the pending counts in it (a copy only while some are pending).
    fn settled(&self) -> Cow<'_, Histogram<u64>> {
        if self.pending_count() == 0 {
            Cow::Borrowed(&self.histogram)
        } else {
            let mut h = self.histogram.clone();
            for &(micros, count) in &self.pending {
                if count > 0 {
                    h.saturating_record_n(micros, count);
                }
            }
            Cow::Owned(h)
        }
    }

    /// Records the pending counts now, so that reading the figures copies nothing (a replay calls
    /// it when it ends; the figures are the same either way).
    pub fn finish(&mut self) {
        self.settle();
    }

    /// Adds every latency recorded by `other`.
    pub fn add(&mut self, other: &LatencyRecorder) {
        self.settle();
        // Both histograms have the same constant bounds, so the addition cannot fail.
        let added = self.histogram.add(other.settled().as_ref());
        debug_assert!(added.is_ok(), "same-bounds histograms add");
    }

    /// Removes every latency recorded by `other` (which must be a subset of this one's).
    pub fn subtract(&mut self, other: &LatencyRecorder) {
        self.settle();
        let subtracted = self.histogram.subtract(other.settled().as_ref());
        debug_assert!(subtracted.is_ok(), "subtracting a sub-histogram");
    }

    /// Number of latencies recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len() + self.pending_count()
    }

    /// Latency at `percentile` (0..=100), in seconds.
    pub fn percentile_s(&self, percentile: f64) -> f64 {
        percentile_of(&self.settled(), percentile)
    }

    /// Mean, p50, p90, p99 and max, in seconds.
    pub fn figures(&self) -> LatencyFigures {
        let h = self.settled();
        if h.is_empty() {
            return LatencyFigures::default();
        }
        LatencyFigures {
            mean: h.mean() / 1e6,
            p50: percentile_of(&h, 50.0),
            p90: percentile_of(&h, 90.0),
            p99: percentile_of(&h, 99.0),
            max: micros_to_s(h.max()),
        }
    }

    /// `(percentile, seconds)` at each of [`CURVE_PERCENTILES`].
    pub fn curve(&self) -> Vec<(f64, f64)> {
        let h = self.settled();
        if h.is_empty() {
            return Vec::new();
        }
        CURVE_PERCENTILES
            .iter()
            .map(|&p| (p, percentile_of(&h, p)))
            .collect()
    }
}

fn percentile_of(h: &Histogram<u64>, percentile: f64) -> f64 {
    micros_to_s(h.value_at_percentile(percentile))
}

fn micros_to_s(micros: u64) -> f64 {
    micros as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut r = LatencyRecorder::new();
        // 70 hits of 50 ms, 30 misses of 124.6 s.
        for _ in 0..70 {
            r.record_ns(50_000_000);
        }
        for _ in 0..30 {
            r.record_ns(124_600_000_000);
        }
        let f = r.figures();
        assert_eq!(r.count(), 100);
        assert!((f.p50 - 0.05).abs() < 0.05 * 1e-3);
        assert!((f.p90 - 124.6).abs() < 124.6 * 1e-3);
        assert!((f.max - 124.6).abs() < 124.6 * 1e-3);
        let expected_mean = (70.0 * 0.05 + 30.0 * 124.6) / 100.0;
        assert!((f.mean - expected_mean).abs() < expected_mean * 1e-3);
        let curve = r.curve();
        assert_eq!(curve.len(), CURVE_PERCENTILES.len());
        assert!(
            curve.windows(2).all(|w| w[0].1 <= w[1].1),
            "curve is monotone"
        );
    }

    #[test]
    fn runs_of_equal_values_give_the_figures_of_single_records() {
        let values = [5u64, 5, 5, 7, 7, 5, 1_000_000, 1_000_000, 0, 0, 0, 5];
        let mut batched = LatencyRecorder::new();
        let mut single = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, 3)
            .unwrap_or_else(|_| unreachable!("constant histogram bounds are valid"));
        for (i, &us) in values.iter().enumerate() {
            batched.record_ns(us * 1_000);
            single.saturating_record(us);
            let reference = LatencyRecorder {
                histogram: single.clone(),
                pending: [(0, 0); 2],
                latest: 0,
            };
            assert_eq!(batched.count(), (i + 1) as u64);
            assert_eq!(batched.figures(), reference.figures());
            assert_eq!(batched.curve(), reference.curve());
        }
        // Adding and subtracting see the pending runs of both sides.
        let mut sum = batched.clone();
        sum.add(&batched);
        assert_eq!(sum.count(), 2 * values.len() as u64);
        sum.subtract(&batched);
        assert_eq!(sum.figures(), batched.figures());
        batched.finish();
        assert_eq!(batched.count(), values.len() as u64);
    }

    proptest::proptest! {
        /// Any sequence (few distinct values, interleaved) gives the figures of one histogram
        /// record per value, at every point.
        #[test]
        fn pending_counts_give_the_figures_of_single_records(
            values in proptest::collection::vec(
                proptest::prop_oneof![0u64..4, proptest::strategy::Just(50_000u64), proptest::strategy::Just(124_600_000)], 0..200)
        ) {
            let mut batched = LatencyRecorder::new();
            let mut single = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, 3)
                .unwrap_or_else(|_| unreachable!("constant histogram bounds are valid"));
            for &us in &values {
                batched.record_ns(us * 1_000 + 999);
                single.saturating_record(us);
            }
            let reference = LatencyRecorder {
                histogram: single,
                pending: [(0, 0); 2],
                latest: 0,
            };
            proptest::prop_assert_eq!(batched.count(), values.len() as u64);
            proptest::prop_assert_eq!(batched.figures(), reference.figures());
            proptest::prop_assert_eq!(batched.curve(), reference.curve());
            batched.finish();
            proptest::prop_assert_eq!(batched.curve(), reference.curve());
        }
    }

    #[test]
    fn empty_recorder_reports_zeros() {
        let r = LatencyRecorder::new();
        assert_eq!(r.figures(), LatencyFigures::default());
        assert!(r.curve().is_empty());
    }
}
