//! The router: which handler answers which path.

mod admin;
mod generate;
mod ops;

pub use admin::EntriesQuery;

use super::error::ApiError;
use super::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{get, post};

/// All endpoints, with the body limit applied to every request.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config().body_limit;
    Router::new()
        .route("/api/generate", post(generate::generate))
        .route("/api/cache/stats", get(admin::stats))
        .route(
            "/api/cache/config",
            get(admin::get_config).post(admin::set_config),
        )
        .route("/api/cache/clear", post(admin::clear))
        .route("/api/cache/entries", get(admin::entries))
        .route("/metrics", get(ops::metrics))
        .route("/healthz", get(ops::healthz))
        .fallback(|uri: Uri| async move { ApiError::not_found(uri.path()) })
        // Without this, axum answers a wrong method with an empty body (the `Allow` header is
        // still added by the router).
        .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
            ApiError::method_not_allowed(method.as_str(), uri.path())
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
