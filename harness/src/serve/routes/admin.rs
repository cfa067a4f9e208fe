//! The seed's management API: stats, config (read and change), clear, entries.

use crate::serve::api::{
    ClearResponse, ConfigLimits, ConfigResponse, ConfigUpdate, EntriesResponse, EntryView,
    GeneratorInfo, RequestCounts, StatsResponse,
};
use crate::serve::auth::require_admin;
use crate::serve::config::{DEFAULT_ENTRIES_PAGE, MAX_ENTRIES_PAGE};
use crate::serve::error::ApiError;
use crate::serve::extract::StrictJson;
use crate::serve::fingerprint::to_hex;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use gencache::LoadStatus;
use workloads::units::{
    ByteBudget, EntryBound, MAX_BYTES_LIMIT, MAX_ENTRIES_LIMIT, MAX_TTL_S, Ttl,
};

/// `GET /api/cache/stats`.
pub async fn stats(State(state): State<AppState>) -> Json<StatsResponse> {
    let cache = state.cache().stats();
    let metrics = state.metrics();
    Json(StatsResponse {
        enabled: state.enabled(),
        hit_rate: cache.hit_rate(),
        cache,
        generations: state.generator().generations(),
        requests: RequestCounts {
            hit: metrics.requests(LoadStatus::Hit),
            miss: metrics.requests(LoadStatus::Loaded),
            joined: metrics.requests(LoadStatus::Joined),
        },
    })
}

fn config_view(state: &AppState) -> ConfigResponse {
    let current = state.cache().config();
    let config = state.config();
    ConfigResponse {
        enabled: state.enabled(),
        max_entries: current.max_entries.map(|n| n as u64),
        max_bytes: current.max_bytes,
        default_ttl_s: current.default_ttl.map(|d| d.as_secs_f64()),
        limits: ConfigLimits {
            max_entries: MAX_ENTRIES_LIMIT,
            max_bytes: MAX_BYTES_LIMIT,
            max_ttl_s: MAX_TTL_S,
            max_page: MAX_ENTRIES_PAGE,
        },
        generator: GeneratorInfo {
            time_scale: config.time_scale,
            workers: state.generator().workers(),
            hit_cost_s: config.hit_cost_s,
            default_cost_s: config.default_cost_s,
            default_size: config.default_size,
            max_size: config.max_size,
            max_cost_s: config.max_cost_s,
        },
    }
}

/// `GET /api/cache/config`.
pub async fn get_config(State(state): State<AppState>) -> Json<ConfigResponse> {
    Json(config_view(&state))
}

/// `POST /api/cache/config` (admin): validates everything before changing anything.
pub async fn set_config(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<StrictJson<ConfigUpdate>, ApiError>,
) -> Result<Json<ConfigResponse>, ApiError> {
    // Authorization first: an unauthenticated caller learns nothing about what it would change.
    require_admin(&headers, state.config().admin_token.as_deref())?;
    let StrictJson(update) = body?;
    // One update at a time from here to the answer, so none is lost to a concurrent one.
    let _serialized = state.config_update_lock().lock().await;
    let mut next = state.cache().config();
    // Each value through its one parser (workloads::units): the same range and message as the
    // command line, the environment and workload TOML. `null` means unbounded / never.
    if let Some(max_entries) = update.max_entries {
        let bound = EntryBound::from_optional(max_entries)
            .map_err(|e| ApiError::invalid_field("max_entries", e.0))?;
        next.max_entries = bound.get().map(|n| n as usize);
    }
    if let Some(max_bytes) = update.max_bytes {
        let budget = ByteBudget::from_optional(max_bytes)
            .map_err(|e| ApiError::invalid_field("max_bytes", e.0))?;
        next.max_bytes = budget.get();
    }
    if let Some(ttl) = update.default_ttl_s {
        let ttl = Ttl::from_optional_secs(ttl).map_err(|e| {
            ApiError::invalid_field(
                "default_ttl_s",
                format!(
                    "{} (null = never expires; to stop caching set enabled=false)",
                    e.0
                ),
            )
        })?;
        next.default_ttl = ttl.get();
    }
    if next != state.cache().config() {
        tracing::info!(?next, "cache reconfigured");
        state.cache().reconfigure(next);
    }
    if let Some(enabled) = update.enabled {
        tracing::info!(enabled, "cache enabled flag changed");
        state.set_enabled(enabled);
    }
    Ok(Json(config_view(&state)))
}

/// `POST /api/cache/clear` (admin).
pub async fn clear(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<ClearResponse>, ApiError> {
    require_admin(&headers, state.config().admin_token.as_deref())?;
    let before = state.cache().stats();
    state.cache().clear();
    tracing::info!(
        entries = before.entries,
        bytes = before.bytes,
        "cache cleared"
    );
    Ok(Json(ClearResponse {
        cleared_entries: before.entries,
        cleared_bytes: before.bytes,
    }))
}

/// The query of `GET /api/cache/entries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntriesQuery {
    /// Entries to skip.
    pub offset: usize,
    /// Page size, at most [`MAX_ENTRIES_PAGE`].
    pub limit: usize,
}

impl EntriesQuery {
    /// Parses `offset` and `limit`, refusing unknown parameters, repeats and out-of-range values.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| ApiError::invalid_field("query", format!("unreadable query: {e}")))?;
        let mut offset = None;
        let mut limit = None;
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "offset" => &mut offset,
                "limit" => &mut limit,
                other => {
                    return Err(ApiError::invalid_field(
                        other,
                        "unknown query parameter; expected `offset` and `limit`",
                    ));
                }
            };
            if slot.is_some() {
                return Err(ApiError::invalid_field(name, "given more than once"));
            }
            let parsed: usize = value.parse().map_err(|_| {
                ApiError::invalid_field(
                    name.as_str(),
                    format!("{value:?} is not a non-negative integer"),
                )
            })?;
            *slot = Some(parsed);
        }
        let limit = limit.unwrap_or(DEFAULT_ENTRIES_PAGE);
        if limit == 0 || limit > MAX_ENTRIES_PAGE {
            return Err(ApiError::invalid_field(
                "limit",
                format!("{limit} must be between 1 and {MAX_ENTRIES_PAGE}"),
            ));
        }
        Ok(Self {
            offset: offset.unwrap_or(0),
            limit,
        })
    }
}

/// `GET /api/cache/entries?offset=&limit=`: most recently used first.
pub async fn entries(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<EntriesResponse>, ApiError> {
    let EntriesQuery { offset, limit } = EntriesQuery::parse(query.as_deref())?;
    // The listing skips expired entries the cache has not reclaimed yet; reclaiming them first
    // makes `total` count the same entries the pages list.
    state.cache().purge_expired();
    let total = state.cache().len() as u64;
    let page = state.cache().entries(offset, limit);
    Ok(Json(EntriesResponse {
        offset,
        limit,
        total,
        entries: page
            .into_iter()
            .map(|e| EntryView {
                key: to_hex(e.key),
                weight: e.weight,
                age_s: e.age.as_secs_f64(),
                idle_s: e.idle.as_secs_f64(),
                access_count: e.access_count,
                expires_in_s: e.expires_in.map(|d| d.as_secs_f64()),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Reference model: a query is accepted exactly when `limit` is within 1..=1000, and
        /// then parses back to the numbers given.
        #[test]
        fn entries_query_accepts_exactly_the_valid_range(offset in 0usize..1_000_000, limit in 0usize..3000) {
            let parsed = EntriesQuery::parse(Some(&format!("offset={offset}&limit={limit}")));
            if (1..=MAX_ENTRIES_PAGE).contains(&limit) {
                proptest::prop_assert_eq!(parsed.ok(), Some(EntriesQuery { offset, limit }));
            } else {
                proptest::prop_assert_eq!(parsed.err().and_then(|e| e.field), Some("limit".to_owned()));
            }
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn config_updates_wait_for_the_update_lock() {
        let config = crate::serve::ServeArgs::default()
            .validate()
            .expect("default configuration");
        let state = AppState::new(config);
        let update = ConfigUpdate {
            max_entries: Some(Some(7)),
            ..ConfigUpdate::default()
        };
        // Another update is in its read-modify-write: this one must wait for it.
        let held = state.config_update_lock().lock().await;
        let pending = tokio::spawn(set_config(
            State(state.clone()),
            HeaderMap::new(),
            Ok(StrictJson(update)),
        ));
        // On a current-thread runtime each yield lets the spawned handler run to its next await.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            !pending.is_finished(),
            "the update did not wait for the lock"
        );
        assert_eq!(state.cache().config().max_entries, None);
        drop(held);
        let answer = pending.await.expect("task").expect("update accepted");
        assert_eq!(answer.max_entries, Some(7));
        assert_eq!(state.cache().config().max_entries, Some(7));
    }

    #[test]
    fn entries_query_defaults_and_bounds() {
        assert_eq!(
            EntriesQuery::parse(None).unwrap(),
            EntriesQuery {
                offset: 0,
                limit: DEFAULT_ENTRIES_PAGE
            }
        );
        assert_eq!(
            EntriesQuery::parse(Some("offset=5&limit=7")).unwrap(),
            EntriesQuery {
                offset: 5,
                limit: 7
            }
        );
        for (query, field) in [
            ("limit=1001", "limit"),
            ("limit=0", "limit"),
            ("offset=-1", "offset"),
            ("limit=ten", "limit"),
            ("page=2", "page"),
            ("limit=1&limit=2", "limit"),
        ] {
            let err = EntriesQuery::parse(Some(query)).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{query}");
        }
    }
}
