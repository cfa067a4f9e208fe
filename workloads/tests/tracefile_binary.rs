//! Readers of real trace formats on fixtures written here, the bad-input cases, and the shared
//! cache2k trace `web07`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use workloads::tracefile::{self, TraceError, TraceFormat};
use workloads::{Request, Workload};

fn defaults() -> Workload {
    Workload::preset("typical").unwrap()
}

fn read(path: &Path, format: Option<TraceFormat>) -> Result<Vec<Request>, TraceError> {
    tracefile::open(path, format, &defaults())?.collect()
}

fn oracle_bytes(records: &[(u32, u64, u32, i64)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (t, id, size, next) in records {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&next.to_le_bytes());
    }
    out
}

const RECORDS: [(u32, u64, u32, i64); 4] = [
    (1000, 11, 500, 2),
    (1001, 12, 0, -1),
    (1003, 11, 500, -1),
    (1010, u64::MAX, 7, -1),
];

fn check_oracle(got: &[Request]) {
    let w = defaults();
    assert_eq!(got.len(), 4);
    assert_eq!(
        got.iter().map(|r| r.time).collect::<Vec<_>>(),
        [0.0, 1.0, 3.0, 10.0]
    );
    assert_eq!(
        got.iter().map(|r| r.key).collect::<Vec<_>>(),
        [11, 12, 11, u64::MAX]
    );
    assert_eq!(got[0].size, 500);
    // Size 0 = unknown: the workload's distribution, keyed by the key.
    assert_eq!(got[1].size, w.size.size_of(w.seed, 12));
    assert!(got.iter().all(|r| r.cost == 124.6));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
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

#[test]
fn oracle_general_plain() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.oracleGeneral", &oracle_bytes(&RECORDS));
    assert_eq!(
        TraceFormat::detect(&path).unwrap(),
        TraceFormat::OracleGeneral
    );
    check_oracle(&read(&path, None).unwrap());
}

#[test]
fn oracle_general_zstd() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.oracleGeneral.zst",
        &zstd(&oracle_bytes(&RECORDS)),
    );
    assert_eq!(
        TraceFormat::detect(&path).unwrap(),
        TraceFormat::OracleGeneralZst
    );
    check_oracle(&read(&path, None).unwrap());
    // Detected from the magic bytes too.
    let renamed = write(dir.path(), "noext", &zstd(&oracle_bytes(&RECORDS)));
    check_oracle(&read(&renamed, None).unwrap());
}

#[test]
fn oracle_general_zstd_reads_every_concatenated_frame() {
    // As written by `pzstd` or `cat a.zst b.zst`: the records of both frames, in order.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = zstd(&oracle_bytes(&RECORDS[..2]));
    bytes.extend(zstd(&oracle_bytes(&RECORDS[2..])));
    let path = write(dir.path(), "two-frames.zst", &bytes);
    check_oracle(&read(&path, None).unwrap());
}

#[test]
fn oracle_general_zstd_trailing_garbage_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = zstd(&oracle_bytes(&RECORDS));
    bytes.extend_from_slice(b"not a zstd frame");
    let path = write(dir.path(), "garbage.zst", &bytes);
    let e = read(&path, None).unwrap_err();
    let m = e.to_string();
    println!("{m}");
    assert!(
        matches!(e, TraceError::Decompress { offset: 96, .. }),
        "{e:?}"
    );
    assert!(
        m.contains("garbage.zst") && m.contains("after frame 1"),
        "{m}"
    );
}

#[test]
fn cache2k_xz() {
    let dir = tempfile::tempdir().unwrap();
    let keys: [i32; 5] = [3, -1, 3, i32::MAX, i32::MIN];
    let raw: Vec<u8> = keys.iter().flat_map(|k| k.to_be_bytes()).collect();
    let path = write(dir.path(), "t.trace.xz", &xz(&raw));
    let got = read(&path, None).unwrap();
    let expected: Vec<u64> = keys.iter().map(|&k| i64::from(k) as u64).collect();
    assert_eq!(got.iter().map(|r| r.key).collect::<Vec<_>>(), expected);
    assert!(got.iter().all(|r| r.time == 0.0 && r.cost == 124.6));
    assert_eq!(got[0].size, got[2].size);
}

#[test]
fn text_one_key_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.txt",
        b"42\n\n0x10\nhttps://example.com/a\n  42  \r\nhttps://example.com/a\n",
    );
    let got = read(&path, None).unwrap();
    let keys: Vec<u64> = got.iter().map(|r| r.key).collect();
    assert_eq!(keys.len(), 5);
    assert_eq!(keys[0], 42);
    assert_eq!(keys[1], 16);
    assert_eq!(keys[2], keys[4]);
    assert_eq!(keys[3], 42);
    // Detected as text from its content, too.
    let renamed = write(dir.path(), "keys", b"1\n2\n");
    assert_eq!(TraceFormat::detect(&renamed).unwrap(), TraceFormat::Text);
}

#[test]
fn non_ascii_text_keys_are_detected_as_text_not_binary() {
    // 24 bytes, no extension: before, non-ASCII made it "binary" and 24 | len made it
    // oracleGeneral, a garbage record.
    let dir = tempfile::tempdir().unwrap();
    let bytes = "café\n".repeat(4);
    assert_eq!(bytes.len(), 24);
    let path = write(dir.path(), "keys24", bytes.as_bytes());
    assert_eq!(TraceFormat::detect(&path).unwrap(), TraceFormat::Text);
    let got = read(&path, None).unwrap();
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|r| r.key == got[0].key));
    // A multi-byte character split by the 4096-byte sniff window is still text.
    let long = format!("{}é\nnaïve\n", "k".repeat(4095));
    let path = write(dir.path(), "split", long.as_bytes());
    assert_eq!(TraceFormat::detect(&path).unwrap(), TraceFormat::Text);
    assert_eq!(read(&path, None).unwrap().len(), 2);
}

#[test]
fn truncated_oracle_record_names_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = oracle_bytes(&RECORDS);
    bytes.truncate(24 * 3 + 10);
    let path = write(dir.path(), "t.oracleGeneral", &bytes);
    let mut reader = tracefile::open(&path, None, &defaults()).unwrap();
    for _ in 0..3 {
        reader.next().unwrap().unwrap();
    }
    let e = reader.next().unwrap().unwrap_err();
    let m = e.to_string();
    println!("{m}");
    assert!(
        m.contains("t.oracleGeneral") && m.contains("byte offset 72"),
        "{m}"
    );
    assert!(m.contains("expected 24 bytes, found 10"), "{m}");
    assert!(reader.next().is_none(), "reader must stop after an error");
}

#[test]
fn truncated_cache2k_record_inside_xz() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.xz", &xz(&[0, 0, 0, 1, 0, 0]));
    let m = read(&path, None).unwrap_err().to_string();
    assert!(
        m.contains("decompressed byte offset 4") && m.contains("found 2"),
        "{m}"
    );
}

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("e.oracleGeneral", Vec::new()),
        ("e.txt", b"\n\n".to_vec()),
        ("e.zst", zstd(&[])),
        ("e.xz", xz(&[])),
    ] {
        let path = write(dir.path(), name, &bytes);
        let m = read(&path, None).unwrap_err().to_string();
        println!("{m}");
        assert!(m.contains(name) && m.contains("empty trace"), "{m}");
    }
}

#[test]
fn unknown_compression_by_extension_and_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv.gz", b"anything");
    let m = read(&path, None).unwrap_err().to_string();
    assert!(
        m.contains("unknown compression") && m.contains(".gz"),
        "{m}"
    );
    let path = write(dir.path(), "t.trace", &[0x1f, 0x8b, 8, 0, 0, 0]);
    let m = read(&path, None).unwrap_err().to_string();
    assert!(
        m.contains("unknown compression") && m.contains("gzip"),
        "{m}"
    );
}

#[test]
fn corrupt_compressed_streams() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.xz", b"definitely not xz");
    let m = read(&path, None).unwrap_err().to_string();
    assert!(m.contains("xz") && m.contains("magic"), "{m}");
    let path = write(dir.path(), "t.zst", b"definitely not zstd");
    let m = read(&path, None).unwrap_err().to_string();
    assert!(m.contains("zstd"), "{m}");
    let mut good = xz(&[0u8; 4000]);
    let len = good.len();
    good.truncate(len - 12);
    let path = write(dir.path(), "cut.xz", &good);
    let m = read(&path, None).unwrap_err().to_string();
    assert!(m.contains("cut.xz"), "{m}");
}

#[test]
fn undetectable_binary() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "blob", &[0u8, 1, 2, 200, 3]);
    let m = read(&path, None).unwrap_err().to_string();
    assert!(m.contains("--format"), "{m}");
}

#[test]
fn binary_as_text_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.txt", &[b'1', b'\n', 0xff, 0xfe, b'\n']);
    let m = read(&path, None).unwrap_err().to_string();
    assert!(m.contains("line 2") && m.contains("UTF-8"), "{m}");
}

#[test]
fn missing_file() {
    let m = read(Path::new("/nonexistent/t.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(m.contains("/nonexistent/t.csv"), "{m}");
}

/// `/work/shared/traces` beside the checkout (`../shared/traces` from the workspace root), or
/// `$GENCACHE_TRACES_DIR` (a checkout in a git worktree elsewhere).
fn shared_trace(name: &str) -> PathBuf {
    match std::env::var_os("GENCACHE_TRACES_DIR") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/traces")).join(name),
    }
}

#[test]
fn web07_has_the_documented_counts() {
    let path = shared_trace("web07.trace.xz");
    assert!(
        path.exists(),
        "{} missing: the shared traces must sit beside the checkout",
        path.display()
    );
    let reader = tracefile::open(&path, None, &defaults()).unwrap();
    assert_eq!(reader.format(), TraceFormat::Cache2kXz);
    let mut distinct = HashSet::new();
    let mut n = 0u64;
    for r in reader {
        distinct.insert(r.unwrap().key);
        n += 1;
    }
    assert_eq!(n, 76_118);
    assert_eq!(distinct.len(), 20_484);
}

mod roundtrip {
    //! Random record sequences against the reference model of each format's layout.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn oracle_general_reads_what_was_written(
            records in proptest::collection::vec((any::<u32>(), any::<u64>(), 1u32.., any::<i64>()), 1..300),
            compressed in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let raw = oracle_bytes(&records);
            let (name, bytes) = if compressed { ("t.zst", zstd(&raw)) } else { ("t.bin", raw) };
            let path = write(dir.path(), name, &bytes);
            let got = read(&path, None).unwrap();
            let t0 = f64::from(records[0].0);
            prop_assert_eq!(got.len(), records.len());
            for (r, (t, id, size, _)) in got.iter().zip(&records) {
                prop_assert_eq!(r.key, *id);
                prop_assert_eq!(r.size, u64::from(*size));
                prop_assert_eq!(r.time, (f64::from(*t) - t0).max(0.0));
            }
        }

        #[test]
        fn cache2k_reads_what_was_written(keys in proptest::collection::vec(any::<i32>(), 1..500)) {
            let dir = tempfile::tempdir().unwrap();
            let raw: Vec<u8> = keys.iter().flat_map(|k| k.to_be_bytes()).collect();
            let path = write(dir.path(), "t.xz", &xz(&raw));
            let got: Vec<u64> = read(&path, None).unwrap().iter().map(|r| r.key).collect();
            let expected: Vec<u64> = keys.iter().map(|&k| i64::from(k) as u64).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
