//! Authenticating a request: a bearer API token or the session cookie, and
//! the cross-site check for cookie-authenticated changes.

use crate::server::audit::Entry;
use crate::server::crypto::token_digest;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::AppState;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "cw_session";
/// How long a browser session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Session {
        session_id: Uuid,
    },
    Token {
        token_id: Uuid,
    },
    /// A queued job acting for the user (a scheduled or retried call).
    Job,
}

/// The signed-in user of a request, and the request's id for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: Uuid,
    pub via: AuthVia,
    pub request_id: Option<String>,
}

impl CurrentUser {
    /// An audit entry for this user's action in the current request.
    pub fn audit<'a>(
        &'a self,
        action: &'a str,
        entity_type: &'a str,
        entity_id: Option<Uuid>,
        details: serde_json::Value,
    ) -> Entry<'a> {
        Entry { user_id: Some(self.id), action, entity_type, entity_id, details, request_id: self.request_id.as_deref() }
    }
}

/// Whether what a long-lived connection was authenticated with still
/// holds: the session not signed out or expired, the token not revoked.
pub async fn still_valid(state: &AppState, via: &AuthVia) -> ApiResult<bool> {
    let valid: Option<bool> = match via {
        AuthVia::Session { session_id } => {
            sqlx::query_scalar("SELECT revoked_at IS NULL AND expires_at > now() FROM auth_sessions WHERE id = $1")
                .bind(session_id)
                .fetch_optional(state.db.system())
                .await?
        }
        AuthVia::Token { token_id } => {
            sqlx::query_scalar("SELECT revoked_at IS NULL FROM api_tokens WHERE id = $1")
                .bind(token_id)
                .fetch_optional(state.db.system())
                .await?
        }
        AuthVia::Job => Some(true),
    };
    Ok(valid.unwrap_or(false))
}

/// Authenticates a request from its method and headers.
pub async fn authenticate(state: &AppState, method: &Method, headers: &HeaderMap) -> ApiResult<CurrentUser> {
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).ok_or_else(|| {
            ApiError::new(crate::domain::error::ErrorCode::Unauthorized, "Use `Authorization: Bearer <token>`.")
        })?;
        let row: Option<(Uuid, Uuid)> = sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = now()
             WHERE token_hash = $1 AND revoked_at IS NULL
             RETURNING id, user_id",
        )
        .bind(token_digest(token))
        .fetch_optional(state.db.system())
        .await?;
        let (token_id, id) = row.ok_or_else(|| {
            ApiError::new(crate::domain::error::ErrorCode::Unauthorized, "This API token is invalid or has been revoked.")
        })?;
        return Ok(CurrentUser { id, via: AuthVia::Token { token_id }, request_id });
    }

    let token = session_cookie(headers).ok_or_else(ApiError::unauthorized)?;
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, user_id FROM auth_sessions
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
    )
    .bind(token_digest(&token))
    .fetch_optional(state.db.system())
    .await?;
    let (session_id, id) = row
        .ok_or_else(|| ApiError::new(crate::domain::error::ErrorCode::Unauthorized, "Your session has ended. Sign in again."))?;
    if !is_safe(method) {
        check_same_origin(headers, &state.public_url)?;
    }
    Ok(CurrentUser { id, via: AuthVia::Session { session_id }, request_id })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a cookie-authenticated change sent from another site: the
/// `Origin` (when the browser sends one) must be this server's public URL
/// or the host the request was addressed to.
pub fn check_same_origin(headers: &HeaderMap, public_url: &str) -> ApiResult<()> {
    let refuse = || ApiError::forbidden("Cross-site request refused.");
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(refuse());
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let by_host = ["http://", "https://"].iter().any(|scheme| !host.is_empty() && origin == format!("{scheme}{host}"));
    if origin == public_url || by_host { Ok(()) } else { Err(refuse()) }
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session.
pub fn set_session_cookie(token: &str, public_url: &str) -> HeaderValue {
    let secure = if public_url.starts_with("https://") { "; Secure" } else { "" };
    let max_age = SESSION_DAYS * 24 * 3600;
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("session tokens are URL-safe base64")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(public_url: &str) -> HeaderValue {
    let secure = if public_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
        .expect("static cookie")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; cw_session=abc_DEF-1; b=2")]);
        assert_eq!(session_cookie(&h).as_deref(), Some("abc_DEF-1"));
        assert_eq!(session_cookie(&headers(&[("cookie", "cw_sessionx=1")])), None);
        assert_eq!(session_cookie(&headers(&[("cookie", "cw_session=")])), None);
    }

    #[test]
    fn foreign_origins_are_refused() {
        let url = "https://calls.example.com";
        assert!(check_same_origin(&headers(&[]), url).is_ok());
        assert!(check_same_origin(&headers(&[("origin", url)]), url).is_ok());
        assert!(check_same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), url).is_ok());
        assert!(check_same_origin(&headers(&[("origin", "https://evil.example"), ("host", "calls.example.com")]), url).is_err());
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "cross-site")]), url).is_err());
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_on_https() {
        let c = set_session_cookie("tok", "https://x.example").to_str().unwrap().to_owned();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        let c = set_session_cookie("tok", "http://127.0.0.1:3000").to_str().unwrap().to_owned();
        assert!(!c.contains("Secure"));
    }
}
