//! Bearer-token check of the mutating management endpoints.

use super::error::ApiError;
use axum::http::{HeaderMap, header};

/// Passes when no token is configured, or when `Authorization: Bearer <token>` matches it.
pub fn require_admin(headers: &HeaderMap, token: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized("this endpoint requires Authorization: Bearer <token>")
        })?
        .to_str()
        .ok()
        .and_then(bearer_credentials)
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    if constant_time_eq(given.trim().as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("wrong admin token"))
    }
}

/// The credentials of a `Bearer` Authorization value. The scheme is case-insensitive (RFC 7235
/// section 2.1), so `bearer x` and `BEARER x` are accepted like `Bearer x`.
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim_start().split_once([' ', '\t'])?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(credentials.trim())
}

/// Compares without an early exit on the first differing byte, so response timing does not tell
/// an attacker how much of a guess was right. (The length is not secret.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn open_when_no_token() {
        assert!(require_admin(&HeaderMap::new(), None).is_ok());
    }

    #[test]
    fn checks_scheme_and_value() {
        let t = Some("s3cret");
        assert!(require_admin(&with_auth("Bearer s3cret"), t).is_ok());
        assert!(require_admin(&HeaderMap::new(), t).is_err());
        assert!(require_admin(&with_auth("Bearer s3cre"), t).is_err());
        assert!(require_admin(&with_auth("Basic s3cret"), t).is_err());
        assert!(require_admin(&with_auth("s3cret"), t).is_err());
        assert!(require_admin(&with_auth("Bearers3cret"), t).is_err());
    }

    #[test]
    fn scheme_is_case_insensitive() {
        let t = Some("s3cret");
        for value in ["bearer s3cret", "BEARER s3cret", "bEaReR  s3cret"] {
            assert!(require_admin(&with_auth(value), t).is_ok(), "{value}");
        }
        assert!(require_admin(&with_auth("bearer wrong"), t).is_err());
    }
}
