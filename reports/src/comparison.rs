//! The comparison table of two or more inputs: each metric per input and its change against
//! the first input, runs matched by workload name.

use crate::document::{LabelledResults, Table};
use crate::format;
use crate::results::RunResults;

/// One metric of the comparison: how to read it from a run, show it, and show its change.
struct Metric {
    name: &'static str,
    /// `None`: not defined for this run (e.g. memory not measured).
    value: fn(&RunResults) -> Option<f64>,
    show: fn(f64) -> String,
    change: fn(f64, f64) -> String,
}

fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            name: "achieved hit rate",
            value: |run| Some(run.cache.hit_rate),
            show: format::percent,
            change: format::point_change,
        },
        Metric {
            name: "speedup",
            value: |run| Some(run.speedup),
            show: format::speedup,
            change: format::relative_change,
        },
        Metric {
            name: "cached virtual time",
            value: |run| Some(run.cached.virtual_time_s),
            show: format::seconds,
            change: format::relative_change,
        },
        Metric {
            name: "generations (cached)",
            value: |run| Some(run.cached.generations as f64),
            show: |v| format::thousands(v as u64),
            change: format::relative_change,
        },
        Metric {
            name: "joined",
            value: |run| Some(run.cache.joined as f64),
            show: |v| format::thousands(v as u64),
            change: format::relative_change,
        },
        Metric {
            name: "memory overhead",
            value: |run| run.memory.and_then(|m| m.overhead_pct).map(|o| o / 100.0),
            show: format::percent,
            change: format::point_change,
        },
        Metric {
            name: "p50 cached",
            value: |run| Some(run.cached.latency.p50),
            show: format::seconds,
            change: format::relative_change,
        },
        Metric {
            name: "p99 cached",
            value: |run| Some(run.cached.latency.p99),
            show: format::seconds,
            change: format::relative_change,
        },
        Metric {
            name: "peak cache bytes",
            value: |run| Some(run.cache.peak_bytes as f64),
            show: |v| format::bytes(v as u64),
            change: format::relative_change,
        },
    ]
}

pub(crate) fn comparison_table(inputs: &[LabelledResults<'_>]) -> Table {
    let mut header = vec!["workload".to_string(), "metric".to_string()];
    for (index, input) in inputs.iter().enumerate() {
        header.push(input.label.to_string());
        if index > 0 {
            header.push(format!("change {} vs {}", input.label, inputs[0].label));
        }
    }
    // Workloads in order of first appearance across inputs.
    let mut workloads: Vec<&str> = Vec::new();
    for input in inputs {
        for run in &input.results.runs {
            if !workloads.contains(&run.workload.name.as_str()) {
                workloads.push(&run.workload.name);
            }
        }
    }
    fn find<'r>(input: &LabelledResults<'r>, name: &str) -> Option<&'r RunResults> {
        input
            .results
            .runs
            .iter()
            .find(|run| run.workload.name == name)
    }
    let mut rows = Vec::new();
    for name in workloads {
        for metric in metrics() {
            let mut row = vec![name.to_string(), metric.name.to_string()];
            let reference = find(&inputs[0], name).and_then(metric.value);
            for (index, input) in inputs.iter().enumerate() {
                let run = find(input, name);
                let value = run.and_then(metric.value);
                row.push(match (run, value) {
                    (None, _) => "not run".to_string(),
                    (Some(_), None) => "n/a".to_string(),
                    (Some(_), Some(v)) => (metric.show)(v),
                });
                if index > 0 {
                    row.push(match (reference, value) {
                        (Some(old), Some(new)) => (metric.change)(old, new),
                        _ => "—".to_string(),
                    });
                }
            }
            rows.push(row);
        }
    }
    Table {
        header,
        rows,
        text_columns: 2,
    }
}
