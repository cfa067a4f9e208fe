//! The bounded soak of `harness serve` (issue 10): the real binary on loopback for about two
//! minutes under mixed traffic, with concurrent `config` changes and `clear`s and a few slow,
//! idle and half-open connections. Required: zero errors, the stats invariants at every scrape,
//! memory that stays bounded. Printed: RSS at start, peak and end, p50/p99/max latency.
//!
//! Release only (`.ci/run`): `cargo test --release -p harness --test serve_soak --
//! --include-ignored --nocapture`. `GENCACHE_SOAK_SECS` shortens or lengthens it (default 120);
//! `GENCACHE_SOAK_SEED` replays a traffic mix (the seed is printed).

use harness::serve::api::{ConfigUpdate, GenerateRequest, KeyField, StatsResponse};
use harness::serve::client::Client;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "soak-token";
/// Distinct keys; requests are skewed towards the low ones (hot keys miss together after a
/// `clear`, so joins happen).
const KEYS: u64 = 600;
const CLIENTS: usize = 8;
/// Virtual seconds per generation: 40 ms of wall time at the server's time scale 0.001.
const COST_S: f64 = 40.0;
const MIN_SIZE: u64 = 64 << 10;
const MAX_SIZE: u64 = 8 << 20;
const HEADER_READ_TIMEOUT_S: u64 = 3;

/// splitmix64: the test's only randomness, from a printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A key's result size: log-uniform between 64 KiB and 8 MiB, fixed per key.
fn size_of(key: u64) -> u64 {
    let u = Rng(key.wrapping_mul(0x2545_F491_4F6C_DD1D)).unit();
    let ratio = (MAX_SIZE / MIN_SIZE) as f64;
    ((MIN_SIZE as f64) * ratio.powf(u)).min(MAX_SIZE as f64) as u64
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

struct Server {
    child: Child,
    url: String,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--admin-token",
            TOKEN,
            "--max-bytes",
            "256MiB",
            "--workers",
            "8",
            "--max-size",
            "16MiB",
            "--header-read-timeout",
            &format!("{HEADER_READ_TIMEOUT_S}s"),
            "--idle-timeout",
            "30s",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn harness serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let banner = lines.next().expect("banner").expect("readable");
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {banner:?}"))
        .to_owned();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let addr = url.trim_start_matches("http://").parse().expect("address");
    Server { child, url, addr }
}

/// What the traffic threads counted.
#[derive(Default)]
struct Counts {
    started: AtomicU64,
    answered: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    slow_checks: AtomicU64,
}

impl Counts {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert(what);
        }
    }
}

fn traffic(
    url: &str,
    seed: u64,
    stop: &AtomicBool,
    counts: &Counts,
) -> hdrhistogram::Histogram<u64> {
    let client = Client::new(url, None).expect("client");
    let mut rng = Rng(seed);
    let mut latency = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
    while !stop.load(Ordering::SeqCst) {
        // Cubed uniform: a few hot keys, a long tail.
        let key = ((rng.unit().powi(3)) * KEYS as f64) as u64;
        let request = GenerateRequest {
            key: Some(KeyField::Text(format!("soak-{key}"))),
            size: Some(size_of(key)),
            cost: Some(COST_S),
            ..GenerateRequest::default()
        };
        counts.started.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        match client.generate(&request) {
            Ok(answer) if answer.size == size_of(key) => {
                let _ = latency.record(started.elapsed().as_micros() as u64);
                counts.answered.fetch_add(1, Ordering::SeqCst);
            }
            Ok(answer) => counts.error(format!("key {key}: size {} answered", answer.size)),
            Err(e) => counts.error(e.to_string()),
        }
        // A little think time: 2 shared cores, and the point is duration, not peak rate.
        std::thread::sleep(Duration::from_millis(2 + rng.next() % 8));
    }
    latency
}

fn admin(url: &str, stop: &AtomicBool, counts: &Counts) -> (u64, u64) {
    let client = Client::new(url, Some(TOKEN.into())).expect("client");
    let budgets = [64u64 << 20, 256 << 20, 128 << 20];
    let (mut configs, mut clears) = (0u64, 0u64);
    let mut tick = 0u64;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1500));
        tick += 1;
        let update = ConfigUpdate {
            max_bytes: Some(Some(budgets[(tick % 3) as usize])),
            ..ConfigUpdate::default()
        };
        match client.set_config(&update) {
            Ok(_) => configs += 1,
            Err(e) => counts.error(format!("config: {e}")),
        }
        if tick % 5 == 0 {
            match client.clear() {
                Ok(_) => clears += 1,
                Err(e) => counts.error(format!("clear: {e}")),
            }
        }
    }
    (configs, clears)
}

/// A client that sends its request head one byte every 40 ms (well inside the header timeout
/// overall), then reads the answer.
fn slow_sender(addr: SocketAddr) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let head = b"GET /healthz HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n";
    for byte in head.chunks(4) {
        s.write_all(byte).map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(40));
    }
    let mut answer = String::new();
    s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    if answer.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("slow sender got {answer:?}"))
    }
}

/// One request, idle for a while on the kept-alive connection, then another.
fn idle_keep_alive(addr: SocketAddr) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    for round in 0..2 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: soak\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head)
            .map_err(|e| format!("round {round}: {e}"))?;
        if &head != b"HTTP/1.1 200" {
            return Err(format!("idle keep-alive round {round}: {head:?}"));
        }
        // Rest of the small answer.
        let mut rest = [0u8; 4096];
        let _ = s.read(&mut rest);
        std::thread::sleep(Duration::from_secs(4));
    }
    Ok(())
}

/// Half a head, then silence: the server must close it within the header-read timeout.
fn half_open(addr: SocketAddr) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: so")
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(HEADER_READ_TIMEOUT_S * 4)))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(()),
        other => Err(format!(
            "half-open connection still open after {:?}: {other:?}",
            started.elapsed()
        )),
    }
}

/// One kind of slow client, run against the server's address.
type SlowCheck = fn(SocketAddr) -> Result<(), String>;

fn slow_clients(addr: SocketAddr, stop: &AtomicBool, counts: &Counts) {
    while !stop.load(Ordering::SeqCst) {
        let checks: [(&str, SlowCheck); 3] = [
            ("slow sender", slow_sender),
            ("idle keep-alive", idle_keep_alive),
            ("half-open", half_open),
        ];
        for (name, check) in checks {
            match check(addr) {
                Ok(()) => {
                    counts.slow_checks.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => counts.error(format!("{name}: {e}")),
            }
        }
    }
}

/// The invariants of one scrape, given what the clients had finished before it and started
/// after it. Returns the number answered.
fn check_scrape(
    stats: &StatsResponse,
    previous: Option<&StatsResponse>,
    done_before: u64,
    started_after: u64,
) -> Result<u64, String> {
    let r = stats.requests;
    let answered = r.hit + r.miss + r.joined;
    if answered < done_before || answered > started_after {
        return Err(format!(
            "hits {} + misses {} + joined {} = {answered}, outside [{done_before}, {started_after}] \
             (answers received before the scrape, requests sent after it)",
            r.hit, r.miss, r.joined
        ));
    }
    if stats.generations < r.miss {
        return Err(format!(
            "{} generations for {} misses answered",
            stats.generations, r.miss
        ));
    }
    if let Some(p) = previous {
        let pr = p.requests;
        if r.hit < pr.hit || r.miss < pr.miss || r.joined < pr.joined {
            return Err(format!("a counter went down: {pr:?} -> {r:?}"));
        }
    }
    Ok(answered)
}

#[test]
#[ignore = "soak: about two minutes against the real server; release only, in .ci/run"]
fn soak_mixed_traffic_with_config_changes_clears_and_slow_clients() {
    let secs: u64 = std::env::var("GENCACHE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let seed: u64 = std::env::var("GENCACHE_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x50A4);
    println!("soak: {secs} s, seed {seed} (GENCACHE_SOAK_SEED), {CLIENTS} clients, {KEYS} keys");
    let server = start_server();
    let pid = server.child.id();
    let rss_start = rss_kib(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());

    let mut traffic_threads = Vec::new();
    for i in 0..CLIENTS {
        let (url, stop, counts) = (server.url.clone(), Arc::clone(&stop), Arc::clone(&counts));
        let seed = seed.wrapping_add(i as u64 * 7919);
        traffic_threads.push(std::thread::spawn(move || {
            traffic(&url, seed, &stop, &counts)
        }));
    }
    let admin_thread = {
        let (url, stop, counts) = (server.url.clone(), Arc::clone(&stop), Arc::clone(&counts));
        std::thread::spawn(move || admin(&url, &stop, &counts))
    };
    let slow_thread = {
        let (addr, stop, counts) = (server.addr, Arc::clone(&stop), Arc::clone(&counts));
        std::thread::spawn(move || slow_clients(addr, &stop, &counts))
    };

    let scraper = Client::new(&server.url, None).expect("client");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut rss_peak = rss_start;
    let mut scrapes = 0u64;
    let mut previous: Option<StatsResponse> = None;
    let mut violations = Vec::new();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        rss_peak = rss_peak.max(rss_kib(pid));
        let done_before = counts.answered.load(Ordering::SeqCst);
        let stats = match scraper.stats() {
            Ok(stats) => stats,
            Err(e) => {
                counts.error(format!("stats: {e}"));
                continue;
            }
        };
        let started_after = counts.started.load(Ordering::SeqCst);
        scrapes += 1;
        if let Err(v) = check_scrape(&stats, previous.as_ref(), done_before, started_after) {
            violations.push(v);
        }
        previous = Some(stats);
    }
    stop.store(true, Ordering::SeqCst);
    let mut latency = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
    for t in traffic_threads {
        let h = t.join().expect("traffic thread");
        latency.add(h).expect("same histogram bounds");
    }
    let (configs, clears) = admin_thread.join().expect("admin thread");
    slow_thread.join().expect("slow-client thread");

    // Quiescent: the counters must now agree exactly with what the clients saw.
    let last = scraper.stats().expect("final stats");
    let answered = counts.answered.load(Ordering::SeqCst);
    let started = counts.started.load(Ordering::SeqCst);
    let errors = counts.errors.load(Ordering::SeqCst);
    let rss_end = rss_kib(pid);
    let r = last.requests;
    println!(
        "soak: {answered} generate requests answered ({} hits, {} misses, {} joined), {configs} \
         config changes, {clears} clears, {} slow/idle/half-open checks, {scrapes} scrapes, \
         {errors} errors",
        r.hit,
        r.miss,
        r.joined,
        counts.slow_checks.load(Ordering::SeqCst)
    );
    println!(
        "soak: latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0
    );
    println!(
        "soak: server RSS start {} MiB, peak {} MiB, end {} MiB (cache budget at most 256 MiB; \
         {} entries, {} MiB cached at the end)",
        rss_start / 1024,
        rss_peak / 1024,
        rss_end / 1024,
        last.cache.entries,
        last.cache.bytes >> 20
    );
    assert_eq!(
        errors,
        0,
        "first error: {:?}",
        counts.first_error.lock().ok().and_then(|e| e.clone())
    );
    assert!(
        violations.is_empty(),
        "{} violations, first: {}",
        violations.len(),
        violations[0]
    );
    assert_eq!(started, answered, "requests sent but not answered");
    assert_eq!(r.hit + r.miss + r.joined, answered, "{r:?}");
    assert_eq!(
        last.generations, r.miss,
        "every miss answered ran exactly one generation"
    );
    assert!(
        r.joined > 0 && r.hit > 0 && r.miss > 0,
        "traffic was not mixed: {r:?}"
    );
    assert!(configs > 0 && clears > 0);
    // Bounded memory: the budget (at most 256 MiB of payload) plus the process, never a leak
    // proportional to the requests served.
    assert!(
        rss_peak < (256 + 256) * 1024,
        "peak RSS {} MiB",
        rss_peak / 1024
    );
}
