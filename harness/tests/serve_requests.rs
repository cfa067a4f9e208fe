//! Integration tests of `harness serve` (continued from `serve.rs`): bad input named by field,
//! unknown paths and methods, TTL bounds, concurrent configuration, shutdown, metrics, and the
//! binary's own refusals.

mod common;
use common::exposition;
use common::serve::{TOKEN, TestServer, args, assert_error, generate_key, with_token};
use gencache::LoadStatus;
use harness::serve::api::{GenerateRequest, KeyField};
use harness::serve::client::Client;
use std::sync::{Arc, Barrier};
use std::time::Duration;

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
fn a_half_sent_request_is_closed_at_once_on_shutdown() {
    use std::io::{Read, Write};
    let mut s = TestServer::start(args());
    let server = s.server.take().expect("running");
    let url = server.url();
    // Headers started, never finished: nothing is in progress, so shutdown closes it at once
    // (it used to wait for the whole grace period).
    let mut stalled = std::net::TcpStream::connect(server.addr()).expect("connect");
    stalled
        .write_all(b"POST /api/generate HTTP/1.1\r\nHost: test\r\nContent-Le")
        .expect("send partial headers");
    // Make sure the server has accepted it before shutdown starts.
    assert_eq!(s.client.health().expect("healthz").status, "ok");
    // A grace of an hour: only closing the idle connection at once finishes within the limit.
    let stopped = s.runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(20),
            server.shutdown_within(Duration::from_secs(3600)),
        )
        .await
    });
    match stopped {
        Ok(Ok(report)) => assert!(report.clean(), "{report:?}"),
        other => panic!("shutdown did not finish: {other:?}"),
    }
    let after = Client::new(&url, None).expect("client").health();
    assert!(after.is_err(), "server still answering after shutdown");
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut rest = Vec::new();
    assert_eq!(stalled.read_to_end(&mut rest).ok(), Some(0), "not closed");
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
    assert_eq!(
        r.header("content-type"),
        Some(harness::serve::METRICS_CONTENT_TYPE)
    );
    let text = r.body;
    for line in [
        "# TYPE gencache_hits counter\n",
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
        "gencache_request_duration_seconds_bucket{le=\"+Inf\",outcome=\"miss\"} 2\n",
        "# TYPE gencache_request_duration_seconds histogram\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

/// Every line of `/metrics` is a valid OpenMetrics line (checked by a strict reader), every family
/// the service promises is there with its type, and the figures match the requests sent.
#[test]
fn metrics_parse_as_openmetrics_with_the_expected_values() {
    let s = TestServer::start(args());
    for key in [1, 1, 2, 1, 3] {
        generate_key(&s.client, key);
    }
    let r = s.post("/api/generate", "not json", None);
    assert_eq!(r.status, 400);
    let m = exposition::parse(&s.get("/metrics").body);
    let counters = [
        ("gencache_hits", 2.0),
        ("gencache_misses", 3.0),
        ("gencache_inserts", 3.0),
        ("gencache_refused_too_large", 0.0),
        ("gencache_loads_started", 3.0),
        ("gencache_loads_joined", 0.0),
        ("gencache_load_failures", 0.0),
        ("gencache_generations", 3.0),
        ("gencache_requests_rejected", 1.0),
    ];
    for (family, value) in counters {
        assert_eq!(m.family(family).kind, "counter", "{family}");
        assert!(!m.family(family).help.is_empty(), "{family} has no help");
        let total = format!("{family}_total");
        assert_eq!(m.value(family, &total, &[]), value, "{family}");
    }
    for (family, value) in [
        ("gencache_entries", 3.0),
        ("gencache_bytes", 3.0 * 1024.0),
        ("gencache_peak_bytes", 3.0 * 1024.0),
        ("gencache_enabled", 1.0),
    ] {
        assert_eq!(m.family(family).kind, "gauge", "{family}");
        assert_eq!(m.value(family, family, &[]), value, "{family}");
    }
    let evictions = m.family("gencache_evictions");
    assert_eq!(evictions.kind, "counter");
    assert_eq!(evictions.samples.len(), 5);
    for cause in [
        "capacity_entries",
        "capacity_bytes",
        "expired",
        "removed",
        "cleared",
    ] {
        let v = m.value(
            "gencache_evictions",
            "gencache_evictions_total",
            &[("cause", cause)],
        );
        assert_eq!(v, 0.0, "{cause}");
    }
    let latency = "gencache_request_duration_seconds";
    assert_eq!(m.family(latency).kind, "histogram");
    for (outcome, count) in [("hit", 2.0), ("miss", 3.0), ("joined", 0.0)] {
        let labels = [("outcome", outcome)];
        assert_eq!(
            m.value(latency, &format!("{latency}_count"), &labels),
            count
        );
        let bounds: Vec<f64> = m
            .family(latency)
            .samples
            .iter()
            .filter(|s| s.name.ends_with("_bucket") && s.labels["outcome"] == outcome)
            .map(|s| s.labels["le"].parse().expect("le"))
            .collect();
        let mut expected = harness::serve::LATENCY_BUCKETS_S.to_vec();
        expected.push(f64::INFINITY);
        assert_eq!(bounds, expected, "{outcome}");
        let sum = m.value(latency, &format!("{latency}_sum"), &labels);
        assert!(
            sum >= 0.0 && (count > 0.0) == (sum > 0.0),
            "{outcome}: sum {sum}"
        );
    }
    // No L2 configured: no L2 family.
    assert!(!m.families.keys().any(|k| k.starts_with("gencache_l2")));
    // Exactly the families above, nothing left over from the hand-written text.
    assert_eq!(m.families.len(), counters.len() + 4 + 2);
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
    fn a_stalled_client_does_not_hold_shutdown() {
        // A grace of an hour: the stalled connection has nothing in progress and is closed at
        // once, so the server exits cleanly right away.
        let (mut child, lines, stalled) = stalled_server("1h");
        let exit = wait_bounded(&mut child);
        assert!(exit.success(), "exit status {exit:?}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
        drop(stalled);
    }

    #[cfg(unix)]
    #[test]
    fn a_second_signal_exits_at_once_and_reports_the_dropped_request() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["serve", "--bind", "127.0.0.1:0", "--shutdown-grace", "1h"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn harness serve");
        let (url, mut lines) = banner_url(&mut child);
        // 3,600 virtual s at 0.001 = 3.6 s wall: in flight for the whole test.
        let client = Client::new(&url, None).expect("client");
        let slow = std::thread::spawn(move || {
            client.generate(&GenerateRequest {
                key: Some(KeyField::Text("slow".into())),
                cost: Some(3600.0),
                ..GenerateRequest::default()
            })
        });
        let probe = Client::new(&url, None).expect("client");
        while probe.stats().map(|s| s.generations).unwrap_or(0) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        sigterm(&child);
        let notice = lines.next().expect("a shutdown line").expect("readable");
        assert!(notice.starts_with("shutting down"), "{notice:?}");
        sigterm(&child);
        let exit = wait_bounded(&mut child);
        assert_eq!(exit.code(), Some(1), "a dropped request is a failure");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(
            rest.iter()
                .any(|l| l.starts_with("stopped at once") && l.contains("1 request(s)")),
            "{rest:?}"
        );
        assert!(slow.join().expect("client thread").is_err());
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

/// The reader used above refuses what is not valid OpenMetrics (so its passes mean something).
#[test]
fn the_exposition_reader_refuses_invalid_text() {
    let good = "# HELP x_hits Hits.\n# TYPE x_hits counter\nx_hits_total 3\n# EOF\n";
    assert_eq!(
        exposition::parse(good).value("x_hits", "x_hits_total", &[]),
        3.0
    );
    let bad = [
        "# TYPE x_hits counter\nx_hits_total 3\n",  // no # EOF
        "# TYPE x_hits counter\nx_hits 3\n# EOF\n", // counter sample without _total
        "x_hits_total 3\n# EOF\n",                  // no # TYPE
        "# TYPE x_hits counter\nx_hits_total three\n# EOF\n", // not a number
        "# TYPE x_hits counter\nx_hits_total{a=b} 3\n# EOF\n", // unquoted label value
        "# TYPE x_hits counter\nx_hits_total -1\n# EOF\n", // negative counter
        "# TYPE x_hits counter\n\nx_hits_total 1\n# EOF\n", // empty line
        "# TYPE x_hits counter\n# TYPE x_hits counter\n# EOF\n", // declared twice
        "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n# EOF\n",
    ];
    for text in bad {
        let text = text.to_owned();
        let refused = std::panic::catch_unwind(|| exposition::parse(&text)).is_err();
        assert!(refused, "accepted {text:?}");
    }
}
