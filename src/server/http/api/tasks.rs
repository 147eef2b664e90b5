//! `/api/call-tasks`: create from a sentence, list, read, clarify, cancel,
//! purge; and `/api/plan-preview` for planning without storing.

use super::schema::ErrorBody;
use crate::domain::enums::{Priority, TaskSort, TaskStatus};
use crate::domain::plan::{AiPlan, RiskAssessment};
use crate::domain::task::{CallSessionSummary, CallTask, NewTask, TaskPatch};
use crate::server::accounts::CurrentUser;
use crate::server::error::ApiResult;
use crate::server::http::extract::{ApiJson, ApiQuery, IdPath};
use crate::server::state::AppState;
use crate::server::tasks::{self as service, ListFilter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The seed's create response, plus which engine planned and the risk notes.
#[derive(Serialize, ToSchema)]
pub struct CreatedBody {
    pub success: bool,
    pub call_task: CallTask,
    pub ai_plan: AiPlan,
    pub requires_clarification: bool,
    /// `rules` or `openai`.
    pub engine: String,
    pub risk: RiskAssessment,
}

#[derive(Serialize, ToSchema)]
pub struct TaskListBody {
    pub success: bool,
    pub call_tasks: Vec<CallTask>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskBody {
    pub success: bool,
    pub call_task: CallTask,
    pub call_sessions: Vec<CallSessionSummary>,
    /// What the task cost in all: planning and every call.
    pub cost: crate::domain::usage::CallCost,
}

#[derive(Serialize, ToSchema)]
pub struct UpdatedBody {
    pub success: bool,
    pub call_task: CallTask,
    pub ai_plan: Option<AiPlan>,
    pub requires_clarification: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DeletedBody {
    pub success: bool,
    /// The cancelled task (absent when purged).
    pub call_task: Option<CallTask>,
    pub purged: bool,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PreviewRequest {
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub raw_instruction: String,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewBody {
    pub success: bool,
    pub title: String,
    pub ai_plan: AiPlan,
    pub risk: RiskAssessment,
    pub engine: String,
}

/// Plan a call from an instruction; refused (422) when the risk rules block it.
#[utoipa::path(post, path = "/api/call-tasks", operation_id = "create_call_task", tag = "call-tasks", request_body = NewTask,
    responses(
        (status = 201, description = "Created: `ready_to_call`, or `waiting_for_user` when details are missing", body = CreatedBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Refused by the risk rules; `error.details.risk` says why", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewTask>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let created = service::create(&state, &user, &body).await?;
    let plan = created.task.ai_plan.clone();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "requires_clarification": created.outcome.plan.requires_clarification,
            "ai_plan": plan,
            "call_task": created.task,
            "engine": created.outcome.engine,
            "risk": created.outcome.risk,
        })),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(inline)]
    status: Option<TaskStatus>,
    #[param(inline)]
    priority: Option<Priority>,
    /// Search in titles.
    q: Option<String>,
    /// 1..=100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page (of the same order).
    cursor: Option<String>,
    /// `newest` (default), `oldest`, or `priority` (most urgent first, then newest).
    #[param(inline)]
    sort: Option<TaskSort>,
}

/// The user's tasks, newest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/call-tasks", operation_id = "list_call_tasks", tag = "call-tasks", params(ListQuery),
    responses((status = 200, body = TaskListBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    let filter = ListFilter { status: q.status, priority: q.priority, q: q.q, limit: q.limit, cursor: q.cursor, sort: q.sort };
    let (tasks, next) = service::list(&state, &user, &filter).await?;
    Ok(Json(json!({ "success": true, "call_tasks": tasks, "next_cursor": next })))
}

/// One task with its call attempts.
#[utoipa::path(get, path = "/api/call-tasks/{id}", operation_id = "get_call_task", tag = "call-tasks", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = TaskBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: CurrentUser, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    let (task, sessions, cost) = service::get(&state, &user, id).await?;
    Ok(Json(json!({ "success": true, "call_task": task, "call_sessions": sessions, "cost": cost })))
}

/// Clarify (phone, answers), re-prioritise, reschedule, rename or cancel.
/// The task moves to `ready_to_call` once nothing is missing.
#[utoipa::path(patch, path = "/api/call-tasks/{id}", operation_id = "update_call_task", tag = "call-tasks", params(("id" = uuid::Uuid, Path)),
    request_body = TaskPatch,
    responses(
        (status = 200, body = UpdatedBody),
        (status = 400, description = "Invalid field or `invalid_transition`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Changed concurrently", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<TaskPatch>,
) -> ApiResult<Json<Value>> {
    let task = service::update(&state, &user, id, &body).await?;
    let requires = task.ai_plan.as_ref().is_some_and(|p| p.requires_clarification);
    Ok(Json(json!({ "success": true, "requires_clarification": requires, "ai_plan": task.ai_plan, "call_task": task })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// Delete the task and everything recorded about it instead of cancelling it.
    purge: Option<bool>,
}

/// Cancel a task, or with `?purge=true` delete it and its calls, transcripts and notifications.
#[utoipa::path(delete, path = "/api/call-tasks/{id}", operation_id = "delete_call_task", tag = "call-tasks",
    params(("id" = uuid::Uuid, Path), DeleteQuery),
    responses(
        (status = 200, body = DeletedBody),
        (status = 400, description = "`invalid_transition` (e.g. a completed task)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<Json<Value>> {
    let purge = q.purge.unwrap_or(false);
    let task = service::delete(&state, &user, id, purge).await?;
    Ok(Json(json!({ "success": true, "call_task": task, "purged": purge })))
}

/// Plan an instruction without storing it (live preview).
#[utoipa::path(post, path = "/api/plan-preview", operation_id = "preview_plan", tag = "call-tasks", request_body = PreviewRequest,
    responses((status = 200, body = PreviewBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many new previews this minute (the same words are still answered)", body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> ApiResult<Json<Value>> {
    let o = service::preview(&state, &user, &body.raw_instruction).await?;
    Ok(Json(json!({ "success": true, "title": o.title, "ai_plan": o.plan, "risk": o.risk, "engine": o.engine })))
}
