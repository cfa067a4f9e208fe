//! Live replay against the simulation on the same trace: in process (`--live`) and over HTTP
//! against an in-process `harness serve` (`--target`). The seed example is a closed loop of one
//! client, so hit counts must match exactly and the speedup within the stated tolerance.

use harness::live::{LiveArgs, SPEEDUP_TOLERANCE_PCT, agreement, run_for};
use harness::run::{RunOptions, RunOutcome, run};
use harness::serve::{ServeArgs, start};
use harness::source::Source;
use reports::results::LiveComparison;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};
use workloads::Workload;
use workloads::units::{HitCost, Size, TimeScale, Workers};

/// Half a millisecond per virtual second: a 124.6 s generation sleeps 62.3 ms, the whole seed
/// example (baseline + cached) takes about 8 s of wall time.
const TIME_SCALE: f64 = 0.0005;

/// Over HTTP each request also pays a loopback round trip (about 0.4 ms idle in a debug build,
/// up to 3 ms on a loaded 2-core machine); a larger scale keeps that small against the scaled
/// costs (a generation sleeps 249 ms; the replay takes about 32 s).
const HTTP_TIME_SCALE: f64 = 0.002;

/// The live replays of this file run one at a time: on a 2-core machine, two replays sleeping
/// and spinning side by side would each measure the other's CPU use as generator time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    // A test that failed while holding the lock poisons it; the others may still run.
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn seed_example() -> (Source, RunOutcome) {
    let source = Source::Workload(Workload::preset("seed-example").expect("preset"));
    let options = RunOptions {
        measure_memory: false,
        ..RunOptions::default()
    };
    let outcome = run(&source, &options, &mut |_, _| {}).expect("simulation");
    (source, outcome)
}

fn check(comparison: &LiveComparison, summary: &str) {
    println!("{summary}");
    let agree = agreement(comparison, Some(1));
    assert!(agree.hits_must_match);
    assert_eq!(comparison.hit_diff, 0, "hit counts must match exactly");
    assert_eq!(comparison.hits, 70);
    assert_eq!(comparison.generations, 30);
    assert!(
        comparison.speedup_diff_pct.abs() <= SPEEDUP_TOLERANCE_PCT,
        "live speedup {:.3} differs from the simulation's by {:+.2} % (tolerance ±{SPEEDUP_TOLERANCE_PCT} %)",
        comparison.speedup,
        comparison.speedup_diff_pct
    );
    assert!(summary.contains("agreement"));
}

#[test]
fn in_process_live_replay_agrees_with_the_simulation_on_seed_example() {
    let _serial = one_at_a_time();
    let (source, outcome) = seed_example();
    let args = LiveArgs {
        live: true,
        target: None,
        time_scale: TimeScale::new(TIME_SCALE).expect("scale"),
        target_token: None,
    };
    let (comparison, summary) =
        run_for(&source, &outcome.model, &outcome.results, &args).expect("live replay");
    assert_eq!(comparison.mode, "in-process");
    check(&comparison, &summary);
}

#[test]
fn live_replay_over_http_agrees_with_the_simulation_on_seed_example() {
    let _serial = one_at_a_time();
    let (source, outcome) = seed_example();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let token = "live-test-token";
    let server_args = ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        time_scale: TimeScale::new(HTTP_TIME_SCALE).expect("scale"),
        workers: Workers::DEFAULT,
        hit_cost: HitCost::DEFAULT,
        max_size: Size::from_bytes(8 << 20).expect("size"),
        admin_token: Some(token.into()),
        ..ServeArgs::default()
    };
    let server = runtime
        .block_on(start(server_args.validate().expect("valid")))
        .expect("server");
    let args = LiveArgs {
        live: false,
        target: Some(server.url()),
        time_scale: TimeScale::new(HTTP_TIME_SCALE).expect("scale"),
        target_token: Some(token.into()),
    };
    let (comparison, summary) =
        run_for(&source, &outcome.model, &outcome.results, &args).expect("live replay over HTTP");
    assert_eq!(comparison.mode, server.url());
    assert!(
        summary.contains("server stats over the cached side: hits +70"),
        "{summary}"
    );
    check(&comparison, &summary);
    runtime.block_on(server.shutdown()).expect("shutdown");
}

#[test]
fn harness_run_live_fills_the_results_and_prints_the_comparison() {
    let _serial = one_at_a_time();
    let out = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "--workload",
            "seed-example",
            "--live",
            "--time-scale",
            "0.0002",
            "--no-memory",
            "--no-report",
            "--json",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run the harness binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("live replay (in-process"), "{stderr}");
    let file: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json on stdout");
    let live = &file["runs"][0]["live"];
    assert_eq!(live["mode"], "in-process");
    assert_eq!(live["hits"], 70);
    assert_eq!(live["hit_diff"], 0);
    assert!(live["speedup"].as_f64().expect("speedup") > 1.0);
}

#[test]
fn bad_live_flags_are_refused_with_the_flag_named() {
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args([
                "run",
                "--workload",
                "seed-example",
                "--no-memory",
                "--no-report",
            ])
            .args(extra)
            .output()
            .expect("run the harness binary")
    };
    let zero = run(&["--live", "--time-scale", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--time-scale"));
    let both = run(&["--live", "--target", "http://127.0.0.1:9"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("--target"));
    let tls = run(&["--target", "https://example.org"]);
    assert_eq!(tls.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&tls.stderr).contains("http://"));
}
