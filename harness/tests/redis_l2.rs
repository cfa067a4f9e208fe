//! The shared Redis tier against a real `redis-server` and real `harness serve` processes.
//!
//! Needs `redis-server` on the PATH (Debian: `apt-get install -y redis-server`; `.ci/run`
//! installs it). Without it every test prints one notice and passes without running. The bounded
//! load test is release-only: `cargo test --release -p harness --test redis_l2 -- --include-ignored`.

#[path = "common/exposition.rs"]
mod exposition;
#[path = "redis_l2/support.rs"]
mod support;

use gencache::LoadStatus;
use harness::l2::codec;
use harness::serve::api::{ClearRequest, Tier};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::{RedisServer, Serve, free_port, generate, generations, request, sample};

/// For the tests that count generations exactly: the proof is the lease protocol, not the
/// default 50 ms call budget, which a 2-core machine shared by several builds can miss (a missed
/// call falls back to generating, by design; `a_frozen_redis_...` and the load test use 50 ms).
const PATIENT: &[&str] = &["--l2-timeout", "1s"];

macro_rules! redis_or_skip {
    () => {
        match RedisServer::start() {
            Some(redis) => redis,
            None => return,
        }
    };
}

#[test]
fn two_servers_generate_once_for_a_hundred_concurrent_identical_requests() {
    let redis = redis_or_skip!();
    let a = Serve::with_l2(&redis.url(), PATIENT);
    let b = Serve::with_l2(&redis.url(), PATIENT);
    // 1,000 virtual s = 1 s of generation: every request arrives while it runs.
    let body = request(7, 4096, 1000.0);
    let barrier = Arc::new(Barrier::new(100));
    let answers: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..100)
            .map(|i| {
                let client = if i % 2 == 0 { &a.client } else { &b.client };
                let (barrier, body) = (Arc::clone(&barrier), body.clone());
                scope.spawn(move || {
                    barrier.wait();
                    generate(client, &body)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    assert_eq!(answers.len(), 100);
    assert!(answers.iter().all(|r| r.size == 4096));
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(
        generations(&[&a, &b]),
        1,
        "two processes, one generation: {sa:?} {sb:?}\n{}\n{}",
        a.stderr(),
        b.stderr()
    );
    let (la, lb) = (sa.l2.expect("l2 stats"), sb.l2.expect("l2 stats"));
    // One lease generates. The waiting process may also take the lease once, legitimately: if
    // its poll missed the value just before the holder wrote it and released the lease, its next
    // `SET NX` succeeds, and its re-check of the value (made after every lease taken) finds the
    // result, so it serves it without generating. The generation count above is the invariant.
    let taken = la.leases_taken + lb.leases_taken;
    assert!((1..=2).contains(&taken), "{la:?} {lb:?}");
    assert_eq!(la.leases_waited + lb.leases_waited, 1, "{la:?} {lb:?}");
    let misses = answers
        .iter()
        .filter(|r| r.status == LoadStatus::Loaded)
        .count();
    assert_eq!(misses, 1);
    // The waiting process answered from the value the other one wrote.
    assert!(answers.iter().any(|r| r.tier == Some(Tier::L2)));
}

/// `/metrics` with an L2: valid OpenMetrics, and the `gencache_l2_*` families say what
/// `/api/cache/stats` says (both read the same counters at request time).
#[test]
fn metrics_with_an_l2_parse_and_agree_with_the_stats() {
    let redis = redis_or_skip!();
    let a = Serve::with_l2(&redis.url(), PATIENT);
    let b = Serve::with_l2(&redis.url(), PATIENT);
    assert_eq!(
        generate(&a.client, &request(1, 512, 1.0)).tier,
        Some(Tier::Generator)
    );
    assert_eq!(
        generate(&b.client, &request(1, 512, 1.0)).tier,
        Some(Tier::L2)
    );
    assert_eq!(
        generate(&b.client, &request(1, 512, 1.0)).tier,
        Some(Tier::L1)
    );
    for (server, l1_hits, generated) in [(&a, 0.0, 1.0), (&b, 1.0, 0.0)] {
        let m = exposition::parse(&server.metrics());
        let l2 = server.stats().l2.expect("l2 stats");
        assert_eq!(m.family("gencache_l2_up").kind, "gauge");
        assert_eq!(m.value("gencache_l2_up", "gencache_l2_up", &[]), 1.0);
        for (name, value) in [
            ("hits", l2.hits),
            ("misses", l2.misses),
            ("corrupt", l2.corrupt),
            ("writes", l2.writes),
            ("leases_taken", l2.leases_taken),
            ("leases_waited", l2.leases_waited),
            ("leases_stolen", l2.leases_stolen),
            ("leases_lost", l2.leases_lost),
            ("errors", l2.errors),
            ("timeouts", l2.timeouts),
            ("skipped", l2.skipped),
        ] {
            let family = format!("gencache_l2_{name}");
            assert_eq!(m.family(&family).kind, "counter", "{family}");
            let got = m.value(&family, &format!("{family}_total"), &[]);
            assert_eq!(got, value as f64, "{family}");
        }
        assert_eq!(
            m.value("gencache_l2_writes", "gencache_l2_writes_total", &[]),
            generated
        );
        assert_eq!(
            m.value("gencache_l2_hits", "gencache_l2_hits_total", &[]),
            1.0 - generated
        );
        assert_eq!(
            m.value("gencache_hits", "gencache_hits_total", &[]),
            l1_hits
        );
        let g = m.value("gencache_generations", "gencache_generations_total", &[]);
        assert_eq!(g, generated);
    }
}

#[test]
fn a_thousand_requests_over_fifty_keys_across_three_servers_generate_fifty_times() {
    let redis = redis_or_skip!();
    let servers: Vec<Serve> = (0..3)
        .map(|_| Serve::with_l2(&redis.url(), PATIENT))
        .collect();
    let next = std::sync::atomic::AtomicU64::new(0);
    let errors = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..24 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= 1000 {
                        return;
                    }
                    // Key i mod 50 on server i mod 3: every key is asked of every server.
                    let server = &servers[(i % 3) as usize];
                    if server
                        .client
                        .generate(&request(i % 50, 1024, 20.0))
                        .is_err()
                    {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(errors.into_inner(), 0);
    let refs: Vec<&Serve> = servers.iter().collect();
    assert_eq!(
        generations(&refs),
        50,
        "one generation per key across three servers: {:?}",
        servers.iter().map(|s| s.stats().l2).collect::<Vec<_>>()
    );
    let answered: u64 = servers
        .iter()
        .map(|s| {
            let r = s.stats().requests;
            r.hit + r.miss + r.joined
        })
        .sum();
    assert_eq!(answered, 1000);
}

#[cfg(unix)]
#[test]
fn a_killed_leader_is_taken_over_after_its_lease_expires() {
    let redis = redis_or_skip!();
    let lease = ["--l2-lease", "1s", "--l2-timeout", "300ms"];
    let mut leader = Serve::with_l2(&redis.url(), &lease);
    let follower = Serve::with_l2(&redis.url(), &lease);
    // 3,000 virtual s = 3 s: the leader is killed well before it finishes.
    let body = request(99, 2048, 3000.0);
    let leader_client = leader.client.clone();
    let leader_body = body.clone();
    let doomed = std::thread::spawn(move || leader_client.generate(&leader_body));
    // Wait until the leader holds the lease.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !redis.keys().iter().any(|k| k.contains("lock:")) {
        assert!(Instant::now() < deadline, "the leader never took a lease");
        std::thread::sleep(Duration::from_millis(5));
    }
    let waiters: Vec<_> = (0..10)
        .map(|_| {
            let (client, body) = (follower.client.clone(), body.clone());
            std::thread::spawn(move || client.generate(&body))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let killed_at = Instant::now();
    leader.kill();
    assert!(
        doomed.join().expect("thread").is_err(),
        "the killed leader answered"
    );
    for waiter in waiters {
        let answer = waiter
            .join()
            .expect("thread")
            .expect("every waiter is answered");
        assert_eq!(answer.size, 2048);
    }
    let took = killed_at.elapsed();
    let stats = follower.stats();
    let l2 = stats.l2.expect("l2 stats");
    assert_eq!(
        stats.generations, 1,
        "the follower generated once, after the takeover"
    );
    assert_eq!(l2.leases_stolen, 1, "{l2:?}");
    assert_eq!(l2.leases_waited, 1, "{l2:?}");
    // Lease expiry (<= 1 s after the last renewal) plus one 3 s generation.
    assert!(took >= Duration::from_secs(3), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[cfg(unix)]
#[test]
fn a_request_waiting_on_another_servers_lease_does_not_hold_shutdown_past_the_grace() {
    let redis = redis_or_skip!();
    let leader = Serve::with_l2(&redis.url(), &["--max-cost", "100000"]);
    let mut waiter = Serve::with_l2(
        &redis.url(),
        &["--max-cost", "100000", "--shutdown-grace", "500ms"],
    );
    // 20,000 virtual s = 20 s of generation on the leader.
    let body = request(3, 64, 20_000.0);
    let (leader_client, leader_body) = (leader.client.clone(), body.clone());
    let _running = std::thread::spawn(move || leader_client.generate(&leader_body));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !redis.keys().iter().any(|k| k.contains("lock:")) {
        assert!(Instant::now() < deadline, "the leader never took a lease");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (client, waiting_body) = (waiter.client.clone(), body);
    let _waiting = std::thread::spawn(move || client.generate(&waiting_body));
    let deadline = Instant::now() + Duration::from_secs(5);
    while waiter.stats().l2.expect("l2 stats").leases_waited == 0 {
        assert!(Instant::now() < deadline, "the second server never waited");
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = waiter.terminate(Duration::from_secs(10));
    assert!(
        took < Duration::from_secs(3),
        "shutdown took {took:?} with a 500 ms grace"
    );
}

#[cfg(unix)]
#[test]
fn redis_stopped_mid_load_every_request_is_answered_then_hits_resume() {
    let mut redis = redis_or_skip!();
    let a = Serve::with_l2(&redis.url(), &[]);
    let b = Serve::with_l2(&redis.url(), &[]);
    let next = std::sync::atomic::AtomicU64::new(0);
    let failures = std::sync::atomic::AtomicU64::new(0);
    let total = 600;
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    // Key i/2 on server i mod 2: each key is generated by one and found in Redis
                    // (or generated again, once Redis is gone) by the other.
                    let server = if i % 2 == 0 { &a } else { &b };
                    if server.client.generate(&request(i / 2, 512, 5.0)).is_err() {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
        // Stop Redis a third of the way in.
        scope.spawn(|| {
            while next.load(std::sync::atomic::Ordering::Relaxed) < total / 3 {
                std::thread::sleep(Duration::from_millis(1));
            }
            redis.stop();
        });
    });
    assert_eq!(
        failures.into_inner(),
        0,
        "a request failed while Redis was down"
    );
    for server in [&a, &b] {
        let metrics = server.metrics();
        let faults = sample(&metrics, "gencache_l2_errors_total")
            + sample(&metrics, "gencache_l2_timeouts_total")
            + sample(&metrics, "gencache_l2_skipped_total");
        assert!(faults > 0, "no L2 fault counted:\n{metrics}");
        assert_eq!(sample(&metrics, "gencache_requests_rejected_total"), 0);
    }
    // One warning per server for the outage, not one per request.
    let warnings = a.stderr().matches("L2 (Redis) unavailable").count();
    assert!(
        (1..=3).contains(&warnings),
        "{warnings} warnings:\n{}",
        a.stderr()
    );

    // Back: a value one server writes is a hit on the other within a few seconds, no restarts.
    redis.restart();
    let back = Instant::now();
    let mut key = 10_000;
    loop {
        key += 1;
        generate(&a.client, &request(key, 256, 1.0));
        if generate(&b.client, &request(key, 256, 1.0)).tier == Some(Tier::L2) {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "L2 hits did not resume"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("L2 hits resumed {:?} after the restart", back.elapsed());
    assert_eq!(sample(&b.metrics(), "gencache_l2_up"), 1);
}

#[cfg(unix)]
#[test]
fn a_frozen_redis_costs_bounded_timeouts_then_nothing_and_is_used_again_once_thawed() {
    let redis = redis_or_skip!();
    let server = Serve::with_l2(&redis.url(), &["--l2-timeout", "50ms"]);
    generate(&server.client, &request(1, 100, 1.0));
    redis.freeze(true);
    let started = Instant::now();
    for key in 100..140 {
        // A 1-virtual-second generation is 1 ms: anything slow here is the L2's doing.
        let answer = generate(&server.client, &request(key, 100, 1.0));
        assert_eq!(answer.tier, Some(Tier::Generator));
    }
    let frozen_for = started.elapsed();
    let metrics = server.metrics();
    redis.freeze(false);
    let timeouts = sample(&metrics, "gencache_l2_timeouts_total");
    assert!(timeouts >= 1, "{metrics}");
    assert!(
        sample(&metrics, "gencache_l2_skipped_total") > 0,
        "{metrics}"
    );
    assert_eq!(sample(&metrics, "gencache_l2_up"), 0);
    // 40 requests: a few calls time out (50 ms each) before the tier is marked down, then the
    // rest skip it, with a probe (one more timeout) every 250 ms to 2 s.
    assert!(
        frozen_for < Duration::from_secs(3),
        "40 requests took {frozen_for:?}"
    );
    println!("40 requests against a frozen Redis: {frozen_for:?}, {timeouts} timeouts");
    let back = Instant::now();
    while sample(&server.metrics(), "gencache_l2_up") == 0 {
        generate(
            &server.client,
            &request(1000 + back.elapsed().as_millis() as u64, 100, 1.0),
        );
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "the L2 did not come back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_corrupt_or_truncated_value_in_redis_is_never_served_and_is_overwritten() {
    let redis = redis_or_skip!();
    let server = Serve::with_l2(&redis.url(), PATIENT);
    let first = generate(&server.client, &request(5, 1000, 1.0));
    assert_eq!(first.tier, Some(Tier::Generator));
    let value_key = format!("gencache:{}", first.key);
    let key = u128::from_str_radix(&first.key, 16).expect("hex key");
    let mut conn = redis.conn();
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(&value_key)
        .query(&mut conn)
        .expect("GET");
    assert_eq!(
        codec::decode(key, &stored)
            .expect("a well-formed value")
            .len(),
        1000
    );

    let mut flipped = stored.clone();
    flipped[codec::HEADER_LEN + 10] ^= 0xff;
    let plants: [(&str, Vec<u8>); 4] = [
        ("flipped", flipped),
        ("truncated", stored[..stored.len() / 2].to_vec()),
        ("foreign", b"<html>not ours</html>".to_vec()),
        ("other key", codec::encode(key ^ 1, &[0; 1000])),
    ];
    for (i, (what, bytes)) in plants.into_iter().enumerate() {
        let _: () = redis::cmd("SET")
            .arg(&value_key)
            .arg(bytes)
            .query(&mut conn)
            .expect("plant");
        server.client.clear().expect("clear the L1 only");
        let answer = generate(&server.client, &request(5, 1000, 1.0));
        assert_eq!(
            answer.tier,
            Some(Tier::Generator),
            "{what} value was served"
        );
        assert_eq!(answer.status, LoadStatus::Loaded);
        let l2 = server.stats().l2.expect("l2 stats");
        assert_eq!(l2.corrupt, i as u64 + 1, "{what}: {l2:?}");
        let rewritten: Vec<u8> = redis::cmd("GET")
            .arg(&value_key)
            .query(&mut conn)
            .expect("GET");
        assert!(
            codec::decode(key, &rewritten).is_ok(),
            "{what} value not overwritten"
        );
    }
}

#[test]
fn clear_with_l2_deletes_only_the_prefix_and_the_password_never_shows() {
    let Some(redis) = RedisServer::start_with_password(Some("pa55-w0rd")) else {
        return;
    };
    let server = Serve::with_l2(
        &redis.url(),
        &["--l2-prefix", "team-a:", "--l2-timeout", "1s"],
    );
    for key in 0..30 {
        generate(&server.client, &request(key, 100, 0.5));
    }
    let mut conn = redis.conn();
    let _: () = redis::cmd("SET")
        .arg("team-b:keep")
        .arg("x")
        .query(&mut conn)
        .expect("SET");
    assert_eq!(
        redis
            .keys()
            .iter()
            .filter(|k| k.starts_with("team-a:"))
            .count(),
        30
    );
    let cleared = server
        .client
        .clear_with(&ClearRequest { l2: true })
        .expect("clear");
    assert_eq!(cleared.l2_deleted_keys, Some(30));
    assert_eq!(cleared.cleared_entries, 30);
    assert_eq!(redis.keys(), vec!["team-b:keep".to_owned()]);
    // Cold everywhere: the next request generates.
    assert_eq!(
        generate(&server.client, &request(1, 100, 0.5)).tier,
        Some(Tier::Generator)
    );
    for text in [
        server
            .client
            .get_raw("/api/cache/config")
            .expect("config")
            .body,
        server
            .client
            .get_raw("/api/cache/stats")
            .expect("stats")
            .body,
        server.metrics(),
        server.stderr(),
    ] {
        assert!(!text.contains("pa55-w0rd"), "password leaked: {text}");
    }
    let config = server.client.config().expect("config");
    let l2 = config.l2.expect("l2 settings");
    assert!(l2.url.contains(":***@"), "{}", l2.url);
    assert_eq!(l2.prefix, "team-a:");
}

#[test]
fn an_unusable_redis_at_start_means_l1_only_with_a_warning_or_refusal_when_required() {
    let Some(redis) = RedisServer::start_with_password(Some("right")) else {
        return;
    };
    // Something on a port that is not Redis: an HTTP server.
    let not_redis = Serve::start(&[]);
    let not_redis_url = format!("redis://{}", not_redis.url.trim_start_matches("http://"));
    let cases = [
        (
            "unreachable",
            format!("redis://127.0.0.1:{}/0", free_port()),
        ),
        (
            "wrong password",
            format!("redis://:wrong-secret@127.0.0.1:{}/0", redis.port),
        ),
        ("not Redis", not_redis_url),
    ];
    for (what, url) in &cases {
        let server = Serve::with_l2(url, &[]);
        let answer = generate(&server.client, &request(1, 10, 0.5));
        assert_eq!(answer.tier, Some(Tier::Generator), "{what}");
        assert_eq!(
            generate(&server.client, &request(1, 10, 0.5)).tier,
            Some(Tier::L1)
        );
        let log = server.stderr();
        assert!(
            log.contains("not usable at start: serving L1-only"),
            "{what}: {log}"
        );
        assert!(
            !log.contains("wrong-secret"),
            "{what}: password in the log: {log}"
        );
        assert_eq!(sample(&server.metrics(), "gencache_l2_up"), 0, "{what}");

        match Serve::try_start(&["--l2", url.as_str(), "--l2-required"]) {
            Ok(_) => panic!("{what}: started despite --l2-required"),
            Err((code, stderr)) => {
                assert_ne!(code, Some(0), "{what}");
                assert!(stderr.contains("is not usable"), "{what}: {stderr}");
                assert!(!stderr.contains("wrong-secret"), "{what}: {stderr}");
            }
        }
    }
}

// After the macro: `redis_or_skip!` is visible in modules declared below it.
#[path = "redis_l2/replicas.rs"]
mod replicas;
