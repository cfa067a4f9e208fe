//! Fuzzing the trace readers (csv, oracleGeneral, zstd, cache2k xz, text) and format detection:
//! arbitrary bytes and mutated valid traces. The property: no panic, no hang (every read ends),
//! every error names the input, every request read is sane; valid inputs parse to their keys.
//! Run `GENCACHE_FUZZ_CASES=100000 cargo test --release -p workloads --test fuzz_traces -- --nocapture`
//! for the CI figures (see `.ci/run`).

mod fuzz_support;

use fuzz_support::{accepted, arbitrary_bytes, cases, config, corpus, mutated, report_cases};
use proptest::strategy::Strategy;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::LazyLock;
use workloads::tracefile::{self, TraceDefaults, TraceFormat};
use workloads::{Request, Workload};

/// Decompression can expand a few KiB into a lot; past this many records a read is stopped (a
/// legitimate, merely large trace), which bounds every case.
const MAX_RECORDS: usize = 1 << 20;

static DEFAULTS: LazyLock<TraceDefaults> =
    LazyLock::new(|| TraceDefaults::from(&Workload::preset("typical").unwrap()));

/// The seed of every fuzz run: `GENCACHE_FUZZ_SEED` or a fixed default (printed); `cases`
/// cases.
fn runner(cases: u32) -> TestRunner {
    let seed: u64 = std::env::var("GENCACHE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6765_6e63_6163_6865);
    println!("fuzz seed {seed} (GENCACHE_FUZZ_SEED)");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = proptest::test_runner::Config { cases, ..config() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Reads `bytes` named `name` fully; checks the property. Returns the requests read.
fn check(name: &str, bytes: &[u8], format: Option<TraceFormat>) -> Result<usize, TestCaseError> {
    let named = |e: &dyn std::fmt::Display| -> Result<(), TestCaseError> {
        let m = e.to_string();
        if m.contains(name) {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "error does not name `{name}`: {m}"
            )))
        }
    };
    let reader = match tracefile::from_reader(
        Path::new(name),
        Cursor::new(bytes.to_vec()),
        format,
        DEFAULTS.clone(),
    ) {
        Ok(r) => r,
        Err(e) => {
            named(&e)?;
            return Ok(0);
        }
    };
    let mut n = 0;
    for item in reader {
        match item {
            Ok(r) => {
                sane(&r)?;
                n += 1;
                if n == MAX_RECORDS {
                    break;
                }
            }
            Err(e) => {
                named(&e)?;
                return Ok(n);
            }
        }
    }
    accepted();
    Ok(n)
}

fn sane(r: &Request) -> Result<(), TestCaseError> {
    if r.time.is_finite() && r.time >= 0.0 && r.cost.is_finite() && r.cost >= 0.0 {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("insane request {r:?}")))
    }
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(0)).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn oracle(keys: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        out.extend_from_slice(&(1000 + i as u32 * 3).to_le_bytes());
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&((k % 3) as u32 * 100).to_le_bytes());
        out.extend_from_slice(&(-1i64).to_le_bytes());
    }
    out
}

fn cache2k(keys: &[u64]) -> Vec<u8> {
    keys.iter()
        .flat_map(|&k| (k as i32).to_be_bytes())
        .collect()
}

fn keys(n: u64) -> Vec<u64> {
    (0..n).map(|i| i * 2_654_435_761 % 997).collect()
}

/// Valid inputs of each format, with the keys they hold.
struct Seeds {
    format: TraceFormat,
    name: &'static str,
    inputs: Vec<(Vec<u8>, Vec<u64>)>,
}

static SEEDS: LazyLock<Vec<Seeds>> = LazyLock::new(|| {
    let small = keys(3);
    let medium = keys(300);
    let csv = |k: &[u64], header: &str, row: &dyn Fn(u64) -> String| -> Vec<u8> {
        std::iter::once(format!("{header}\n"))
            .chain(k.iter().map(|&k| row(k)))
            .collect::<String>()
            .into_bytes()
    };
    let mut two_frames = zstd(&oracle(&small));
    two_frames.extend(zstd(&oracle(&medium)));
    let mut skippable = 0x184D_2A50u32.to_le_bytes().to_vec();
    skippable.extend_from_slice(&4u32.to_le_bytes());
    skippable.extend_from_slice(b"meta");
    skippable.extend(zstd(&oracle(&small)));
    let mut two_streams = xz(&cache2k(&small));
    two_streams.extend(xz(&cache2k(&medium)));
    let both = |a: &[u64], b: &[u64]| [a, b].concat();
    vec![
        Seeds {
            format: TraceFormat::Csv,
            name: "fuzz.csv",
            inputs: vec![
                (
                    csv(&small, "time,key,size,cost", &|k| {
                        format!("{k}.5,{k},{},1.5\n", k + 1)
                    }),
                    small.clone(),
                ),
                (csv(&medium, "key", &|k| format!("{k}\n")), medium.clone()),
                (
                    csv(&small, "cost, key ,time", &|k| format!("\"2\",{k}, 0\r\n")),
                    small.clone(),
                ),
            ],
        },
        Seeds {
            format: TraceFormat::Text,
            name: "fuzz.txt",
            inputs: vec![
                (
                    small
                        .iter()
                        .map(|k| format!("{k}\n"))
                        .collect::<String>()
                        .into_bytes(),
                    small.clone(),
                ),
                (b"/a/b?c=1\n\n0x1f\r\ncaf\xc3\xa9\n\t42 \n".to_vec(), vec![]),
            ],
        },
        Seeds {
            format: TraceFormat::OracleGeneral,
            name: "fuzz.oracleGeneral",
            inputs: vec![
                (oracle(&small), small.clone()),
                (oracle(&medium), medium.clone()),
            ],
        },
        Seeds {
            format: TraceFormat::OracleGeneralZst,
            name: "fuzz.zst",
            inputs: vec![
                (zstd(&oracle(&small)), small.clone()),
                (zstd(&oracle(&medium)), medium.clone()),
                (two_frames, both(&small, &medium)),
                (skippable, small.clone()),
            ],
        },
        Seeds {
            format: TraceFormat::Cache2kXz,
            name: "fuzz.xz",
            inputs: vec![
                (xz(&cache2k(&small)), small.clone()),
                (xz(&cache2k(&medium)), medium.clone()),
                (two_streams, both(&small, &medium)),
            ],
        },
    ]
});

fn seeds_of(format: Option<TraceFormat>) -> Vec<Vec<u8>> {
    SEEDS
        .iter()
        .filter(|s| format.is_none_or(|f| f == s.format))
        .flat_map(|s| s.inputs.iter().map(|(b, _)| b.clone()))
        .collect()
}

/// Fuzzes one parser: arbitrary bytes, then mutated valid inputs; for the compressed formats
/// also valid streams of mutated content (the checksums of xz and zstd refuse nearly every
/// mutated stream before its records are reached).
fn fuzz(parser: &str, name: &str, format: Option<TraceFormat>) {
    let mut strategies = vec![
        (arbitrary_bytes(4096).boxed(), "arbitrary"),
        (mutated(seeds_of(format)).boxed(), "mutated"),
    ];
    let raw = || vec![oracle(&keys(3)), oracle(&keys(300)), cache2k(&keys(300))];
    match format {
        Some(TraceFormat::OracleGeneralZst) => {
            strategies.push((mutated(raw()).prop_map(|b| zstd(&b)).boxed(), "content"));
        }
        Some(TraceFormat::Cache2kXz) => {
            strategies.push((mutated(raw()).prop_map(|b| xz(&b)).boxed(), "content"));
        }
        _ => {}
    }
    for (strategy, label) in strategies {
        // Compressing every case is slow (xz: ~1 ms): a tenth of the cases for that strategy.
        let n = if label == "content" {
            (cases() / 10).max(1)
        } else {
            cases()
        };
        let started = std::time::Instant::now();
        runner(n)
            .run(&strategy, |bytes| check(name, &bytes, format).map(|_| ()))
            .unwrap_or_else(|e| panic!("{parser} ({label}): {e}"));
        report_cases(parser, label, n, started);
    }
}

#[test]
fn fuzz_csv() {
    fuzz("trace csv", "fuzz.csv", Some(TraceFormat::Csv));
}

#[test]
fn fuzz_text() {
    fuzz("trace text", "fuzz.txt", Some(TraceFormat::Text));
}

#[test]
fn fuzz_oracle_general() {
    fuzz(
        "trace oracleGeneral",
        "fuzz.oracleGeneral",
        Some(TraceFormat::OracleGeneral),
    );
}

#[test]
fn fuzz_oracle_general_zstd() {
    fuzz(
        "trace zstd",
        "fuzz.zst",
        Some(TraceFormat::OracleGeneralZst),
    );
}

#[test]
fn fuzz_cache2k_xz() {
    fuzz("trace cache2k xz", "fuzz.xz", Some(TraceFormat::Cache2kXz));
}

/// Detection from content only (no extension), over every format's seeds.
#[test]
fn fuzz_format_detection() {
    fuzz("trace detection", "fuzz-input", None);
}

#[test]
fn valid_seeds_parse_to_their_keys() {
    for seeds in SEEDS.iter() {
        for (i, (bytes, want)) in seeds.inputs.iter().enumerate() {
            if want.is_empty() {
                continue;
            }
            for (name, format) in [(seeds.name, Some(seeds.format)), ("no-extension", None)] {
                let reader = tracefile::from_reader(
                    Path::new(name),
                    Cursor::new(bytes.clone()),
                    format,
                    DEFAULTS.clone(),
                )
                .unwrap_or_else(|e| panic!("{} seed {i}: {e}", seeds.name));
                assert_eq!(reader.format(), seeds.format, "{} seed {i}", seeds.name);
                let got: Vec<u64> = reader
                    .map(|r| {
                        r.unwrap_or_else(|e| panic!("{} seed {i}: {e}", seeds.name))
                            .key
                    })
                    .map(|k| match seeds.format {
                        // cache2k keys are sign-extended i32s.
                        TraceFormat::Cache2kXz => k as i32 as u32 as u64,
                        _ => k,
                    })
                    .collect();
                assert_eq!(&got, want, "{} seed {i}", seeds.name);
            }
        }
    }
}

/// Every input that once found a bug, as a file under `tests/fuzz-corpus/trace/`: its name's
/// extension picks the format (none = detection); a `.expect` sidecar says what the outcome
/// ("format F, N requests" or "error: …") must say.
#[test]
fn regression_corpus() {
    let entries = corpus(env!("CARGO_MANIFEST_DIR"), "trace");
    assert!(!entries.is_empty());
    for entry in &entries {
        let name = entry
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        check(&name, &entry.bytes, None)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
        entry.check(&outcome(&name, &entry.bytes));
    }
}

/// What reading `bytes` gives, in words.
fn outcome(name: &str, bytes: &[u8]) -> String {
    let reader = match tracefile::from_reader(
        Path::new(name),
        Cursor::new(bytes.to_vec()),
        None,
        DEFAULTS.clone(),
    ) {
        Ok(r) => r,
        Err(e) => return format!("error: {e}"),
    };
    let format = reader.format();
    let mut n = 0;
    for item in reader {
        match item {
            Ok(_) => n += 1,
            Err(e) => return format!("format {format}, error after {n} requests: {e}"),
        }
    }
    format!("format {format}, {n} requests")
}
