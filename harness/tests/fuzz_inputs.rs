//! Fuzzing the harness's own parsers: the gate baseline, and the HTTP API of `harness serve`
//! (JSON bodies of `POST /api/generate` and `POST /api/cache/config`, the query of
//! `GET /api/cache/entries`), driven through the real router in process — no socket. The
//! property: no panic; the gate names the baseline file in every error; the server answers
//! every request with 2xx or a 4xx JSON error (never a 5xx), naming the field when it is a
//! field's fault.

#[path = "../../workloads/tests/fuzz_support/json.rs"]
mod fuzz_json;
#[path = "../../workloads/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fuzz_json::json_mutated;
use fuzz_support::{accepted, arbitrary_bytes, config, corpus, mutated, report};
use harness::commands::gate::parse_baseline;
use harness::serve::{AppState, EntriesQuery, ErrorBody, ServeArgs, router};
use proptest::strategy::Strategy;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::Path;
use std::sync::LazyLock;
use tower::ServiceExt;
use workloads::units::{Cost, Size, TimeScale};

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

/// Fuzzes one parser: arbitrary bytes, mutated bytes of valid inputs, and (for JSON, `json`)
/// structural edits of valid documents.
fn fuzz(
    parser: &str,
    seeds: Vec<Vec<u8>>,
    json: bool,
    check: impl Fn(&[u8]) -> Result<(), TestCaseError>,
) {
    let mut strategies = vec![
        (arbitrary_bytes(2048).boxed(), "arbitrary"),
        (mutated(seeds.clone()).boxed(), "mutated"),
    ];
    if json {
        strategies.push((json_mutated(seeds).boxed(), "json-edit"));
    }
    for (strategy, label) in strategies {
        let started = std::time::Instant::now();
        runner()
            .run(&strategy, |bytes| check(&bytes))
            .unwrap_or_else(|e| panic!("{parser} ({label}): {e}"));
        report(parser, label, started);
    }
}

// ---- the gate baseline ----

const BASELINE: &str = "fuzz/gate-baseline.json";

fn check_baseline(bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    match parse_baseline(Path::new(BASELINE), &text) {
        Ok(b) => {
            accepted();
            let ok = b.tolerance_pct.is_finite()
                && !b.metrics.is_empty()
                && b.metrics.values().all(|v| v.is_finite());
            if ok {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "accepted an unusable baseline {b:?}"
                )))
            }
        }
        Err(e) if format!("{e:#}").contains(BASELINE) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "error does not name {BASELINE}: {e:#}"
        ))),
    }
}

fn baseline_seeds() -> Vec<Vec<u8>> {
    vec![
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/gate-baseline.json"
        ))
        .unwrap(),
        br#"{"schema_version":1,"tolerance_pct":2.0,"note":"n","metrics":{"a.speedup":3.3}}"#
            .to_vec(),
    ]
}

#[test]
fn fuzz_gate_baseline() {
    fuzz("gate baseline", baseline_seeds(), true, check_baseline);
}

// ---- harness serve: bodies and queries through the router ----

/// One server state for every case (as one server sees every request): the smallest time scale
/// and costs of at most 10 virtual seconds, so a generation takes at most 10 µs, and small
/// result sizes.
static SERVER: LazyLock<(tokio::runtime::Runtime, axum::Router)> = LazyLock::new(|| {
    let args = ServeArgs {
        time_scale: TimeScale::new(1e-6).unwrap(),
        default_cost: Cost::from_secs(1.0).unwrap(),
        max_cost: Cost::from_secs(10.0).unwrap(),
        default_size: Size::from_bytes(1024).unwrap(),
        max_size: Size::from_bytes(64 * 1024).unwrap(),
        ..ServeArgs::default()
    };
    let config = args.validate().expect("valid test configuration");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = {
        let _guard = runtime.enter();
        router(AppState::new(config))
    };
    (runtime, app)
});

/// Sends one request through the router; checks the property on the answer.
fn check_http(method: &str, uri: &str, body: &[u8]) -> Result<(), TestCaseError> {
    let (runtime, app) = &*SERVER;
    let request = match Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
    {
        Ok(r) => r,
        // Not a request a client can send (e.g. a query that is not valid in a URI).
        Err(_) => return Ok(()),
    };
    let response = runtime
        .block_on(app.clone().oneshot(request))
        .map_err(|e| TestCaseError::fail(format!("router error: {e}")))?;
    let status = response.status();
    let bytes = runtime
        .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
        .map_err(|e| TestCaseError::fail(format!("unreadable answer: {e}")))?;
    if status.is_success() {
        accepted();
        return serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|_| ())
            .map_err(|e| TestCaseError::fail(format!("{status} with a non-JSON body: {e}")));
    }
    if status.is_server_error() {
        return Err(TestCaseError::fail(format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        )));
    }
    let error: ErrorBody = serde_json::from_slice(&bytes).map_err(|e| {
        TestCaseError::fail(format!(
            "{status} without a JSON error body ({e}): {}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    let field_fault = status == StatusCode::UNPROCESSABLE_ENTITY;
    if error.message.is_empty() || (field_fault && error.field.is_none()) {
        return Err(TestCaseError::fail(format!(
            "{status}: vague error {error:?}"
        )));
    }
    Ok(())
}

fn generate_seeds() -> Vec<Vec<u8>> {
    [
        r#"{"prompt": "a cat", "parameters": {"steps": 30, "seed": [1, 2]}}"#,
        r#"{"key": 42, "size": 100, "cost": 1.5, "ttl_s": 60}"#,
        r#"{"key": "k-1", "bypass_cache": true}"#,
        r#"{"prompt": "x", "size": 1, "cost": 0}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn config_seeds() -> Vec<Vec<u8>> {
    [
        r#"{"max_entries": 1000, "max_bytes": 1048576, "default_ttl_s": 3600}"#,
        r#"{"max_entries": null, "max_bytes": null, "default_ttl_s": null}"#,
        r#"{"enabled": true}"#,
        r#"{"enabled": false, "max_bytes": 67108864}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

#[test]
fn fuzz_generate_body() {
    fuzz("serve generate body", generate_seeds(), true, |b| {
        check_http("POST", "/api/generate", b)
    });
}

#[test]
fn fuzz_config_body() {
    let result = std::panic::catch_unwind(|| {
        fuzz("serve config body", config_seeds(), true, |b| {
            check_http("POST", "/api/cache/config", b)
        });
    });
    // Leave the shared server usable for the other tests whatever happened.
    check_http("POST", "/api/cache/config", br#"{"enabled": true}"#).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// The entries query, both directly (its parser) and through the router.
fn check_query(bytes: &[u8]) -> Result<(), TestCaseError> {
    let query = String::from_utf8_lossy(bytes);
    match EntriesQuery::parse(Some(&query)) {
        Ok(q) => {
            let again = format!("offset={}&limit={}", q.offset, q.limit);
            let back = EntriesQuery::parse(Some(&again))
                .map_err(|e| TestCaseError::fail(format!("{again}: {e:?}")))?;
            if back != q {
                return Err(TestCaseError::fail(format!("{query:?} → {q:?} → {back:?}")));
            }
        }
        Err(e) if e.field.is_some() && !e.message.is_empty() => {}
        Err(e) => return Err(TestCaseError::fail(format!("vague error {e:?}"))),
    }
    check_http("GET", &format!("/api/cache/entries?{query}"), b"")
}

#[test]
fn fuzz_entries_query() {
    let seeds = [
        "offset=0&limit=10",
        "limit=1000",
        "offset=18446744073709551615",
        "",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    fuzz("serve entries query", seeds, false, check_query);
}

/// Every input that once found a bug: `tests/fuzz-corpus/{baseline,generate,config,query}/`.
#[test]
fn regression_corpus() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for entry in corpus(dir, "baseline") {
        check_baseline(&entry.bytes).unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
    }
    for entry in corpus(dir, "generate") {
        check_http("POST", "/api/generate", &entry.bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
    }
    for entry in corpus(dir, "config") {
        check_http("POST", "/api/cache/config", &entry.bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
    }
    for entry in corpus(dir, "query") {
        check_query(&entry.bytes).unwrap_or_else(|e| panic!("{}: {e}", entry.path.display()));
    }
}

/// The unmutated seeds are valid requests: answered 200 (so the mutations start from success).
#[test]
fn valid_seeds_are_answered() {
    let (runtime, app) = &*SERVER;
    for (uri, seeds) in [
        ("/api/generate", generate_seeds()),
        ("/api/cache/config", config_seeds()),
    ] {
        for seed in seeds {
            let request = Request::builder()
                .method("POST")
                .uri(uri)
                .body(Body::from(seed.clone()))
                .unwrap();
            let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
            let status = response.status();
            let body = runtime
                .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
                .unwrap();
            assert_eq!(
                status,
                StatusCode::OK,
                "{uri} {}: {}",
                String::from_utf8_lossy(&seed),
                String::from_utf8_lossy(&body)
            );
        }
    }
    check_http("POST", "/api/cache/config", br#"{"enabled": true}"#).unwrap();
}
