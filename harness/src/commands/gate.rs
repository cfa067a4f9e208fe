//! `harness gate`: the CI gate on deterministic results only.
//!
//! Runs [`GATE_WORKLOADS`] with lookup timing left out (so every figure is a pure function of
//! the code and the presets), then checks:
//! - absolute limits: speedup of `typical` ≥ 3.0 and of `busy` ≥ 9.0; achieved hit rate within
//!   ±1 pp of the target where there is one; measured memory overhead < 10 % of a non-empty
//!   payload (a percentage of nothing is undefined, not a pass); joins > 0 on `burst`;
//! - no regression: no metric worse than the committed baseline by more than
//!   [`TOLERANCE_PCT`] % (relative).

use super::Status;
use crate::output;
use crate::run::{RunOptions, RunOutcome};
use crate::source::Source;
use crate::summary::table;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The workloads the gate replays.
pub const GATE_WORKLOADS: &[&str] = &["typical", "busy", "seed-example", "burst"];

/// How much worse than the baseline a metric may get, percent of the baseline value.
pub const TOLERANCE_PCT: f64 = 2.0;

/// The largest tolerance a baseline may set, percent: beyond it the regression gate would no
/// longer catch anything worth catching, so such a baseline is refused as unusable.
pub const MAX_TOLERANCE_PCT: f64 = 50.0;

/// Version of the baseline file format.
const BASELINE_VERSION: u32 = 1;

/// The committed baseline (`scripts/gate-baseline.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version (1).
    pub schema_version: u32,
    /// Allowed relative regression, percent.
    pub tolerance_pct: f64,
    /// How the file was made.
    pub note: String,
    /// Metric name → value.
    pub metrics: BTreeMap<String, f64>,
}

/// Whether more or less is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    Higher,
    Lower,
}

fn direction(metric: &str) -> Better {
    if metric.ends_with(".memory_overhead_pct") || metric.ends_with(".generations") {
        Better::Lower
    } else {
        Better::Higher
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

/// The deterministic metrics of the gate runs.
pub fn metrics(outcomes: &[RunOutcome]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for o in outcomes {
        let r = &o.results;
        let w = &r.workload.name;
        m.insert(format!("{w}.speedup"), r.speedup);
        m.insert(format!("{w}.hit_rate"), r.cache.hit_rate);
        m.insert(format!("{w}.generations"), r.cached.generations as f64);
        m.insert(format!("{w}.memory_overhead_pct"), r.memory.overhead_pct);
        m.insert(format!("{w}.joined"), r.cache.joined as f64);
    }
    m
}

/// The absolute checks (independent of the baseline).
pub fn absolute_checks(outcomes: &[RunOutcome]) -> Vec<GateCheck> {
    let mut checks = Vec::new();
    let min_speedup = [("typical", 3.0), ("busy", 9.0)];
    for o in outcomes {
        let r = &o.results;
        let w = r.workload.name.as_str();
        if let Some((_, min)) = min_speedup.iter().find(|(n, _)| *n == w) {
            checks.push(GateCheck {
                metric: format!("{w}.speedup"),
                baseline: None,
                now: Some(r.speedup),
                limit: format!(">= {min}"),
                pass: r.speedup >= *min,
            });
        }
        if let Some(target) = r.workload.target_hit_rate {
            let (lo, hi) = (target - 0.01, target + 0.01);
            checks.push(GateCheck {
                metric: format!("{w}.hit_rate"),
                baseline: None,
                now: Some(r.cache.hit_rate),
                limit: format!("{lo:.2} ..= {hi:.2}"),
                pass: (lo..=hi).contains(&r.cache.hit_rate),
            });
        }
        checks.push(GateCheck {
            metric: format!("{w}.memory_overhead_pct"),
            baseline: None,
            now: crate::run::overhead_defined(&r.memory).then_some(r.memory.overhead_pct),
            limit: "< 10 (payload > 0)".into(),
            // A percentage of zero payload is undefined, not a pass.
            pass: crate::run::overhead_defined(&r.memory) && r.memory.overhead_pct < 10.0,
        });
        if w == "burst" {
            checks.push(GateCheck {
                metric: "burst.joined".into(),
                baseline: None,
                now: Some(r.cache.joined as f64),
                limit: "> 0".into(),
                pass: r.cache.joined > 0,
            });
        }
    }
    checks
}

/// The regression checks: every baseline metric against this run's value.
pub fn regression_checks(baseline: &Baseline, now: &BTreeMap<String, f64>) -> Vec<GateCheck> {
    let tol = baseline.tolerance_pct / 100.0;
    baseline
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
        .collect()
}

/// Every metric this run produces must have a baseline value: one left out of the file would
/// silently go unchecked.
pub fn ensure_baseline_covers(
    baseline: &Baseline,
    now: &BTreeMap<String, f64>,
) -> anyhow::Result<()> {
    let missing: Vec<&str> = now
        .keys()
        .filter(|k| !baseline.metrics.contains_key(*k))
        .map(String::as_str)
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "has no value for {} metric(s) this run produces: {} (rewrite it with \
         `harness gate --update-baseline` and review the diff)",
        missing.len(),
        missing.join(", ")
    );
    Ok(())
}

/// Reads and validates the baseline file.
pub fn read_baseline(path: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the gate baseline {} (create it deliberately with `harness gate --update-baseline`)",
            path.display()
        )
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .with_context(|| format!("the gate baseline {} is not valid", path.display()))?;
    anyhow::ensure!(
        baseline.schema_version == BASELINE_VERSION,
        "the gate baseline {} has schema_version {}, this harness reads {BASELINE_VERSION}",
        path.display(),
        baseline.schema_version
    );
    anyhow::ensure!(
        baseline.tolerance_pct.is_finite()
            && (0.0..=MAX_TOLERANCE_PCT).contains(&baseline.tolerance_pct),
        "the gate baseline {}: tolerance_pct must be a number from 0 to {MAX_TOLERANCE_PCT}, got {}",
        path.display(),
        baseline.tolerance_pct
    );
    anyhow::ensure!(
        !baseline.metrics.is_empty(),
        "the gate baseline {} has no metrics, so it would check nothing (rewrite it with \
         `harness gate --update-baseline`)",
        path.display()
    );
    if let Some((k, _)) = baseline.metrics.iter().find(|(_, v)| !v.is_finite()) {
        anyhow::bail!(
            "the gate baseline {}: metric `{k}` is not a finite number",
            path.display()
        );
    }
    Ok(baseline)
}

/// Runs the gate. With `update`, rewrites the baseline (atomically) from this run.
pub fn gate(
    baseline_path: &Path,
    update: bool,
    out: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<Status> {
    // An unusable baseline is found before minutes of replay, not after.
    let baseline = if update {
        None
    } else {
        Some(read_baseline(baseline_path)?)
    };
    // Nothing appears in --out until results.json is complete (crate::staged).
    let staged = out.map(crate::staged::StagedDir::begin).transpose()?;
    let options = RunOptions {
        measure_lookups: false,
        measure_memory: true,
        ..RunOptions::default()
    };
    let mut outcomes = Vec::new();
    for name in GATE_WORKLOADS {
        let source = Source::Workload(workloads::Workload::preset(name)?);
        outcomes.push(crate::run::run(&source, &options, &mut |_, _| {})?);
    }
    let now = metrics(&outcomes);

    let mut checks = absolute_checks(&outcomes);
    match &baseline {
        Some(b) => {
            ensure_baseline_covers(b, &now)
                .with_context(|| format!("the gate baseline {}", baseline_path.display()))?;
            checks.extend(regression_checks(b, &now));
        }
        None => {
            let fresh = Baseline {
                schema_version: BASELINE_VERSION,
                tolerance_pct: TOLERANCE_PCT,
                note: "written by `harness gate --update-baseline`; deterministic figures \
                       (lookup time excluded); review changes like code"
                    .into(),
                metrics: now.clone(),
            };
            let mut json = serde_json::to_string_pretty(&fresh)?;
            json.push('\n');
            output::write_atomic(baseline_path, json.as_bytes())?;
            if !quiet {
                println!("baseline written to {}", baseline_path.display());
            }
        }
    }

    if let Some(staged) = staged {
        let file = reports::ResultsFile {
            schema_version: reports::SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            runs: outcomes.iter().map(|o| o.results.clone()).collect(),
        };
        reports::write_results(staged.path(), &file)
            .with_context(|| format!("writing results into {}", staged.target().display()))?;
        staged.commit()?;
    }

    let report = GateReport { checks };
    // The table is printed even with --quiet when something failed: CI logs must say why.
    if !quiet || !report.passed() {
        println!(
            "gate: {} (deterministic figures; regression tolerance {} %)",
            GATE_WORKLOADS.join(", "),
            baseline.as_ref().map_or(TOLERANCE_PCT, |b| b.tolerance_pct)
        );
        print!("{}", report.render());
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.metric.as_str())
            .collect();
        if failed.is_empty() {
            println!("gate: PASS");
        } else {
            println!("gate: FAIL ({})", failed.join(", "));
        }
    }
    Ok(if report.passed() {
        Status::Passed
    } else {
        Status::Failed
    })
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

    #[test]
    fn a_metric_the_baseline_lacks_is_named() {
        let b = baseline(&[("typical.speedup", 3.3)]);
        let now = BTreeMap::from([
            ("typical.speedup".to_string(), 3.3),
            ("typical.hit_rate".to_string(), 0.7),
        ]);
        let err = ensure_baseline_covers(&b, &now)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("typical.hit_rate"), "{err}");
        assert!(!err.contains("typical.speedup"), "{err}");
        let full = baseline(&[("typical.speedup", 3.3), ("typical.hit_rate", 0.7)]);
        assert!(ensure_baseline_covers(&full, &now).is_ok());
    }

    #[test]
    fn empty_or_toothless_baselines_are_refused() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("cannot create a temporary directory")
        };
        let path = dir.path().join("b.json");
        let read = |json: &str| {
            std::fs::write(&path, json).ok();
            read_baseline(&path)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let err = read(r#"{"schema_version":1,"tolerance_pct":2,"note":"","metrics":{}}"#);
        assert!(err.contains("no metrics"), "{err}");
        let err = read(
            r#"{"schema_version":1,"tolerance_pct":100000,"note":"","metrics":{"typical.speedup":3.3}}"#,
        );
        assert!(err.contains("tolerance_pct"), "{err}");
        assert!(err.contains("100000"), "{err}");
        let ok = read(
            r#"{"schema_version":1,"tolerance_pct":50,"note":"","metrics":{"typical.speedup":3.3}}"#,
        );
        assert_eq!(ok, "");
    }

    #[test]
    fn corrupt_or_foreign_baselines_are_refused_by_name() {
        let dir = tempfile::tempdir();
        let Ok(dir) = dir else {
            panic!("cannot create a temporary directory")
        };
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{ not json").ok();
        let err = format!(
            "{:#}",
            read_baseline(&path)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
        assert!(err.contains("b.json"), "{err}");
        std::fs::write(
            &path,
            r#"{"schema_version": 9, "tolerance_pct": 2, "note": "", "metrics": {}}"#,
        )
        .ok();
        let err = read_baseline(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("schema_version 9"), "{err}");
        let missing = read_baseline(&dir.path().join("absent.json"));
        assert!(missing.is_err());
    }
}
