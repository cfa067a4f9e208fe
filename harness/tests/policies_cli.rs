//! `--policy` on the command line: every policy replays a trace through the same engine, and a
//! policy that cannot replay an input is refused up front — exit 2, a message that says what the
//! policy needs, and no output directory.

mod common;
use common::{harness, stderr, stdout, tempdir};
use std::path::Path;

/// A small CSV trace: 40 requests over 8 keys, 1 KiB each, 2 s per generation.
fn write_trace(dir: &Path) -> String {
    let path = dir.join("t.csv");
    let mut text = String::from("time,key,size,cost\n");
    for i in 0..40u64 {
        text.push_str(&format!("0,{},1024,2\n", (i * 7) % 8));
    }
    std::fs::write(&path, text).ok();
    path.to_string_lossy().into_owned()
}

fn refused(args: &[&str], needles: &[&str]) {
    let o = harness(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`: {err}");
    }
    assert!(
        stdout(&o).is_empty(),
        "partial output on stdout: {}",
        stdout(&o)
    );
}

#[test]
fn every_policy_replays_a_trace() {
    let dir = tempdir();
    let trace = write_trace(dir.path());
    for policy in common::POLICIES {
        let o = harness(&[
            "replay",
            &trace,
            "--policy",
            policy,
            "--max-entries",
            "4",
            "--no-lookup-time",
            "--json",
            "--quiet",
        ]);
        assert!(o.status.success(), "{policy}: {}", stderr(&o));
        let json: serde_json::Value = match serde_json::from_str(&stdout(&o)) {
            Ok(v) => v,
            Err(e) => panic!("{policy}: {e}"),
        };
        let run = &json["runs"][0];
        assert_eq!(run["policy"]["name"], policy);
        assert_eq!(run["workload"]["requests"], 40);
        let hits = run["cache"]["hits"].as_u64().unwrap_or(u64::MAX);
        assert!(hits <= 32, "{policy}: {hits} hits > 40 - 8 first requests");
    }
}

#[test]
fn an_unknown_policy_lists_the_valid_ones() {
    refused(
        &["run", "-w", "seed-example", "--policy", "mru"],
        &["unknown policy `mru`", "lru", "fifo", "belady", "moka"],
    );
}

#[test]
fn belady_refuses_a_ttl_and_makes_no_output() {
    let dir = tempdir();
    let out = dir.path().join("out");
    refused(
        &[
            "run",
            "-w",
            "seed-example",
            "--policy",
            "belady",
            "--ttl",
            "1h",
            "--out",
            &out.to_string_lossy(),
        ],
        &["belady cannot run with a TTL", "next use"],
    );
    assert!(!out.exists(), "an output directory was made");
}

#[cfg(unix)]
#[test]
fn belady_on_a_pipe_says_what_the_bound_needs() {
    // /dev/stdin is not a regular file: a pipe can be read once, the bound needs two passes.
    refused(
        &[
            "replay",
            "/dev/stdin",
            "--format",
            "csv",
            "--policy",
            "belady",
            "--max-entries",
            "4",
        ],
        &["needs the whole trace twice", "not a regular file"],
    );
}

#[test]
fn a_peer_without_a_weigher_refuses_a_byte_budget() {
    let dir = tempdir();
    let trace = write_trace(dir.path());
    let out = dir.path().join("out");
    refused(
        &[
            "replay",
            &trace,
            "--policy",
            "lru-crate",
            "--max-bytes",
            "1MiB",
            "--out",
            &out.to_string_lossy(),
        ],
        &["lru-crate cannot honour a byte budget", "--max-entries"],
    );
    assert!(!out.exists(), "an output directory was made");
}

#[test]
fn a_reference_policy_takes_one_bound() {
    let dir = tempdir();
    let trace = write_trace(dir.path());
    refused(
        &[
            "replay",
            &trace,
            "--policy",
            "arc",
            "--max-bytes",
            "1MiB",
            "--max-entries",
            "10",
        ],
        &["arc takes one bound"],
    );
}
