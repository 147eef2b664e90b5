//! Starting a call: a session and its script for a ready task, then the
//! dial, on the configured network or (a rehearsal) on the sandbox. Also
//! the queued start of a scheduled or retried call.

use super::progress::{Report, set_status};
use super::repo::{bad_stored, session_summary};
use crate::domain::enums::{FailureReason, NotificationType, SessionStatus, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::plan::AiPlan;
use crate::domain::schedule::next_business_time;
use crate::domain::task::{CallSessionSummary, TaskEvent};
use crate::server::accounts::{AuthVia, CurrentUser};
use crate::server::ai::rules::script::{ScriptContext, script};
use crate::server::audit;
use crate::server::error::{ApiError, ApiResult, ErrorCode};
use crate::server::jobs::{self, Job};
use crate::server::notifications;
use crate::server::rate_limit::{self, Bucket};
use crate::server::realtime::publish;
use crate::server::settings;
use crate::server::state::AppState;
use crate::server::telephony::PlaceCall;
use crate::server::telephony::sandbox::businesses::Offer;
use crate::server::usage;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// Starts a call for a ready task: a session, its script, and the dial.
/// Past the user's monthly budget it is refused (409, with what was spent)
/// unless `over_budget` says the user chose to call anyway.
pub async fn start_call(state: &AppState, user: &CurrentUser, task_id: Uuid, over_budget: bool) -> ApiResult<CallSessionSummary> {
    start(state, user, task_id, Start::Call { over_budget }).await
}

/// What kind of start.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Start {
    Call {
        over_budget: bool,
    },
    /// On the sandbox, against a business built from the plan: free of
    /// telephony, and never held back by the budget.
    Rehearsal,
}

/// Rehearses a task on the sandbox, against a business built from its
/// plan, whatever the configured network.
pub async fn rehearse(state: &AppState, user: &CurrentUser, task_id: Uuid) -> ApiResult<CallSessionSummary> {
    start(state, user, task_id, Start::Rehearsal).await
}

#[derive(sqlx::FromRow)]
struct StartingTask {
    status: String,
    target_phone_number: Option<String>,
    ai_plan: Option<Value>,
    updated_at: DateTime<Utc>,
}

async fn start(state: &AppState, user: &CurrentUser, task_id: Uuid, kind: Start) -> ApiResult<CallSessionSummary> {
    let rehearse = kind == Start::Rehearsal;
    if !rehearse {
        // Twilio failing: refused before anything is written; the task stays as it is.
        state.telephony.available()?;
    }
    let mut tx = state.db.begin_as(user.id).await?;
    let task: Option<StartingTask> =
        sqlx::query_as("SELECT status, target_phone_number, ai_plan, updated_at FROM call_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
    let task = task.ok_or_else(|| ApiError::not_found("Call task"))?;
    let from: TaskStatus = task.status.parse().map_err(bad_stored)?;
    let to = from.on(TaskEvent::CallStarted).map_err(|e| ApiError::new(ErrorCode::InvalidTransition, e.to_string()))?;
    let phone = state.cipher.decrypt_opt(task.target_phone_number.as_deref()).map_err(bad_stored)?.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidTransition, "This task has no phone number yet. Add one, then start the call.")
    })?;
    // Once more right before dialling, whatever was stored before the policy.
    crate::server::ai::refuse_undialable("target_phone_number", Some(&phone))?;
    let stored_plan = task.ai_plan.ok_or_else(|| bad_stored("task without plan"))?;
    let mut plan: AiPlan =
        serde_json::from_value(state.cipher.open_json(stored_plan).map_err(bad_stored)?).map_err(bad_stored)?;
    plan.target_phone_number = Some(phone.clone());
    let at_once = state.config.calls.max_concurrent_per_user;
    room_for_a_call(&mut tx, at_once).await?;
    let settings = settings::load(&mut tx).await?;
    if let Some(message) = unspeakable_language(state, &settings.language_preference) {
        return Err(ApiError::validation("language_preference", message));
    }
    if kind == (Start::Call { over_budget: false })
        && let Some((spent, budget)) = usage::budget_standing(&mut tx, user.id).await?
        && spent >= budget
    {
        return Err(usage::over_budget(spent, budget));
    }
    let user_name: String = sqlx::query_scalar("SELECT display_name FROM users").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    rate_limit::hit(&state.db, Bucket::CallStart, &user.id.to_string(), state.config.limits.calls_per_day).await?;

    let recorded = settings.record_calls;
    let call_script = script(&plan, &ScriptContext { user_name: &user_name, tone: &settings.default_tone, recorded });
    let mut tx = state.db.begin_as(user.id).await?;
    // Counted again where the session is inserted, one start at a time per
    // user: starts racing in parallel cannot pass the limit together.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("live_calls:{}", user.id))
        .execute(&mut *tx)
        .await?;
    room_for_a_call(&mut tx, at_once).await?;
    let moved = sqlx::query("UPDATE call_tasks SET status = $3 WHERE id = $1 AND status = $2 AND updated_at = $4")
        .bind(task_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(task.updated_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved == 0 {
        return Err(ApiError::conflict("The task changed meanwhile (perhaps a call already started). Reload it."));
    }
    let retry_count: i32 = sqlx::query_scalar("SELECT count(*)::int FROM call_sessions WHERE call_task_id = $1")
        .bind(task_id)
        .fetch_one(&mut *tx)
        .await?;
    let session_id: Uuid = sqlx::query_scalar(
        "INSERT INTO call_sessions (call_task_id, status, phone_number_called, ai_call_script, retry_count)
         VALUES ($1, 'initiated', $2, $3, $4) RETURNING id",
    )
    .bind(task_id)
    .bind(state.cipher.encrypt(&phone))
    .bind(state.cipher.seal_json(&serde_json::to_value(&call_script).unwrap_or(Value::Null)))
    .bind(retry_count)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO call_transcripts (call_session_id, full_transcript) VALUES ($1, $2)")
        .bind(session_id)
        .bind(state.cipher.encrypt(""))
        .execute(&mut *tx)
        .await?;
    notifications::create(
        &mut tx,
        &state.cipher,
        user.id,
        Some(task_id),
        Some(session_id),
        NotificationType::CallStarted,
        "Your call has started; follow it live.",
    )
    .await?;
    publish(&mut tx, user.id, ServerEvent::TaskStatus { call_task_id: task_id, status: to }).await?;
    let action = if rehearse { "call.rehearse" } else { "call.start" };
    audit::record(&mut tx, user.audit(action, "call_session", Some(session_id), json!({ "task": task_id }))).await?;
    tx.commit().await?;

    // The system context records the network's side of the call.
    let mut sys = state.db.system().begin().await?;
    sqlx::query("INSERT INTO call_session_progress (call_session_id) VALUES ($1)").bind(session_id).execute(&mut *sys).await?;
    sys.commit().await?;

    let base = &state.public_url;
    let call = PlaceCall {
        session_id,
        to: phone,
        voice_url: format!("{base}/api/webhooks/voice?session_id={session_id}"),
        status_callback: format!("{base}/api/webhooks/call-status?session_id={session_id}"),
        amd_callback: format!("{base}/api/webhooks/amd?session_id={session_id}"),
        recording_callback: recorded.then(|| format!("{base}/api/webhooks/recording?session_id={session_id}")),
        time_limit_secs: state.config.calls.max_call_secs,
    };
    let placed = if rehearse {
        Ok(state.telephony.rehearse(call, Offer::from_plan(&plan)))
    } else {
        state.telephony.place_call(call).await
    };
    match placed {
        Ok(sid) => {
            // The sandbox is free; Twilio prices a call after it ends.
            let free = rehearse || !state.telephony.prices_later();
            sqlx::query(
                "UPDATE call_sessions SET provider_call_sid = $2,
                    telephony_price = CASE WHEN $3 THEN 0 ELSE telephony_price END,
                    telephony_price_unit = CASE WHEN $3 THEN 'USD' ELSE telephony_price_unit END
                 WHERE id = $1",
            )
            .bind(session_id)
            .bind(&sid)
            .bind(free)
            .execute(state.db.system())
            .await?;
        }
        Err(e) => {
            set_status(
                state,
                session_id,
                SessionStatus::Failed,
                Report { failure_reason: Some(FailureReason::ProviderError), ..Report::default() },
            )
            .await?;
            return Err(e);
        }
    }
    let mut tx = state.db.begin_as(user.id).await?;
    let summary = session_summary(&mut tx, &state.cipher, session_id).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Refuses (429) when the user already has `at_once` calls live.
async fn room_for_a_call(tx: &mut sqlx::PgConnection, at_once: u32) -> ApiResult<()> {
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
         WHERE s.status IN ('initiated', 'ringing', 'connected')",
    )
    .fetch_one(&mut *tx)
    .await?;
    if live >= at_once as i64 {
        return Err(ApiError::rate_limited(
            30,
            format!("You already have {live} calls in progress; wait for one to finish (at most {at_once} at once)."),
        ));
    }
    Ok(())
}

/// Why a call cannot be held in `language`, if it cannot: the offline
/// engine speaks English only (a model is needed for anything else).
pub fn unspeakable_language(state: &AppState, language: &str) -> Option<String> {
    let english = language.trim().to_ascii_lowercase().starts_with("en");
    (!english && state.ai.conversation_model().is_none()).then(|| {
        format!(
            "The offline engine speaks English only, and this call's language is {language}: it will not call in the wrong language. \
             Use an OpenAI-compatible model that speaks it (AI_BACKEND=openai), or set the language to English in Settings."
        )
    })
}

#[derive(sqlx::FromRow)]
struct QueuedTask {
    user_id: Uuid,
    status: String,
}

/// The job of a scheduled or retried call: placed on the user's behalf
/// unless the task no longer awaits a call; outside the user's business
/// hours (when they ask for them) it waits for the next window. Refusals
/// (limits, a task that moved on) end the job; only a failure that may pass
/// is returned for the queue to retry.
pub async fn start_queued(state: &AppState, task_id: Uuid) -> ApiResult<()> {
    let mut conn = state.db.system().acquire().await?;
    let task: Option<QueuedTask> =
        sqlx::query_as("SELECT user_id, status FROM call_tasks WHERE id = $1").bind(task_id).fetch_optional(&mut *conn).await?;
    let Some(task) = task else { return Ok(()) };
    let status: TaskStatus = task.status.parse().map_err(bad_stored)?;
    if !status.awaits_automatic_call() {
        return Ok(());
    }
    let settings = settings::for_task(&mut conn, task_id).await?;
    drop(conn);
    if settings.settings.business_hours_only {
        let (open, close) = settings.business_hours;
        let now = Utc::now();
        let at = next_business_time(now, &settings.time_zone, open, close);
        if at > now + chrono::Duration::seconds(1) {
            let mut tx = state.db.system().begin().await?;
            jobs::enqueue(&mut tx, &Job::StartCall { task_id }, Some(task.user_id), at).await?;
            tx.commit().await?;
            return Ok(());
        }
    }
    let user = CurrentUser { id: task.user_id, via: AuthVia::Job, request_id: None };
    match start_call(state, &user, task_id, false).await {
        Ok(_) => Ok(()),
        // Nobody is there to say "call anyway": the user hears why it waits.
        Err(e) if e.details.as_ref().is_some_and(|d| d.get("over_budget").is_some()) => {
            let mut tx = state.db.system().begin().await?;
            let message = format!("A scheduled call was not placed. {}", e.message);
            notifications::create(
                &mut tx,
                &state.cipher,
                task.user_id,
                Some(task_id),
                None,
                NotificationType::BudgetWarning,
                &message,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        Err(e) if !e.is_retryable() => {
            tracing::info!(%task_id, reason = %e.message, "queued call not placed");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
