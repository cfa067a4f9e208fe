//! `harness serve` against slow, silent and too many clients (issue 10, defect 2): header-read
//! and idle timeouts, the connection cap, and shutdown with and without requests in flight.

use harness::serve::api::{GenerateRequest, KeyField};
use harness::serve::client::Client;
use harness::serve::{RunningServer, ServeArgs, start};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use workloads::units::{Cost, Size, TimeScale};

fn args() -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        time_scale: TimeScale::DEFAULT,
        default_cost: Cost::from_secs(5.0).expect("cost"),
        default_size: Size::from_bytes(1024).expect("size"),
        ..ServeArgs::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn serve(rt: &tokio::runtime::Runtime, args: ServeArgs) -> RunningServer {
    let config = args.validate().expect("valid configuration");
    rt.block_on(start(config)).expect("server starts")
}

/// Reads until the server closes the connection; how long that took (None: still open at `limit`).
fn time_to_close(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(started.elapsed());
            }
            Err(_) => return None,
        }
    }
}

fn half_open(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    stream
}

#[test]
fn a_half_sent_head_is_closed_after_the_header_read_timeout() {
    let rt = runtime();
    let server = serve(
        &rt,
        ServeArgs {
            header_read_timeout: "300ms".into(),
            ..args()
        },
    );
    let mut stalled = half_open(server.addr());
    let closed = time_to_close(&mut stalled, Duration::from_secs(10));
    let closed = closed.unwrap_or_else(|| panic!("a half-open connection was never closed"));
    assert!(closed >= Duration::from_millis(250), "{closed:?}");
    let report = rt.block_on(server.shutdown()).expect("shutdown");
    assert!(report.clean());
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let rt = runtime();
    let server = serve(
        &rt,
        ServeArgs {
            idle_timeout: "300ms".into(),
            header_read_timeout: "10s".into(),
            ..args()
        },
    );
    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    let mut first = [0u8; 12];
    conn.read_exact(&mut first).expect("an answer");
    assert_eq!(&first, b"HTTP/1.1 200");
    let closed = time_to_close(&mut conn, Duration::from_secs(10));
    assert!(
        closed.is_some(),
        "an idle keep-alive connection was never closed"
    );
    let _ = rt.block_on(server.shutdown()).expect("shutdown");
}

#[test]
fn connections_beyond_the_cap_get_503_and_the_server_recovers() {
    let rt = runtime();
    let server = serve(
        &rt,
        ServeArgs {
            max_connections: Some(4),
            header_read_timeout: "500ms".into(),
            ..args()
        },
    );
    let held: Vec<TcpStream> = (0..4).map(|_| half_open(server.addr())).collect();
    // Let the server accept all four before the fifth arrives.
    std::thread::sleep(Duration::from_millis(100));
    let mut over = TcpStream::connect(server.addr()).expect("connect");
    let _ = over.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    over.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = over.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(answer.contains("too_many_connections"), "{answer:?}");
    // The silent four are closed by the header timeout: /healthz works again, well before the
    // clients give up on them.
    let client = Client::new(&server.url(), None).expect("client");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.get_raw("/healthz") {
            Ok(r) if r.status == 200 => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("healthz never recovered: {other:?}"),
        }
    }
    drop(held);
    let _ = rt.block_on(server.shutdown()).expect("shutdown");
}

#[test]
fn shutdown_counts_the_requests_it_drops() {
    let rt = runtime();
    let server = serve(&rt, args());
    let client = Client::new(&server.url(), None).expect("client");
    // 3,600 virtual s = 3.6 s wall; the grace is 100 ms.
    let slow = std::thread::spawn(move || {
        client.generate(&GenerateRequest {
            key: Some(KeyField::Text("slow".into())),
            cost: Some(3600.0),
            ..GenerateRequest::default()
        })
    });
    while server.requests_in_flight() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let report = rt
        .block_on(server.shutdown_within(Duration::from_millis(100)))
        .expect("shutdown");
    assert_eq!(report.dropped_requests, 1);
    assert!(slow.join().expect("client thread").is_err());
}

/// The reproducer: `ulimit -n 256`, 300 connections that send half a head and stop.
/// `/healthz` must still answer (it used to time out until the clients hung up), and SIGTERM
/// with nothing in flight must exit 0 at once without claiming to drop requests.
#[cfg(target_os = "linux")]
#[test]
fn three_hundred_half_open_connections_under_ulimit_256() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec {} serve --bind 127.0.0.1:0 --header-read-timeout 1s \
             --shutdown-grace 1h",
            env!("CARGO_BIN_EXE_harness")
        ))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn harness serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let banner = lines.next().expect("banner").expect("readable");
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {banner:?}"))
        .to_owned();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("addr");
    let held: Vec<TcpStream> = (0..300)
        .filter_map(|_| {
            let mut s = TcpStream::connect(addr).ok()?;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(held.len(), 300);
    let client = Client::new(&url, None).expect("client");
    let started = Instant::now();
    loop {
        match client.get_raw("/healthz") {
            Ok(r) if r.status == 200 => break,
            _ if started.elapsed() < Duration::from_secs(15) => {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => panic!("healthz unanswered with 300 half-open connections: {other:?}"),
        }
    }
    // A fresh half-open connection, then SIGTERM: it must not hold the shutdown.
    let stalled = half_open(addr);
    std::thread::sleep(Duration::from_millis(100));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let signalled = Instant::now();
    let exit = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(20),
            "serve did not exit"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut log);
    }
    assert!(!log.contains("dropping the requests"), "{log}");
    drop(held);
    drop(stalled);
}
