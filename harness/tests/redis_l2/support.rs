//! A real `redis-server` and real `harness serve` processes for the L2 tests.
//!
//! Each test starts its own Redis on a free loopback port, in a temporary directory, with
//! persistence off, and stops it by its process id. Without `redis-server` on the PATH the tests
//! print one notice and return (so `cargo test --workspace` passes on a machine without it).

#![allow(dead_code)]

use harness::serve::api::{GenerateRequest, GenerateResponse, KeyField, StatsResponse};
use harness::serve::client::Client;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

static NOTICE: Once = Once::new();

/// `redis-server`, or `None` after printing (once) why these tests are skipped.
pub fn redis_server_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        NOTICE.call_once(|| {
            // Straight to the process's stderr: the test harness captures `eprintln!` of passing
            // tests, and this line is the one thing a reader must see.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "redis_l2: redis-server not found on PATH, skipping these tests (apt-get install -y redis-server; .ci/run does)"
            );
        });
    }
    found
}

/// A free loopback port (bound and released: good enough for a test's own servers).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// A `redis-server` child on loopback.
pub struct RedisServer {
    binary: PathBuf,
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    password: Option<String>,
}

impl RedisServer {
    /// Starts one, or `None` when redis-server is not installed.
    pub fn start() -> Option<Self> {
        Self::start_with_password(None)
    }

    /// Starts one that requires `password` (`requirepass`).
    pub fn start_with_password(password: Option<&str>) -> Option<Self> {
        let binary = redis_server_binary()?;
        let mut server = Self {
            binary,
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().expect("temporary directory"),
            password: password.map(str::to_owned),
        };
        server.restart();
        Some(server)
    }

    /// (Re)starts it on the same port, empty (no persistence).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut command = Command::new(&self.binary);
        command
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(self.dir.path())
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        self.child = Some(command.spawn().expect("spawn redis-server"));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.ping() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(200)) else {
            return false;
        };
        redis::cmd("PING").query::<String>(&mut conn).is_ok()
    }

    /// Stops it by its process id (SIGTERM, then waits).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) it: a Redis that accepts connections and never
    /// answers, the "slow" case.
    #[cfg(unix)]
    pub fn freeze(&self, frozen: bool) {
        let child = self.child.as_ref().expect("running");
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("send signal");
        assert!(status.success());
    }

    /// `redis://[:password@]127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/0", self.port),
            None => format!("redis://127.0.0.1:{}/0", self.port),
        }
    }

    /// A plain synchronous connection, for planting and inspecting keys.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("redis url")
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("connect to redis")
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query(&mut self.conn())
            .expect("KEYS");
        keys.sort();
        keys
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A `harness serve` child process.
pub struct Serve {
    child: Child,
    pub url: String,
    pub client: Client,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

/// The flags every test server gets (loopback, any port); `--shutdown-grace 2s` unless given.
pub const BASE: &[&str] = &["serve", "--bind", "127.0.0.1:0"];

impl Serve {
    /// Starts `harness serve BASE extra...` and waits for its banner; panics with its stderr if it
    /// exits instead.
    pub fn start(extra: &[&str]) -> Self {
        match Self::try_start(extra) {
            Ok(serve) => serve,
            Err((code, stderr)) => panic!("harness serve exited ({code:?}): {stderr}"),
        }
    }

    /// Starts it; `Err((exit code, stderr))` when it exits without serving.
    pub fn try_start(extra: &[&str]) -> Result<Self, (Option<i32>, String)> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let stderr = dir.path().join("stderr.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(BASE)
            .args(extra)
            .args(if extra.contains(&"--shutdown-grace") {
                &[][..]
            } else {
                &["--shutdown-grace", "2s"][..]
            })
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .env_remove("GENCACHE_L2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("spawn harness serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let Some(Ok(banner)) = lines.next() else {
            let status = child.wait().expect("wait");
            let text = std::fs::read_to_string(&stderr).unwrap_or_default();
            return Err((status.code(), text));
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {banner:?}"))
            .to_owned();
        let client = Client::new(&url, None).expect("client");
        Ok(Self {
            child,
            url,
            client,
            stderr,
            _dir: dir,
        })
    }

    /// With `--l2 URL` and `extra`.
    pub fn with_l2(redis_url: &str, extra: &[&str]) -> Self {
        let mut args = vec!["--l2", redis_url];
        args.extend_from_slice(extra);
        Self::start(&args)
    }

    /// What it logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// `GET /api/cache/stats`.
    pub fn stats(&self) -> StatsResponse {
        self.client.stats().expect("stats")
    }

    /// `GET /metrics`.
    pub fn metrics(&self) -> String {
        let raw = self.client.get_raw("/metrics").expect("metrics");
        assert_eq!(raw.status, 200);
        raw.body
    }

    /// SIGTERM, then waits for the exit (at most `limit`); returns how long it took.
    #[cfg(unix)]
    pub fn terminate(&mut self, limit: Duration) -> Duration {
        let sent = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(status.success());
        while self.child.try_wait().expect("poll child").is_none() {
            assert!(
                sent.elapsed() < limit,
                "harness serve still running after {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        sent.elapsed()
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A generate request for key `key` of `size` bytes costing `cost` virtual seconds.
pub fn request(key: u64, size: u64, cost: f64) -> GenerateRequest {
    GenerateRequest {
        key: Some(KeyField::Number(key)),
        size: Some(size),
        cost: Some(cost),
        ..GenerateRequest::default()
    }
}

/// Sends `request` and insists on a 200.
pub fn generate(client: &Client, request: &GenerateRequest) -> GenerateResponse {
    client
        .generate(request)
        .unwrap_or_else(|e| panic!("generate failed: {e}"))
}

/// The value of an unlabelled sample `name` in a Prometheus text.
pub fn sample(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in /metrics"))
}

/// Total generations of `servers`.
pub fn generations(servers: &[&Serve]) -> u64 {
    servers.iter().map(|s| s.stats().generations).sum()
}
