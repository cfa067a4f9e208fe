//! Binding, running and stopping the service.

use super::config::{ConfigError, ServeArgs, ServeConfig};
use super::connections::{self, InFlight};
use super::routes::router;
use super::state::AppState;
use crate::commands::Status;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address could not be bound (in use, not permitted, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    /// `--l2-required` and Redis is not usable.
    #[error(transparent)]
    L2(#[from] crate::l2::L2StartError),
    /// The server task panicked or was aborted.
    #[error("server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A server running in the current tokio runtime (used by `harness serve` and by tests, which
/// bind `127.0.0.1:0`).
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    grace: Duration,
    in_flight: Arc<InFlight>,
}

/// How a shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ShutdownReport {
    /// Requests still in progress when the grace period ran out (their clients got no answer).
    pub dropped_requests: usize,
}

impl ShutdownReport {
    /// Whether every request in progress finished.
    pub fn clean(&self) -> bool {
        self.dropped_requests == 0
    }
}

impl RunningServer {
    /// The bound address (the real port when `:0` was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (cache, generator, metrics), for in-process inspection.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Requests in progress right now, across all connections.
    pub fn requests_in_flight(&self) -> usize {
        self.in_flight.get()
    }

    /// Stops accepting connections, closes idle ones at once and lets in-flight requests
    /// finish, waiting at most the configured grace period (`--shutdown-grace`) before dropping
    /// the ones left (counted in the report).
    pub async fn shutdown(self) -> Result<ShutdownReport, ServeError> {
        let grace = self.grace;
        self.shutdown_within(grace).await
    }

    /// [`Self::shutdown`] with an explicit grace period. When it runs out (a slow generation, or
    /// a client that sent half a request and went silent), the server task is aborted: the
    /// listener closes and the call returns instead of waiting forever.
    ///
    /// ```
    /// use harness::serve::{ServeArgs, start};
    /// use std::time::Duration;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// runtime.block_on(async {
    ///     let args = ServeArgs { bind: "127.0.0.1:0".parse()?, ..ServeArgs::default() };
    ///     let server = start(args.validate()?).await?;
    ///     let report = server.shutdown_within(Duration::from_millis(100)).await?;
    ///     assert!(report.clean());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn shutdown_within(self, grace: Duration) -> Result<ShutdownReport, ServeError> {
        // An Err means the server already stopped on its own; its result comes from the task.
        let _ = self.stop.send(true);
        let mut task = self.task;
        match tokio::time::timeout(grace, &mut task).await {
            Ok(joined) => {
                joined??;
                Ok(ShutdownReport {
                    dropped_requests: 0,
                })
            }
            Err(_elapsed) => {
                let dropped_requests = self.in_flight.get();
                if dropped_requests > 0 {
                    tracing::warn!(
                        ?grace,
                        dropped_requests,
                        "shutdown grace period over: dropping the requests still in flight"
                    );
                } else {
                    tracing::debug!(?grace, "shutdown grace period over: closing connections");
                }
                task.abort();
                // Cancelled is the expected outcome; anything else already ended the task.
                match task.await {
                    Err(e) if e.is_cancelled() => {}
                    joined => joined??,
                }
                Ok(ShutdownReport { dropped_requests })
            }
        }
    }

    /// Runs until `signal` completes, then shuts down gracefully (within the grace period).
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()>,
    ) -> Result<ShutdownReport, ServeError> {
        signal.await;
        tracing::info!("shutting down: finishing in-flight requests");
        self.shutdown().await
    }
}

/// Binds and starts serving in the background. Refuses a non-loopback address without a token.
pub async fn start(config: ServeConfig) -> Result<RunningServer, ServeError> {
    if !config.bind.ip().is_loopback() && config.admin_token.is_none() {
        return Err(ConfigError::NonLoopbackWithoutToken(config.bind).into());
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr()?;
    let grace = config.shutdown_grace;
    let limits = config.connections;
    let state = AppState::start(config).await?;
    let app = router(state.clone());
    // `true` (or the handle being dropped) stops the server.
    let (stop, stopped) = watch::channel(false);
    let in_flight = Arc::new(InFlight::default());
    let task = tokio::spawn(connections::serve(
        listener,
        app,
        limits,
        Arc::clone(&in_flight),
        stopped,
    ));
    tracing::info!(%addr, "gencache service listening");
    Ok(RunningServer {
        addr,
        state,
        stop,
        task,
        grace,
        in_flight,
    })
}

/// Ctrl-C and (on Unix) SIGTERM, listened to for the whole life of the service, so a second
/// signal during a slow graceful shutdown is seen too (and not lost between two listeners).
pub struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    /// Installs the handlers. A handler that cannot be installed is logged and never fires.
    pub fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(stream) => Some(stream),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for {name}");
                    None
                }
            };
            Self {
                interrupt: listen(SignalKind::interrupt(), "Ctrl-C"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Completes on the next Ctrl-C or SIGTERM.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn next(stream: &mut Option<tokio::signal::unix::Signal>) {
                if let Some(stream) = stream
                    && stream.recv().await.is_some()
                {
                    return;
                }
                // No handler, or its stream ended: this source never fires.
                std::future::pending::<()>().await;
            }
            tokio::select! {
                () = next(&mut self.interrupt) => {}
                () = next(&mut self.terminate) => {}
            }
        }
        #[cfg(not(unix))]
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}

impl Default for ShutdownSignals {
    fn default() -> Self {
        Self::new()
    }
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    ShutdownSignals::new().recv().await;
}

/// `harness serve`: validates the flags, serves until Ctrl-C / SIGTERM, shuts down gracefully.
/// `Status::Failed` (exit 1) when requests were dropped: the grace period ran out, or a second
/// signal cut the shutdown short while requests were in progress.
pub fn run(args: &ServeArgs) -> anyhow::Result<Status> {
    use anyhow::Context as _;
    let config = args
        .validate()
        .context("invalid `harness serve` configuration")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        // Handlers first: once the banner is out, a client (or a test) may signal at once, and a
        // signal arriving before them would take the default action and kill the process.
        let mut signals = ShutdownSignals::new();
        let server = start(config.clone()).await?;
        println!(
            "gencache service on {} (cache {}, time scale {}, {} worker(s)); Ctrl-C to stop",
            server.url(),
            if config.enabled {
                "enabled"
            } else {
                "disabled"
            },
            config.time_scale,
            config.workers
        );
        signals.recv().await;
        println!(
            "shutting down: finishing in-flight requests (at most {}); Ctrl-C again to exit at once",
            humantime::format_duration(config.shutdown_grace)
        );
        tracing::info!("shutting down: finishing in-flight requests");
        let in_flight = Arc::clone(&server.in_flight);
        let (dropped, how) = tokio::select! {
            report = server.shutdown() => (report?.dropped_requests, "stopped"),
            () = signals.recv() => {
                let dropped = in_flight.get();
                if dropped > 0 {
                    tracing::warn!(
                        dropped_requests = dropped,
                        "second signal: exiting without waiting for in-flight requests"
                    );
                }
                (dropped, "stopped at once (second signal)")
            }
        };
        if dropped > 0 {
            println!("{how}: {dropped} request(s) in flight were dropped");
            Ok(Status::Failed)
        } else {
            println!("{how}");
            Ok(Status::Passed)
        }
    })
}
