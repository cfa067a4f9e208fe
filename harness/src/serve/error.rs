//! The service's error responses: always JSON, always naming the field at fault when there is one.
//!
//! Body: `{"error": "<code>", "message": "<what is wrong>", "field": "<path>"|null}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status (4xx for the client's mistakes, 5xx for ours).
    pub status: StatusCode,
    /// Machine-readable code, e.g. `invalid_field`, `malformed_json`, `unauthorized`.
    pub code: &'static str,
    /// The offending field (JSON path or query parameter), when there is one.
    pub field: Option<String>,
    /// Human-readable explanation.
    pub message: String,
}

/// The JSON body of an [`ApiError`], as clients receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub error: String,
    /// Human-readable explanation.
    pub message: String,
    /// The offending field, if any.
    pub field: Option<String>,
}

impl ApiError {
    /// A 422 about one field's value.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_field",
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A 400 for a body that is not JSON at all.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "malformed_json",
            field: None,
            message: message.into(),
        }
    }

    /// A 401 for a missing or wrong bearer token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            field: None,
            message: message.into(),
        }
    }

    /// A 404 for an unknown path.
    pub fn not_found(path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            field: None,
            message: format!("no endpoint at {path}"),
        }
    }

    /// A 405 for a known path asked with the wrong method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "method_not_allowed",
            field: None,
            message: format!("{path} does not accept {method}"),
        }
    }

    /// A 500: our fault, logged, never details of internals.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            field: None,
            message: message.into(),
        }
    }
}

impl From<crate::realtime::GeneratorError> for ApiError {
    fn from(e: crate::realtime::GeneratorError) -> Self {
        use crate::realtime::GeneratorError;
        match e {
            GeneratorError::ShuttingDown => Self::internal(e.to_string()),
            GeneratorError::TooLarge { .. } => {
                Self::invalid_field("size", "does not fit this machine's memory")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
            field: self.field,
        };
        let mut response = (self.status, Json(body)).into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gencache\""),
            );
        }
        response
    }
}
