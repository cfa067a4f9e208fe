//! The gate's curve: [`CURVE_WORKLOAD`] swept over [`CURVE_BUDGETS`] (the sweep's own engine
//! path, points in parallel, lookup time left out), each point's [`CURVE_METRICS`] checked
//! against the committed baseline like every other metric (the direction is the gate rules' for
//! the same metric name), named `<workload>@<budget>.<metric>`
//! (e.g. `typical@64MiB.speedup`) so that a regression names the point.

use crate::run::RunOptions;
use crate::source::Source;
use crate::sweep::grid::{AxisFlags, parse_grid};
use crate::sweep::{SweepSpec, sweep};
use reports::sweep::{SweepPoint, SweepResults};
use std::collections::BTreeMap;

/// The workload of the curve.
pub const CURVE_WORKLOAD: &str = "typical";

/// Its byte budgets: below the 3x target (16 MiB, ~43 % hits), on the rise (64 MiB, ~58 %),
/// the smallest reaching 3x (256 MiB, ~68 %) and the preset's own budget, where the 24 h TTL,
/// not the budget, bounds the hit rate (1 GiB, ~70 %).
pub const CURVE_BUDGETS: &[&str] = &["16MiB", "64MiB", "256MiB", "1GiB"];

/// A figure of each curve point, gated against the baseline.
#[derive(Debug, Clone, Copy)]
pub struct CurveMetric {
    /// The metric's name (its direction is the gate rules' for the same name).
    pub metric: &'static str,
    /// Its value at a point.
    pub value: fn(&SweepPoint) -> f64,
}

/// The figures of each point.
pub const CURVE_METRICS: &[CurveMetric] = &[
    CurveMetric {
        metric: "speedup",
        value: |p| p.speedup,
    },
    CurveMetric {
        metric: "hit_rate",
        value: |p| p.hit_rate,
    },
];

/// Sweeps the curve (deterministic figures).
///
/// # Errors
///
/// The workload or the sweep failing (unusable input for the gate).
pub fn run_curve() -> anyhow::Result<SweepResults> {
    let grid = parse_grid(&AxisFlags {
        max_bytes: Some(CURVE_BUDGETS.join(",")),
        ..AxisFlags::default()
    })
    .map_err(anyhow::Error::msg)?;
    let source = Source::Workload(workloads::Workload::preset(CURVE_WORKLOAD)?);
    let base = RunOptions {
        measure_lookups: false,
        measure_memory: false,
        ..RunOptions::default()
    };
    let spec = SweepSpec {
        axis: grid.axis,
        values: grid.values,
        target_speedup: 3.0,
        cost_per_hour: None,
        policies: Vec::new(),
        force_engine: false,
    };
    Ok(sweep(&source, &base, &spec)?)
}

/// The metric name of `metric` at the curve's point `budget`.
pub fn point_metric(budget: &str, metric: &str) -> String {
    format!("{CURVE_WORKLOAD}@{budget}.{metric}")
}

/// Where `metric` sorts in the gate's table: metrics outside the curve first, by name, then the
/// curve's points in [`CURVE_BUDGETS`] order (smallest budget first, not `16MiB`, `1GiB`,
/// `256MiB`, ... as names sort), each point's figures in [`CURVE_METRICS`] order.
pub fn table_order(metric: &str) -> (usize, usize, &str) {
    let Some((budget, figure)) = metric
        .strip_prefix(CURVE_WORKLOAD)
        .and_then(|rest| rest.strip_prefix('@'))
        .and_then(|rest| rest.split_once('.'))
    else {
        return (0, 0, metric);
    };
    let budget_at = CURVE_BUDGETS.iter().position(|b| *b == budget);
    let figure_at = CURVE_METRICS.iter().position(|m| m.metric == figure);
    (
        1 + budget_at.unwrap_or(usize::MAX - 1),
        figure_at.unwrap_or(usize::MAX),
        metric,
    )
}

/// The curve's metrics: every [`CURVE_METRICS`] figure at every budget.
pub fn curve_metrics(results: &SweepResults) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for (budget, point) in CURVE_BUDGETS.iter().zip(&results.points) {
        for metric in CURVE_METRICS {
            m.insert(point_metric(budget, metric.metric), (metric.value)(point));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::gate::{Better, direction};

    #[test]
    fn the_curve_spans_the_target_and_names_each_point() {
        let r = match run_curve() {
            Ok(r) => r,
            Err(e) => panic!("{e:#}"),
        };
        assert_eq!(r.points.len(), CURVE_BUDGETS.len());
        let m = curve_metrics(&r);
        assert_eq!(m.len(), CURVE_BUDGETS.len() * CURVE_METRICS.len());
        // Below the target at the smallest budget, above it at the largest.
        let speedup = |b: &str| m.get(&point_metric(b, "speedup")).copied();
        assert!(speedup("16MiB").is_some_and(|s| s < 3.0), "{m:?}");
        assert!(speedup("1GiB").is_some_and(|s| s >= 3.0), "{m:?}");
        assert!(r.points.windows(2).all(|w| w[0].hit_rate <= w[1].hit_rate));
        assert_eq!(direction("typical@16MiB.hit_rate"), Better::Higher);
        assert_eq!(direction("typical@16MiB.speedup"), Better::Higher);
    }

    #[test]
    fn the_table_lists_curve_points_by_budget_after_the_other_metrics() {
        let mut names = vec![
            "typical@64MiB.hit_rate",
            "typical@1GiB.speedup",
            "typical.speedup",
            "typical@16MiB.hit_rate",
            "busy.hit_rate",
            "typical@16MiB.speedup",
            "typical@256MiB.speedup",
        ];
        names.sort_by_key(|n| table_order(n));
        assert_eq!(
            names,
            [
                "busy.hit_rate",
                "typical.speedup",
                "typical@16MiB.speedup",
                "typical@16MiB.hit_rate",
                "typical@64MiB.hit_rate",
                "typical@256MiB.speedup",
                "typical@1GiB.speedup",
            ]
        );
    }
}
