//! The one error shape every client sees: REST bodies
//! (`{"success": false, "error": {...}}`) and server-function results alike.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The class of a failure; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a field is missing, malformed or out of range.
    ValidationError,
    /// 400: the requested status change is not allowed from the current one.
    InvalidTransition,
    /// 401: not signed in, or the session/token is no longer valid.
    Unauthorized,
    /// 403: a forbidden action or a bad signature.
    Forbidden,
    /// 404: no such resource (also for other users' ids).
    NotFound,
    /// 409: the resource changed concurrently, or already exists.
    Conflict,
    /// 413: the request body is over the limit.
    PayloadTooLarge,
    /// 422: refused by the risk policy.
    RiskBlocked,
    /// 429: rate limited; retry after the given time.
    RateLimited,
    /// 500: an internal failure (logged on the server, never detailed).
    Internal,
    /// 503: a dependency (AI, telephony, database) is unavailable.
    Unavailable,
    /// 504: a dependency did not answer in time.
    Timeout,
}

impl ErrorCode {
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::ValidationError | ErrorCode::InvalidTransition => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RiskBlocked => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::Timeout => 504,
        }
    }
}

/// A failure explained for people: `message` is shown as is; `field` names
/// the input at fault, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds until a rate-limited request may be retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Structured reasons, e.g. the risk verdict of a refused task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    /// Whether the same work may succeed later unchanged: a dependency that
    /// was down or slow, or an internal failure. A refusal (any 4xx, a rate
    /// limit included) would fail the same way again, so queued work drops it.
    pub const fn is_retryable(&self) -> bool {
        matches!(self.code, ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::Timeout)
    }

    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), field: None, retry_after: None, details: None }
    }

    /// A 400 about one named field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError { field: Some(field.into()), ..ApiError::new(ErrorCode::ValidationError, message) }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, "Sign in to continue.")
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Conflict, message)
    }

    pub fn rate_limited(retry_after: u64, message: impl Into<String>) -> ApiError {
        ApiError { retry_after: Some(retry_after), ..ApiError::new(ErrorCode::RateLimited, message) }
    }

    pub fn internal() -> ApiError {
        ApiError::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
    }
}

/// Server functions return this error type, so the UI gets the same code,
/// message and field as a REST client.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(msg) | E::Deserialization(msg) => ApiError::new(ErrorCode::ValidationError, msg),
            E::Request(_) | E::Response(_) => {
                ApiError::new(ErrorCode::Unavailable, "Cannot reach the server. Check your connection and try again.")
            }
            E::Registration(msg) | E::UnsupportedRequestMethod(msg) | E::MissingArg(msg) => {
                ApiError::new(ErrorCode::ValidationError, msg)
            }
            E::ServerError(_) | E::MiddlewareError(_) | E::Serialization(_) => ApiError::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_may_pass_are_retryable() {
        let all = [
            ErrorCode::ValidationError,
            ErrorCode::InvalidTransition,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::RiskBlocked,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
            ErrorCode::Unavailable,
            ErrorCode::Timeout,
        ];
        for code in all {
            let retryable = ApiError::new(code, "x").is_retryable();
            assert_eq!(retryable, code.http_status() >= 500, "{code:?}");
        }
    }
}
