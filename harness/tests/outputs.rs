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
    let text = reader.join().unwrap_or_default();
    assert!(text.starts_with("time,key,size,cost\n"), "{text:.80}");
    assert_eq!(text.lines().count(), 101);
    let kind = std::fs::symlink_metadata(&fifo).map(|m| m.file_type());
    assert!(
        kind.map(|k| k.is_fifo()).unwrap_or(false),
        "the FIFO was replaced"
    );
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
