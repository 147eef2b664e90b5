//! `/api/auth/*`: sign-up, sign-in, sign-out, the current user, API tokens.

use super::schema::{ErrorBody, Ok, TokenCreatedBody, TokenListBody, UserBody};
use crate::domain::account::{CreateTokenRequest, LoginRequest, SignupRequest};
use crate::domain::error::ErrorCode;
use crate::server::accounts::auth::{authenticate, check_same_origin, clear_session_cookie, set_session_cookie};
use crate::server::accounts::{CurrentUser, service};
use crate::server::error::ApiResult;
use crate::server::http::extract::{ApiJson, ClientAddr, IdPath};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok())
}

fn signed_in(state: &AppState, status: StatusCode, signed: service::SignedIn) -> Response {
    let cookie = set_session_cookie(&signed.session_token, &state.public_url);
    (status, [(header::SET_COOKIE, cookie)], Json(json!({ "success": true, "user": signed.user }))).into_response()
}

/// Create an account and sign in (sets the session cookie).
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest, security(()),
    responses(
        (status = 201, description = "Account created and signed in", body = UserBody),
        (status = 400, description = "Invalid field (e.g. password shorter than 8)", body = ErrorBody),
        (status = 403, description = "Sign-up is closed on this server, or a cross-site request", body = ErrorBody),
        (status = 409, description = "Email already registered", body = ErrorBody),
    ))]
pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<SignupRequest>,
) -> ApiResult<Response> {
    check_same_origin(&headers, &state.public_url)?;
    let client = service::Client { addr: &addr, user_agent: user_agent(&headers) };
    let signed = service::signup(&state, &client, &body.email, &body.password, &body.display_name).await?;
    Ok(signed_in(&state, StatusCode::CREATED, signed))
}

/// Sign in with email and password (sets the session cookie).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses(
        (status = 200, description = "Signed in", body = UserBody),
        (status = 400, description = "Missing field", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 403, description = "Cross-site request refused", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    check_same_origin(&headers, &state.public_url)?;
    let client = service::Client { addr: &addr, user_agent: user_agent(&headers) };
    let signed = service::login(&state, &client, &body.email, &body.password).await?;
    Ok(signed_in(&state, StatusCode::OK, signed))
}

/// Sign out: revokes the session server-side and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 200, description = "Signed out (also when no session was present)", body = Ok),
        (status = 403, description = "Cross-site request refused", body = ErrorBody),
    ))]
pub async fn logout(State(state): State<AppState>, method: Method, headers: HeaderMap) -> ApiResult<Response> {
    match authenticate(&state, &method, &headers).await {
        Ok(user) => service::logout(&state, &user).await?,
        Err(e) if e.code == ErrorCode::Unauthorized => {}
        Err(e) => return Err(e),
    }
    let cookie = clear_session_cookie(&state.public_url);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({ "success": true }))).into_response())
}

/// Sign out everywhere: revokes every session of the user (all browsers and
/// devices, this one included) and clears the cookie. Only from a signed-in
/// browser session.
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth",
    responses(
        (status = 200, description = "Every session signed out", body = Ok),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cross-site request, or an API token instead of a browser session", body = ErrorBody),
    ))]
pub async fn logout_all(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Response> {
    service::logout_everywhere(&state, &user).await?;
    let cookie = clear_session_cookie(&state.public_url);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({ "success": true }))).into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = UserBody), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<serde_json::Value>> {
    let me = service::me(&state, &user).await?;
    Ok(Json(json!({ "success": true, "user": me })))
}

/// Create an API token for non-browser clients; the secret is returned once.
#[utoipa::path(post, path = "/api/auth/tokens", tag = "auth", request_body = CreateTokenRequest,
    responses(
        (status = 201, body = TokenCreatedBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only from a signed-in browser session, not with an API token", body = ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> ApiResult<Response> {
    let (info, secret) = service::create_token(&state, &user, &body.name).await?;
    let body = json!({ "success": true, "token": secret, "id": info.id, "api_token": info });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The user's active API tokens (never their secrets).
#[utoipa::path(get, path = "/api/auth/tokens", tag = "auth",
    responses((status = 200, body = TokenListBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<serde_json::Value>> {
    let tokens = service::list_tokens(&state, &user).await?;
    Ok(Json(json!({ "success": true, "tokens": tokens })))
}

/// Revoke an API token; it stops working at once.
#[utoipa::path(delete, path = "/api/auth/tokens/{id}", tag = "auth",
    params(("id" = uuid::Uuid, Path, description = "Token id")),
    responses((status = 200, body = Ok), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<serde_json::Value>> {
    service::revoke_token(&state, &user, id).await?;
    Ok(Json(json!({ "success": true })))
}
