//! What the harness does to the paths it writes (issue 10, defects 1, 4 and 8): special files
//! are never replaced, a run's outputs appear together or not at all, and two workloads with
//! the same name keep their own CSVs.

mod common;
use common::{harness, stderr, tempdir};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}

/// The mode `touch` would give a new file under this process's umask.
fn ordinary_mode(dir: &Path) -> u32 {
    let probe = dir.join(".touched");
    let _ = std::fs::File::create(&probe);
    let m = mode(&probe);
    let _ = std::fs::remove_file(&probe);
    m
}

#[test]
fn gen_into_a_fifo_streams_and_leaves_the_fifo() {
    let dir = tempdir();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo failed");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap_or_default())
    };
    let o = harness(&[
        "gen",
        "--workload",
        "seed-example",
        "--out",
        &fifo.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Checked before joining: a replaced FIFO (the bug) would leave the reader blocked forever.
    let kind = std::fs::symlink_metadata(&fifo).map(|m| m.file_type());
    assert!(
        kind.map(|k| k.is_fifo()).unwrap_or(false),
        "the FIFO was replaced"
    );
    let text = reader.join().unwrap_or_default();
    assert!(text.starts_with("time,key,size,cost\n"), "{text:.80}");
    assert_eq!(text.lines().count(), 101);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(names.len(), 1, "a temporary was left beside the FIFO");
}

#[test]
fn gen_into_a_symlink_to_a_device_keeps_both() {
    let dir = tempdir();
    let link = dir.path().join("null");
    assert!(std::os::unix::fs::symlink("/dev/null", &link).is_ok());
    let o = harness(&[
        "gen",
        "--workload",
        "seed-example",
        "--out",
        &link.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let link_kind = std::fs::symlink_metadata(&link).map(|m| m.file_type().is_symlink());
    assert_eq!(link_kind.ok(), Some(true), "the symlink was replaced");
    let dev = std::fs::metadata("/dev/null").map(|m| m.file_type().is_char_device());
    assert_eq!(dev.ok(), Some(true));
}

#[test]
fn gen_and_run_create_files_with_ordinary_permissions() {
    let dir = tempdir();
    let expected = ordinary_mode(dir.path());
    let csv = dir.path().join("seed.csv");
    let o = harness(&[
        "gen",
        "--workload",
        "seed-example",
        "--out",
        &csv.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&csv), expected, "gen output is {:o}", mode(&csv));
    let out = dir.path().join("run");
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--no-report",
        "--no-memory",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results = out.join("results.json");
    assert_eq!(
        mode(&results),
        expected,
        "results.json is {:o}",
        mode(&results)
    );
}

fn run_into(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--workload", "seed-example", "--no-memory"];
    args.extend_from_slice(extra);
    let out = out.to_string_lossy().into_owned();
    args.extend_from_slice(&["--out", &out]);
    harness(&args)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn a_failed_rerun_leaves_the_previous_outputs_untouched() {
    // The issue's reproducer: a CSV of the previous run replaced by a directory.
    let dir = tempdir();
    let out = dir.path().join("mix");
    let o = run_into(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results_before = read(&out.join("results.json"));
    let report_before = read(&out.join("report.md"));
    assert!(!results_before.is_empty() && !report_before.is_empty());
    let csv = out.join("seed-example.latency-cached.csv");
    assert!(std::fs::remove_file(&csv).is_ok() && std::fs::create_dir(&csv).is_ok());
    let o = run_into(&out, &["--max-bytes", "1MiB"]);
    assert!(!o.status.success(), "the re-run should fail");
    let err = stderr(&o);
    assert!(
        err.contains("seed-example.latency-cached.csv") && err.contains("directory"),
        "{err}"
    );
    assert_eq!(
        read(&out.join("results.json")),
        results_before,
        "results.json changed"
    );
    assert_eq!(
        read(&out.join("report.md")),
        report_before,
        "report.md changed"
    );
    let stray: Vec<_> = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".harness-staging")
        })
        .collect();
    assert!(stray.is_empty(), "staging directory left behind");
    // The previous run is still a complete one that `report` reads.
    let o = harness(&[
        "report",
        &out.to_string_lossy(),
        "--out",
        &dir.path().join("r").to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_late_failure_creates_no_directory() {
    let dir = tempdir();
    let out = dir.path().join("never");
    // Nothing listens on port 1: the live replay fails after the simulation.
    let o = run_into(&out, &["--target", "http://127.0.0.1:1", "--no-report"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("http://127.0.0.1:1"), "{}", stderr(&o));
    assert!(!out.exists(), "an empty output directory was left");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A write that fails midway (the disk fills up): `ulimit -f` makes writes past 64 KiB fail
/// with EFBIG (SIGXFSZ ignored), as a full disk fails them with ENOSPC: results.json (about
/// 32 KiB) and the CSVs are written, the charts are not. No valid-looking results.json may be
/// left for `report` to read.
#[cfg(target_os = "linux")]
#[test]
fn a_write_failing_midway_leaves_no_results_behind() {
    let dir = tempdir();
    let out = dir.path().join("full");
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 64; exec {} run --workload seed-example --no-memory --out {}",
            env!("CARGO_BIN_EXE_harness"),
            out.display()
        ))
        .output();
    let Ok(o) = o else { panic!("cannot run bash") };
    assert!(!o.status.success(), "the run should fail: {}", stderr(&o));
    assert!(stderr(&o).contains("File too large"), "{}", stderr(&o));
    assert!(!out.exists(), "outputs of a failed run appeared");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn report_refuses_a_directory_whose_run_did_not_complete() {
    let dir = tempdir();
    let out = dir.path().join("run");
    let o = run_into(&out, &["--no-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = out.join("manifest.json");
    let text = String::from_utf8(read(&manifest)).unwrap_or_default();
    assert!(text.contains("\"complete\": true"), "{text}");
    assert!(
        std::fs::write(
            &manifest,
            text.replace("\"complete\": true", "\"complete\": false")
        )
        .is_ok()
    );
    let o = harness(&[
        "report",
        &out.to_string_lossy(),
        "--out",
        &dir.path().join("r").to_string_lossy(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("incomplete run outputs"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn two_workloads_with_the_same_name_keep_their_own_csvs() {
    let dir = tempdir();
    let out = dir.path().join("twice");
    let o = harness(&[
        "run",
        "--workload",
        "seed-example,seed-example",
        "--no-memory",
        "--no-report",
        "--max-bytes",
        "1MiB",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["seed-example", "seed-example-2"] {
        for kind in ["timeline", "latency-baseline", "latency-cached"] {
            let path = out.join(format!("{name}.{kind}.csv"));
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
}
