//! Live calls: starting one, the session's progress (forward-only),
//! transcript segments, mid-call approvals, and post-call processing.
//! Work done for the telephony provider and the engine runs in the system
//! context; user-facing operations run under the user's RLS context.

use super::accounts::CurrentUser;
use super::ai::rules::script::{ScriptContext, script};
use super::ai::rules::summarize::Line;
use super::audit::{self, Entry};
use super::crypto::Cipher;
use super::error::{ApiError, ApiResult, ErrorCode, internal};
use super::rate_limit::{self, Bucket};
use super::realtime::{publish, send_approval};
use super::state::AppState;
use super::telephony::PlaceCall;
use crate::domain::enums::{DataType, NotificationType, SessionStatus, Speaker, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::plan::{AiPlan, CallScript, CallSummary};
use crate::domain::session::{Approval, ExtractedData, Segment, SessionDetail, Transcript};
use crate::domain::task::{CallSessionSummary, TaskEvent};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

fn bad_stored(e: impl std::fmt::Display) -> ApiError {
    internal("stored call data cannot be read", e)
}

/// Progress order: a session never moves to an earlier rank.
fn rank(s: SessionStatus) -> u8 {
    match s {
        SessionStatus::Initiated => 0,
        SessionStatus::Ringing => 1,
        SessionStatus::Connected => 2,
        SessionStatus::Completed | SessionStatus::Failed | SessionStatus::Cancelled => 3,
    }
}

/// Maps a provider `CallStatus` to the session's status and failure reason.
pub fn map_provider_status(status: &str) -> Option<(SessionStatus, Option<&'static str>)> {
    Some(match status {
        "queued" | "initiated" => (SessionStatus::Initiated, None),
        "ringing" => (SessionStatus::Ringing, None),
        "in-progress" | "answered" => (SessionStatus::Connected, None),
        "completed" => (SessionStatus::Completed, None),
        "busy" => (SessionStatus::Failed, Some("busy")),
        "no-answer" => (SessionStatus::Failed, Some("no_answer")),
        "failed" => (SessionStatus::Failed, Some("failed")),
        "canceled" => (SessionStatus::Cancelled, Some("canceled")),
        _ => return None,
    })
}

/// Starts a call for a ready task: a session, its script, and the dial.
pub async fn start_call(state: &AppState, user: &CurrentUser, task_id: Uuid) -> ApiResult<CallSessionSummary> {
    start(state, user, task_id, false).await
}

/// Rehearses a task on the sandbox, against a business built from its
/// plan, whatever the configured provider.
pub async fn rehearse(state: &AppState, user: &CurrentUser, task_id: Uuid) -> ApiResult<CallSessionSummary> {
    start(state, user, task_id, true).await
}

async fn start(state: &AppState, user: &CurrentUser, task_id: Uuid, rehearse: bool) -> ApiResult<CallSessionSummary> {
    let mut tx = state.db.begin_as(user.id).await?;
    let row: Option<(String, Option<String>, Option<Value>, String, DateTime<Utc>)> =
        sqlx::query_as("SELECT status, target_phone_number, ai_plan, title, updated_at FROM call_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (status, phone, plan, _title, stamp) = row.ok_or_else(|| ApiError::not_found("Call task"))?;
    let from: TaskStatus = status.parse().map_err(bad_stored)?;
    let to = from.on(TaskEvent::CallStarted).map_err(|e| ApiError::new(ErrorCode::InvalidTransition, e.to_string()))?;
    let phone = state.cipher.decrypt_opt(phone.as_deref()).map_err(bad_stored)?.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidTransition, "This task has no phone number yet. Add one, then start the call.")
    })?;
    let mut plan: AiPlan = serde_json::from_value(plan.ok_or_else(|| bad_stored("task without plan"))?).map_err(bad_stored)?;
    plan.target_phone_number = Some(phone.clone());
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
         WHERE s.status IN ('initiated', 'ringing', 'connected')",
    )
    .fetch_one(&mut *tx)
    .await?;
    if live >= state.config.calls.max_concurrent_per_user as i64 {
        return Err(ApiError::rate_limited(
            30,
            format!(
                "You already have {live} calls in progress; wait for one to finish (at most {} at once).",
                state.config.calls.max_concurrent_per_user
            ),
        ));
    }
    let settings = super::settings::load(&mut tx).await?;
    let user_name: String = sqlx::query_scalar("SELECT display_name FROM users").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    rate_limit::hit(&state.db, Bucket::CallStart, &user.id.to_string(), state.config.limits.calls_per_day).await?;

    let call_script = script(&plan, &ScriptContext { user_name: &user_name, tone: &settings.default_tone });
    let mut tx = state.db.begin_as(user.id).await?;
    let moved = sqlx::query("UPDATE call_tasks SET status = $3 WHERE id = $1 AND status = $2 AND updated_at = $4")
        .bind(task_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(stamp)
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
    .bind(serde_json::to_value(&call_script).unwrap_or(Value::Null))
    .bind(retry_count)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO call_transcripts (call_session_id, full_transcript) VALUES ($1, $2)")
        .bind(session_id)
        .bind(state.cipher.encrypt(""))
        .execute(&mut *tx)
        .await?;
    super::notifications::create(
        &mut tx,
        user.id,
        Some(task_id),
        Some(session_id),
        NotificationType::CallStarted,
        "Your call has started; follow it live.",
    )
    .await?;
    publish(&mut tx, user.id, ServerEvent::TaskStatus { call_task_id: task_id, status: to }).await?;
    let action = if rehearse { "call.rehearse" } else { "call.start" };
    audit::record(&mut tx, Entry::by(user, action, "call_session", Some(session_id), json!({ "task": task_id }))).await?;
    tx.commit().await?;

    // The system context records the provider side of the call.
    let mut sys = state.db.system().begin().await?;
    sqlx::query("INSERT INTO call_session_progress (call_session_id) VALUES ($1)").bind(session_id).execute(&mut *sys).await?;
    sys.commit().await?;

    let base = &state.public_url;
    let call = PlaceCall {
        session_id,
        to: phone.clone(),
        voice_url: format!("{base}/api/webhooks/voice?session_id={session_id}"),
        status_callback: format!("{base}/api/webhooks/call-status?session_id={session_id}"),
        amd_callback: format!("{base}/api/webhooks/amd?session_id={session_id}"),
        time_limit_secs: state.config.calls.max_call_secs,
        rehearsal: rehearse.then(|| super::sandbox::businesses::Offer::from_plan(&plan)),
    };
    let placed = if rehearse {
        Ok(state.rehearsal.place_call(call, "+15555550100".to_owned()))
    } else {
        state.telephony.place_call(call).await
    };
    match placed {
        Ok(sid) => {
            sqlx::query("UPDATE call_sessions SET provider_call_sid = $2 WHERE id = $1")
                .bind(session_id)
                .bind(&sid)
                .execute(state.db.system())
                .await?;
        }
        Err(e) => {
            set_status(state, session_id, SessionStatus::Failed, None, Some("provider_error"), None).await?;
            return Err(e);
        }
    }
    let mut tx = state.db.begin_as(user.id).await?;
    let summary = session_summary(&mut tx, state, session_id).await?;
    tx.commit().await?;
    Ok(summary)
}

/// A `call_sessions` row as its owner sees it (read with [`SESSION_COLUMNS`]).
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    id: Uuid,
    call_task_id: Uuid,
    provider_call_sid: Option<String>,
    status: String,
    phone_number_called: Option<String>,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    duration_seconds: Option<i32>,
    failure_reason: Option<String>,
    retry_count: i32,
}

pub(super) const SESSION_COLUMNS: &str = "id, call_task_id, provider_call_sid, status, phone_number_called, started_at, \
                                          ended_at, duration_seconds, failure_reason, retry_count";

impl SessionRow {
    pub(super) fn open(self, cipher: &Cipher) -> ApiResult<CallSessionSummary> {
        Ok(CallSessionSummary {
            id: self.id,
            call_task_id: self.call_task_id,
            provider_call_sid: self.provider_call_sid,
            status: self.status.parse().map_err(bad_stored)?,
            phone_number_called: cipher.decrypt_opt(self.phone_number_called.as_deref()).map_err(bad_stored)?,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self.duration_seconds,
            failure_reason: self.failure_reason,
            retry_count: self.retry_count,
        })
    }
}

async fn session_summary(conn: &mut PgConnection, state: &AppState, id: Uuid) -> ApiResult<CallSessionSummary> {
    let row: Option<SessionRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM call_sessions WHERE id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.ok_or_else(|| ApiError::not_found("Call session"))?.open(&state.cipher)
}

/// Who owns a session, and its task (system context).
async fn owner(conn: &mut PgConnection, session_id: Uuid) -> ApiResult<(Uuid, Uuid)> {
    let row: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT t.user_id, t.id FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id WHERE s.id = $1")
            .bind(session_id)
            .fetch_optional(conn)
            .await?;
    row.ok_or_else(|| ApiError::not_found("Call session"))
}

/// Moves a session forward (never backwards, never on a stale `sequence`).
/// On an unsuccessful end the task fails and the user is told; on success,
/// post-call processing is started. Returns whether anything changed.
pub async fn set_status(
    state: &AppState,
    session_id: Uuid,
    status: SessionStatus,
    sequence: Option<i32>,
    failure_reason: Option<&str>,
    duration: Option<i32>,
) -> ApiResult<bool> {
    let mut tx = state.db.system().begin().await?;
    let current: Option<(String, Option<i32>)> = sqlx::query_as(
        "SELECT s.status, p.last_sequence FROM call_sessions s LEFT JOIN call_session_progress p ON p.call_session_id = s.id
         WHERE s.id = $1 FOR UPDATE OF s",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (current, last_sequence) = current.ok_or_else(|| ApiError::not_found("Call session"))?;
    let current: SessionStatus = current.parse().map_err(bad_stored)?;
    let stale = sequence.is_some_and(|s| s <= last_sequence.unwrap_or(-1));
    if rank(status) <= rank(current) || stale {
        tx.commit().await?;
        return Ok(false);
    }
    let terminal = rank(status) == 3;
    sqlx::query(
        "UPDATE call_sessions SET status = $2,
            failure_reason = COALESCE($3, failure_reason),
            ended_at = CASE WHEN $4 THEN now() ELSE ended_at END,
            duration_seconds = CASE WHEN $4 THEN COALESCE($5, GREATEST(0, EXTRACT(epoch FROM now() - started_at))::int) ELSE duration_seconds END
         WHERE id = $1",
    )
    .bind(session_id)
    .bind(status.as_str())
    .bind(failure_reason)
    .bind(terminal)
    .bind(duration)
    .execute(&mut *tx)
    .await?;
    if let Some(seq) = sequence {
        sqlx::query(
            "INSERT INTO call_session_progress (call_session_id, last_sequence) VALUES ($1, $2)
             ON CONFLICT (call_session_id) DO UPDATE SET last_sequence = GREATEST(call_session_progress.last_sequence, $2)",
        )
        .bind(session_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    }
    let (user_id, task_id) = owner(&mut tx, session_id).await?;
    publish(
        &mut tx,
        user_id,
        ServerEvent::SessionStatus {
            call_session_id: session_id,
            call_task_id: task_id,
            status,
            failure_reason: failure_reason.map(str::to_owned),
        },
    )
    .await?;
    if matches!(status, SessionStatus::Failed | SessionStatus::Cancelled) {
        finish_task(&mut tx, user_id, task_id, false).await?;
        if status == SessionStatus::Failed {
            super::jobs::schedule_retry(&mut tx, task_id, state.config.calls.retry_base_secs).await?;
        }
        let why = match failure_reason {
            Some("busy") => "the line was busy",
            Some("no_answer") => "nobody answered",
            Some("canceled") => "it was cancelled",
            _ => "it could not be connected",
        };
        super::notifications::create(
            &mut tx,
            user_id,
            Some(task_id),
            Some(session_id),
            NotificationType::CallFailed,
            &format!("Your call did not go through: {why}."),
        )
        .await?;
    }
    if status == SessionStatus::Completed {
        super::jobs::enqueue(&mut tx, &super::jobs::Job::ProcessCall { session_id }, Some(user_id), Utc::now()).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Moves an in-progress task to completed or failed (no-op otherwise).
async fn finish_task(conn: &mut PgConnection, user_id: Uuid, task_id: Uuid, achieved: bool) -> ApiResult<()> {
    let to = TaskStatus::InProgress.on(TaskEvent::CallFinished { achieved }).expect("in progress can finish");
    let moved = sqlx::query("UPDATE call_tasks SET status = $2 WHERE id = $1 AND status = 'in_progress'")
        .bind(task_id)
        .bind(to.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved > 0 {
        publish(conn, user_id, ServerEvent::TaskStatus { call_task_id: task_id, status: to }).await?;
    }
    Ok(())
}

/// What the engine needs to hold a call.
#[derive(Debug, Clone)]
pub struct LiveContext {
    pub session_id: Uuid,
    pub task_id: Uuid,
    pub user_id: Uuid,
    pub transcript_id: Uuid,
    pub plan: AiPlan,
    pub script: CallScript,
    pub user_name: String,
    pub max_auto_approve: f64,
    pub today: chrono::NaiveDate,
}

pub async fn live_context(state: &AppState, session_id: Uuid) -> ApiResult<LiveContext> {
    let mut tx = state.db.system().begin().await?;
    let row: Option<(Uuid, Uuid, Option<Value>, Option<Value>, Option<String>, Uuid, String, f64, String)> = sqlx::query_as(
        "SELECT t.id, t.user_id, t.ai_plan, s.ai_call_script, t.target_phone_number, r.id, u.display_name,
                a.max_auto_approve_amount::float8, a.time_zone
         FROM call_sessions s
         JOIN call_tasks t ON t.id = s.call_task_id
         JOIN call_transcripts r ON r.call_session_id = s.id
         JOIN users u ON u.id = t.user_id
         JOIN assistant_settings a ON a.user_id = t.user_id
         WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let (task_id, user_id, plan, script, phone, transcript_id, user_name, max_auto, tz) =
        row.ok_or_else(|| ApiError::not_found("Call session"))?;
    let mut plan: AiPlan = serde_json::from_value(plan.unwrap_or_default()).map_err(bad_stored)?;
    plan.target_phone_number = state.cipher.decrypt_opt(phone.as_deref()).map_err(bad_stored)?;
    let script: CallScript = serde_json::from_value(script.unwrap_or_default()).map_err(bad_stored)?;
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    Ok(LiveContext {
        session_id,
        task_id,
        user_id,
        transcript_id,
        plan,
        script,
        user_name,
        max_auto_approve: max_auto,
        today: Utc::now().with_timezone(&tz).date_naive(),
    })
}

/// Stores an utterance (encrypted) and publishes it when stored.
pub async fn append_segment(
    state: &AppState,
    ctx: &LiveContext,
    speaker: Speaker,
    content: &str,
    timestamp_ms: i32,
    confidence: Option<f64>,
) -> ApiResult<()> {
    let mut tx = state.db.system().begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO call_transcript_segments (call_transcript_id, speaker, content, timestamp_ms, confidence)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(ctx.transcript_id)
    .bind(speaker.as_str())
    .bind(state.cipher.encrypt(content))
    .bind(timestamp_ms)
    .bind(confidence)
    .fetch_one(&mut *tx)
    .await?;
    publish(
        &mut tx,
        ctx.user_id,
        ServerEvent::SegmentAppended {
            call_session_id: ctx.session_id,
            call_task_id: ctx.task_id,
            segment_id: id,
            speaker,
            content: content.to_owned(),
            timestamp_ms,
        },
    )
    .await?;
    super::metrics::METRICS.published(id);
    tx.commit().await?;
    Ok(())
}

/// Opens an approval request: the user is notified and has until the
/// returned time to decide.
pub async fn request_approval(
    state: &AppState,
    ctx: &LiveContext,
    amount: f64,
    limit: f64,
    reason: &str,
) -> ApiResult<DateTime<Utc>> {
    let currency = ctx.plan.hard_constraints.currency.clone().unwrap_or_else(|| "USD".into());
    let mut tx = state.db.system().begin().await?;
    let expires_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO call_approvals (call_session_id, amount, limit_amount, currency, reason, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING expires_at",
    )
    .bind(ctx.session_id)
    .bind(amount)
    .bind(limit)
    .bind(&currency)
    .bind(reason)
    .bind(state.config.calls.approval_timeout_secs as f64)
    .fetch_one(&mut *tx)
    .await?;
    super::notifications::create(
        &mut tx,
        ctx.user_id,
        Some(ctx.task_id),
        Some(ctx.session_id),
        NotificationType::ApprovalNeeded,
        &format!("Approval needed on your call: {reason}"),
    )
    .await?;
    publish(
        &mut tx,
        ctx.user_id,
        ServerEvent::ApprovalRequested {
            call_session_id: ctx.session_id,
            call_task_id: ctx.task_id,
            amount,
            limit,
            currency,
            reason: reason.to_owned(),
            expires_at,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(expires_at)
}

/// At the approval deadline: the decision if the user made one (in case its
/// notification never arrived), otherwise marks the request timed out.
pub async fn expire_approval(state: &AppState, ctx: &LiveContext) -> ApiResult<Option<bool>> {
    let mut tx = state.db.system().begin().await?;
    let decided: Option<Option<bool>> = sqlx::query_scalar(
        "SELECT decision FROM call_approvals WHERE call_session_id = $1 AND NOT timed_out ORDER BY requested_at DESC LIMIT 1 FOR UPDATE",
    )
    .bind(ctx.session_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(Some(decision)) = decided {
        tx.commit().await?;
        return Ok(Some(decision));
    }
    let n = sqlx::query(
        "UPDATE call_approvals SET timed_out = true WHERE call_session_id = $1 AND decision IS NULL AND NOT timed_out",
    )
    .bind(ctx.session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        publish(&mut tx, ctx.user_id, ServerEvent::ApprovalResolved { call_session_id: ctx.session_id, approved: None }).await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// The user's decision on a pending approval (409 when none is pending).
pub async fn decide(state: &AppState, user: &CurrentUser, session_id: Uuid, approve: bool) -> ApiResult<()> {
    let mut tx = state.db.begin_as(user.id).await?;
    let (task_id,): (Uuid,) = sqlx::query_as("SELECT call_task_id FROM call_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("Call session"))?;
    let n = sqlx::query(
        "UPDATE call_approvals SET decision = $2, decided_at = now()
         WHERE call_session_id = $1 AND decision IS NULL AND NOT timed_out AND expires_at > now()",
    )
    .bind(session_id)
    .bind(approve)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::conflict("No approval is waiting on this call (it may have been answered or timed out)."));
    }
    send_approval(&mut tx, session_id, approve).await?;
    publish(&mut tx, user.id, ServerEvent::ApprovalResolved { call_session_id: session_id, approved: Some(approve) }).await?;
    audit::record(
        &mut tx,
        Entry::by(
            user,
            if approve { "call.approve" } else { "call.reject" },
            "call_session",
            Some(session_id),
            json!({ "task": task_id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The session as the user sees it.
pub async fn detail(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<SessionDetail> {
    // One snapshot: the call may be writing its transcript meanwhile.
    let mut tx = state.db.snapshot_as(user.id).await?;
    let session = session_summary(&mut tx, state, id).await?;
    let title: String =
        sqlx::query_scalar("SELECT title FROM call_tasks WHERE id = $1").bind(session.call_task_id).fetch_one(&mut *tx).await?;
    let transcript: Option<(Uuid, String, Option<String>, Option<String>, Option<bool>, bool, Option<Value>)> = sqlx::query_as(
        "SELECT id, full_transcript, ai_summary, sentiment_overall, goal_achieved, follow_up_required, follow_up_tasks
         FROM call_transcripts WHERE call_session_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let mut segments = Vec::new();
    let transcript = match transcript {
        None => None,
        Some((tid, full, summary, sentiment, achieved, follow_up, tasks)) => {
            let rows: Vec<(Uuid, String, String, i32, Option<f64>)> = sqlx::query_as(
                "SELECT id, speaker, content, timestamp_ms, confidence::float8 FROM call_transcript_segments
                 WHERE call_transcript_id = $1 ORDER BY timestamp_ms, created_at",
            )
            .bind(tid)
            .fetch_all(&mut *tx)
            .await?;
            for (sid, speaker, content, ts, confidence) in rows {
                segments.push(Segment {
                    id: sid,
                    speaker: speaker.parse().map_err(bad_stored)?,
                    content: state.cipher.decrypt(&content).map_err(bad_stored)?,
                    timestamp_ms: ts,
                    confidence,
                });
            }
            Some(Transcript {
                full_transcript: state.cipher.decrypt(&full).map_err(bad_stored)?,
                ai_summary: state.cipher.decrypt_opt(summary.as_deref()).map_err(bad_stored)?,
                sentiment_overall: sentiment.map(|s| s.parse()).transpose().map_err(bad_stored)?,
                goal_achieved: achieved,
                follow_up_required: follow_up,
                follow_up_tasks: tasks.and_then(|t| serde_json::from_value(t).ok()),
            })
        }
    };
    let rows: Vec<(Uuid, String, Value, Option<f64>)> = sqlx::query_as(
        "SELECT id, data_type, extracted_value, confidence::float8 FROM call_extracted_data WHERE call_session_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let extracted_data = rows
        .into_iter()
        .map(|(eid, t, v, c)| {
            Ok(ExtractedData {
                id: eid,
                data_type: t.parse::<DataType>().map_err(bad_stored)?,
                extracted_value: v,
                confidence: c,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let approval: Option<(f64, f64, String, String, DateTime<Utc>, DateTime<Utc>, Option<bool>, bool)> = sqlx::query_as(
        "SELECT amount::float8, limit_amount::float8, currency, reason, requested_at, expires_at, decision, timed_out
         FROM call_approvals WHERE call_session_id = $1 ORDER BY requested_at DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let approval = approval.map(|(amount, limit, currency, reason, requested_at, expires_at, decision, timed_out)| Approval {
        amount,
        limit,
        currency,
        reason,
        requested_at,
        expires_at,
        decision,
        timed_out,
    });
    Ok(SessionDetail { session, task_title: title, transcript, segments, extracted_data, approval })
}

/// `POST /api/call-sessions/{id}/process` for the session's owner.
pub async fn process_for_user(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<CallSummary> {
    let mut tx = state.db.begin_as(user.id).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM call_sessions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    let status: SessionStatus = status.ok_or_else(|| ApiError::not_found("Call session"))?.parse().map_err(bad_stored)?;
    if rank(status) < 3 {
        return Err(ApiError::new(ErrorCode::InvalidTransition, "The call is still in progress; it is processed when it ends."));
    }
    process(state, id).await
}

/// Post-call processing: summary, sentiment, follow-ups, extracted data,
/// the task's outcome and the user's notification. Idempotent: a processed
/// session returns its stored summary.
pub async fn process(state: &AppState, session_id: Uuid) -> ApiResult<CallSummary> {
    let mut tx = state.db.system().begin().await?;
    type Row =
        (Uuid, Option<String>, Option<String>, Option<bool>, bool, Option<Value>, DateTime<Utc>, Option<Value>, String, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT r.id, r.ai_summary, r.sentiment_overall, r.goal_achieved, r.follow_up_required, r.follow_up_tasks, s.started_at, t.ai_plan,
                a.time_zone, a.default_region
         FROM call_transcripts r JOIN call_sessions s ON s.id = r.call_session_id
         JOIN call_tasks t ON t.id = s.call_task_id JOIN assistant_settings a ON a.user_id = t.user_id
         WHERE r.call_session_id = $1 FOR UPDATE OF r",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (transcript_id, done, sentiment, achieved, follow_up, follow_tasks, started_at, plan, tz, region) =
        row.ok_or_else(|| ApiError::not_found("Call session"))?;
    let stored_items = |rows: Vec<(String, Value, Option<f64>)>| -> ApiResult<Vec<crate::domain::plan::ExtractedItem>> {
        rows.into_iter()
            .map(|(t, v, c)| {
                Ok(crate::domain::plan::ExtractedItem {
                    data_type: t.parse().map_err(bad_stored)?,
                    extracted_value: v,
                    confidence: c.unwrap_or(0.0),
                })
            })
            .collect()
    };
    if let Some(summary) = done {
        let rows: Vec<(String, Value, Option<f64>)> = sqlx::query_as("SELECT data_type, extracted_value, confidence::float8 FROM call_extracted_data WHERE call_session_id = $1 ORDER BY created_at, id")
            .bind(session_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(CallSummary {
            summary: state.cipher.decrypt(&summary).map_err(bad_stored)?,
            extracted_data: stored_items(rows)?,
            sentiment_overall: sentiment.unwrap_or_else(|| "neutral".into()).parse().map_err(bad_stored)?,
            goal_achieved: achieved.unwrap_or(false),
            follow_up_required: follow_up,
            follow_up_tasks: follow_tasks.and_then(|t| serde_json::from_value(t).ok()).unwrap_or_default(),
        });
    }
    let rows: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT speaker, content, timestamp_ms FROM call_transcript_segments WHERE call_transcript_id = $1 ORDER BY timestamp_ms, created_at",
    )
    .bind(transcript_id)
    .fetch_all(&mut *tx)
    .await?;
    let lines = rows
        .into_iter()
        .map(|(speaker, content, ts)| {
            Ok(Line {
                speaker: speaker.parse().map_err(bad_stored)?,
                content: state.cipher.decrypt(&content).map_err(bad_stored)?,
                timestamp_ms: ts as i64,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let plan: Option<AiPlan> = plan.and_then(|p| serde_json::from_value(p).ok());
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let call_date = started_at.with_timezone(&tz).date_naive();
    // The model may take a while: no row stays locked meanwhile.
    tx.commit().await?;
    // "12/5" is December 5 in the US, 12 May elsewhere.
    let (summary, engine) = state.ai.summarize(&lines, plan.as_ref(), call_date, region == "US").await?;

    let full: String = lines.iter().map(|l| format!("{}: {}", l.speaker, l.content)).collect::<Vec<_>>().join("\n");
    let mut tx = state.db.system().begin().await?;
    let claimed = sqlx::query(
        "UPDATE call_transcripts SET full_transcript = $2, ai_summary = $3, sentiment_overall = $4, goal_achieved = $5,
                follow_up_required = $6, follow_up_tasks = $7
         WHERE id = $1 AND ai_summary IS NULL",
    )
    .bind(transcript_id)
    .bind(state.cipher.encrypt(&full))
    .bind(state.cipher.encrypt(&summary.summary))
    .bind(summary.sentiment_overall.as_str())
    .bind(summary.goal_achieved)
    .bind(summary.follow_up_required)
    .bind(json!(summary.follow_up_tasks))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        // Another process got there first: theirs stands.
        tx.rollback().await?;
        return Box::pin(process(state, session_id)).await;
    }
    for item in &summary.extracted_data {
        sqlx::query(
            "INSERT INTO call_extracted_data (call_session_id, data_type, extracted_value, confidence) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_id)
        .bind(item.data_type.as_str())
        .bind(&item.extracted_value)
        .bind(item.confidence)
        .execute(&mut *tx)
        .await?;
    }
    let (user_id, task_id) = owner(&mut tx, session_id).await?;
    finish_task(&mut tx, user_id, task_id, summary.goal_achieved).await?;
    let (kind, message) = if summary.goal_achieved {
        (NotificationType::CallCompleted, format!("Call finished: {}", summary.summary))
    } else {
        (NotificationType::CallFailed, format!("The call did not reach its goal: {}", summary.summary))
    };
    super::notifications::create(&mut tx, user_id, Some(task_id), Some(session_id), kind, &message).await?;
    publish(
        &mut tx,
        user_id,
        ServerEvent::CallProcessed { call_session_id: session_id, call_task_id: task_id, goal_achieved: summary.goal_achieved },
    )
    .await?;
    audit::record(
        &mut tx,
        Entry {
            user_id: Some(user_id),
            action: "call.process",
            entity_type: "call_session",
            entity_id: Some(session_id),
            details: json!({ "engine": engine, "goal_achieved": summary.goal_achieved }),
            request_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// The session a provider call SID belongs to.
pub async fn session_for_sid(state: &AppState, sid: &str) -> ApiResult<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM call_sessions WHERE provider_call_sid = $1")
        .bind(sid)
        .fetch_optional(state.db.system())
        .await?)
}
