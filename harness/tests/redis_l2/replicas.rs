//! Several servers behind one Redis: `harness run --target URL,URL,...` and the bounded load
//! test (release-only).

use crate::support::{RedisServer, Serve, generations};

#[test]
fn run_against_several_targets_shows_what_the_shared_tier_buys() {
    let redis = redis_or_skip!();
    let flags = [
        "--admin-token",
        "t0k",
        "--time-scale",
        "0.0001",
        "--l2-timeout",
        "1s",
    ];
    let shared: Vec<Serve> = (0..3)
        .map(|_| Serve::with_l2(&redis.url(), &flags))
        .collect();
    let alone: Vec<Serve> = (0..3).map(|_| Serve::start(&flags)).collect();
    let run = |servers: &[Serve], out: &std::path::Path| {
        let targets: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["run", "--workload", "seed-example", "--clients", "4"])
            .args([
                "--time-scale",
                "0.0001",
                "--target-token",
                "t0k",
                "--target",
            ])
            .arg(targets.join(","))
            .arg("--out")
            .arg(out)
            .output()
            .expect("run harness run");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let with = run(&shared, &dir.path().join("with"));
    let without = run(&alone, &dir.path().join("without"));
    // seed-example: 100 requests, 30 distinct keys, so one cache generates 30 times.
    assert!(
        with.contains("replicas: 3 servers (all sharing an L2), requests round-robin: 30 generations, one cache (the simulation) 30: 1.00x"),
        "{with}"
    );
    assert!(
        with.contains("the shared tier makes 3 servers generate as often as one cache"),
        "{with}"
    );
    let refs: Vec<&Serve> = shared.iter().collect();
    assert_eq!(
        generations(&refs) - 100,
        30,
        "100 baseline generations, then 30"
    );
    assert!(
        without.contains("replicas: 3 servers (no shared L2)"),
        "{without}"
    );
    assert!(
        without.contains("without a shared tier each server generates on its own"),
        "{without}"
    );
    let refs: Vec<&Serve> = alone.iter().collect();
    assert!(generations(&refs) - 100 > 30, "{without}");
}

/// 10,000 requests from 50 clients: two servers sharing one Redis against one server alone and
/// two servers without the L2. Release-only (debug builds are too slow to say anything about
/// latency); `.ci/run` runs it.
#[test]
#[ignore = "release-only load test: cargo test --release -p harness --test redis_l2 -- --include-ignored"]
fn bounded_load_two_servers_and_one_redis() {
    use harness::serve::load::{LoadSpec, run_load};
    let redis = redis_or_skip!();
    let spec = |requests| LoadSpec {
        requests,
        concurrency: 25,
        distinct_keys: 500,
        size: 4096,
        cost_s: 20.0,
        seed: 14,
    };
    // Each server gets 5,000 requests from 25 clients with the same key sequence: a key is asked
    // of both at about the same time, the worst case for duplicate generations.
    let pair = |a: &Serve, b: &Serve| {
        std::thread::scope(|scope| {
            let ha = scope.spawn(|| run_load(&a.client, &spec(5000)));
            let hb = scope.spawn(|| run_load(&b.client, &spec(5000)));
            (ha.join().expect("load a"), hb.join().expect("load b"))
        })
    };
    let single = Serve::start(&[]);
    let alone = run_load(
        &single.client,
        &LoadSpec {
            concurrency: 50,
            ..spec(10_000)
        },
    );
    let single_generations = single.stats().generations;
    drop(single);

    let (a, b) = (Serve::start(&[]), Serve::start(&[]));
    let (na, nb) = pair(&a, &b);
    let without_generations = generations(&[&a, &b]);
    drop((a, b));

    let (a, b) = (
        Serve::with_l2(&redis.url(), &[]),
        Serve::with_l2(&redis.url(), &[]),
    );
    let (la, lb) = pair(&a, &b);
    let with_generations = generations(&[&a, &b]);
    let l2_errors: u64 = [&a, &b]
        .iter()
        .map(|s| {
            let l2 = s.stats().l2.expect("l2 stats");
            l2.errors + l2.timeouts
        })
        .sum();

    println!("one server, no L2:\n{alone}\n  generations {single_generations}");
    println!("two servers, no L2:\n{na}\n{nb}\n  generations {without_generations}");
    println!(
        "two servers + Redis L2:\n{la}\n{lb}\n  generations {with_generations}, L2 errors+timeouts {l2_errors}"
    );
    for report in [&alone, &na, &nb, &la, &lb] {
        assert_eq!(report.errors, 0, "{report}");
    }
    assert_eq!(single_generations, 500);
    // Each L2 call that failed (a timeout on a loaded 2-core machine) may cost one generation
    // done without the lease; without any, the two servers generate exactly as often as one.
    assert!(
        with_generations >= single_generations
            && with_generations <= single_generations + l2_errors,
        "the shared tier generated {with_generations} times, one server {single_generations}"
    );
    assert!(
        without_generations > single_generations,
        "without the L2 two servers generate more"
    );
}
