//! `/api/calendar-feed`: the user's private calendar subscription; and the
//! feed itself at `/calendar/<secret>.ics`, which calendar apps poll without
//! signing in (the secret in the address is the credential).

use super::schema::{CalendarFeedBody, ErrorBody};
use crate::server::accounts::CurrentUser;
use crate::server::calendar as service;
use crate::server::error::ApiResult;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// The user's calendar feed (`feed` is `null` until one is made).
#[utoipa::path(get, path = "/api/calendar-feed", operation_id = "get_calendar_feed", tag = "calendar",
    responses((status = 200, body = CalendarFeedBody), (status = 401, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Value>> {
    let feed = service::get(&state, &user).await?;
    Ok(Json(json!({ "success": true, "feed": feed })))
}

/// Make a new secret feed address; the previous one stops working.
#[utoipa::path(post, path = "/api/calendar-feed", operation_id = "create_calendar_feed", tag = "calendar",
    responses((status = 200, body = CalendarFeedBody), (status = 401, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Value>> {
    let feed = service::create(&state, &user).await?;
    Ok(Json(json!({ "success": true, "feed": feed })))
}

/// Turn the feed off; its address answers 404 from then on.
#[utoipa::path(delete, path = "/api/calendar-feed", operation_id = "delete_calendar_feed", tag = "calendar",
    responses((status = 200, body = CalendarFeedBody), (status = 401, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Value>> {
    service::remove(&state, &user).await?;
    Ok(Json(json!({ "success": true, "feed": null })))
}

/// The feed: an iCalendar of the appointments booked and confirmed on
/// calls, for calendar apps to subscribe to.
#[utoipa::path(get, path = "/calendar/{file}", operation_id = "calendar_feed", tag = "calendar", security(()),
    params(("file" = String, Path, description = "The secret from the feed's address, with `.ics`")),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) document", content_type = "text/calendar", body = String),
        (status = 404, body = ErrorBody),
    ))]
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<impl IntoResponse> {
    let ics = service::feed(&state, &file).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, no-store")], ics))
}

/// One booked appointment as an `.ics` file to add to a calendar.
#[utoipa::path(get, path = "/api/appointments/{file}", operation_id = "appointment_ics", tag = "calendar",
    params(("file" = String, Path, description = "The appointment's id (an extracted fact of type `appointment`), with `.ics`")),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) event", content_type = "text/calendar", body = String),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn appointment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let ics = service::event(&state, &user, &file).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"appointment.ics\""),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        ics,
    ))
}
