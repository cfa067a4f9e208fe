//! `harness gate`: the CI gate on deterministic results only.
//!
//! Runs [`GATE_WORKLOADS`] with lookup timing left out (so every figure is a pure function of
//! the code and the presets), then checks:
//! - absolute limits: speedup of `typical` ≥ 3.0 and of `busy` ≥ 9.0; achieved hit rate within
//!   ±1 pp of the target where there is one; measured memory overhead < 10 % of a non-empty
//!   payload (a percentage of nothing is undefined, not a pass); joins > 0 on `burst`;
//! - no regression: no metric worse than the committed baseline by more than
//!   [`TOLERANCE_PCT`] % (relative) — those of the runs and those of the curve ([`curve`]:
//!   `typical` at four byte budgets, each point's speedup and hit rate).

mod baseline;
pub mod curve;
mod rules;

pub use baseline::{
    Baseline, MAX_TOLERANCE_PCT, TOLERANCE_PCT, ensure_baseline_covers, parse_baseline,
    read_baseline,
};
pub use rules::{
    Better, GateCheck, GateReport, Limit, RULES, Rule, Scope, absolute_checks, direction, metrics,
    regression_checks,
};

use super::Status;
use crate::output;
use crate::run::RunOptions;
use crate::source::Source;
use anyhow::Context;
use baseline::BASELINE_VERSION;
use std::path::Path;

/// The workloads the gate replays.
pub const GATE_WORKLOADS: &[&str] = &["typical", "busy", "seed-example", "burst"];

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
    let mut now = metrics(&outcomes);
    let curve = curve::run_curve().context("the gate's curve")?;
    now.extend(curve::curve_metrics(&curve));

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
        let file = crate::run::results_file(&outcomes);
        reports::write_results(staged.path(), &file)
            .with_context(|| format!("writing results into {}", staged.target().display()))?;
        staged.commit()?;
    }

    let report = GateReport { checks };
    // The table is printed even with --quiet when something failed: CI logs must say why.
    if !quiet || !report.passed() {
        println!(
            "gate: {}; curve {} at {} (deterministic figures; regression tolerance {} %)",
            GATE_WORKLOADS.join(", "),
            curve::CURVE_WORKLOAD,
            curve::CURVE_BUDGETS.join(", "),
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
