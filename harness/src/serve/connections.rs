//! The accept loop of `harness serve`: every connection is bounded in number and in time.
//!
//! axum's own `serve` has no header-read or idle timeout and no connection cap, so a few hundred
//! clients that send half a request head and go silent use up the process's file descriptors,
//! and one of them holds a graceful shutdown for the whole grace period. Here:
//!
//! - at most [`ConnectionLimits::max_connections`] connections are open at once (below the fd
//!   limit); one beyond that gets `503 Service Unavailable` and is closed at once;
//! - a request head must arrive within [`ConnectionLimits::header_read_timeout`] of its first
//!   byte, else the connection is closed;
//! - a keep-alive connection with no request for [`ConnectionLimits::idle_timeout`] is closed;
//! - on shutdown a connection with no request in progress is closed at once; one with a request
//!   in progress finishes it (keep-alive off) within the grace period, after which the requests
//!   still running are counted as dropped.
//!
//! A request is in progress from the moment its head is parsed until its response body has been
//! handed to the socket (a guard travels inside the body), so a large result that is still being
//! written is never cut by a shutdown.

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How many connections may be open and how long each may stay silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Longest time from the first byte of a request head to its end.
    pub header_read_timeout: Duration,
    /// Longest time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
}

/// File descriptors kept free beside the connections: the listener, the log, a trace file, the
/// runtime's own, and one for each rejection in progress.
pub const FD_RESERVE: u64 = 32;

/// The default connection cap when the fd limit is high.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The soft limit on open files of this process (`/proc/self/limits` on Linux), if known.
pub fn fd_soft_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    soft.parse().ok()
}

/// The connection cap to use when none is given: [`DEFAULT_MAX_CONNECTIONS`], lowered to stay
/// [`FD_RESERVE`] below the fd limit.
pub fn default_max_connections(fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(limit) => {
            let room = limit.saturating_sub(FD_RESERVE).max(1);
            usize::try_from(room)
                .unwrap_or(usize::MAX)
                .min(DEFAULT_MAX_CONNECTIONS)
        }
        None => DEFAULT_MAX_CONNECTIONS.min(1024 - FD_RESERVE as usize),
    }
}

/// Requests in progress across all connections (what a shutdown that runs out of grace drops).
#[derive(Debug, Default)]
pub(crate) struct InFlight(AtomicUsize);

impl InFlight {
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// What one connection is doing, for its timeouts and for shutdown.
#[derive(Debug)]
struct Activity {
    state: Mutex<ActivityState>,
    global: Arc<InFlight>,
    /// Wakes the connection's watchdog when its deadline moves (a head starts, a request ends).
    changed: Notify,
}

#[derive(Debug)]
struct ActivityState {
    in_flight: usize,
    served: u64,
    /// First byte of a request head not yet complete.
    head_started: Option<Instant>,
    /// When the connection last became idle (accepted, or its last response handed over).
    idle_since: Instant,
}

/// Why a connection is closed by the server.
#[derive(Debug, PartialEq, Eq)]
enum Expiry {
    HeaderRead,
    Idle,
}

impl Activity {
    fn new(global: Arc<InFlight>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                served: 0,
                head_started: None,
                idle_since: Instant::now(),
            }),
            global,
            changed: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        // The state is plain counters; a panic elsewhere cannot leave it inconsistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn on_bytes_read(&self) {
        let mut state = self.lock();
        if state.in_flight == 0 && state.head_started.is_none() {
            state.head_started = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    fn begin(self: &Arc<Self>) -> RequestGuard {
        {
            let mut state = self.lock();
            state.in_flight += 1;
            state.head_started = None;
        }
        self.global.0.fetch_add(1, Ordering::SeqCst);
        RequestGuard(Arc::clone(self))
    }

    fn busy(&self) -> bool {
        self.lock().in_flight > 0
    }

    fn served(&self) -> u64 {
        self.lock().served
    }

    /// When to look again, and whether a limit has already run out at `now`.
    fn check(&self, limits: &ConnectionLimits, now: Instant) -> Result<Instant, Expiry> {
        let state = self.lock();
        if state.in_flight > 0 {
            // Handlers are bounded by the cost limit; look again later.
            return Ok(now + limits.header_read_timeout.max(Duration::from_millis(10)));
        }
        let (deadline, expiry) = match state.head_started {
            Some(started) => (started + limits.header_read_timeout, Expiry::HeaderRead),
            None => (state.idle_since + limits.idle_timeout, Expiry::Idle),
        };
        if now >= deadline {
            Err(expiry)
        } else {
            Ok(deadline)
        }
    }
}

/// Held by a request from its parsed head until its response body is dropped.
struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        {
            let mut state = self.0.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.served += 1;
            if state.in_flight == 0 {
                state.idle_since = Instant::now();
            }
        }
        self.0.global.0.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_one();
    }
}

/// The socket, noting when bytes of a new request head arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_bytes_read();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The body of the answer to a connection beyond the cap (the API's error shape).
const OVER_CAPACITY_BODY: &str = "{\"error\":\"too_many_connections\",\"message\":\"the server \
has too many open connections; retry shortly\",\"field\":null}";

/// The whole answer to a connection beyond the cap (then closed).
fn over_capacity_response() -> String {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{OVER_CAPACITY_BODY}",
        OVER_CAPACITY_BODY.len()
    )
}

/// Accepts connections until `stop` turns true, then closes idle ones at once and waits for the
/// others to finish their request. Runs until every connection has ended.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    in_flight: Arc<InFlight>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut last_overload_warning: Option<Instant> = None;
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            // Reap finished connection tasks so the set does not grow with the server's age.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning on a full fd table.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Small JSON answers: without TCP_NODELAY, Nagle's algorithm and delayed ACKs
                // add milliseconds to each request, which at time scale 0.001 are virtual seconds.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::warn!(error = %e, "cannot set TCP_NODELAY");
                }
                match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => {
                        let app = app.clone();
                        let stop = stop.clone();
                        let in_flight = Arc::clone(&in_flight);
                        connections.spawn(async move {
                            serve_connection(stream, app, limits, in_flight, stop).await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        let now = Instant::now();
                        if last_overload_warning
                            .is_none_or(|at| now.duration_since(at) > Duration::from_secs(10))
                        {
                            last_overload_warning = Some(now);
                            tracing::warn!(
                                max_connections = limits.max_connections,
                                %peer,
                                "connection limit reached: answering 503 and closing"
                            );
                        }
                        connections.spawn(reject(stream));
                    }
                }
            }
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Answers 503 to a connection over the cap, without parsing its request, and closes it: the
/// answer, then FIN, then whatever the client sent is read and discarded for a moment (closing
/// with unread bytes would send a reset that can destroy the answer before the client reads it).
async fn reject(mut stream: TcpStream) {
    use tokio::io::AsyncReadExt as _;
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        stream
            .write_all(over_capacity_response().as_bytes())
            .await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: ConnectionLimits,
    in_flight: Arc<InFlight>,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Activity::new(in_flight);
    let io = TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = activity.begin();
            let mut app = app.clone();
            async move {
                let response = tower::Service::call(&mut app, request).await?;
                // The guard lives as long as the body: the request counts as in progress until
                // its last byte has been handed over.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _in_progress = &guard;
                        frame
                    }))
                }))
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        let deadline = match activity.check(&limits, Instant::now()) {
            Ok(deadline) => deadline,
            Err(expiry) => {
                tracing::debug!(?expiry, "closing a silent connection");
                return;
            }
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !draining => {
                let stopping = changed.is_err() || *stop.borrow();
                if !stopping {
                    continue;
                }
                if activity.busy() {
                    // Finish the request in progress, then close (keep-alive off).
                    connection.as_mut().graceful_shutdown();
                    draining = true;
                } else if activity.served() > 0 {
                    // Idle after a response: hyper closes at once, after flushing what it has.
                    connection.as_mut().graceful_shutdown();
                    draining = true;
                } else {
                    // Nothing served, nothing in progress (at most half a head): close now.
                    return;
                }
            }
            () = tokio::time::sleep_until(deadline) => {}
            () = activity.changed.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_over_capacity_answer_is_an_api_error() {
        let text = over_capacity_response();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let parsed: Result<crate::serve::ErrorBody, _> = serde_json::from_str(body);
        assert_eq!(
            parsed.map(|b| b.error).ok().as_deref(),
            Some("too_many_connections")
        );
    }

    #[test]
    fn the_default_cap_stays_below_the_fd_limit() {
        assert_eq!(
            default_max_connections(Some(256)),
            256 - FD_RESERVE as usize
        );
        assert_eq!(
            default_max_connections(Some(1 << 20)),
            DEFAULT_MAX_CONNECTIONS
        );
        assert_eq!(default_max_connections(Some(8)), 1);
        assert!(default_max_connections(None) < 1024);
    }

    #[test]
    fn this_process_has_a_readable_fd_limit_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(fd_soft_limit().is_some_and(|n| n > 0));
        }
    }

    #[tokio::test]
    async fn timeouts_follow_the_connection_state() {
        let limits = ConnectionLimits {
            max_connections: 1,
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(10),
        };
        let global = Arc::new(InFlight::default());
        let activity = Activity::new(Arc::clone(&global));
        let start = Instant::now();
        // Idle: the idle timeout runs.
        assert!(
            activity
                .check(&limits, start + Duration::from_secs(9))
                .is_ok()
        );
        assert_eq!(
            activity.check(&limits, start + Duration::from_secs(11)),
            Err(Expiry::Idle)
        );
        // Half a head: the header timeout runs from its first byte.
        activity.on_bytes_read();
        let read_at = Instant::now();
        assert_eq!(
            activity.check(&limits, read_at + Duration::from_millis(1001)),
            Err(Expiry::HeaderRead)
        );
        // A request in progress: neither runs, and it counts in flight.
        let guard = activity.begin();
        assert_eq!(global.get(), 1);
        assert!(
            activity
                .check(&limits, read_at + Duration::from_secs(100))
                .is_ok()
        );
        drop(guard);
        assert_eq!(global.get(), 0);
        assert_eq!(activity.served(), 1);
    }
}
