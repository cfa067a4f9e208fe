//! Fuzzing `results.json` parsing: arbitrary bytes and mutated valid results files. The
//! property: no panic; an error names the file; what parses writes back to an equal file.

mod common;
#[path = "../../workloads/tests/fuzz_support/json.rs"]
mod fuzz_json;
#[path = "../../workloads/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use fuzz_json::json_mutated;
use fuzz_support::{accepted, arbitrary_bytes, cases, config, corpus, mutated, report_cases};
use proptest::strategy::Strategy;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::Path;

const NAME: &str = "fuzz/results.json";

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    match reports::parse_results(Path::new(NAME), &text) {
        Ok(results) => {
            accepted();
            let again = serde_json::to_string(&results)
                .map_err(|e| TestCaseError::fail(format!("cannot write back: {e}")))?;
            let back = reports::parse_results(Path::new("again.json"), &again)
                .map_err(|e| TestCaseError::fail(format!("written results do not parse: {e}")))?;
            if back != results {
                return Err(TestCaseError::fail("round trip changed the results"));
            }
            Ok(())
        }
        Err(e) if e.to_string().contains(NAME) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "error does not name {NAME}: {e}"
        ))),
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [common::single(), common::branch()]
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    seeds.push(serde_json::to_vec_pretty(&common::single()).unwrap());
    seeds.push(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/results-v1.json"
        ))
        .unwrap(),
    );
    seeds
}

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

#[test]
fn fuzz_results_json() {
    for (strategy, label, n) in [
        (arbitrary_bytes(4096).boxed(), "arbitrary", cases()),
        (mutated(seeds()).boxed(), "mutated", cases()),
        // Structural edits re-serialize the whole document: slower, half the cases, on the
        // one-run file.
        (
            json_mutated(vec![seeds()[0].clone()]).boxed(),
            "json-edit",
            (cases() / 2).max(1),
        ),
    ] {
        let started = std::time::Instant::now();
        runner(n)
            .run(&strategy, |bytes| check(&bytes))
            .unwrap_or_else(|e| panic!("results.json ({label}): {e}"));
        report_cases("results.json", label, n, started);
    }
}

/// Results that parse but hold extreme values (1e308, 0, u64::MAX, empty lists) still render a
/// report or fail with an error naming the problem — never a panic in a chart or table. Charts
/// are slow to draw (~2 s a report in release): 1/4000 of the cases (at least 16).
#[test]
fn fuzz_report_rendering() {
    let n = (cases() / 4000).max(16);
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    runner(n)
        .run(&json_mutated(vec![seeds()[0].clone()]), |bytes| {
            let text = String::from_utf8_lossy(&bytes);
            let Ok(results) = reports::parse_results(Path::new(NAME), &text) else {
                return Ok(());
            };
            accepted();
            let input = reports::ReportInput {
                label: "fuzz".into(),
                results,
            };
            match reports::write_report(&[input], dir.path()) {
                Ok(_) => Ok(()),
                Err(e) if !e.to_string().is_empty() => Ok(()),
                Err(e) => Err(TestCaseError::fail(format!("empty error {e:?}"))),
            }
        })
        .unwrap_or_else(|e| panic!("report rendering: {e}"));
    report_cases("results.json report", "json-edit", n, started);
}

#[test]
fn valid_seeds_parse() {
    for (i, seed) in seeds().iter().enumerate() {
        let text = std::str::from_utf8(seed).unwrap();
        if let Err(e) = reports::parse_results(Path::new(NAME), text) {
            // The v1 fixture is an older schema: refused by version, naming the file.
            assert!(i == 3 && e.to_string().contains("schema"), "seed {i}: {e}");
        }
        check(seed).unwrap_or_else(|e| panic!("seed {i}: {e}"));
    }
}

/// Every input that once found a bug: `tests/fuzz-corpus/results/`.
#[test]
fn regression_corpus() {
    for entry in corpus(env!("CARGO_MANIFEST_DIR"), "results") {
        check(&entry.bytes).unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
    }
}
