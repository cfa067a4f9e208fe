//! Operational endpoints: `GET /metrics` and `GET /healthz`.

use crate::serve::api::Health;
use crate::serve::metrics;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `GET /metrics`: OpenMetrics text (which Prometheus scrapes natively), from the one registry.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(metrics::CONTENT_TYPE),
        )],
        state.metrics().encode(),
    )
        .into_response()
}

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        cache_enabled: state.enabled(),
    })
}
