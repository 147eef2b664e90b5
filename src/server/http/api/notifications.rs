//! `/api/notifications`: list, mark read or unread, mark all read.

use super::schema::{ErrorBody, NotificationBody, NotificationListBody, ReadAllBody};
use crate::domain::notification::NotificationPatch;
use crate::server::accounts::CurrentUser;
use crate::server::error::ApiResult;
use crate::server::http::extract::{ApiJson, ApiQuery, IdPath};
use crate::server::notifications as service;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only unread notifications.
    unread: Option<bool>,
    /// 1..=100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Newest first, with the number of unread notifications.
#[utoipa::path(get, path = "/api/notifications", operation_id = "list_notifications", tag = "notifications", params(ListQuery),
    responses((status = 200, body = NotificationListBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let (items, unread) = service::list(&state, &user, query.unread.unwrap_or(false), query.limit).await?;
    Ok(Json(json!({ "success": true, "notifications": items, "unread_count": unread })))
}

/// Mark one notification read or unread.
#[utoipa::path(patch, path = "/api/notifications/{id}", operation_id = "update_notification", tag = "notifications", params(("id" = uuid::Uuid, Path)),
    request_body = NotificationPatch,
    responses(
        (status = 200, body = NotificationBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<NotificationPatch>,
) -> ApiResult<Json<Value>> {
    let notification = service::set_read(&state, &user, id, body.is_read).await?;
    Ok(Json(json!({ "success": true, "notification": notification })))
}

/// Mark every notification read.
#[utoipa::path(post, path = "/api/notifications/read-all", operation_id = "read_all_notifications", tag = "notifications",
    responses((status = 200, body = ReadAllBody), (status = 401, body = ErrorBody)))]
pub async fn read_all(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Value>> {
    let updated = service::read_all(&state, &user).await?;
    Ok(Json(json!({ "success": true, "updated": updated })))
}
