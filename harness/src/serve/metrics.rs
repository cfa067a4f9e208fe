//! Request metrics and the Prometheus text exposition of `GET /metrics`.
//!
//! The cache's own counters are read from `Cache::stats()` at scrape time (the cache is the one
//! source of truth); only what the cache cannot know — request outcomes and latencies — is counted
//! here, with atomics, so recording costs a few relaxed increments.

use gencache::{CacheStats, LoadStatus};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// A cumulative-on-export histogram with fixed buckets.
#[derive(Debug, Default)]
struct Histogram {
    /// One counter per bucket plus the overflow (+Inf) bucket; not cumulative.
    buckets: [AtomicU64; LATENCY_BUCKETS_S.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn record(&self, latency: Duration) {
        let s = latency.as_secs_f64();
        let i = LATENCY_BUCKETS_S
            .iter()
            .position(|&bound| s <= bound)
            .unwrap_or(LATENCY_BUCKETS_S.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counters of the service itself.
#[derive(Debug, Default)]
pub struct Metrics {
    latency: [Histogram; 3],
    rejected: AtomicU64,
}

impl Metrics {
    /// Records one answered generate request.
    pub fn record(&self, status: LoadStatus, latency: Duration) {
        self.latency[index(status)].record(latency);
    }

    /// Records a generate request refused (bad input or failure).
    pub fn record_rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    /// Generate requests answered with `outcome` so far.
    pub fn requests(&self, status: LoadStatus) -> u64 {
        self.latency[index(status)].count.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition (format 0.0.4) of these metrics and the cache's stats.
    pub fn render(&self, stats: &CacheStats, enabled: bool, generations: u64) -> String {
        let mut out = String::with_capacity(4096);
        let ev = &stats.evictions;
        counter(
            &mut out,
            "gencache_hits_total",
            "Lookups that found a live entry.",
            stats.hits,
        );
        counter(
            &mut out,
            "gencache_misses_total",
            "Lookups that found nothing or an expired entry.",
            stats.misses,
        );
        counter(
            &mut out,
            "gencache_inserts_total",
            "New keys stored.",
            stats.inserts,
        );
        header(
            &mut out,
            "gencache_evictions_total",
            "Entries that left the cache, by cause.",
            "counter",
        );
        for (cause, n) in [
            ("capacity_entries", ev.capacity_entries),
            ("capacity_bytes", ev.capacity_bytes),
            ("expired", ev.expired),
            ("removed", ev.removed),
            ("cleared", ev.cleared),
        ] {
            let _ = writeln!(out, "gencache_evictions_total{{cause=\"{cause}\"}} {n}");
        }
        counter(
            &mut out,
            "gencache_refused_too_large_total",
            "Inserts refused as heavier than max_bytes.",
            stats.refused_too_large,
        );
        gauge(
            &mut out,
            "gencache_bytes",
            "Current total weight of the entries in bytes.",
            stats.bytes,
        );
        gauge(
            &mut out,
            "gencache_entries",
            "Current number of entries.",
            stats.entries,
        );
        gauge(
            &mut out,
            "gencache_peak_bytes",
            "Highest total weight seen in bytes.",
            stats.peak_bytes,
        );
        counter(
            &mut out,
            "gencache_loads_started_total",
            "Single-flight loads that ran the generator.",
            stats.loads_started,
        );
        counter(
            &mut out,
            "gencache_loads_joined_total",
            "Requests served by a concurrent load of the same key.",
            stats.loads_joined,
        );
        counter(
            &mut out,
            "gencache_load_failures_total",
            "Loads that failed or were cancelled.",
            stats.load_failures,
        );
        gauge(
            &mut out,
            "gencache_enabled",
            "1 when the cache is in use, 0 when every request goes to the generator.",
            u64::from(enabled),
        );
        counter(
            &mut out,
            "gencache_generations_total",
            "Generator runs (simulated).",
            generations,
        );
        counter(
            &mut out,
            "gencache_requests_rejected_total",
            "Generate requests refused (bad input or failure).",
            self.rejected.load(Ordering::Relaxed),
        );

        let name = "gencache_request_duration_seconds";
        header(
            &mut out,
            name,
            "Wall-clock latency of POST /api/generate, by outcome.",
            "histogram",
        );
        for status in STATUSES {
            let h = &self.latency[index(status)];
            let label = status_label(status);
            let mut cumulative = 0;
            for (i, bound) in LATENCY_BUCKETS_S.iter().enumerate() {
                cumulative += h.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{name}_bucket{{outcome=\"{label}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += h.buckets[LATENCY_BUCKETS_S.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{outcome=\"{label}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = h.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "{name}_sum{{outcome=\"{label}\"}} {sum}");
            let _ = writeln!(out, "{name}_count{{outcome=\"{label}\"}} {cumulative}");
        }
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, help, "counter");
    let _ = writeln!(out, "{name} {value}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, help, "gauge");
    let _ = writeln!(out, "{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_count_matches() {
        let m = Metrics::default();
        m.record(LoadStatus::Hit, Duration::from_micros(100));
        m.record(LoadStatus::Hit, Duration::from_millis(30));
        m.record(LoadStatus::Hit, Duration::from_secs(1000));
        let text = m.render(&CacheStats::default(), true, 0);
        assert!(text.contains(
            "gencache_request_duration_seconds_bucket{outcome=\"hit\",le=\"0.0005\"} 1\n"
        ));
        assert!(
            text.contains(
                "gencache_request_duration_seconds_bucket{outcome=\"hit\",le=\"0.05\"} 2\n"
            )
        );
        assert!(
            text.contains(
                "gencache_request_duration_seconds_bucket{outcome=\"hit\",le=\"300\"} 2\n"
            )
        );
        assert!(
            text.contains(
                "gencache_request_duration_seconds_bucket{outcome=\"hit\",le=\"+Inf\"} 3\n"
            )
        );
        assert!(text.contains("gencache_request_duration_seconds_count{outcome=\"hit\"} 3\n"));
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
            let text = m.render(&CacheStats::default(), true, 0);
            for bound in LATENCY_BUCKETS_S {
                let expected = micros.iter().filter(|&&us| us as f64 / 1e6 <= bound).count();
                let line = format!(
                    "gencache_request_duration_seconds_bucket{{outcome=\"miss\",le=\"{bound}\"}} {expected}\n"
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

    #[test]
    fn every_sample_line_has_a_type() {
        let stats = CacheStats {
            hits: 7,
            ..CacheStats::default()
        };
        let text = Metrics::default().render(&stats, false, 3);
        assert!(text.contains("gencache_hits_total 7\n"));
        assert!(text.contains("gencache_enabled 0\n"));
        assert!(text.contains("gencache_generations_total 3\n"));
        assert!(text.contains("gencache_evictions_total{cause=\"expired\"} 0\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "no TYPE for {line}"
            );
        }
    }
}
