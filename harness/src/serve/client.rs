//! A small blocking client of the service (ureq, no TLS): used by the live replay against a running
//! `harness serve` (`--target`), by the load test and by the integration tests.

use super::api::{
    ClearRequest, ClearResponse, ConfigResponse, ConfigUpdate, GenerateRequest, GenerateResponse,
    Health, StatsResponse,
};
use super::error::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// What went wrong talking to the service.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL is not `http://host:port` (TLS is not supported on purpose: loopback tool).
    #[error("bad target URL {url:?}: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// No connection, or no complete answer, within the client's timeouts.
    #[error(
        "{method} {url}: no {phase} within {} (is a server listening there and answering? \
         raise the limit with {flag})",
        humantime::format_duration(*.after)
    )]
    Timeout {
        /// HTTP method.
        method: &'static str,
        /// Full URL.
        url: String,
        /// `connection` or `answer`.
        phase: &'static str,
        /// The limit that ran out.
        after: Duration,
        /// The flag that sets it.
        flag: &'static str,
    },
    /// Transport failure (connection refused, reset, ...).
    #[error("{method} {url}: {source}")]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Full URL.
        url: String,
        /// The transport error.
        source: Box<ureq::Error>,
    },
    /// The server answered with an error status.
    #[error("{method} {url}: HTTP {status}: {body}")]
    Status {
        /// HTTP method.
        method: &'static str,
        /// Full URL.
        url: String,
        /// The status code.
        status: u16,
        /// The error body, if the server sent one.
        body: String,
    },
    /// The answer was not the JSON expected.
    #[error("{method} {url}: unexpected answer: {reason}")]
    Decode {
        /// HTTP method.
        method: &'static str,
        /// Full URL.
        url: String,
        /// What could not be decoded.
        reason: String,
    },
}

/// A raw answer: status code and body, for tests of error cases.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Selected headers (`x-gencache-status`, `x-gencache-time-ms`, `content-type`,
    /// `www-authenticate`), lowercase names.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl RawResponse {
    /// A header's value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON error body, if this is one.
    pub fn error(&self) -> Option<ErrorBody> {
        serde_json::from_str(&self.body).ok()
    }
}

/// How long the client waits: for a TCP connection, and for a whole exchange (request sent,
/// answer received, body read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// Connecting (`--target-connect-timeout`).
    pub connect: Duration,
    /// One request from start to the last byte of its answer (`--target-timeout`).
    pub request: Duration,
}

impl Default for ClientTimeouts {
    /// 5 s to connect, 60 s per request.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(60),
        }
    }
}

/// A connection-pooling client; `Clone` shares the pool, and it is `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    timeouts: ClientTimeouts,
}

const KEPT_HEADERS: [&str; 4] = [
    "x-gencache-status",
    "x-gencache-time-ms",
    "content-type",
    "www-authenticate",
];

impl Client {
    /// A client of the service at `base_url` (`http://host:port`), sending `token` as bearer on
    /// admin calls when given.
    ///
    /// ```
    /// use harness::serve::client::Client;
    /// assert!(Client::new("http://127.0.0.1:8080", None).is_ok());
    /// assert!(Client::new("https://example.org", None).is_err());
    /// ```
    pub fn new(base_url: &str, token: Option<String>) -> Result<Self, ClientError> {
        Self::with_timeouts(base_url, token, ClientTimeouts::default())
    }

    /// [`Client::new`] with explicit timeouts: a server that accepts and never answers costs
    /// at most `timeouts.request` per call, then a [`ClientError::Timeout`] naming the URL.
    pub fn with_timeouts(
        base_url: &str,
        token: Option<String>,
        timeouts: ClientTimeouts,
    ) -> Result<Self, ClientError> {
        let base = base_url.trim_end_matches('/').to_owned();
        let bad = |reason| ClientError::BadUrl {
            url: base_url.to_owned(),
            reason,
        };
        let rest = base
            .strip_prefix("http://")
            .ok_or_else(|| bad("must start with http:// (no TLS)"))?;
        if rest.is_empty() || rest.contains('/') {
            return Err(bad("expected http://HOST:PORT with no path"));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeouts.connect))
            .timeout_global(Some(timeouts.request))
            // Keep a connection per concurrent client instead of reconnecting per request.
            .max_idle_connections(512)
            .max_idle_connections_per_host(512)
            .build()
            .into();
        Ok(Self {
            agent,
            base,
            token,
            timeouts,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The error for a failed exchange: a timeout says which limit ran out.
    fn transport_error(&self, method: &'static str, url: &str, source: ureq::Error) -> ClientError {
        match source {
            ureq::Error::Timeout(ureq::Timeout::Connect) => ClientError::Timeout {
                method,
                url: url.to_owned(),
                phase: "connection",
                after: self.timeouts.connect,
                flag: "--target-connect-timeout",
            },
            ureq::Error::Timeout(_) => ClientError::Timeout {
                method,
                url: url.to_owned(),
                phase: "answer",
                after: self.timeouts.request,
                flag: "--target-timeout",
            },
            source => ClientError::Transport {
                method,
                url: url.to_owned(),
                source: Box::new(source),
            },
        }
    }

    fn finish(
        &self,
        method: &'static str,
        url: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<RawResponse, ClientError> {
        let mut response = result.map_err(|source| self.transport_error(method, url, source))?;
        let status = response.status().as_u16();
        let headers = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let body = response.body_mut().read_to_string().map_err(|e| match e {
            timeout @ ureq::Error::Timeout(_) => self.transport_error(method, url, timeout),
            e => ClientError::Decode {
                method,
                url: url.to_owned(),
                reason: e.to_string(),
            },
        })?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// `GET path` as a raw answer.
    pub fn get_raw(&self, path: &str) -> Result<RawResponse, ClientError> {
        let url = self.url(path);
        self.finish("GET", &url, self.agent.get(&url).call())
    }

    /// `POST path` with a raw body (and the admin token when `admin`), as a raw answer.
    pub fn post_raw(
        &self,
        path: &str,
        body: &str,
        token: Option<&str>,
    ) -> Result<RawResponse, ClientError> {
        let url = self.url(path);
        let mut request = self
            .agent
            .post(&url)
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        self.finish("POST", &url, request.send(body))
    }

    fn decode<T: DeserializeOwned>(
        method: &'static str,
        url: String,
        raw: RawResponse,
    ) -> Result<T, ClientError> {
        if !(200..300).contains(&raw.status) {
            return Err(ClientError::Status {
                method,
                url,
                status: raw.status,
                body: raw.body,
            });
        }
        serde_json::from_str(&raw.body).map_err(|e| ClientError::Decode {
            method,
            url,
            reason: e.to_string(),
        })
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let raw = self.get_raw(path)?;
        Self::decode("GET", self.url(path), raw)
    }

    fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        admin: bool,
    ) -> Result<T, ClientError> {
        let text = serde_json::to_string(body).map_err(|e| ClientError::Decode {
            method: "POST",
            url: self.url(path),
            reason: e.to_string(),
        })?;
        let token = if admin { self.token.as_deref() } else { None };
        let raw = self.post_raw(path, &text, token)?;
        Self::decode("POST", self.url(path), raw)
    }

    /// `POST /api/generate`.
    pub fn generate(&self, request: &GenerateRequest) -> Result<GenerateResponse, ClientError> {
        self.post_json("/api/generate", request, false)
    }

    /// `GET /api/cache/stats`.
    pub fn stats(&self) -> Result<StatsResponse, ClientError> {
        self.get_json("/api/cache/stats")
    }

    /// `GET /api/cache/config`.
    pub fn config(&self) -> Result<ConfigResponse, ClientError> {
        self.get_json("/api/cache/config")
    }

    /// `POST /api/cache/config` (admin).
    pub fn set_config(&self, update: &ConfigUpdate) -> Result<ConfigResponse, ClientError> {
        self.post_json("/api/cache/config", update, true)
    }

    /// `POST /api/cache/clear` (admin): the L1 only.
    pub fn clear(&self) -> Result<ClearResponse, ClientError> {
        self.clear_with(&ClearRequest::default())
    }

    /// `POST /api/cache/clear` (admin) with `{"l2": ...}`: with `l2`, also the shared tier.
    pub fn clear_with(&self, request: &ClearRequest) -> Result<ClearResponse, ClientError> {
        self.post_json("/api/cache/clear", request, true)
    }

    /// `GET /healthz`.
    pub fn health(&self) -> Result<Health, ClientError> {
        self.get_json("/healthz")
    }
}
