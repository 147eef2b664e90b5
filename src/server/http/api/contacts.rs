//! `/api/contacts`: list, search, create, read, update, delete.

use super::schema::{ContactBody, ContactListBody, ErrorBody, Ok};
use crate::domain::contact::{ContactPatch, NewContact};
use crate::server::accounts::CurrentUser;
use crate::server::contacts as service;
use crate::server::error::ApiResult;
use crate::server::http::extract::{ApiJson, ApiQuery, IdPath};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Case-insensitive search in name and company name.
    q: Option<String>,
    /// 1..=500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The user's contacts, by name.
#[utoipa::path(get, path = "/api/contacts", operation_id = "list_contacts", tag = "contacts", params(ListQuery),
    responses((status = 200, body = ContactListBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let contacts = service::list(&state, &user, query.q.as_deref(), query.limit).await?;
    Ok(Json(json!({ "success": true, "contacts": contacts })))
}

/// Create a contact; the phone number is normalised to E.164.
#[utoipa::path(post, path = "/api/contacts", operation_id = "create_contact", tag = "contacts", request_body = NewContact,
    responses(
        (status = 201, body = ContactBody),
        (status = 400, description = "Invalid field, e.g. a phone number without area code", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewContact>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let contact = service::create(&state, &user, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "success": true, "contact": contact }))))
}

/// One contact.
#[utoipa::path(get, path = "/api/contacts/{id}", operation_id = "get_contact", tag = "contacts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ContactBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    let contact = service::get(&state, &user, id).await?;
    Ok(Json(json!({ "success": true, "contact": contact })))
}

/// Change some fields; absent fields stay, `null` clears.
#[utoipa::path(patch, path = "/api/contacts/{id}", operation_id = "update_contact", tag = "contacts", params(("id" = uuid::Uuid, Path)), request_body = ContactPatch,
    responses(
        (status = 200, body = ContactBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ContactPatch>,
) -> ApiResult<Json<Value>> {
    let contact = service::update(&state, &user, id, &body).await?;
    Ok(Json(json!({ "success": true, "contact": contact })))
}

/// Delete a contact (tasks that used it keep their own copy of the number).
#[utoipa::path(delete, path = "/api/contacts/{id}", operation_id = "delete_contact", tag = "contacts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Ok), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    service::delete(&state, &user, id).await?;
    Ok(Json(json!({ "success": true })))
}
