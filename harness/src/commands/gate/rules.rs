//! The gate's rules as data: one table ([`RULES`]) from which the metric list, each metric's
//! better direction and the absolute checks all derive. Adding a metric is one line.

use super::baseline::Baseline;
use super::curve::table_order;
use crate::run::RunOutcome;
use crate::summary::table;
use reports::results::RunResults;
use std::collections::BTreeMap;

/// Whether more or less is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Higher values are better (a fall is a regression).
    Higher,
    /// Lower values are better (a rise is a regression).
    Lower,
}

/// An absolute limit a metric must meet, whatever the baseline says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// `value >= x`.
    AtLeast(f64),
    /// `value > x`.
    Above(f64),
    /// `value < x`.
    Below(f64),
    /// Within ± this of the workload's target hit rate.
    NearTarget(f64),
}

/// Which workloads a rule's absolute limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every gate workload.
    All,
    /// These workloads only.
    Only(&'static [&'static str]),
    /// Workloads with a target hit rate.
    WithTarget,
}

/// One rule: a metric of each run, its direction, and optionally an absolute limit on some
/// workloads. Every rule's metric is also regression-checked against the baseline on every
/// workload.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The metric's name (`<workload>.<metric>` in the baseline).
    pub metric: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// The metric's value in a run (`None`: undefined, e.g. an overhead of zero payload).
    pub value: fn(&RunResults) -> Option<f64>,
    /// The absolute limit, if any.
    pub limit: Option<Limit>,
    /// Where the limit applies.
    pub scope: Scope,
}

fn speedup(r: &RunResults) -> Option<f64> {
    Some(r.speedup)
}
fn hit_rate(r: &RunResults) -> Option<f64> {
    Some(r.cache.hit_rate)
}
fn generations(r: &RunResults) -> Option<f64> {
    Some(r.cached.generations as f64)
}
/// A percentage of zero payload is undefined, not a pass.
fn memory_overhead_pct(r: &RunResults) -> Option<f64> {
    r.memory.and_then(|m| m.overhead_pct)
}
fn joined(r: &RunResults) -> Option<f64> {
    Some(r.cache.joined as f64)
}

/// The gate's rules.
pub const RULES: &[Rule] = &[
    Rule {
        metric: "speedup",
        better: Better::Higher,
        value: speedup,
        limit: Some(Limit::AtLeast(3.0)),
        scope: Scope::Only(&["typical"]),
    },
    Rule {
        metric: "speedup",
        better: Better::Higher,
        value: speedup,
        limit: Some(Limit::AtLeast(9.0)),
        scope: Scope::Only(&["busy"]),
    },
    Rule {
        metric: "hit_rate",
        better: Better::Higher,
        value: hit_rate,
        limit: Some(Limit::NearTarget(0.01)),
        scope: Scope::WithTarget,
    },
    Rule {
        metric: "generations",
        better: Better::Lower,
        value: generations,
        limit: None,
        scope: Scope::All,
    },
    Rule {
        metric: "memory_overhead_pct",
        better: Better::Lower,
        value: memory_overhead_pct,
        limit: Some(Limit::Below(10.0)),
        scope: Scope::All,
    },
    Rule {
        metric: "joined",
        better: Better::Higher,
        value: joined,
        limit: Some(Limit::Above(0.0)),
        scope: Scope::Only(&["burst"]),
    },
];

/// The direction of a `<workload>.<metric>` name (unknown metrics: higher is better).
pub fn direction(name: &str) -> Better {
    let metric = name.rsplit('.').next().unwrap_or(name);
    RULES
        .iter()
        .find(|r| r.metric == metric)
        .map_or(Better::Higher, |r| r.better)
}

impl Scope {
    fn covers(self, r: &RunResults) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(names) => names.contains(&r.workload.name.as_str()),
            Scope::WithTarget => r.workload.target_hit_rate.is_some(),
        }
    }
}

impl Limit {
    /// Whether `value` meets the limit for run `r`, and the limit in words.
    fn check(self, r: &RunResults, value: Option<f64>) -> (bool, String) {
        let ok = |f: &dyn Fn(f64) -> bool| value.is_some_and(f);
        match self {
            Limit::AtLeast(x) => (ok(&|v| v >= x), format!(">= {x}")),
            Limit::Above(x) => (ok(&|v| v > x), format!("> {x}")),
            Limit::Below(x) => (ok(&|v| v < x), format!("< {x}")),
            Limit::NearTarget(d) => {
                let target = r.workload.target_hit_rate.unwrap_or(f64::NAN);
                let (lo, hi) = (target - d, target + d);
                (
                    ok(&|v| (lo..=hi).contains(&v)),
                    format!("{lo:.2} ..= {hi:.2}"),
                )
            }
        }
    }
}

/// One row of the gate's table.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCheck {
    /// Metric name, e.g. `typical.speedup`.
    pub metric: String,
    /// Baseline value, if the check compares with one.
    pub baseline: Option<f64>,
    /// This run's value.
    pub now: Option<f64>,
    /// The limit, in words (e.g. `>= 3`).
    pub limit: String,
    /// Whether it passed.
    pub pass: bool,
}

/// Everything the gate checked.
#[derive(Debug, Clone, PartialEq)]
pub struct GateReport {
    /// Every check, absolute limits first.
    pub checks: Vec<GateCheck>,
}

impl GateReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    /// The table: metric, baseline, now, limit, pass/fail.
    pub fn render(&self) -> String {
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
        let rows: Vec<Vec<String>> = self
            .checks
            .iter()
            .map(|c| {
                vec![
                    c.metric.clone(),
                    fmt(c.baseline),
                    fmt(c.now),
                    c.limit.clone(),
                    if c.pass { "pass".into() } else { "FAIL".into() },
                ]
            })
            .collect();
        table(&["metric", "baseline", "now", "limit", "result"], &rows)
    }
}

/// The deterministic metrics of the gate runs: every rule's metric on every workload (one entry
/// per metric name, undefined values left out).
pub fn metrics(outcomes: &[RunOutcome]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for o in outcomes {
        let r = &o.results;
        for rule in RULES {
            if let Some(v) = (rule.value)(r) {
                m.insert(format!("{}.{}", r.workload.name, rule.metric), v);
            }
        }
    }
    m
}

/// The absolute checks (independent of the baseline), in rule order per run.
pub fn absolute_checks(outcomes: &[RunOutcome]) -> Vec<GateCheck> {
    let mut checks = Vec::new();
    for o in outcomes {
        let r = &o.results;
        for rule in RULES {
            let Some(limit) = rule.limit.filter(|_| rule.scope.covers(r)) else {
                continue;
            };
            let now = (rule.value)(r);
            let (pass, limit) = limit.check(r, now);
            checks.push(GateCheck {
                metric: format!("{}.{}", r.workload.name, rule.metric),
                baseline: None,
                now,
                limit,
                pass,
            });
        }
    }
    checks
}

/// The regression checks: every baseline metric against this run's value, in the table's order
/// ([`table_order`]).
pub fn regression_checks(baseline: &Baseline, now: &BTreeMap<String, f64>) -> Vec<GateCheck> {
    let tol = baseline.tolerance_pct / 100.0;
    let mut checks: Vec<GateCheck> = baseline
        .metrics
        .iter()
        .map(|(metric, &base)| {
            let slack = tol * base.abs();
            let current = now.get(metric).copied();
            let (limit, pass) = match direction(metric) {
                Better::Higher => {
                    let l = base - slack;
                    (l, current.is_some_and(|v| v >= l))
                }
                Better::Lower => {
                    // Near-zero values get a small absolute slack too.
                    let l = base + slack.max(0.01);
                    (l, current.is_some_and(|v| v <= l))
                }
            };
            let op = if direction(metric) == Better::Higher {
                ">="
            } else {
                "<="
            };
            GateCheck {
                metric: metric.clone(),
                baseline: Some(base),
                now: current,
                limit: if current.is_some() {
                    format!("{op} {limit:.4}")
                } else {
                    "metric missing from this run".into()
                },
                pass,
            }
        })
        .collect();
    checks.sort_by(|a, b| table_order(&a.metric).cmp(&table_order(&b.metric)));
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(metrics: &[(&str, f64)]) -> Baseline {
        Baseline {
            schema_version: 1,
            tolerance_pct: 2.0,
            note: String::new(),
            metrics: metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn regressions_beyond_tolerance_fail_in_the_right_direction() {
        let b = baseline(&[
            ("typical.speedup", 3.30),
            ("typical.memory_overhead_pct", 1.0),
        ]);
        let now = |s: f64, m: f64| {
            BTreeMap::from([
                ("typical.speedup".to_string(), s),
                ("typical.memory_overhead_pct".to_string(), m),
            ])
        };
        let pass = |n: &BTreeMap<String, f64>| -> Vec<bool> {
            regression_checks(&b, n).iter().map(|c| c.pass).collect()
        };
        // BTreeMap order: memory_overhead_pct, speedup.
        assert_eq!(pass(&now(3.30, 1.0)), vec![true, true]);
        assert_eq!(pass(&now(3.25, 1.01)), vec![true, true], "within 2 %");
        assert_eq!(pass(&now(3.20, 1.0)), vec![true, false], "speedup fell 3 %");
        assert_eq!(
            pass(&now(9.00, 1.5)),
            vec![false, true],
            "overhead rose 50 %"
        );
    }

    #[test]
    fn a_metric_missing_from_the_run_fails() {
        let b = baseline(&[("burst.joined", 100.0)]);
        let checks = regression_checks(&b, &BTreeMap::new());
        assert!(!checks[0].pass);
        assert!(checks[0].limit.contains("missing"));
    }
}
