//! Bounded load tests of `harness serve` on loopback: a fixed number of generate requests from a
//! fixed number of concurrent clients, zero errors required. The full-size one (10,000 requests,
//! 50 clients) is `#[ignore]`d; run it in release for figures:
//!
//! ```text
//! cargo test -p harness --release --test serve_load -- --ignored --nocapture
//! ```

use harness::serve::client::Client;
use harness::serve::load::{LoadReport, LoadSpec, run_load};
use harness::serve::{ServeArgs, start};
use workloads::units::{TimeScale, Workers};

fn load(spec: &LoadSpec) -> (LoadReport, harness::serve::api::StatsResponse) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let args = ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        time_scale: TimeScale::DEFAULT,
        workers: Workers::new(4).expect("workers"),
        ..ServeArgs::default()
    };
    let server = runtime
        .block_on(start(args.validate().expect("valid")))
        .expect("server");
    let client = Client::new(&server.url(), None).expect("client");
    let report = run_load(&client, spec);
    let stats = client.stats().expect("stats");
    runtime.block_on(server.shutdown()).expect("shutdown");
    println!("{report}");
    println!(
        "server: generations {}, hits {}, joined {}, entries {}",
        stats.generations, stats.requests.hit, stats.requests.joined, stats.cache.entries
    );
    (report, stats)
}

fn check(spec: &LoadSpec, report: &LoadReport, stats: &harness::serve::api::StatsResponse) {
    assert_eq!(report.errors, 0, "first error: {:?}", report.first_error);
    assert_eq!(report.ok, spec.requests);
    assert_eq!(report.hits + report.misses + report.joined, spec.requests);
    // Unbounded cache and single-flight: each distinct key generated exactly once.
    assert_eq!(stats.generations, report.misses);
    assert_eq!(stats.cache.entries, report.misses);
    assert!(report.misses <= spec.distinct_keys);
    assert_eq!(stats.requests.hit, report.hits);
    assert_eq!(stats.requests.joined, report.joined);
}

#[test]
fn bounded_load_small_has_no_errors() {
    let spec = LoadSpec {
        requests: 1_000,
        concurrency: 16,
        distinct_keys: 100,
        size: 4096,
        cost_s: 1.0,
        seed: 7,
    };
    let (report, stats) = load(&spec);
    check(&spec, &report, &stats);
}

#[test]
#[ignore = "load test: 10,000 requests; run in release with --ignored --nocapture for figures"]
fn bounded_load_10k_requests_50_clients_has_no_errors() {
    let spec = LoadSpec {
        requests: 10_000,
        concurrency: 50,
        distinct_keys: 1_000,
        size: 4096,
        cost_s: 1.0,
        seed: 42,
    };
    let (report, stats) = load(&spec);
    check(&spec, &report, &stats);
}
