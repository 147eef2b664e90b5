//! `/api/settings`: the assistant's settings.

use super::schema::{ErrorBody, SettingsBody};
use crate::domain::settings::SettingsPatch;
use crate::server::accounts::CurrentUser;
use crate::server::error::ApiResult;
use crate::server::http::extract::ApiJson;
use crate::server::settings as service;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The signed-in user's assistant settings.
#[utoipa::path(get, path = "/api/settings", operation_id = "get_settings", tag = "settings",
    responses((status = 200, body = SettingsBody), (status = 401, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Value>> {
    let settings = service::get(&state, &user).await?;
    Ok(Json(json!({ "success": true, "settings": settings })))
}

/// Change some settings; each value is validated.
#[utoipa::path(patch, path = "/api/settings", operation_id = "update_settings", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = SettingsBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SettingsPatch>,
) -> ApiResult<Json<Value>> {
    let settings = service::update(&state, &user, &body).await?;
    Ok(Json(json!({ "success": true, "settings": settings })))
}
