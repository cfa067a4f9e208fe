//! Latency histograms (hdrhistogram), recorded in microseconds with 3 significant digits
//! (0.1 % relative precision), from 1 µs to one virtual year.

use hdrhistogram::Histogram;

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
        Self { histogram }
    }

    /// Records one latency given in nanoseconds.
    #[inline]
    pub fn record_ns(&mut self, ns: u64) {
        let micros = (ns / 1_000).min(MAX_MICROS);
        self.histogram.saturating_record(micros);
    }

    /// Records `count` latencies of `ns` nanoseconds each.
    pub fn record_n_ns(&mut self, ns: u64, count: u64) {
        let micros = (ns / 1_000).min(MAX_MICROS);
        self.histogram.saturating_record_n(micros, count);
    }

    /// Adds every latency recorded by `other`.
    pub fn add(&mut self, other: &LatencyRecorder) {
        // Both histograms have the same constant bounds, so the addition cannot fail.
        let added = self.histogram.add(&other.histogram);
        debug_assert!(added.is_ok(), "same-bounds histograms add");
    }

    /// Removes every latency recorded by `other` (which must be a subset of this one's).
    pub fn subtract(&mut self, other: &LatencyRecorder) {
        let subtracted = self.histogram.subtract(&other.histogram);
        debug_assert!(subtracted.is_ok(), "subtracting a sub-histogram");
    }

    /// Number of latencies recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// Latency at `percentile` (0..=100), in seconds.
    pub fn percentile_s(&self, percentile: f64) -> f64 {
        micros_to_s(self.histogram.value_at_percentile(percentile))
    }

    /// Mean, p50, p90, p99 and max, in seconds.
    pub fn figures(&self) -> LatencyFigures {
        if self.histogram.is_empty() {
            return LatencyFigures::default();
        }
        LatencyFigures {
            mean: self.histogram.mean() / 1e6,
            p50: self.percentile_s(50.0),
            p90: self.percentile_s(90.0),
            p99: self.percentile_s(99.0),
            max: micros_to_s(self.histogram.max()),
        }
    }

    /// `(percentile, seconds)` at each of [`CURVE_PERCENTILES`].
    pub fn curve(&self) -> Vec<(f64, f64)> {
        if self.histogram.is_empty() {
            return Vec::new();
        }
        CURVE_PERCENTILES
            .iter()
            .map(|&p| (p, self.percentile_s(p)))
            .collect()
    }
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
    fn empty_recorder_reports_zeros() {
        let r = LatencyRecorder::new();
        assert_eq!(r.figures(), LatencyFigures::default());
        assert!(r.curve().is_empty());
    }
}
