//! A run's outcomes in the results schema the reports read.

use super::*;

/// The results file of these runs: the one place `harness run`, `replay` and `gate` build it.
pub fn results_file(outcomes: &[RunOutcome]) -> reports::ResultsFile {
    reports::ResultsFile {
        schema_version: reports::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        runs: outcomes.iter().map(|o| o.results.clone()).collect(),
    }
}

pub(super) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

pub(super) fn side_result(side: &SideOutcome) -> SideResult {
    let makespan = ns_to_secs(side.makespan_ns);
    let figures = side.latency.figures();
    SideResult {
        virtual_time_s: makespan,
        generations: side.generations,
        generation_time_s: ns_to_secs(side.generation_ns),
        wait_time_s: ns_to_secs(side.wait_ns),
        hit_time_s: ns_to_secs(side.hit_ns),
        throughput_rps: ratio(side.requests as f64, makespan),
        latency: LatencySummary {
            mean: figures.mean,
            p50: figures.p50,
            p90: figures.p90,
            p99: figures.p99,
            max: figures.max,
        },
        latency_curve: side.latency.curve(),
    }
}

/// The memory measurement point: the end of the replay, or — when the cache is empty there
/// (everything expired) — the window where it held the most payload.
pub(super) fn memory_report(side: &SideOutcome) -> MemoryReport {
    let end = side.timeline.last().map(|w| w.occupancy);
    let point = match end {
        Some(o) if o.payload_bytes > 0 => Some(o),
        _ => side
            .timeline
            .iter()
            .map(|w| w.occupancy)
            .max_by_key(|o| o.payload_bytes),
    }
    .unwrap_or_default();
    MemoryReport::new(
        point.payload_bytes,
        point.heap_bytes.unwrap_or(0),
        point.entries,
    )
}

pub(super) fn timeline(cached: &SideOutcome, memory: Option<&SideOutcome>) -> Vec<WindowPoint> {
    cached
        .timeline
        .iter()
        .enumerate()
        .map(|(i, w)| WindowPoint {
            requests: w.requests,
            time_s: ns_to_secs(w.time_ns),
            window_hit_rate: w.window_hit_rate(),
            cumulative_hit_rate: w.cumulative_hit_rate(),
            entries: w.occupancy.entries,
            payload_bytes: w.occupancy.payload_bytes,
            heap_bytes: memory
                .and_then(|m| m.timeline.get(i))
                .and_then(|m| m.occupancy.heap_bytes),
        })
        .collect()
}
