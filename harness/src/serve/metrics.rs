//! Request metrics and the `GET /metrics` registry (OpenMetrics text, by `prometheus-client`).
//!
//! One [`Registry`] holds everything `/metrics` shows. What only the service can know — request
//! outcomes and latencies — is recorded here in live `prometheus-client` metrics. The cache's own
//! counters (L1, and the L2's when configured) are not copied: a [`Collector`] registered by the
//! service state reads them at scrape time and encodes them with [`encode_cache_stats`] and
//! [`crate::l2::L2Stats::encode_metrics`].

use gencache::{CacheStats, LoadStatus};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Every answer status, in exposition order.
pub const STATUSES: [LoadStatus; 3] = [LoadStatus::Hit, LoadStatus::Loaded, LoadStatus::Joined];

/// The status as the API and the metric labels name it: `hit`, `miss` (this request ran the
/// generator; the seed's word) or `joined`.
pub fn status_label(status: LoadStatus) -> &'static str {
    match status {
        LoadStatus::Hit => "hit",
        LoadStatus::Loaded => "miss",
        LoadStatus::Joined => "joined",
    }
}

fn index(status: LoadStatus) -> usize {
    match status {
        LoadStatus::Hit => 0,
        LoadStatus::Loaded => 1,
        LoadStatus::Joined => 2,
    }
}

/// Upper bounds (seconds, wall clock) of the latency histogram buckets: from a fast hit to a
/// full-scale 124.6 s generation.
pub const LATENCY_BUCKETS_S: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
    300.0,
];

/// The `Content-Type` of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `gencache_request_duration_seconds` family: one histogram per outcome, labelled
/// `outcome="hit|miss|joined"`, all exposed from the start in [`STATUSES`] order. (A
/// `prometheus-client` `Family` would create series on first use and list them in hash order.)
#[derive(Debug, Clone)]
struct LatencyByOutcome([Histogram; 3]);

impl LatencyByOutcome {
    fn new() -> Self {
        Self(STATUSES.map(|_| Histogram::new(LATENCY_BUCKETS_S)))
    }

    fn get(&self, status: LoadStatus) -> &Histogram {
        &self.0[index(status)]
    }
}

impl EncodeMetric for LatencyByOutcome {
    fn encode(&self, mut encoder: MetricEncoder) -> std::fmt::Result {
        for status in STATUSES {
            let labels = [("outcome", status_label(status))];
            self.get(status).encode(encoder.encode_family(&labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// The metrics registry of the service and the request metrics in it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// A handle on the registered latency histograms (they share their counts with it).
    latency: LatencyByOutcome,
    rejected: Counter,
}

impl Default for Metrics {
    /// The request metrics alone (no cache statistics).
    fn default() -> Self {
        Self::new(None)
    }
}

impl Metrics {
    /// The request metrics, and `stats` (read at every scrape) when given.
    pub fn new(stats: Option<Box<dyn Collector>>) -> Self {
        let mut registry = Registry::default();
        // `register` ends each help text with a full stop itself.
        let latency = LatencyByOutcome::new();
        registry.register(
            "gencache_request_duration_seconds",
            "Wall-clock latency of POST /api/generate, by outcome",
            latency.clone(),
        );
        let rejected = Counter::default();
        registry.register(
            "gencache_requests_rejected",
            "Generate requests refused (bad input or failure)",
            rejected.clone(),
        );
        if let Some(stats) = stats {
            registry.register_collector(stats);
        }
        Self {
            registry,
            latency,
            rejected,
        }
    }

    /// Records one answered generate request.
    pub fn record(&self, status: LoadStatus, latency: Duration) {
        self.latency.get(status).observe(latency.as_secs_f64());
    }

    /// Records a generate request refused (bad input or failure).
    pub fn record_rejected(&self) {
        self.rejected.inc();
    }

    /// Generate requests answered with `status` so far.
    pub fn requests(&self, status: LoadStatus) -> u64 {
        self.latency.get(status).count()
    }

    /// The OpenMetrics text exposition of the registry (served as [`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8192);
        // Writing into a String cannot fail, and no metric or collector here returns an error.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("encoding /metrics failed: {e}");
        }
        out
    }
}

/// One constant counter family `name` (exposed as `{name}_total`).
pub(crate) fn const_counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    let counter = ConstCounter::new(value);
    counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)
}

/// One constant gauge family `name`.
pub(crate) fn const_gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    // Gauges are signed; the cache's figures fit (saturated rather than wrapped if not).
    let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

/// Encodes the cache's statistics as read now: the L1's counters and gauges, whether the cache is
/// in use, and the generator's run count.
pub(crate) fn encode_cache_stats(
    encoder: &mut DescriptorEncoder,
    stats: &CacheStats,
    enabled: bool,
    generations: u64,
) -> std::fmt::Result {
    let ev = &stats.evictions;
    const_counter(
        encoder,
        "gencache_hits",
        "Lookups that found a live entry.",
        stats.hits,
    )?;
    const_counter(
        encoder,
        "gencache_misses",
        "Lookups that found nothing or an expired entry.",
        stats.misses,
    )?;
    const_counter(
        encoder,
        "gencache_inserts",
        "New keys stored.",
        stats.inserts,
    )?;
    {
        let mut family = encoder.encode_descriptor(
            "gencache_evictions",
            "Entries that left the cache, by cause.",
            None,
            MetricType::Counter,
        )?;
        for (cause, n) in [
            ("capacity_entries", ev.capacity_entries),
            ("capacity_bytes", ev.capacity_bytes),
            ("expired", ev.expired),
            ("removed", ev.removed),
            ("cleared", ev.cleared),
        ] {
            let labels = [("cause", cause)];
            ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
        }
    }
    const_counter(
        encoder,
        "gencache_refused_too_large",
        "Inserts refused as heavier than max_bytes.",
        stats.refused_too_large,
    )?;
    const_gauge(
        encoder,
        "gencache_bytes",
        "Current total weight of the entries in bytes.",
        stats.bytes,
    )?;
    const_gauge(
        encoder,
        "gencache_entries",
        "Current number of entries.",
        stats.entries,
    )?;
    const_gauge(
        encoder,
        "gencache_peak_bytes",
        "Highest total weight seen in bytes.",
        stats.peak_bytes,
    )?;
    const_counter(
        encoder,
        "gencache_loads_started",
        "Single-flight loads that ran the generator.",
        stats.loads_started,
    )?;
    const_counter(
        encoder,
        "gencache_loads_joined",
        "Requests served by a concurrent load of the same key.",
        stats.loads_joined,
    )?;
    const_counter(
        encoder,
        "gencache_load_failures",
        "Loads that failed or were cancelled.",
        stats.load_failures,
    )?;
    const_gauge(
        encoder,
        "gencache_enabled",
        "1 when the cache is in use, 0 when every request goes to the generator.",
        u64::from(enabled),
    )?;
    const_counter(
        encoder,
        "gencache_generations",
        "Generator runs (simulated).",
        generations,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed cache figures, encoded by the same function the service's collector calls.
    #[derive(Debug)]
    struct FixedStats(CacheStats, bool, u64);

    impl Collector for FixedStats {
        fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
            encode_cache_stats(&mut encoder, &self.0, self.1, self.2)
        }
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_count_matches() {
        let m = Metrics::default();
        m.record(LoadStatus::Hit, Duration::from_micros(100));
        m.record(LoadStatus::Hit, Duration::from_millis(30));
        m.record(LoadStatus::Hit, Duration::from_secs(1000));
        let text = m.encode();
        for line in [
            "gencache_request_duration_seconds_bucket{le=\"0.0005\",outcome=\"hit\"} 1\n",
            "gencache_request_duration_seconds_bucket{le=\"0.05\",outcome=\"hit\"} 2\n",
            "gencache_request_duration_seconds_bucket{le=\"300.0\",outcome=\"hit\"} 2\n",
            "gencache_request_duration_seconds_bucket{le=\"+Inf\",outcome=\"hit\"} 3\n",
            "gencache_request_duration_seconds_count{outcome=\"hit\"} 3\n",
            "gencache_request_duration_seconds_count{outcome=\"joined\"} 0\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert_eq!(m.requests(LoadStatus::Hit), 3);
        assert_eq!(m.requests(LoadStatus::Loaded), 0);
    }

    proptest::proptest! {
        /// Reference model: a bucket `le="b"` counts exactly the samples `<= b` (cumulative), the
        /// `+Inf` bucket and `_count` count all of them.
        #[test]
        fn buckets_match_a_sorted_reference(micros in proptest::collection::vec(0u64..400_000_000, 0..200)) {
            let m = Metrics::default();
            for &us in &micros {
                m.record(LoadStatus::Loaded, Duration::from_micros(us));
            }
            let text = m.encode();
            for bound in LATENCY_BUCKETS_S {
                let expected = micros.iter().filter(|&&us| us as f64 / 1e6 <= bound).count();
                let line = format!(
                    "gencache_request_duration_seconds_bucket{{le=\"{}\",outcome=\"miss\"}} {expected}\n",
                    dtoa_like(bound)
                );
                proptest::prop_assert!(text.contains(&line), "missing {}", line);
            }
            let all = format!(
                "gencache_request_duration_seconds_count{{outcome=\"miss\"}} {}\n",
                micros.len()
            );
            proptest::prop_assert!(text.contains(&all));
            proptest::prop_assert_eq!(m.requests(LoadStatus::Loaded), micros.len() as u64);
        }
    }

    /// How the encoder writes a bucket bound: shortest round-trip form, with `.0` on integers.
    fn dtoa_like(bound: f64) -> String {
        let s = bound.to_string();
        if s.contains('.') { s } else { format!("{s}.0") }
    }

    #[test]
    fn every_sample_line_has_a_type_and_the_text_ends_with_eof() {
        let stats = CacheStats {
            hits: 7,
            ..CacheStats::default()
        };
        let m = Metrics::new(Some(Box::new(FixedStats(stats, false, 3))));
        m.record_rejected();
        let text = m.encode();
        for line in [
            "# TYPE gencache_hits counter\n",
            "gencache_hits_total 7\n",
            "gencache_enabled 0\n",
            "gencache_generations_total 3\n",
            "gencache_evictions_total{cause=\"expired\"} 0\n",
            "gencache_requests_rejected_total 1\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            let family = ["_bucket", "_sum", "_count", "_total"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(name);
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "no TYPE for {line}"
            );
        }
    }
}
