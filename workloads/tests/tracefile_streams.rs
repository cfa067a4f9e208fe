//! Issue 10: streaming input (pipes, FIFOs) is read as a stream in every format, detection
//! included; a cut `.xz` reports the real decompressed offset; `--format` errors read cleanly.

use std::io::Write;
use std::path::{Path, PathBuf};
use workloads::tracefile::{self, TraceDefaults, TraceError, TraceFormat};
use workloads::{Request, Workload};

fn defaults() -> TraceDefaults {
    TraceDefaults::from(&Workload::preset("typical").unwrap())
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn oracle(keys: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&100u32.to_le_bytes());
        out.extend_from_slice(&(-1i64).to_le_bytes());
    }
    out
}

fn cache2k(keys: &[i32]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.to_be_bytes()).collect()
}

/// Pseudo-random keys (xorshift), so that the xz stream does not compress to nothing.
fn random_keys(n: usize) -> Vec<i32> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as i32
        })
        .collect()
}

/// A FIFO at `dir/name` fed `bytes` by a thread; the thread's handle to join.
#[cfg(unix)]
fn fifo(dir: &Path, name: &str, bytes: Vec<u8>) -> (PathBuf, std::thread::JoinHandle<()>) {
    let path = dir.join(name);
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let writer_path = path.clone();
    let feeder = std::thread::spawn(move || {
        // Blocks until the reader opens the FIFO; a reader that stops early gives EPIPE.
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&writer_path) {
            let _ = f.write_all(&bytes);
        }
    });
    (path, feeder)
}

#[cfg(unix)]
fn read_fifo(name: &str, bytes: Vec<u8>, format: Option<TraceFormat>) -> Vec<Request> {
    let dir = tempfile::tempdir().unwrap();
    let (path, feeder) = fifo(dir.path(), name, bytes);
    let reader = tracefile::open_with_defaults(&path, format, defaults())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let got: Vec<Request> = reader
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    feeder.join().unwrap();
    got
}

#[cfg(unix)]
#[test]
fn every_format_reads_from_a_fifo_with_and_without_detection() {
    let keys: Vec<u64> = (0..3000).map(|i| i * 7 % 1000).collect();
    let keys32: Vec<i32> = keys.iter().map(|&k| k as i32).collect();
    let csv: String = std::iter::once("time,key\n".to_string())
        .chain(keys.iter().map(|k| format!("0,{k}\n")))
        .collect();
    let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
    let cases: [(&str, TraceFormat, Vec<u8>); 5] = [
        ("csv", TraceFormat::Csv, csv.into_bytes()),
        ("text", TraceFormat::Text, text.into_bytes()),
        ("oracle", TraceFormat::OracleGeneral, oracle(&keys)),
        ("zstd", TraceFormat::OracleGeneralZst, zstd(&oracle(&keys))),
        ("xz", TraceFormat::Cache2kXz, xz(&cache2k(&keys32))),
    ];
    for (name, format, bytes) in cases {
        for given in [None, Some(format)] {
            // No extension: the content decides, from the first bytes only.
            let got = read_fifo(&format!("{name}-fifo"), bytes.clone(), given);
            let got: Vec<u64> = got.iter().map(|r| r.key).collect();
            assert_eq!(got, keys, "{name} {given:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn detection_on_a_fifo_reports_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let (path, feeder) = fifo(dir.path(), "web", xz(&cache2k(&[1, 2, 3])));
    let reader = tracefile::open_with_defaults(&path, None, defaults()).unwrap();
    assert_eq!(reader.format(), TraceFormat::Cache2kXz);
    assert_eq!(reader.count(), 3);
    feeder.join().unwrap();
}

#[cfg(unix)]
#[test]
fn an_empty_fifo_is_an_empty_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (path, feeder) = fifo(dir.path(), "empty.xz", Vec::new());
    let e = tracefile::open_with_defaults(&path, None, defaults()).unwrap_err();
    feeder.join().unwrap();
    assert!(matches!(e, TraceError::Empty { .. }), "{e}");
}

#[test]
fn in_memory_streams_read_like_files() {
    let keys = random_keys(2000);
    let bytes = xz(&cache2k(&keys));
    let reader = tracefile::from_reader(
        Path::new("stdin"),
        std::io::Cursor::new(bytes),
        None,
        defaults(),
    )
    .unwrap();
    assert_eq!(reader.format(), TraceFormat::Cache2kXz);
    let got: Vec<u64> = reader.map(|r| r.unwrap().key).collect();
    let want: Vec<u64> = keys.iter().map(|&k| i64::from(k) as u64).collect();
    assert_eq!(got, want);
}

#[test]
fn a_binary_stream_of_unknown_length_is_oracle_general_and_a_cut_record_is_reported() {
    // Longer than the sniff buffer, so the length is unknown when the format is chosen.
    let mut bytes = oracle(&(0..500).collect::<Vec<_>>());
    bytes.extend_from_slice(&[1, 2, 3]);
    let reader = tracefile::from_reader(
        Path::new("pipe"),
        std::io::Cursor::new(bytes),
        None,
        defaults(),
    )
    .unwrap();
    assert_eq!(reader.format(), TraceFormat::OracleGeneral);
    let results: Vec<_> = reader.collect();
    assert_eq!(results.len(), 501);
    let m = results[500].as_ref().unwrap_err().to_string();
    assert!(m.contains("pipe") && m.contains("offset 12000"), "{m}");
}

#[test]
fn a_cut_xz_reports_the_real_decompressed_offset() {
    let keys = random_keys(60_000);
    let raw = cache2k(&keys);
    let mut compressed = xz(&raw);
    compressed.truncate(compressed.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xz");
    std::fs::write(&path, &compressed).unwrap();
    let mut decoded = Vec::new();
    let mut error = None;
    for r in tracefile::open_with_defaults(&path, None, defaults()).unwrap() {
        match r {
            Ok(req) => decoded.push(req.key),
            Err(e) => error = Some(e),
        }
    }
    let error = error.expect("the cut is an error");
    let TraceError::Decompress { offset, .. } = error else {
        panic!("expected a decompression error, got {error}");
    };
    // Everything before the cut was decoded and handed out, and the offset says so (it may
    // fall inside the record being read when the input stopped).
    let whole_records = decoded.len() as u64 * 4;
    assert!(
        (whole_records..whole_records + 4).contains(&offset),
        "{error}"
    );
    assert!(
        offset > raw.len() as u64 / 4,
        "only {offset} of ~{} bytes decoded before the cut",
        raw.len() / 2
    );
    let want: Vec<u64> = keys[..decoded.len()]
        .iter()
        .map(|&k| i64::from(k) as u64)
        .collect();
    assert_eq!(decoded, want);
    let m = error.to_string();
    assert!(
        m.contains("t.xz") && m.contains(&format!("offset {offset}")) && m.contains("ends after"),
        "{m}"
    );
}

#[test]
fn concatenated_xz_streams_are_all_read() {
    let mut bytes = xz(&cache2k(&[1, 2]));
    bytes.extend(xz(&cache2k(&[3])));
    let reader = tracefile::from_reader(
        Path::new("two.xz"),
        std::io::Cursor::new(bytes),
        None,
        defaults(),
    )
    .unwrap();
    let got: Vec<u64> = reader.map(|r| r.unwrap().key).collect();
    assert_eq!(got, [1, 2, 3]);
}

#[test]
fn an_unknown_format_name_has_no_empty_path_prefix() {
    let m = "parquet".parse::<TraceFormat>().unwrap_err().to_string();
    assert!(m.starts_with("unknown trace format `parquet`"), "{m}");
    assert!(m.contains("cache2k-xz"), "{m}");
    // Messages name formats by their `--format` names, never the Rust variant names.
    assert_eq!(TraceFormat::Cache2kXz.to_string(), "cache2k-xz");
}
