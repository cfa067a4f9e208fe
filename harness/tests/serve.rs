//! Integration tests of `harness serve`: a real server on 127.0.0.1:0 in-process (tokio), a real
//! HTTP client (ureq, no TLS): generation, single-flight, the cache switch, configuration, auth,
//! clearing and listing. Bad input, shutdown, metrics and the binary: `serve_requests.rs`.

mod common;
use common::serve::{TOKEN, TestServer, args, assert_error, generate_key, with_token};
use gencache::LoadStatus;
use harness::serve::api::{ConfigUpdate, GenerateRequest, KeyField};
use harness::serve::{ConfigError, ServeArgs, ServeError, start};
use std::sync::{Arc, Barrier};
use workloads::units::Workers;

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
