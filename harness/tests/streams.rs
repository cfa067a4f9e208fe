//! Issue 10 on the command line: a trace from a FIFO or pipe is replayed (every pass reads the
//! same requests), a cut `.xz` names the real decompressed offset, and messages say
//! `cache2k-xz` and `--format: unknown …` without internal names or doubled colons.

mod common;
use common::{harness, stderr, stdout, tempdir};
use std::io::Write;
use std::path::Path;

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

fn keys_xz(n: u32) -> Vec<u8> {
    let raw: Vec<u8> = (0..n)
        .flat_map(|i| ((i * 7919) % (n / 3 + 1)).to_be_bytes())
        .collect();
    xz(&raw)
}

fn replay_json(args: &[&str]) -> reports::ResultsFile {
    let o = harness(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("--json is not a results file: {e}"),
    }
}

const QUIET: [&str; 5] = [
    "--no-report",
    "--no-lookup-time",
    "--json",
    "--quiet",
    "--out",
];

#[cfg(unix)]
#[test]
fn a_fifo_is_replayed_like_the_file_it_carries() {
    let dir = tempdir();
    let bytes = keys_xz(20_000);
    let file = dir.path().join("t.trace.xz");
    std::fs::write(&file, &bytes).unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let feeder = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = f.write_all(&bytes);
            }
        })
    };
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (file_s, fifo_s, out_a, out_b) = (
        file.to_string_lossy().into_owned(),
        fifo.to_string_lossy().into_owned(),
        out("a"),
        out("b"),
    );
    let mut args = vec!["replay", "--format", "cache2k-xz", fifo_s.as_str()];
    args.extend(QUIET);
    args.push(&out_a);
    let from_fifo = replay_json(&args);
    feeder.join().unwrap();
    let mut args = vec!["replay", file_s.as_str()];
    args.extend(QUIET);
    args.push(&out_b);
    let from_file = replay_json(&args);
    let (a, b) = (&from_fifo.runs[0], &from_file.runs[0]);
    assert_eq!(a.workload.requests, 20_000);
    assert_eq!(a.workload.requests, b.workload.requests);
    assert_eq!(
        (a.cache.hits, a.cache.misses),
        (b.cache.hits, b.cache.misses)
    );
}

#[test]
fn a_cut_xz_names_the_decompressed_offset() {
    let dir = tempdir();
    let mut bytes = keys_xz(200_000);
    bytes.truncate(bytes.len() / 2);
    let cut = dir.path().join("t.xz");
    std::fs::write(&cut, &bytes).unwrap();
    let o = harness(&["replay", &cut.to_string_lossy(), "--quiet", "--no-report"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("t.xz"), "{err}");
    assert!(!err.contains("offset 0:"), "{err}");
    assert!(err.contains("ends after"), "{err}");
}

#[test]
fn format_messages_use_flag_names() {
    let o = harness(&["replay", "x.csv", "--format", "parquet"]);
    let err = stderr(&o);
    assert!(
        err.contains("--format: unknown trace format `parquet`"),
        "{err}"
    );
    assert!(!err.contains(": :"), "{err}");

    let dir = tempdir();
    let path = dir.path().join("t.trace.xz");
    std::fs::write(&path, keys_xz(10)).unwrap();
    let o = harness(&["replay", &path.to_string_lossy(), "--open-loop", "--quiet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a cache2k-xz trace"), "{err}");
    assert!(!err.contains("Cache2kXz"), "{err}");
}

#[test]
fn dev_zero_as_a_workload_is_refused_with_the_limit() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let o = harness(&["run", "--workload", "/dev/zero", "--quiet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/dev/zero") && err.contains("4 MiB"), "{err}");
}
