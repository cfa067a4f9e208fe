//! `POST /api/generate`: answer from the cache or run the simulated generator, single-flight.

use crate::realtime::answer;
use crate::serve::api::{GenerateRequest, GenerateResponse};
use crate::serve::error::ApiError;
use crate::serve::extract::StrictJson;
use crate::serve::fingerprint::{explicit_key, prompt_key, to_hex};
use crate::serve::metrics::status_label;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use gencache::LoadStatus;
use std::time::{Duration, Instant};
use workloads::units::{Cost, Size, Ttl};

/// A request checked against the server's limits.
#[derive(Debug, Clone, PartialEq)]
struct Job {
    key: u128,
    size: u64,
    cost_s: f64,
    ttl: Option<Duration>,
    use_cache: bool,
}

fn validate(request: GenerateRequest, state: &AppState) -> Result<Job, ApiError> {
    let config = state.config();
    let key = match (&request.prompt, &request.key) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "key",
                "give either `prompt` or `key`, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid_field(
                "prompt",
                "missing: give `prompt` (with optional `parameters`) or an explicit `key`",
            ));
        }
        (Some(prompt), None) => {
            if prompt.trim().is_empty() {
                return Err(ApiError::invalid_field("prompt", "must not be empty"));
            }
            let parameters = request.parameters.unwrap_or(serde_json::Value::Null);
            prompt_key(prompt, &parameters)
        }
        (None, Some(key)) => {
            if request.parameters.is_some() {
                return Err(ApiError::invalid_field(
                    "parameters",
                    "only allowed with `prompt`; an explicit `key` already names the result",
                ));
            }
            let text = key.as_text();
            if text.is_empty() {
                return Err(ApiError::invalid_field("key", "must not be empty"));
            }
            explicit_key(&text)
        }
    };
    // Each value through its one parser (workloads::units), then against this server's limits.
    let size = match request.size {
        None => config.default_size,
        Some(n) => Size::from_bytes(n)
            .map_err(|e| ApiError::invalid_field("size", e.0))?
            .get(),
    };
    if size > config.max_size {
        return Err(ApiError::invalid_field(
            "size",
            format!(
                "{size} bytes is above the maximum {} bytes",
                config.max_size
            ),
        ));
    }
    let cost_s = match request.cost {
        None => config.default_cost_s,
        Some(s) => Cost::from_secs(s)
            .map_err(|e| ApiError::invalid_field("cost", e.0))?
            .secs(),
    };
    if cost_s > config.max_cost_s {
        return Err(ApiError::invalid_field(
            "cost",
            format!(
                "{cost_s} must be between 0 and {} virtual seconds",
                config.max_cost_s
            ),
        ));
    }
    // A per-request TTL is a TTL like any other (`null`/absent: the cache's default).
    let ttl: Option<Duration> = match request.ttl_s {
        None => None,
        Some(t) => Ttl::from_secs(t)
            .map_err(|e| ApiError::invalid_field("ttl_s", e.0))?
            .get(),
    };
    Ok(Job {
        key,
        size,
        cost_s,
        ttl,
        use_cache: state.enabled() && !request.bypass_cache,
    })
}

/// Runs the job to completion in its own task, so a client that hangs up neither cancels a
/// generation other callers joined nor leaves the single-flight slot half-done.
async fn run(state: AppState, job: Job) -> Result<(LoadStatus, u64), ApiError> {
    let generator = state.generator();
    if !job.use_cache {
        let size = generator
            .generate_discarded(job.key, job.size, job.cost_s)
            .await?;
        return Ok((LoadStatus::Loaded, size));
    }
    let loaded = answer(
        state.cache(),
        job.key,
        job.ttl.map(Some),
        &state.answering(),
        generator.generate(job.key, job.size, job.cost_s),
    )
    .await?;
    Ok((loaded.status, loaded.value.len() as u64))
}

/// The handler.
pub async fn generate(
    State(state): State<AppState>,
    body: Result<StrictJson<GenerateRequest>, ApiError>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let job = body
        .and_then(|StrictJson(request)| validate(request, &state))
        .inspect_err(|_| state.metrics().record_rejected())?;
    let key = job.key;
    let use_cache = job.use_cache;
    let (outcome, size) = tokio::spawn(run(state.clone(), job))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "generate task failed");
            ApiError::internal("the generation task failed")
        })
        .and_then(|result| result)
        .inspect_err(|_| state.metrics().record_rejected())?;
    let elapsed = started.elapsed();
    state.metrics().record(outcome, elapsed);
    tracing::debug!(key = %to_hex(key), outcome = status_label(outcome), size, ?elapsed, "generate");
    let time_ms = elapsed.as_secs_f64() * 1e3;
    let response = GenerateResponse {
        key: to_hex(key),
        status: outcome,
        cache_used: use_cache,
        size,
        time_ms,
        virtual_time_s: elapsed.as_secs_f64() / state.config().time_scale,
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-gencache-status",
        HeaderValue::from_static(status_label(outcome)),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("{time_ms:.3}")) {
        headers.insert("x-gencache-time-ms", value);
    }
    Ok((headers, Json(response)).into_response())
}
