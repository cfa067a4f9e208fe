//! Helpers shared by the integration tests: running the real binary.

#![allow(dead_code)]

pub mod exposition;
pub mod serve;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Every name `--policy` takes, in `harness list` order (the CLI tests check each one).
pub const POLICIES: [&str; 14] = [
    "lru",
    "s3fifo",
    "sieve",
    "fifo",
    "clock",
    "lfu",
    "arc",
    "gdsf",
    "belady",
    "belady-size",
    "infinite",
    "moka",
    "quick_cache",
    "lru-crate",
];

/// Runs the `harness` binary with `args` (never inheriting a terminal, so no progress bar).
pub fn harness(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("cannot run the harness binary: {e}"),
    }
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared real traces, beside the checkout (`../shared/traces`), or in
/// `$GENCACHE_TRACES_DIR` (a checkout in a git worktree elsewhere).
pub fn trace(name: &str) -> PathBuf {
    match std::env::var_os("GENCACHE_TRACES_DIR") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/traces")
            .join(name),
    }
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("cannot create a temporary directory: {e}"),
    }
}
