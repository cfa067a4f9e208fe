//! Binding, running and stopping the service.

use super::config::{ConfigError, ServeArgs, ServeConfig};
use super::routes::router;
use super::state::AppState;
use axum::serve::ListenerExt as _;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
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
    /// The server task panicked or was aborted.
    #[error("server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A server running in the current tokio runtime (used by `harness serve` and by tests, which
/// bind `127.0.0.1:0`).
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
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

    /// Stops accepting connections, lets in-flight requests finish, and returns when all have.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        // An Err means the server already stopped on its own; its result comes from the task.
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }

    /// Runs until `signal` completes, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), ServeError> {
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
    let state = AppState::new(config);
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    // Small JSON answers: without TCP_NODELAY, Nagle's algorithm and delayed ACKs add
    // milliseconds to each request, which at a time scale of 0.001 are virtual seconds.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // Either a stop request or the handle being dropped ends the server.
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "gencache service listening");
    Ok(RunningServer {
        addr,
        state,
        stop,
        task,
    })
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// `harness serve`: validates the flags, serves until Ctrl-C / SIGTERM, shuts down gracefully.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let config = args
        .validate()
        .context("invalid `harness serve` configuration")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
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
        server.run_until(shutdown_signal()).await?;
        println!("stopped");
        anyhow::Ok(())
    })
}
