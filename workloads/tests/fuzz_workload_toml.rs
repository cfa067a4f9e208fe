//! Fuzzing the workload TOML parser and validator: arbitrary text and mutated presets. The
//! property: no panic; an error names the file; a workload that loads describes itself, round-
//! trips through `to_toml_string`, and generates sane requests (the first 2,000).

mod fuzz_support;

use fuzz_support::{accepted, arbitrary_bytes, config, corpus, mutated, report};
use proptest::strategy::Strategy;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};
use workloads::{PRESETS_DIR, Workload};

const ORIGIN: &str = "fuzz.toml";

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    // Files are read as UTF-8 (anything else is refused by `from_path`); fuzz the text parser
    // with what survives a lossy decoding.
    let text = String::from_utf8_lossy(bytes);
    let w = match Workload::from_toml_str(&text, ORIGIN) {
        Ok(w) => w,
        Err(e) => {
            let m = e.to_string();
            return if m.contains(ORIGIN) {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "error does not name {ORIGIN}: {m}"
                )))
            };
        }
    };
    accepted();
    let _ = (
        w.keys_description(),
        w.arrival_description(),
        w.cache.describe(),
    );
    let again = w
        .to_toml_string()
        .map_err(|e| TestCaseError::fail(format!("cannot write back: {e}")))?;
    let back = Workload::from_toml_str(&again, "roundtrip.toml")
        .map_err(|e| TestCaseError::fail(format!("written text does not load: {e}\n{again}")))?;
    if back != w {
        return Err(TestCaseError::fail(format!(
            "round trip changed the workload:\n{w:?}\n{back:?}"
        )));
    }
    // Generation without calibration (a target hit rate with no stored exponent would
    // calibrate, which is the calibration tests' business and slow).
    let calibrates = w.target_hit_rate().is_some() && w.zipf_exponent().is_none();
    if !calibrates {
        let trace = w
            .trace()
            .map_err(|e| TestCaseError::fail(format!("valid workload does not generate: {e}")))?;
        for r in trace.take(2_000) {
            let ok = r.time.is_finite()
                && r.time >= 0.0
                && r.size >= 1
                && r.cost.is_finite()
                && r.cost >= 0.0;
            if !ok {
                return Err(TestCaseError::fail(format!("insane request {r:?}")));
            }
        }
    }
    Ok(())
}

fn seeds() -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(PRESETS_DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/typical-open-loop.toml"
        )
        .into(),
    );
    files.sort();
    let mut seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    // Lognormal sizes and costs, Poisson arrivals, an explicit exponent, "never" TTL.
    seeds.push(
        b"name = \"ln\"\nrequests = 500\nseed = 9\n[keys]\nkind = \"zipf\"\nuniverse = 100\n\
          exponent = 0.8\n[size]\nkind = \"log_normal\"\nmean_bytes = 1e6\nsigma = 1.5\n\
          [cost]\nkind = \"log_normal\"\nmean_s = 10\nsigma = 2\n[arrival]\nkind = \"poisson\"\n\
          rate_per_s = 3.5\n[cache]\nmax_bytes = 100000000\nttl_s = \"never\"\n"
            .to_vec(),
    );
    seeds
}

fn runner() -> TestRunner {
    let seed: u64 = std::env::var("GENCACHE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6765_6e63_6163_6865);
    println!("fuzz seed {seed} (GENCACHE_FUZZ_SEED)");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(config(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

#[test]
fn fuzz_workload_toml() {
    for (strategy, label) in [
        (arbitrary_bytes(2048).boxed(), "arbitrary"),
        (mutated(seeds()).boxed(), "mutated"),
    ] {
        let started = std::time::Instant::now();
        runner()
            .run(&strategy, |bytes| check(&bytes))
            .unwrap_or_else(|e| panic!("workload toml ({label}): {e}"));
        report("workload toml", label, started);
    }
}

#[test]
fn every_seed_loads() {
    for (i, seed) in seeds().iter().enumerate() {
        let text = std::str::from_utf8(seed).unwrap();
        Workload::from_toml_str(text, ORIGIN).unwrap_or_else(|e| panic!("seed {i}: {e}"));
        check(seed).unwrap_or_else(|e| panic!("seed {i}: {e}"));
    }
}

/// Every input that once found a bug: `tests/fuzz-corpus/toml/`, with what the outcome ("ok" or
/// the error) must say in a `.expect` sidecar.
#[test]
fn regression_corpus() {
    let entries = corpus(env!("CARGO_MANIFEST_DIR"), "toml");
    assert!(!entries.is_empty());
    for entry in &entries {
        check(&entry.bytes).unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
        let text = String::from_utf8_lossy(&entry.bytes);
        let outcome = match Workload::from_toml_str(&text, ORIGIN) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error: {e}"),
        };
        entry.check(&outcome);
    }
}
