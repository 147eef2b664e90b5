//! How [`ApiError`] becomes an HTTP response, and how server-side failures
//! (database, I/O) become an [`ApiError`] without leaking details.

pub use crate::domain::error::{ApiError, ErrorCode};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let mut error = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(field) = &self.field {
            error["field"] = serde_json::Value::String(field.clone());
        }
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let mut response = (status, Json(serde_json::json!({ "success": false, "error": error }))).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Logs an internal failure and returns the generic 500 error.
pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "{context}");
    ApiError::internal()
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(%error, "database unavailable");
                ApiError::new(ErrorCode::Unavailable, "The database is unavailable. Please try again shortly.")
            }
            _ => internal("database error", error),
        }
    }
}
