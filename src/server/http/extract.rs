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

/// Whether `c` may not appear in text sent to us: control characters
/// (NUL, escape, bell, the C1 range ...), except tab and line breaks.
fn forbidden_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// The first field of a JSON value holding a forbidden character, with it.
fn control_in_json(value: &serde_json::Value, path: &str) -> Option<(String, char)> {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        serde_json::Value::String(s) => s.chars().find(|c| forbidden_char(*c)).map(|c| (path.to_owned(), c)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| control_in_json(v, &format!("{path}[{i}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| match k.chars().find(|c| forbidden_char(*c)) {
            Some(c) => Some((join(k), c)),
            None => control_in_json(v, &join(k)),
        }),
        _ => None,
    }
}

/// The first field of form or query pairs holding a forbidden character.
fn control_in_pairs(encoded: &[u8]) -> Option<(String, char)> {
    form_urlencoded::parse(encoded)
        .find_map(|(k, v)| k.chars().chain(v.chars()).find(|c| forbidden_char(*c)).map(|c| (k.into_owned(), c)))
}

fn control_refusal(field: &str, c: char) -> ApiError {
    let name = if field.is_empty() { "the request" } else { field };
    ApiError::validation(
        field.to_owned(),
        format!("{name} contains a control character (U+{:04X}); remove it and try again.", c as u32),
    )
}

/// Refuses text with control characters where it comes in (REST bodies,
/// server-function bodies, query strings), with a 400 naming the field,
/// before any handler sees it: a NUL would otherwise reach PostgreSQL and
/// fail as a 500. Signed webhooks are Twilio's and are left as sent.
pub async fn refuse_control_characters(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/webhooks/") {
        return next.run(req).await;
    }
    if let Some((field, c)) = req.uri().query().and_then(|q| control_in_pairs(q.as_bytes())) {
        return control_refusal(&field, c).into_response();
    }
    let content_type =
        req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let json = content_type.starts_with("application/json") || content_type.contains("+json");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::server::http::api::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large().into_response(),
    };
    let found = if json {
        // Malformed JSON is left to the handler, which says what is wrong.
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| control_in_json(&v, ""))
    } else {
        control_in_pairs(&bytes)
    };
    if let Some((field, c)) = found {
        return control_refusal(&field, c).into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_with_their_field() {
        let v = serde_json::json!({"name": "Bob\u{0}", "notes": "line one\nline two\ttab"});
        assert_eq!(control_in_json(&v, ""), Some(("name".into(), '\0')));
        let v = serde_json::json!({"user_clarifications": {"day": ["ok", "\u{1b}[31m"]}});
        assert_eq!(control_in_json(&v, ""), Some(("user_clarifications.day[1]".into(), '\u{1b}')));
        assert_eq!(control_in_json(&serde_json::json!({"notes": "fine\r\n", "n": 3}), ""), None);
        assert_eq!(control_in_pairs(b"id=1&name=a%00b"), Some(("name".into(), '\0')));
        assert_eq!(control_in_pairs(b"name=Caf%C3%A9+%F0%9F%A6%B7"), None);
    }

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
