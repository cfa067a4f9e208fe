//! Operational endpoints: `GET /metrics` and `GET /healthz`.

use crate::serve::api::Health;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics().render(
        &state.cache().stats(),
        state.enabled(),
        state.generator().generations(),
    );
    if let Some(l2) = state.l2() {
        l2.stats().render_prometheus(&mut text);
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
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
