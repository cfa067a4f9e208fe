//! The CI gate: a baseline the current code beats passes; a doctored baseline fails with exit 1
//! naming the metric; a corrupt or missing baseline exits 2.

mod common;
use common::{harness, stderr, stdout, tempdir};

#[test]
fn gate_passes_fails_and_refuses_as_documented() {
    let dir = tempdir();
    let baseline = dir.path().join("gate-baseline.json");
    let b = baseline.to_string_lossy().to_string();

    // Missing baseline: unusable input.
    let o = harness(&["gate", "--baseline", &b]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("gate-baseline.json"), "{}", stderr(&o));

    // Written from the current code, then checked: passes (the figures are deterministic).
    let o = harness(&["gate", "--baseline", &b, "--update-baseline"]);
    assert!(baseline.is_file(), "{}{}", stdout(&o), stderr(&o));
    let o = harness(&["gate", "--baseline", &b]);
    let table = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{table}{}", stderr(&o));
    for metric in [
        "typical.speedup",
        "busy.speedup",
        "burst.joined",
        "seed-example.memory_overhead_pct",
        "typical@16MiB.speedup",
        "typical@64MiB.hit_rate",
        "typical@256MiB.speedup",
        "typical@1GiB.hit_rate",
    ] {
        assert!(
            table.contains(metric),
            "{metric} not in the table:\n{table}"
        );
    }
    assert!(table.contains("gate: PASS"));

    // Doctored: a speedup the code cannot reach.
    let text = std::fs::read_to_string(&baseline).unwrap_or_default();
    let mut json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("baseline is not JSON: {e}"),
    };
    json["metrics"]["seed-example.speedup"] = serde_json::json!(100.0);
    std::fs::write(&baseline, json.to_string()).ok();
    let o = harness(&["gate", "--baseline", &b]);
    assert_eq!(o.status.code(), Some(1));
    let table = stdout(&o);
    assert!(
        table
            .lines()
            .any(|l| l.contains("seed-example.speedup") && l.contains("FAIL")),
        "{table}"
    );
    assert!(
        table.contains("gate: FAIL (seed-example.speedup)"),
        "{table}"
    );

    // A regression at one point of the curve fails naming that point only.
    json["metrics"]["seed-example.speedup"] = serde_json::json!(3.3);
    json["metrics"]["typical@64MiB.hit_rate"] = serde_json::json!(0.65);
    std::fs::write(&baseline, json.to_string()).ok();
    let o = harness(&["gate", "--baseline", &b]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.contains("gate: FAIL (typical@64MiB.hit_rate)"),
        "{table}"
    );
    json["metrics"]["typical@64MiB.hit_rate"] = serde_json::json!(0.5);

    // A metric the run produces but the baseline lacks would go unchecked: unusable input.
    if let Some(metrics) = json["metrics"].as_object_mut() {
        metrics.remove("burst.joined");
    }
    std::fs::write(&baseline, json.to_string()).ok();
    let o = harness(&["gate", "--baseline", &b]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("burst.joined"), "{}", stderr(&o));
    assert!(stderr(&o).contains("gate-baseline.json"), "{}", stderr(&o));

    // Corrupt: unusable input.
    std::fs::write(&baseline, "{\"schema_version\": 1, \"metrics\": ").ok();
    let o = harness(&["gate", "--baseline", &b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn update_baseline_follows_a_symlink_and_writes_an_ordinary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let real = dir.path().join("real-baseline.json");
    let link = dir.path().join("gate-baseline.json");
    assert!(std::fs::write(&real, "old").is_ok());
    assert!(std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).is_ok());
    assert!(std::os::unix::fs::symlink("real-baseline.json", &link).is_ok());
    let o = harness(&[
        "gate",
        "--baseline",
        &link.to_string_lossy(),
        "--update-baseline",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let kind = std::fs::symlink_metadata(&link).map(|m| m.file_type().is_symlink());
    assert_eq!(kind.ok(), Some(true), "the symlink was replaced by a file");
    let text = std::fs::read_to_string(&real).unwrap_or_default();
    assert!(
        text.contains("\"metrics\""),
        "the target was not updated: {text}"
    );
    let mode = std::fs::metadata(&real).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode.ok(), Some(0o644), "not the ordinary mode it had");
}
