//! The JSON types of the HTTP API, shared by the server and its clients (live replay, load test).
//!
//! All durations are in *virtual* seconds (wall seconds / `time_scale`), except `time_ms`, the
//! wall-clock time a request took.

use gencache::CacheStats;
use gencache::LoadStatus;
use serde::{Deserialize, Deserializer, Serialize};

/// Body of `POST /api/generate`: either `prompt` (+ `parameters`) or an explicit `key`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// The prompt; fingerprinted with `parameters` into the cache key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Generation parameters (any JSON); object member order does not change the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// An explicit key instead of a prompt (a string, or a non-negative integer such as a trace key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyField>,
    /// Result size in bytes (default: the server's `--default-size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Generation cost in virtual seconds (default: the server's `--default-cost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Time-to-live of this result in virtual seconds, instead of the cache's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<f64>,
    /// Skip the cache for this request (the baseline of a replay against the server).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bypass_cache: bool,
}

/// An explicit key: `42` and `"42"` are the same key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyField {
    /// An integer key (trace keys).
    Number(u64),
    /// A string key.
    Text(String),
}

impl KeyField {
    /// The key as text, the form that is fingerprinted.
    pub fn as_text(&self) -> String {
        match self {
            KeyField::Number(n) => n.to_string(),
            KeyField::Text(s) => s.clone(),
        }
    }
}

/// Answer of `POST /api/generate` (the payload itself stays on the server: the service measures the
/// cache, not the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateResponse {
    /// The cache key, 32 hex digits.
    pub key: String,
    /// `hit`, `miss` or `joined` on the wire (also in the `x-gencache-status` header).
    #[serde(with = "wire_status")]
    pub status: LoadStatus,
    /// Whether the cache was consulted (false when disabled or bypassed).
    pub cache_used: bool,
    /// Size of the result in bytes.
    pub size: u64,
    /// Wall-clock milliseconds the request took (also in `x-gencache-time-ms`).
    pub time_ms: f64,
    /// The same in virtual seconds (`time_ms / 1000 / time_scale`).
    pub virtual_time_s: f64,
}

/// Answer of `GET /api/cache/stats`: the cache's counters plus the service's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsResponse {
    /// Whether the cache is in use.
    pub enabled: bool,
    /// `hits / (hits + misses)` of the cache's lookups.
    pub hit_rate: f64,
    /// The cache's own counters.
    #[serde(flatten)]
    pub cache: CacheStats,
    /// Generator runs.
    pub generations: u64,
    /// Generate requests answered, by outcome.
    pub requests: RequestCounts,
}

/// Generate requests answered, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    /// Answered from the cache.
    pub hit: u64,
    /// Ran the generator.
    pub miss: u64,
    /// Joined a concurrent generation.
    pub joined: u64,
}

/// Answer of `GET /api/cache/config` (and of a successful `POST`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigResponse {
    /// Whether the cache is in use.
    pub enabled: bool,
    /// Entry bound (`null` = unlimited).
    pub max_entries: Option<u64>,
    /// Byte bound (`null` = unlimited).
    pub max_bytes: Option<u64>,
    /// Default TTL in virtual seconds (`null` = never expires).
    pub default_ttl_s: Option<f64>,
    /// The largest values `POST /api/cache/config` accepts.
    pub limits: ConfigLimits,
    /// The simulated generator's settings (fixed at start).
    pub generator: GeneratorInfo,
}

/// Upper bounds of the runtime configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigLimits {
    /// Largest `max_entries`.
    pub max_entries: u64,
    /// Largest `max_bytes`.
    pub max_bytes: u64,
    /// Longest `default_ttl_s`.
    pub max_ttl_s: f64,
    /// Largest `limit` of `GET /api/cache/entries`.
    pub max_page: usize,
}

/// The simulated generator behind the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorInfo {
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// Workers (K).
    pub workers: u32,
    /// Virtual seconds per hit.
    pub hit_cost_s: f64,
    /// Cost of a request that gives none.
    pub default_cost_s: f64,
    /// Size of a request that gives none.
    pub default_size: u64,
    /// Largest size a request may ask for.
    pub max_size: u64,
    /// Largest cost a request may ask for.
    pub max_cost_s: f64,
}

/// Body of `POST /api/cache/config`: absent fields stay as they are, `null` lifts a bound.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigUpdate {
    /// Turn the cache on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// New entry bound; `null` = unlimited.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_entries: Option<Option<u64>>,
    /// New byte bound; `null` = unlimited.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_bytes: Option<Option<u64>>,
    /// New default TTL in virtual seconds; `null` = never expires.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_ttl_s: Option<Option<f64>>,
}

/// Tells "absent" (`None`, via `#[serde(default)]`) from "null" (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Answer of `POST /api/cache/clear`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearResponse {
    /// Entries held just before the clear.
    pub cleared_entries: u64,
    /// Bytes held just before the clear.
    pub cleared_bytes: u64,
}

/// Answer of `GET /api/cache/entries`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntriesResponse {
    /// Entries skipped (most recent first).
    pub offset: usize,
    /// Page size asked for.
    pub limit: usize,
    /// Entries in the cache.
    pub total: u64,
    /// This page, most recently used first.
    pub entries: Vec<EntryView>,
}

/// One cache entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryView {
    /// Key, 32 hex digits.
    pub key: String,
    /// Weight in bytes.
    pub weight: u64,
    /// Virtual seconds since inserted.
    pub age_s: f64,
    /// Virtual seconds since last used.
    pub idle_s: f64,
    /// Hits since inserted.
    pub access_count: u64,
    /// Virtual seconds until expiry (`null` = never).
    pub expires_in_s: Option<f64>,
}

/// Answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: String,
    /// Whether the cache is in use.
    pub cache_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_update_tells_absent_from_null() {
        let u: ConfigUpdate = serde_json::from_str(r#"{"max_bytes": null}"#).unwrap();
        assert_eq!(u.max_bytes, Some(None));
        assert_eq!(u.max_entries, None);
        let u: ConfigUpdate = serde_json::from_str(r#"{"max_entries": 5}"#).unwrap();
        assert_eq!(u.max_entries, Some(Some(5)));
    }

    #[test]
    fn key_number_and_text_agree() {
        let a: GenerateRequest = serde_json::from_str(r#"{"key": 42}"#).unwrap();
        let b: GenerateRequest = serde_json::from_str(r#"{"key": "42"}"#).unwrap();
        assert_eq!(a.key.unwrap().as_text(), b.key.unwrap().as_text());
    }
}

/// [`LoadStatus`] as the API spells it (see [`crate::serve::status_label`]).
mod wire_status {
    use crate::serve::metrics::{STATUSES, status_label};
    use gencache::LoadStatus;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(status: &LoadStatus, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(status_label(*status))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LoadStatus, D::Error> {
        let text = String::deserialize(d)?;
        STATUSES
            .into_iter()
            .find(|&status| status_label(status) == text)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown status `{text}` (hit, miss, joined)"))
            })
    }
}
