//! One parser per value: the command line, the environment, workload TOML and the HTTP bodies
//! refuse the same bad value with the same message (the one of its `workloads::units` type).
//! A value a surface does not carry (there is no TOML time scale, no HTTP worker count) is
//! checked on the surfaces that do.

mod common;
use common::{harness, stderr, tempdir};
use harness::serve::client::Client;
use harness::serve::{ServeArgs, start};
use std::process::Command;
use workloads::units::{
    ByteBudget, Cost, EntryBound, HitCost, Size, TimeScale, Ttl, Warmup, Workers,
};

/// `harness run` on seed-example with one extra flag: must fail with `message`.
fn cli_run(flag: &str, value: &str, message: &str) {
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--no-report",
        flag,
        value,
    ]);
    assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stderr(&o));
    assert!(
        stderr(&o).contains(message),
        "{flag} {value}: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(flag), "{flag} {value}: {}", stderr(&o));
}

/// `harness serve` with one flag: must fail before binding, with `message`.
fn cli_serve(flag: &str, value: &str, message: &str) {
    let o = harness(&["serve", "--bind", "127.0.0.1:0", flag, value]);
    assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stderr(&o));
    assert!(
        stderr(&o).contains(message),
        "{flag} {value}: {}",
        stderr(&o)
    );
}

/// `harness serve` with one environment variable: must fail before binding, with `message`.
fn env_serve(var: &str, value: &str, message: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env(var, value)
        .output()
        .expect("run the harness binary");
    assert_eq!(o.status.code(), Some(2), "{var}={value}: {}", stderr(&o));
    assert!(
        stderr(&o).contains(message),
        "{var}={value}: {}",
        stderr(&o)
    );
}

const WORKLOAD: &str = r#"
name = "units"
description = "one bad value"
requests = 10
seed = 1
hit_cost_s = HIT_COST
[keys]
kind = "duplicates"
distinct = 5
[size]
kind = "fixed"
bytes = SIZE
[cost]
kind = "fixed"
seconds = COST
[arrival]
kind = "closed"
clients = 1
[cache]
CACHE
"#;

/// A workload file with one field replaced: `harness run` must refuse it naming the field, with
/// `message`.
fn toml(field: &str, value: &str, message: &str) {
    let mut text = WORKLOAD
        .replace("HIT_COST", "0.05")
        .replace("SIZE", "1024")
        .replace("COST", "10.0")
        .replace("CACHE", "ttl_s = 86_400.0");
    text = match field {
        "hit_cost_s" => text.replace("hit_cost_s = 0.05", &format!("hit_cost_s = {value}")),
        "size.bytes" => text.replace("bytes = 1024", &format!("bytes = {value}")),
        "cost.seconds" => text.replace("seconds = 10.0", &format!("seconds = {value}")),
        cache => text.replace(
            "ttl_s = 86_400.0",
            &format!("{} = {value}", cache.trim_start_matches("cache.")),
        ),
    };
    let dir = tempdir();
    let path = dir.path().join("units.toml");
    std::fs::write(&path, text).expect("write the workload");
    let o = harness(&["run", "--workload", &path.to_string_lossy(), "--no-report"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{field} = {value}: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(err.contains(field), "{field} = {value}: {err}");
    assert!(err.contains(message), "{field} = {value}: {err}");
}

/// A running server (admin token `t`), for the HTTP bodies.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: Option<harness::serve::RunningServer>,
    client: Client,
}

impl Server {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let args = ServeArgs {
            bind: "127.0.0.1:0".parse().expect("addr"),
            admin_token: Some("t".into()),
            ..ServeArgs::default()
        };
        let server = runtime
            .block_on(start(args.validate().expect("valid")))
            .expect("server");
        let client = Client::new(&server.url(), Some("t".into())).expect("client");
        Self {
            runtime,
            server: Some(server),
            client,
        }
    }

    /// POSTs `body` to `path`: must be a 422 naming `field`, with `message`.
    fn refuses(&self, path: &str, body: &str, field: &str, message: &str) {
        let r = self.client.post_raw(path, body, Some("t")).expect("HTTP");
        assert_eq!(r.status, 422, "{path} {body}: {}", r.body);
        let e = r.error().expect("a JSON error");
        assert_eq!(e.field.as_deref(), Some(field), "{}", r.body);
        assert!(e.message.contains(message), "{path} {body}: {}", r.body);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.shutdown());
        }
    }
}

fn message<T>(result: Result<T, workloads::units::UnitError>) -> String {
    match result {
        Ok(_) => panic!("the bad value was accepted"),
        Err(e) => e.0,
    }
}

#[test]
fn ttl() {
    let m = message(Ttl::from_secs(0.0));
    cli_run("--ttl", "0", &m);
    cli_serve("--ttl", "0", &m);
    env_serve("GENCACHE_TTL", "0", &m);
    toml("cache.ttl_s", "0", &m);
    let s = Server::start();
    s.refuses(
        "/api/cache/config",
        r#"{"default_ttl_s": 0}"#,
        "default_ttl_s",
        &m,
    );
    s.refuses("/api/generate", r#"{"key": 1, "ttl_s": 0}"#, "ttl_s", &m);
    let too_long = message(Ttl::from_secs(4e7));
    cli_run("--ttl", "40000000", &too_long);
    toml("cache.ttl_s", "4e7", &too_long);
    s.refuses(
        "/api/generate",
        r#"{"key": 1, "ttl_s": 4e7}"#,
        "ttl_s",
        &too_long,
    );
}

#[test]
fn byte_budget() {
    // A zero budget means the same thing everywhere: refused (it would cache nothing).
    let m = message(ByteBudget::from_bytes(0));
    cli_run("--max-bytes", "0", &m);
    cli_serve("--max-bytes", "0", &m);
    env_serve("GENCACHE_MAX_BYTES", "0", &m);
    toml("cache.max_bytes", "0", &m);
    let s = Server::start();
    s.refuses("/api/cache/config", r#"{"max_bytes": 0}"#, "max_bytes", &m);
    let huge = message(ByteBudget::from_bytes(1 << 41));
    cli_run("--max-bytes", "2TiB", &huge);
    env_serve("GENCACHE_MAX_BYTES", "2TiB", &huge);
    toml("cache.max_bytes", &(1u64 << 41).to_string(), &huge);
    s.refuses(
        "/api/cache/config",
        &format!(r#"{{"max_bytes": {}}}"#, 1u64 << 41),
        "max_bytes",
        &huge,
    );
}

#[test]
fn entry_bound() {
    let m = message(EntryBound::from_count(0));
    cli_run("--max-entries", "0", &m);
    cli_serve("--max-entries", "0", &m);
    env_serve("GENCACHE_MAX_ENTRIES", "0", &m);
    toml("cache.max_entries", "0", &m);
    let s = Server::start();
    s.refuses(
        "/api/cache/config",
        r#"{"max_entries": 0}"#,
        "max_entries",
        &m,
    );
    // A count takes no byte unit (text surfaces; TOML and JSON carry numbers).
    let unit = message("5GiB".parse::<EntryBound>());
    cli_run("--max-entries", "5GiB", &unit);
    env_serve("GENCACHE_MAX_ENTRIES", "5GiB", &unit);
    // And `none` means unbounded on the serve command line too.
    let o = harness(&["serve", "--bind", "0.0.0.0:0", "--max-entries", "none"]);
    assert!(stderr(&o).contains("admin token"), "{}", stderr(&o));
}

#[test]
fn time_scale() {
    let m = message(TimeScale::new(0.0));
    cli_run("--time-scale", "0", &m);
    cli_serve("--time-scale", "0", &m);
    env_serve("GENCACHE_TIME_SCALE", "0", &m);
    let over = message(TimeScale::new(5000.0));
    cli_run("--time-scale", "5000", &over);
    env_serve("GENCACHE_TIME_SCALE", "5000", &over);
}

#[test]
fn workers() {
    let m = message(Workers::new(0));
    cli_run("--workers", "0", &m);
    cli_serve("--workers", "0", &m);
    env_serve("GENCACHE_WORKERS", "0", &m);
}

#[test]
fn hit_cost() {
    let m = message(HitCost::from_secs(-1.0));
    cli_run("--hit-cost", "-1", &m);
    cli_serve("--hit-cost", "-1", &m);
    env_serve("GENCACHE_HIT_COST", "-1", &m);
    toml("hit_cost_s", "-1.0", &m);
}

#[test]
fn costs() {
    let m = message(Cost::from_secs(-1.0));
    cli_serve("--default-cost", "-1", &m);
    env_serve("GENCACHE_DEFAULT_COST", "-1", &m);
    toml("cost.seconds", "-1.0", &m);
    let s = Server::start();
    s.refuses("/api/generate", r#"{"key": 1, "cost": -1}"#, "cost", &m);
}

#[test]
fn sizes() {
    let m = message(Size::from_bytes(0));
    cli_serve("--default-size", "0", &m);
    env_serve("GENCACHE_DEFAULT_SIZE", "0", &m);
    toml("size.bytes", "0", &m);
    let s = Server::start();
    s.refuses("/api/generate", r#"{"key": 1, "size": 0}"#, "size", &m);
}

#[test]
fn warmup() {
    // `run` (and `replay`, `calibrate`: the same model flags) and `sweep` read it the same way.
    for (text, number) in [("120%", 120.0), ("101 %", 101.0)] {
        let m = message(text.parse::<Warmup>());
        assert!(m.contains("0 to 100"), "{m}");
        cli_run("--warmup", text, &m);
        let o = harness(&[
            "sweep",
            "--workload",
            "typical",
            "--max-bytes",
            "1GiB",
            "--warmup",
            text,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(&m), "{}", stderr(&o));
        assert!(message(Warmup::from_percent(number)).contains("0 to 100"));
    }
    let m = message("-3".parse::<Warmup>());
    cli_run("--warmup", "-3", &m);
}
