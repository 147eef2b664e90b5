//! Live calls: `POST /api/call-tasks/{id}/start-call`, and
//! `/api/call-sessions/{id}` with its approval and processing.

use super::schema::ErrorBody;
use crate::domain::plan::CallSummary;
use crate::domain::session::SessionDetail;
use crate::domain::task::CallSessionSummary;
use crate::server::accounts::CurrentUser;
use crate::server::calls;
use crate::server::error::ApiResult;
use crate::server::http::extract::{ApiJson, ApiQuery, IdPath};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StartedBody {
    pub success: bool,
    pub call_session: CallSessionSummary,
}

#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    pub success: bool,
    #[serde(flatten)]
    pub detail: SessionDetail,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// true to accept the quoted price, false to decline it.
    pub approve: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProcessedBody {
    pub success: bool,
    #[serde(flatten)]
    pub summary: CallSummary,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    /// Call even though this month's spending has reached the monthly budget
    /// (without it such a call is refused with 409 and `error.details.over_budget`).
    over_budget: Option<bool>,
}

/// Place the call (a sandbox call unless `TELEPHONY=twilio`).
#[utoipa::path(post, path = "/api/call-tasks/{id}/start-call", operation_id = "start_call", tag = "calls", params(("id" = uuid::Uuid, Path), StartQuery),
    responses(
        (status = 200, body = StartedBody),
        (status = 400, description = "`invalid_transition`: the task is not ready to call", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The task changed meanwhile; or this month's spending reached the budget (`error.details.over_budget`: `spent`, `budget`)", body = ErrorBody),
        (status = 429, description = "Calls per day, or calls at once, exceeded", body = ErrorBody),
        (status = 503, description = "The telephony provider refused or is unavailable", body = ErrorBody),
    ))]
pub async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiQuery(query): ApiQuery<StartQuery>,
) -> ApiResult<Json<Value>> {
    let session = calls::start_call(&state, &user, id, query.over_budget.unwrap_or(false)).await?;
    Ok(Json(json!({ "success": true, "call_session": session })))
}

/// Rehearse the call on the sandbox, against a business built from the
/// task's plan, whatever the configured provider: nobody real is called.
#[utoipa::path(post, path = "/api/call-tasks/{id}/rehearse", operation_id = "rehearse_call", tag = "calls", params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = StartedBody),
        (status = 400, description = "`invalid_transition`: the task is not ready to call", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn rehearse(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    let session = calls::rehearse(&state, &user, id).await?;
    Ok(Json(json!({ "success": true, "call_session": session })))
}

/// A call with its transcript, segments, extracted data and approval.
#[utoipa::path(get, path = "/api/call-sessions/{id}", operation_id = "get_call_session", tag = "calls", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = SessionBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    let detail = calls::detail(&state, &user, id).await?;
    let mut body = serde_json::to_value(&detail).unwrap_or_default();
    body["success"] = json!(true);
    // The seed calls it `call_session`.
    if let Some(session) = body.as_object_mut().and_then(|o| o.remove("session")) {
        body["call_session"] = session;
    }
    Ok(Json(body))
}

/// Approve or reject the price the assistant is waiting on.
#[utoipa::path(post, path = "/api/call-sessions/{id}/approval", operation_id = "decide_approval", tag = "calls", params(("id" = uuid::Uuid, Path)),
    request_body = ApprovalRequest,
    responses(
        (status = 200, body = super::schema::Ok),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No approval is pending", body = ErrorBody),
    ))]
pub async fn approval(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ApprovalRequest>,
) -> ApiResult<Json<Value>> {
    calls::decide(&state, &user, id, body.approve).await?;
    Ok(Json(json!({ "success": true })))
}

/// Summarise the finished call and extract its facts (idempotent).
#[utoipa::path(post, path = "/api/call-sessions/{id}/process", operation_id = "process_call_session", tag = "calls", params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ProcessedBody),
        (status = 400, description = "The call is still in progress", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn process(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    let summary = calls::process_for_user(&state, &user, id).await?;
    let mut body = serde_json::to_value(&summary).unwrap_or_default();
    body["success"] = json!(true);
    Ok(Json(body))
}

/// The call's recording, played through this server (the browser never
/// sees the phone network's credentials): MP3 from Twilio, WAV from the
/// sandbox. One byte range may be asked for, as audio players do.
#[utoipa::path(get, path = "/api/call-sessions/{id}/recording", operation_id = "get_call_recording", tag = "calls",
    params(("id" = uuid::Uuid, Path), ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-`")),
    responses(
        (status = 200, description = "The recording", content((super::schema::Audio = "audio/mpeg"), (super::schema::Audio = "audio/wav"))),
        (status = 206, description = "The byte range asked for", content((super::schema::Audio = "audio/mpeg"), (super::schema::Audio = "audio/wav"))),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such call of yours, or it was not recorded", body = ErrorBody),
        (status = 503, description = "The phone network could not send it", body = ErrorBody),
    ))]
pub async fn recording(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let audio = calls::recording(&state, &user, id, range).await?;
    let mut response = Response::new(audio.body);
    if audio.partial {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, value(&audio.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(range) = audio.content_range.as_deref().and_then(|r| HeaderValue::from_str(r).ok()) {
        h.insert(header::CONTENT_RANGE, range);
    }
    if let Some(length) = audio.length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}
