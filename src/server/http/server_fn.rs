//! What `#[server]` functions (in `crate::api`) need from the request: the
//! app state, the signed-in user, the response to put cookies and the HTTP
//! status on.

use crate::server::accounts::{CurrentUser, auth::authenticate};
use crate::server::error::ApiError;
use crate::server::state::AppState;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

pub fn state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| crate::server::error::internal("server function", "AppState missing from context"))
}

fn parts() -> Result<Parts, ApiError> {
    use_context::<Parts>().ok_or_else(|| crate::server::error::internal("server function", "request parts missing from context"))
}

/// The app state and the signed-in user (cookie or bearer token, with the
/// same cross-site check as the REST API).
pub async fn user() -> Result<(AppState, CurrentUser), ApiError> {
    let state = state()?;
    let parts = parts()?;
    let user = authenticate(&state, &parts.method, &parts.headers).await?;
    Ok((state, user))
}

/// Refuses a request sent from another site's page: signing in and
/// signing up set the session cookie, and must not do it for another site
/// (login CSRF). The same check as every other cookie write.
pub fn same_site(state: &AppState) -> Result<(), ApiError> {
    crate::server::accounts::auth::check_same_origin(&parts()?.headers, &state.public_url)
}

/// The client's address, for throttling (see [`ClientAddr`]).
pub fn client_addr(state: &AppState) -> Result<String, ApiError> {
    Ok(super::extract::ClientAddr::of(&parts()?, state.config.trust_proxy_headers).0)
}

/// The request's headers (e.g. for the user agent).
pub fn header(name: &str) -> Option<String> {
    parts().ok()?.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub fn set_response_header(name: HeaderName, value: HeaderValue) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(name, value);
    }
}

/// Gives a failed server function the same HTTP status as the REST API.
pub fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let (Err(e), Some(response)) = (&result, use_context::<ResponseOptions>()) {
        response.set_status(StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        if let Some(secs) = e.retry_after {
            response.insert_header(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    result
}
