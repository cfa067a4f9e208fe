//! The in-process `harness serve` the serve tests talk to (loopback, port 0, blocking HTTP).

use gencache::LoadStatus;
use harness::serve::api::{GenerateRequest, KeyField, StatsResponse};
use harness::serve::client::{Client, RawResponse};
use harness::serve::{RunningServer, ServeArgs, start};
use workloads::units::{Cost, Size, TimeScale, Workers};

pub const TOKEN: &str = "test-token-123";

/// A server in its own runtime; the test thread talks to it with blocking HTTP.
pub struct TestServer {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<RunningServer>,
    pub client: Client,
}

impl TestServer {
    pub fn start(args: ServeArgs) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let config = args.validate().expect("valid test configuration");
        let token = config.admin_token.clone();
        let server = runtime.block_on(start(config)).expect("server starts");
        let client = Client::new(&server.url(), token).expect("client");
        Self {
            runtime,
            server: Some(server),
            client,
        }
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("running")
    }

    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime
                .block_on(server.shutdown())
                .expect("clean shutdown");
        }
    }

    pub fn post(&self, path: &str, body: &str, token: Option<&str>) -> RawResponse {
        self.client
            .post_raw(path, body, token)
            .expect("HTTP exchange")
    }

    pub fn get(&self, path: &str) -> RawResponse {
        self.client.get_raw(path).expect("HTTP exchange")
    }

    pub fn stats(&self) -> StatsResponse {
        self.client.stats().expect("stats")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Loopback, port 0, 1000x time compression, small defaults so tests run in milliseconds.
pub fn args() -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("addr"),
        time_scale: TimeScale::DEFAULT,
        default_cost: Cost::from_secs(5.0).expect("cost"),
        default_size: Size::from_bytes(1024).expect("size"),
        max_size: Size::from_bytes(1 << 20).expect("size"),
        workers: Workers::new(4).expect("workers"),
        body_limit: 4096,
        ..ServeArgs::default()
    }
}

pub fn with_token() -> ServeArgs {
    ServeArgs {
        admin_token: Some(TOKEN.to_owned()),
        ..args()
    }
}

/// Asserts a JSON error with the given status and field.
pub fn assert_error(response: &RawResponse, status: u16, field: Option<&str>) {
    assert_eq!(response.status, status, "body: {}", response.body);
    let body = response
        .error()
        .unwrap_or_else(|| panic!("not a JSON error body: {}", response.body));
    assert_eq!(body.field.as_deref(), field, "body: {}", response.body);
    assert!(!body.message.is_empty());
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{response:?}"
    );
}

pub fn generate_key(client: &Client, key: u64) -> LoadStatus {
    client
        .generate(&GenerateRequest {
            key: Some(KeyField::Number(key)),
            ..GenerateRequest::default()
        })
        .expect("generate")
        .status
}
