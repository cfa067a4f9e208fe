//! Integration tests of `harness serve`: a real server on 127.0.0.1:0 in-process (tokio), a real
//! HTTP client (ureq, no TLS), every endpoint and every bad-input case of issue 7.

use gencache::LoadStatus;
use harness::serve::api::{ConfigUpdate, GenerateRequest, KeyField, StatsResponse};
use harness::serve::client::{Client, RawResponse};
use harness::serve::{ConfigError, RunningServer, ServeArgs, ServeError, start};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use workloads::units::{Cost, Size, TimeScale, Workers};

const TOKEN: &str = "test-token-123";

/// A server in its own runtime; the test thread talks to it with blocking HTTP.
struct TestServer {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    client: Client,
}

impl TestServer {
    fn start(args: ServeArgs) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let config = args.validate().expect("valid test configuration");
        let token = config.admin_token.clone();
        let server = runtime.block_on(start(config)).expect("server starts");
        let client = Client::new(&server.url(), token).expect("client");
        Self {
            runtime,
            server: Some(server),
            client,
        }
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("running")
    }

    fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime
                .block_on(server.shutdown())
                .expect("clean shutdown");
        }
    }

    fn post(&self, path: &str, body: &str, token: Option<&str>) -> RawResponse {
        self.client
            .post_raw(path, body, token)
            .expect("HTTP exchange")
    }

    fn get(&self, path: &str) -> RawResponse {
        self.client.get_raw(path).expect("HTTP exchange")
    }

    fn stats(&self) -> StatsResponse {
        self.client.stats().expect("stats")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Loopback, port 0, 1000x time compression, small defaults so tests run in milliseconds.
fn args() -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        time_scale: TimeScale::DEFAULT,
        default_cost: Cost::from_secs(5.0).expect("cost"),
        default_size: Size::from_bytes(1024).expect("size"),
        max_size: Size::from_bytes(1 << 20).expect("size"),
        workers: Workers::new(4).expect("workers"),
        body_limit: 4096,
        ..ServeArgs::default()
    }
}

fn with_token() -> ServeArgs {
    ServeArgs {
        admin_token: Some(TOKEN.to_owned()),
        ..args()
    }
}

/// Asserts a JSON error with the given status and field.
fn assert_error(response: &RawResponse, status: u16, field: Option<&str>) {
    assert_eq!(response.status, status, "body: {}", response.body);
    let body = response
        .error()
        .unwrap_or_else(|| panic!("not a JSON error body: {}", response.body));
    assert_eq!(body.field.as_deref(), field, "body: {}", response.body);
    assert!(!body.message.is_empty());
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{response:?}"
    );
}

fn generate_key(client: &Client, key: u64) -> LoadStatus {
    client
        .generate(&GenerateRequest {
            key: Some(KeyField::Number(key)),
            ..GenerateRequest::default()
        })
        .expect("generate")
        .status
}

#[test]
fn healthz_answers() {
    let s = TestServer::start(args());
    let health = s.client.health().expect("healthz");
    assert_eq!(health.status, "ok");
    assert!(health.cache_enabled);
}

#[test]
fn generate_misses_then_hits_with_headers_and_stable_fingerprint() {
    let s = TestServer::start(args());
    let first = s.post(
        "/api/generate",
        r#"{"prompt": "a red cube", "parameters": {"steps": 30, "seed": 7}, "size": 2048}"#,
        None,
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("x-gencache-status"), Some("miss"));
    let ms: f64 = first
        .header("x-gencache-time-ms")
        .expect("time header")
        .parse()
        .expect("numeric time header");
    assert!(ms > 0.0);
    let first: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    assert_eq!(first["status"], "miss");
    assert_eq!(first["size"], 2048);
    assert_eq!(first["cache_used"], true);

    // Same prompt, parameters in another order and other whitespace: the same key, a hit.
    let second = s.post(
        "/api/generate",
        r#"{"parameters":{"seed":7,"steps":30},"prompt":"a red cube","size":2048}"#,
        None,
    );
    assert_eq!(second.header("x-gencache-status"), Some("hit"));
    let second: serde_json::Value = serde_json::from_str(&second.body).expect("json");
    assert_eq!(second["key"], first["key"]);

    let stats = s.stats();
    assert_eq!(stats.generations, 1);
    assert_eq!(stats.cache.hits, 1);
    assert_eq!(stats.cache.entries, 1);
    assert_eq!(stats.cache.bytes, 2048);
    assert_eq!(stats.requests.hit, 1);
    assert_eq!(stats.requests.miss, 1);
}

#[test]
fn explicit_integer_and_string_keys_are_the_same_entry() {
    let s = TestServer::start(args());
    assert_eq!(
        s.post("/api/generate", r#"{"key": 42}"#, None)
            .header("x-gencache-status"),
        Some("miss")
    );
    assert_eq!(
        s.post("/api/generate", r#"{"key": "42"}"#, None)
            .header("x-gencache-status"),
        Some("hit")
    );
    assert_eq!(s.stats().generations, 1);
}

#[test]
fn two_hundred_concurrent_identical_requests_generate_once() {
    // A generation of 2,000 virtual s = 2 s wall: far longer than it takes 200 released threads
    // to send, so every request but the first finds the generation in flight.
    let s = TestServer::start(ServeArgs {
        workers: Workers::DEFAULT,
        ..args()
    });
    let clients = 200;
    let barrier = Arc::new(Barrier::new(clients));
    let outcomes: Vec<LoadStatus> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let client = s.client.clone();
                scope.spawn(move || {
                    barrier.wait();
                    client
                        .generate(&GenerateRequest {
                            prompt: Some("the same prompt".into()),
                            cost: Some(2000.0),
                            ..GenerateRequest::default()
                        })
                        .expect("generate")
                        .status
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let stats = s.stats();
    assert_eq!(stats.generations, 1, "single-flight must generate once");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == LoadStatus::Loaded)
            .count(),
        1
    );
    assert_eq!(outcomes.len(), clients);
    assert_eq!(stats.cache.loads_started, 1);
    assert_eq!(
        stats.cache.loads_joined + stats.cache.hits,
        (clients - 1) as u64
    );
}

#[test]
fn disabled_cache_falls_back_to_the_generator() {
    let s = TestServer::start(ServeArgs {
        enabled: false,
        ..args()
    });
    for _ in 0..2 {
        let r = s.post("/api/generate", r#"{"prompt": "p"}"#, None);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-gencache-status"), Some("miss"));
        let body: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(body["cache_used"], false);
    }
    let stats = s.stats();
    assert!(!stats.enabled);
    assert_eq!(stats.generations, 2);
    assert_eq!(stats.cache.entries, 0);
    assert!(!s.client.health().expect("health").cache_enabled);
}

#[test]
fn bypass_cache_skips_lookup_and_insert() {
    let s = TestServer::start(args());
    let r = s.post("/api/generate", r#"{"key": 1, "bypass_cache": true}"#, None);
    assert_eq!(r.header("x-gencache-status"), Some("miss"));
    assert_eq!(generate_key(&s.client, 1), LoadStatus::Loaded);
    assert_eq!(s.stats().generations, 2);
}

#[test]
fn enabling_and_disabling_at_runtime() {
    let s = TestServer::start(with_token());
    let off = s.post("/api/cache/config", r#"{"enabled": false}"#, Some(TOKEN));
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(generate_key(&s.client, 9), LoadStatus::Loaded);
    assert_eq!(generate_key(&s.client, 9), LoadStatus::Loaded);
    s.post("/api/cache/config", r#"{"enabled": true}"#, Some(TOKEN));
    assert_eq!(generate_key(&s.client, 9), LoadStatus::Loaded);
    assert_eq!(generate_key(&s.client, 9), LoadStatus::Hit);
}

#[test]
fn config_reads_and_changes_at_runtime() {
    let s = TestServer::start(with_token());
    let config = s.client.config().expect("config");
    assert_eq!(config.default_ttl_s, Some(24.0 * 3600.0));
    assert_eq!(config.max_entries, None);
    // A finite byte budget by default (1 GiB), not unlimited.
    assert_eq!(config.max_bytes, Some(harness::serve::DEFAULT_MAX_BYTES));
    assert_eq!(config.generator.workers, 4);

    for key in 0..5 {
        generate_key(&s.client, key);
    }
    assert_eq!(s.stats().cache.entries, 5);
    // Shrinking evicts at once, least recently used first.
    let changed = s
        .client
        .set_config(&ConfigUpdate {
            max_entries: Some(Some(2)),
            max_bytes: Some(Some(1 << 20)),
            default_ttl_s: Some(Some(60.0)),
            enabled: None,
        })
        .expect("set config");
    assert_eq!(changed.max_entries, Some(2));
    assert_eq!(changed.max_bytes, Some(1 << 20));
    assert_eq!(changed.default_ttl_s, Some(60.0));
    let stats = s.stats();
    assert_eq!(stats.cache.entries, 2);
    assert_eq!(stats.cache.evictions.capacity_entries, 3);
    assert_eq!(generate_key(&s.client, 4), LoadStatus::Hit);
    assert_eq!(generate_key(&s.client, 0), LoadStatus::Loaded);

    // null lifts a bound; absent fields stay.
    let lifted = s.post("/api/cache/config", r#"{"max_entries": null}"#, Some(TOKEN));
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    let config = s.client.config().expect("config");
    assert_eq!(config.max_entries, None);
    assert_eq!(config.max_bytes, Some(1 << 20));
}

#[test]
fn config_rejects_bad_values_naming_the_field() {
    let s = TestServer::start(with_token());
    let cases = [
        (r#"{"max_entries": 100000000000}"#, 422, Some("max_entries")),
        (r#"{"max_entries": -1}"#, 422, Some("max_entries")),
        (r#"{"max_bytes": 2000000000000000}"#, 422, Some("max_bytes")),
        (r#"{"max_bytes": "lots"}"#, 422, Some("max_bytes")),
        (r#"{"default_ttl_s": -5}"#, 422, Some("default_ttl_s")),
        (r#"{"default_ttl_s": 0}"#, 422, Some("default_ttl_s")),
        (r#"{"default_ttl_s": 1e12}"#, 422, Some("default_ttl_s")),
        (r#"{"enabled": "yes"}"#, 422, Some("enabled")),
        (r#"{"max_entrees": 5}"#, 422, Some("max_entrees")),
        (r#"{"max_entries": 5"#, 400, None),
        (r#"[1, 2]"#, 400, None),
    ];
    let before = s.client.config().expect("config");
    for (body, status, field) in cases {
        let r = s.post("/api/cache/config", body, Some(TOKEN));
        assert_error(&r, status, field);
    }
    // Nothing was applied by any refused request.
    assert_eq!(s.client.config().expect("config"), before);
}

#[test]
fn mutating_endpoints_require_the_token() {
    let s = TestServer::start(with_token());
    for path in ["/api/cache/config", "/api/cache/clear"] {
        let none = s.post(path, "{}", None);
        assert_error(&none, 401, None);
        assert!(none.header("www-authenticate").is_some());
        assert_error(&s.post(path, "{}", Some("wrong")), 401, None);
        assert_eq!(s.post(path, "{}", Some(TOKEN)).status, 200, "{path}");
    }
    // Unauthenticated callers are refused before their body is even looked at.
    assert_error(&s.post("/api/cache/config", "{not json", None), 401, None);
    // Reading needs no token.
    for path in [
        "/api/cache/stats",
        "/api/cache/config",
        "/api/cache/entries",
        "/metrics",
        "/healthz",
    ] {
        assert_eq!(s.get(path).status, 200, "{path}");
    }
}

#[test]
fn without_a_token_mutations_are_open_on_loopback() {
    let s = TestServer::start(args());
    assert_eq!(s.post("/api/cache/clear", "", None).status, 200);
    assert_eq!(
        s.post("/api/cache/config", r#"{"max_entries": 3}"#, None)
            .status,
        200
    );
}

#[test]
fn non_loopback_bind_is_refused_without_a_token() {
    let open = ServeArgs {
        bind: "0.0.0.0:0".parse().expect("addr"),
        ..args()
    };
    assert!(matches!(
        open.validate(),
        Err(ConfigError::NonLoopbackWithoutToken(_))
    ));
    // `start` checks again, for configurations built by hand.
    let mut config = args().validate().expect("valid");
    config.bind = "0.0.0.0:0".parse().expect("addr");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let refused = runtime.block_on(start(config));
    assert!(matches!(
        refused,
        Err(ServeError::Config(ConfigError::NonLoopbackWithoutToken(_)))
    ));
}

#[test]
fn clear_drops_everything() {
    let s = TestServer::start(with_token());
    for key in 0..3 {
        generate_key(&s.client, key);
    }
    let cleared = s.client.clear().expect("clear");
    assert_eq!(cleared.cleared_entries, 3);
    assert_eq!(cleared.cleared_bytes, 3 * 1024);
    let stats = s.stats();
    assert_eq!(stats.cache.entries, 0);
    assert_eq!(stats.cache.bytes, 0);
    assert_eq!(generate_key(&s.client, 0), LoadStatus::Loaded);
}

#[test]
fn entries_are_paginated_most_recent_first() {
    let s = TestServer::start(args());
    let mut keys = Vec::new();
    for key in 0..5u64 {
        let r = s
            .client
            .generate(&GenerateRequest {
                key: Some(KeyField::Number(key)),
                size: Some(100 + key),
                ..GenerateRequest::default()
            })
            .expect("generate");
        keys.push(r.key);
    }
    let page: serde_json::Value =
        serde_json::from_str(&s.get("/api/cache/entries?limit=2").body).expect("json");
    assert_eq!(page["total"], 5);
    assert_eq!(page["limit"], 2);
    let entries = page["entries"].as_array().expect("array");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["key"], keys[4].as_str());
    assert_eq!(entries[0]["weight"], 104);
    assert_eq!(entries[1]["key"], keys[3].as_str());
    assert!(entries[0]["expires_in_s"].as_f64().expect("ttl") > 0.0);

    let tail: serde_json::Value =
        serde_json::from_str(&s.get("/api/cache/entries?offset=4&limit=2").body).expect("json");
    let tail = tail["entries"].as_array().expect("array");
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0]["key"], keys[0].as_str());

    for (query, field) in [
        ("limit=1001", "limit"),
        ("limit=0", "limit"),
        ("offset=-3", "offset"),
        ("limit=many", "limit"),
        ("sort=asc", "sort"),
    ] {
        assert_error(
            &s.get(&format!("/api/cache/entries?{query}")),
            422,
            Some(field),
        );
    }
}

#[test]
fn generate_rejects_bad_input_naming_the_field() {
    let s = TestServer::start(args());
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        (r#"{"prompt": "p""#.into(), 400, None),
        ("not json at all".into(), 400, None),
        ("".into(), 400, None),
        (r#"{"prompt": "p"} {"prompt": "q"}"#.into(), 400, None),
        (r#"{"prompt": 5}"#.into(), 422, Some("prompt")),
        (
            r#"{"prompt": "p", "size": "big"}"#.into(),
            422,
            Some("size"),
        ),
        (r#"{"prompt": "p", "size": -1}"#.into(), 422, Some("size")),
        (r#"{"prompt": "p", "size": 1.5}"#.into(), 422, Some("size")),
        (
            r#"{"prompt": "p", "size": 99999999999999999999999}"#.into(),
            422,
            Some("size"),
        ),
        (
            r#"{"prompt": "p", "size": 2000000}"#.into(),
            422,
            Some("size"),
        ),
        (r#"{"prompt": "p", "cost": -1}"#.into(), 422, Some("cost")),
        (r#"{"prompt": "p", "cost": 1e9}"#.into(), 422, Some("cost")),
        (
            r#"{"prompt": "p", "cost": "slow"}"#.into(),
            422,
            Some("cost"),
        ),
        (r#"{"prompt": "p", "ttl_s": 0}"#.into(), 422, Some("ttl_s")),
        (r#"{"prompt": "p", "ttl_s": -1}"#.into(), 422, Some("ttl_s")),
        (
            r#"{"prompt": "p", "colour": "red"}"#.into(),
            422,
            Some("colour"),
        ),
        (r#"{"size": 10}"#.into(), 422, Some("prompt")),
        (r#"{"prompt": "  "}"#.into(), 422, Some("prompt")),
        (r#"{"prompt": "p", "key": 1}"#.into(), 422, Some("key")),
        (r#"{"key": -4}"#.into(), 422, Some("key")),
        (
            r#"{"key": 1, "parameters": {}}"#.into(),
            422,
            Some("parameters"),
        ),
        (
            r#"{"prompt": "p", "bypass_cache": 1}"#.into(),
            422,
            Some("bypass_cache"),
        ),
    ];
    for (body, status, field) in &cases {
        let r = s.post("/api/generate", body, None);
        assert_error(&r, *status, *field);
    }
    // Over the body limit (4 KiB here): a JSON 413.
    let huge = format!(r#"{{"prompt": "{}"}}"#, "x".repeat(10_000));
    assert_error(&s.post("/api/generate", &huge, None), 413, None);
    // Nothing was generated, every refusal was counted, and the server still serves.
    assert_eq!(s.stats().generations, 0);
    let metrics = s.get("/metrics").body;
    assert!(
        metrics.contains(&format!(
            "gencache_requests_rejected_total {}\n",
            cases.len() + 1
        )),
        "{metrics}"
    );
    assert_eq!(generate_key(&s.client, 1), LoadStatus::Loaded);
}

#[test]
fn unknown_paths_and_methods_are_refused() {
    let s = TestServer::start(args());
    assert_error(&s.get("/api/nope"), 404, None);
    // A known path with the wrong method: 405, still a JSON error body.
    for (method, path) in [
        ("GET", "/api/generate"),
        ("GET", "/api/cache/clear"),
        ("POST", "/healthz"),
    ] {
        let r = if method == "GET" {
            s.get(path)
        } else {
            s.post(path, "{}", None)
        };
        assert_error(&r, 405, None);
        let body = r.error().expect("JSON error");
        assert_eq!(body.error, "method_not_allowed", "{method} {path}");
        assert!(body.message.contains(method), "{}", body.message);
    }
}

/// Sends one raw HTTP/1.1 request (`Connection: close`) and returns the status and the body.
fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read answer");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn authorization_scheme_is_case_insensitive() {
    let s = TestServer::start(with_token());
    for (scheme, status) in [
        ("bearer", 200),
        ("BEARER", 200),
        ("Bearer", 200),
        ("Basic", 401),
    ] {
        let request = format!(
            "POST /api/cache/clear HTTP/1.1\r\nHost: test\r\nAuthorization: {scheme} {TOKEN}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let (got, body) = raw_exchange(s.server().addr(), &request);
        assert_eq!(got, status, "scheme {scheme:?}: {body}");
    }
}

#[test]
fn duplicate_and_out_of_range_fields_are_named() {
    let s = TestServer::start(with_token());
    for (path, body, field) in [
        (
            "/api/generate",
            r#"{"prompt": "p", "size": 1, "size": 2}"#,
            "size",
        ),
        ("/api/generate", r#"{"prompt": "p", "size": 1e400}"#, "size"),
        ("/api/generate", r#"{"prompt": "p", "cost": 1e400}"#, "cost"),
        (
            "/api/cache/config",
            r#"{"max_entries": 1, "max_entries": 2}"#,
            "max_entries",
        ),
        (
            "/api/cache/config",
            r#"{"default_ttl_s": -1e400}"#,
            "default_ttl_s",
        ),
    ] {
        let r = s.post(path, body, Some(TOKEN));
        assert_error(&r, 422, Some(field));
    }
    assert_eq!(s.stats().generations, 0);
}

#[test]
fn tiny_positive_ttls_are_refused_not_rounded_to_zero() {
    let s = TestServer::start(with_token());
    let before = s.client.config().expect("config");
    for ttl in ["1e-12", "0.0000001", "0.0009"] {
        assert_error(
            &s.post(
                "/api/generate",
                &format!(r#"{{"prompt": "p", "ttl_s": {ttl}}}"#),
                None,
            ),
            422,
            Some("ttl_s"),
        );
        assert_error(
            &s.post(
                "/api/cache/config",
                &format!(r#"{{"default_ttl_s": {ttl}}}"#),
                Some(TOKEN),
            ),
            422,
            Some("default_ttl_s"),
        );
    }
    assert_eq!(s.client.config().expect("config"), before);
    // The smallest accepted TTL (1 ms virtual) still caches.
    let smallest = s.post(
        "/api/cache/config",
        r#"{"default_ttl_s": 0.001}"#,
        Some(TOKEN),
    );
    assert_eq!(smallest.status, 200, "{}", smallest.body);
    assert_eq!(
        s.client.config().expect("config").default_ttl_s,
        Some(0.001)
    );
}

#[test]
fn concurrent_config_updates_are_never_lost() {
    // Three writers each own one field and raise it 300 times. Every answer must show the writer's
    // own latest value, and the others' fields must never go backwards: a lost update
    // (read, someone else writes, write back the stale value) breaks one or the other.
    const ROUNDS: u64 = 300;
    const FIELDS: [&str; 3] = ["max_entries", "max_bytes", "default_ttl_s"];
    let s = TestServer::start(with_token());
    // Start every field below every value the writers send.
    let start = r#"{"max_entries": 1000, "max_bytes": 1000, "default_ttl_s": 1000}"#;
    assert_eq!(s.post("/api/cache/config", start, Some(TOKEN)).status, 200);
    // Each round starts all writers together, to make their read-modify-writes overlap.
    let start_round = Arc::new(Barrier::new(FIELDS.len()));
    let writers: Vec<_> = (0..FIELDS.len())
        .map(|me| {
            let client = s.client.clone();
            let start_round = Arc::clone(&start_round);
            std::thread::spawn(move || {
                let mut others_seen = [0.0f64; FIELDS.len()];
                for round in 1..=ROUNDS {
                    let value = 1000 + round;
                    start_round.wait();
                    let body = format!(r#"{{"{}": {value}}}"#, FIELDS[me]);
                    let r = client
                        .post_raw("/api/cache/config", &body, Some(TOKEN))
                        .expect("HTTP exchange");
                    assert_eq!(r.status, 200, "{}", r.body);
                    let answer: serde_json::Value = serde_json::from_str(&r.body).expect("json");
                    assert_eq!(
                        answer[FIELDS[me]].as_f64(),
                        Some(value as f64),
                        "{}",
                        r.body
                    );
                    for (other, seen) in others_seen.iter_mut().enumerate() {
                        let now = answer[FIELDS[other]].as_f64().unwrap_or(0.0);
                        assert!(now >= *seen, "{} went back: {}", FIELDS[other], r.body);
                        *seen = now;
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer thread");
    }
    let config = s.client.config().expect("config");
    assert_eq!(config.max_entries, Some(1000 + ROUNDS));
    assert_eq!(config.max_bytes, Some(1000 + ROUNDS));
    assert_eq!(config.default_ttl_s, Some((1000 + ROUNDS) as f64));
}

#[test]
fn entries_total_counts_only_listed_entries() {
    let s = TestServer::start(args());
    // One entry with the default 24 h TTL, then two cheap ones living 50 virtual seconds. The
    // long-lived one goes first so no later insert can reclaim the short-lived ones on its way.
    for body in [
        r#"{"key": "c"}"#,
        r#"{"key": "a", "ttl_s": 50, "cost": 0}"#,
        r#"{"key": "b", "ttl_s": 50, "cost": 0}"#,
    ] {
        assert_eq!(s.post("/api/generate", body, None).status, 200);
    }
    // 200 ms wall = 200 virtual seconds: the two short-lived entries have expired, and nothing
    // has touched them since.
    std::thread::sleep(Duration::from_millis(200));
    let page: serde_json::Value =
        serde_json::from_str(&s.get("/api/cache/entries").body).expect("json");
    let listed = page["entries"].as_array().expect("array").len();
    assert_eq!(listed, 1);
    assert_eq!(page["total"], 1, "{page}");
}

#[test]
fn a_half_sent_request_does_not_block_shutdown_past_the_grace() {
    use std::io::Write;
    let mut s = TestServer::start(args());
    let server = s.server.take().expect("running");
    let url = server.url();
    // Headers started, never finished: hyper waits for the rest, and graceful shutdown waits
    // for hyper.
    let mut stalled = std::net::TcpStream::connect(server.addr()).expect("connect");
    stalled
        .write_all(b"POST /api/generate HTTP/1.1\r\nHost: test\r\nContent-Le")
        .expect("send partial headers");
    // Make sure the server has accepted it before shutdown starts.
    assert_eq!(s.client.health().expect("healthz").status, "ok");
    // The outer limit only turns a hang (the bug) into a failure; the grace is 200 ms.
    let stopped = s.runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(60),
            server.shutdown_within(Duration::from_millis(200)),
        )
        .await
    });
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "shutdown did not finish: {stopped:?}"
    );
    let after = Client::new(&url, None).expect("client").health();
    assert!(after.is_err(), "server still answering after shutdown");
    drop(stalled);
}

#[test]
fn per_request_ttl_expires_in_virtual_time() {
    let s = TestServer::start(args());
    let body = r#"{"key": "short-lived", "ttl_s": 1}"#;
    assert_eq!(
        s.post("/api/generate", body, None)
            .header("x-gencache-status"),
        Some("miss")
    );
    // 30 ms of wall time is 30 virtual seconds at time scale 0.001: well past the 1 s TTL.
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(
        s.post("/api/generate", body, None)
            .header("x-gencache-status"),
        Some("miss")
    );
    assert_eq!(s.stats().cache.evictions.expired, 1);
}

#[test]
fn metrics_expose_cache_counters_and_latency_histogram() {
    let s = TestServer::start(args());
    generate_key(&s.client, 1);
    generate_key(&s.client, 1);
    generate_key(&s.client, 2);
    let r = s.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4"))
    );
    let text = r.body;
    for line in [
        "gencache_hits_total 1\n",
        "gencache_misses_total 2\n",
        "gencache_entries 2\n",
        "gencache_bytes 2048\n",
        "gencache_loads_joined_total 0\n",
        "gencache_generations_total 2\n",
        "gencache_evictions_total{cause=\"capacity_bytes\"} 0\n",
        "gencache_evictions_total{cause=\"expired\"} 0\n",
        "gencache_request_duration_seconds_count{outcome=\"hit\"} 1\n",
        "gencache_request_duration_seconds_count{outcome=\"miss\"} 2\n",
        "gencache_request_duration_seconds_bucket{outcome=\"miss\",le=\"+Inf\"} 2\n",
        "# TYPE gencache_request_duration_seconds histogram\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    let mut s = TestServer::start(args());
    let client = s.client.clone();
    // 1,000 virtual s = 1 s wall: the request is surely in flight when shutdown starts.
    let in_flight = std::thread::spawn(move || {
        client.generate(&GenerateRequest {
            key: Some(KeyField::Text("slow".into())),
            cost: Some(1000.0),
            ..GenerateRequest::default()
        })
    });
    let state = s.server().state().clone();
    while state.generator().generations() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let url = s.server().url();
    s.stop();
    let answer = in_flight
        .join()
        .expect("client thread")
        .expect("in-flight request completed");
    assert_eq!(answer.status, LoadStatus::Loaded);
    // After shutdown nobody listens any more.
    let after = Client::new(&url, None).expect("client").health();
    assert!(after.is_err(), "server still answering after shutdown");
}

/// `harness serve` as a process: flags and environment, the printed URL, SIGTERM shutdown.
mod binary {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    #[test]
    fn refuses_a_public_bind_without_a_token() {
        let output = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["serve", "--bind", "0.0.0.0:0"])
            .env_remove("GENCACHE_ADMIN_TOKEN")
            .output()
            .expect("run harness serve");
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("refusing to bind non-loopback address"),
            "{stderr}"
        );
    }

    #[test]
    fn refuses_bad_environment_values_naming_the_flag() {
        let output = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("GENCACHE_TTL", "soon")
            .output()
            .expect("run harness serve");
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("--ttl"));
    }

    /// Waits for the child to exit; a hang (the bug under test) becomes a failure after 60 s.
    fn wait_bounded(child: &mut std::process::Child) -> std::process::ExitStatus {
        for _ in 0..6000 {
            if let Some(status) = child.try_wait().expect("poll child") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        panic!("harness serve did not exit");
    }

    #[cfg(unix)]
    fn sigterm(child: &std::process::Child) {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(status.success());
    }

    /// Starts `harness serve` with `grace`, opens a connection that sends half a request, sends
    /// SIGTERM and waits for the "shutting down" line. Returns the child, the remaining stdout
    /// lines and the stalled connection.
    #[cfg(unix)]
    type StdoutLines = std::io::Lines<BufReader<std::process::ChildStdout>>;

    /// Reads the server's first stdout line (its banner) and returns the URL it names, with the
    /// rest of stdout for later lines ("shutting down", "stopped").
    fn banner_url(child: &mut std::process::Child) -> (String, StdoutLines) {
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let banner = lines.next().expect("a banner line").expect("readable");
        let url = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {banner:?}"))
            .to_owned();
        (url, lines)
    }

    fn stalled_server(grace: &str) -> (std::process::Child, StdoutLines, std::net::TcpStream) {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["serve", "--bind", "127.0.0.1:0", "--shutdown-grace", grace])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn harness serve");
        let (url, mut lines) = banner_url(&mut child);
        let addr: std::net::SocketAddr =
            url.trim_start_matches("http://").parse().expect("address");
        let mut stalled = std::net::TcpStream::connect(addr).expect("connect");
        stalled
            .write_all(b"POST /api/generate HTTP/1.1\r\nHost: test\r\nContent-Le")
            .expect("partial headers");
        // A full exchange after it: the stalled connection was accepted before the signal.
        Client::new(&url, None)
            .expect("client")
            .health()
            .expect("healthz");
        sigterm(&child);
        let notice = lines.next().expect("a shutdown line").expect("readable");
        assert!(notice.starts_with("shutting down"), "{notice:?}");
        (child, lines, stalled)
    }

    #[cfg(unix)]
    #[test]
    fn a_stalled_client_cannot_hold_shutdown_past_the_grace() {
        let (mut child, lines, stalled) = stalled_server("200ms");
        let exit = wait_bounded(&mut child);
        assert!(exit.success(), "exit status {exit:?}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
        drop(stalled);
    }

    #[cfg(unix)]
    #[test]
    fn a_second_signal_exits_at_once() {
        // A grace of an hour: only the second signal can end this shutdown in time.
        let (mut child, lines, stalled) = stalled_server("1h");
        sigterm(&child);
        let exit = wait_bounded(&mut child);
        assert!(exit.success(), "exit status {exit:?}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(
            rest.iter().any(|l| l.starts_with("stopped at once")),
            "{rest:?}"
        );
        drop(stalled);
    }

    #[cfg(unix)]
    #[test]
    fn serves_with_environment_config_and_stops_on_sigterm() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("GENCACHE_ENABLED", "false")
            .env("GENCACHE_MAX_ENTRIES", "7")
            .env("GENCACHE_TTL", "90s")
            .env("GENCACHE_TIME_SCALE", "0.001")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn harness serve");
        let (url, lines) = banner_url(&mut child);
        let client = Client::new(&url, None).expect("client");
        let config = client.config().expect("config");
        assert!(!config.enabled);
        assert_eq!(config.max_entries, Some(7));
        assert_eq!(config.default_ttl_s, Some(90.0));
        assert_eq!(config.generator.time_scale, 0.001);

        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(status.success());
        let exit = child.wait().expect("wait for the server");
        assert!(exit.success(), "exit status {exit:?}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
    }
}
