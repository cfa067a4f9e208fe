//! Request extractors stricter and more explicit than axum's defaults: a JSON body whose errors
//! name the field (`size: invalid value: integer -1, expected u64`), and a body-size limit answered
//! as a JSON 413.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// A JSON body deserialized with the failing field's path in the error.
///
/// Unlike `axum::Json` it does not insist on a `Content-Type` (curl's default form type is
/// accepted) but it does insist on exactly one JSON value, and the target types refuse unknown
/// fields.
#[derive(Debug, Clone)]
pub struct StrictJson<T>(pub T);

impl<T, S> FromRequest<S> for StrictJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError {
                status: rejection.status(),
                code: if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    "body_too_large"
                } else {
                    "unreadable_body"
                },
                field: None,
                message: rejection.body_text(),
            })?;
        parse_json(&bytes).map(StrictJson)
    }
}

/// Deserializes `bytes` as one JSON object of type `T`, mapping errors to [`ApiError`]s that name
/// the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed(
            "the request body is empty; expected a JSON object",
        ));
    }
    // Every body of this API is an object; serde would otherwise accept `[...]` for a struct
    // and report a confusing `[0]` path.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::malformed("expected a JSON object `{...}`"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = field_of(&path, &inner.to_string());
                ApiError::invalid_field(field, inner.to_string())
            }
            // A number too big for any type (`1e400`) is a syntax error to serde_json, but the
            // JSON around it is fine: it is that field's value that is wrong.
            serde_json::error::Category::Syntax
                if path != "." && inner.to_string().starts_with("number out of range") =>
            {
                ApiError::invalid_field(path, inner.to_string())
            }
            _ => ApiError::malformed(format!("malformed JSON: {inner}")),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::malformed(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// The field an error is about: serde_path_to_error's path, or for errors raised at the object
/// level (unknown or missing field) the name serde quotes in backticks.
fn field_of(path: &str, message: &str) -> String {
    let quoted = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path, quoted) {
        (".", Some(name)) => name.to_owned(),
        (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
        (path, _) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // fields are read by serde only
    struct Probe {
        size: u64,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        steps: u32,
    }

    fn err(body: &str) -> ApiError {
        match parse_json::<Probe>(body.as_bytes()) {
            Err(e) => e,
            Ok(v) => panic!("{body} should be refused, parsed {v:?}"),
        }
    }

    #[test]
    fn names_the_field() {
        let e = err(r#"{"size": -1}"#);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("size"));
        assert_eq!(err(r#"{"size": "big"}"#).field.as_deref(), Some("size"));
        assert_eq!(
            err(r#"{"size": 1, "inner": {"steps": 1.5}}"#)
                .field
                .as_deref(),
            Some("inner.steps")
        );
    }

    #[test]
    fn names_unknown_and_missing_fields() {
        assert_eq!(
            err(r#"{"size": 1, "colour": 2}"#).field.as_deref(),
            Some("colour")
        );
        assert_eq!(err(r#"{}"#).field.as_deref(), Some("size"));
        assert_eq!(
            err(r#"{"size": 1, "inner": {"steps": 1, "x": 0}}"#)
                .field
                .as_deref(),
            Some("inner.x")
        );
    }

    #[test]
    fn names_duplicate_and_out_of_range_fields() {
        let dup = err(r#"{"size": 1, "size": 2}"#);
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(dup.field.as_deref(), Some("size"));
        assert_eq!(
            err(r#"{"size": 1, "inner": {"steps": 1, "steps": 2}}"#)
                .field
                .as_deref(),
            Some("inner.steps")
        );
        for body in [r#"{"size": 1e400}"#, r#"{"size": -1e400}"#] {
            let huge = err(body);
            assert_eq!(huge.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(huge.field.as_deref(), Some("size"), "{body}");
        }
        assert_eq!(
            err(r#"{"size": 1, "inner": {"steps": 1e999}}"#)
                .field
                .as_deref(),
            Some("inner.steps")
        );
    }

    #[test]
    fn malformed_is_400_without_field() {
        for body in ["", "  ", "{", "{\"size\": 1} trailing", "nope", "[1]", "5"] {
            let e = err(body);
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{body:?}");
            assert_eq!(e.code, "malformed_json");
        }
    }

    #[test]
    fn accepts_valid() {
        let probe: Probe = parse_json(br#"{"size": 5}"#).unwrap();
        assert_eq!(probe.size, 5);
    }
}
