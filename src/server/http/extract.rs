//! Request extractors that turn bad input into a 400/413 [`ApiError`] naming
//! the field, instead of axum's plain-text rejections.

use crate::server::accounts::{CurrentUser, auth::authenticate};
use crate::server::error::{ApiError, ErrorCode};
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body, parsed with the path of any offending field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_content = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        if !json_content {
            return Err(ApiError::new(ErrorCode::ValidationError, "Send a JSON body with Content-Type: application/json."));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(ErrorCode::ValidationError, "The request body could not be read.")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The signed-in user of a request (bearer token or session cookie, with
/// the cross-site check for cookie-authenticated changes); 401 otherwise.
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, &parts.method, &parts.headers).await
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "The request body is larger than the 64 KiB limit.")
}

/// Parses JSON, naming the field at fault in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(ErrorCode::ValidationError, format!("Malformed JSON: {message}"));
        }
        // "missing field `x`" is reported at the parent's path.
        let field = match message.split('`').nth(1) {
            Some(name) if message.starts_with("missing field") => {
                if path == "." {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                }
            }
            _ if path == "." => String::new(),
            _ => path,
        };
        let clean = match message.find(" at line ") {
            Some(i) => &message[..i],
            None => &message,
        };
        if field.is_empty() {
            ApiError::new(ErrorCode::ValidationError, format!("Invalid request body: {clean}"))
        } else {
            ApiError::validation(field.clone(), format!("{field}: {clean}"))
        }
    })
}

/// Query parameters, with a 400 naming the parameter at fault.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|err| {
            let field = err.path().to_string();
            let message = err.into_inner().to_string();
            if field == "." {
                ApiError::new(ErrorCode::ValidationError, format!("Invalid query: {message}"))
            } else {
                ApiError::validation(field.clone(), format!("{field}: {message}"))
            }
        })
    }
}

/// A path segment that must be a UUID; anything else is a 404 (the
/// resource cannot exist), not a 400.
pub struct IdPath(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found("Resource"))?;
        uuid::Uuid::parse_str(&raw).map(IdPath).map_err(|_| ApiError::not_found("Resource"))
    }
}

/// The address of the client (for throttling): the socket's peer, or,
/// with `TRUST_PROXY_HEADERS`, the last `X-Forwarded-For` entry (the one the
/// trusted proxy wrote; earlier entries are the client's own claim).
pub struct ClientAddr(pub String);

impl ClientAddr {
    pub fn of(parts: &Parts, trust_proxy_headers: bool) -> ClientAddr {
        let forwarded = trust_proxy_headers
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .rfind(|v| !v.is_empty())
                    .map(|v| v.chars().take(64).collect::<String>())
            })
            .flatten();
        let peer = || {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned())
        };
        ClientAddr(forwarded.unwrap_or_else(peer))
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientAddr::of(parts, state.config.trust_proxy_headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        inner: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"inner": {"count": 1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("email"));
        let e = parse_json::<Body>(br#"{"email": 5, "inner": {"count": 1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("email"));
        let e = parse_json::<Body>(br#"{"email": "a", "inner": {"count": -1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("inner.count"));
        let e = parse_json::<Body>(br#"{"email": "a", "inner": {}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("inner.count"));
        let e = parse_json::<Body>(br#"{"email": "a""#).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(e.message.starts_with("Malformed JSON"), "{}", e.message);
    }
}
