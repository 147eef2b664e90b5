//! Call tasks.

use crate::domain::enums::{Priority, TaskSort, TaskStatus};
use crate::domain::error::ApiError;
use crate::domain::plan::{AiPlan, RiskAssessment};
use crate::domain::task::{CallSessionSummary, CallTask, TaskListItem, TaskPatch};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A task just created, how it was planned, and any risk notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedTask {
    pub task: CallTask,
    pub engine: String,
    pub risk: RiskAssessment,
}

/// A plan that was not stored (the composer's live preview).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPreview {
    pub title: String,
    pub plan: AiPlan,
    pub risk: RiskAssessment,
    pub engine: String,
}

/// A page of the task list and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskPage {
    pub tasks: Vec<TaskListItem>,
    pub next_cursor: Option<String>,
}

/// Flat text arguments, so a plain HTML form can create a task without
/// JavaScript (empty fields mean "not given"); each is parsed here.
#[server(prefix = "/api/fn", endpoint = "create_task")]
pub async fn create_task(
    raw_instruction: String,
    priority: Option<Priority>,
    target_phone_number: Option<String>,
    contact_id: Option<String>,
    scheduled_for: Option<String>,
    max_price: Option<String>,
) -> Result<CreatedTask, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
            let contact_id = given(contact_id)
                .map(|id| id.parse::<Uuid>().map_err(|_| ApiError::validation("contact_id", "Choose one of your contacts.")))
                .transpose()?;
            let scheduled_for = given(scheduled_for)
                .map(|at| {
                    chrono::DateTime::parse_from_rfc3339(&at).map(|at| at.with_timezone(&chrono::Utc)).map_err(|_| {
                        ApiError::validation(
                            "scheduled_for",
                            "scheduled_for must be a date and time such as 2026-12-01T15:00:00Z.",
                        )
                    })
                })
                .transpose()?;
            let max_price = given(max_price)
                .map(|p| {
                    p.trim_start_matches('$').replace(',', "").parse::<f64>().map_err(|_| {
                        ApiError::validation("max_price", format!("`{p}` is not an amount; write it like 100 or 99.50."))
                    })
                })
                .transpose()?;
            let input = crate::domain::task::NewTask {
                raw_instruction,
                priority,
                scheduled_for,
                contact_id,
                target_phone_number,
                max_price,
            };
            let created = crate::server::tasks::create(&state, &user, &input).await?;
            Ok(CreatedTask { task: created.task, engine: created.outcome.engine.to_owned(), risk: created.outcome.risk })
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "preview_plan")]
pub async fn preview_plan(raw_instruction: String) -> Result<PlanPreview, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let o = crate::server::tasks::preview(&state, &user, &raw_instruction).await?;
            Ok(PlanPreview { title: o.title, plan: o.plan, risk: o.risk, engine: o.engine.to_owned() })
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "list_tasks")]
pub async fn list_tasks(
    status: Option<TaskStatus>,
    priority: Option<Priority>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    sort: Option<TaskSort>,
) -> Result<TaskPage, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let filter = crate::server::tasks::ListFilter { status, priority, q, limit, cursor, sort };
            let (tasks, next_cursor) = crate::server::tasks::list(&state, &user, &filter).await?;
            Ok(TaskPage { tasks: tasks.into_iter().map(TaskListItem::from).collect(), next_cursor })
        }
        .await,
    )
}

/// A task, its calls, and what it cost so far as the page says it.
#[server(prefix = "/api/fn", endpoint = "get_task")]
pub async fn get_task(id: Uuid) -> Result<(CallTask, Vec<CallSessionSummary>, String), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let (task, sessions, cost) = crate::server::tasks::get(&state, &user, id).await?;
            Ok((task, sessions, cost.text()))
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "update_task", input = Json)]
pub async fn update_task(id: Uuid, patch: TaskPatch) -> Result<CallTask, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::tasks::update(&state, &user, id, &patch).await
        }
        .await,
    )
}

/// Cancels the task, or deletes it and all its records with `purge`.
#[server(prefix = "/api/fn", endpoint = "delete_task")]
pub async fn delete_task(id: Uuid, purge: bool) -> Result<Option<CallTask>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::tasks::delete(&state, &user, id, purge).await
        }
        .await,
    )
}
