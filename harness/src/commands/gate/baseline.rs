//! The committed gate baseline (`scripts/gate-baseline.json`): its format, reading and checks.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// How much worse than the baseline a metric may get, percent of the baseline value.
pub const TOLERANCE_PCT: f64 = 2.0;

/// The largest tolerance a baseline may set, percent: beyond it the regression gate would no
/// longer catch anything worth catching, so such a baseline is refused as unusable.
pub const MAX_TOLERANCE_PCT: f64 = 50.0;

/// Version of the baseline file format.
pub(super) const BASELINE_VERSION: u32 = 1;

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
