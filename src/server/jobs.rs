//! The durable work queue in PostgreSQL, shared by every server process:
//! scheduled calls, retries of failed calls, post-call processing, and the
//! recovery of calls whose server process died. Jobs are claimed with
//! `FOR UPDATE SKIP LOCKED`; a job whose worker vanished is claimed again
//! when its lock expires, so a restart loses nothing.

use super::accounts::{AuthVia, CurrentUser};
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::domain::enums::{SessionStatus, TaskStatus};
use crate::domain::schedule::{next_business_time, retry_delay};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// How often an idle worker looks for due jobs.
const POLL: Duration = Duration::from_millis(250);
/// How long a claimed job may run before another worker may take it.
const LEASE_SECS: i32 = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Place the task's call (scheduled, or a retry).
    StartCall { task_id: Uuid },
    /// Summarise a finished call and store its facts.
    ProcessCall { session_id: Uuid },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::StartCall { .. } => "start_call",
            Job::ProcessCall { .. } => "process_call",
        }
    }

    fn dedupe_key(&self) -> String {
        match self {
            Job::StartCall { task_id } => format!("start_call:{task_id}"),
            Job::ProcessCall { session_id } => format!("process_call:{session_id}"),
        }
    }
}

/// Queues `job` to run at `run_at`, in the caller's transaction (so it
/// exists exactly when the change that needs it is committed). A job with
/// the same key already waiting is moved to the new time instead.
pub async fn enqueue(
    conn: &mut PgConnection,
    job: &Job,
    user_id: Option<Uuid>,
    run_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO jobs (kind, payload, user_id, dedupe_key, run_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status = 'queued'
         DO UPDATE SET run_at = EXCLUDED.run_at",
    )
    .bind(job.kind())
    .bind(serde_json::to_value(job).unwrap_or_default())
    .bind(user_id)
    .bind(job.dedupe_key())
    .bind(run_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify('callwright_jobs', '')").execute(conn).await?;
    Ok(())
}

/// Drops a waiting job (e.g. a schedule that was cleared).
pub async fn cancel(conn: &mut PgConnection, job: &Job) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM jobs WHERE dedupe_key = $1 AND status = 'queued'").bind(job.dedupe_key()).execute(conn).await?;
    Ok(())
}

/// Runs jobs until the process stops.
pub async fn run_worker(state: AppState, instance: Uuid) {
    let worker = instance.to_string();
    let mut sweep_at = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= sweep_at {
            if let Err(e) = sweep(&state, instance).await {
                tracing::warn!(error = %e.message, "call recovery sweep failed");
            }
            sweep_at = tokio::time::Instant::now() + heartbeat_interval(&state);
        }
        match claim(&state, &worker).await {
            Ok(Some((id, job, attempts, max_attempts))) => {
                let outcome = execute(&state, &job).await;
                if let Err(e) = finish(&state, id, outcome, attempts, max_attempts).await {
                    tracing::warn!(error = %e, "cannot record a job's outcome");
                }
            }
            Ok(None) => tokio::time::sleep(POLL).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim jobs");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn claim(state: &AppState, worker: &str) -> Result<Option<(i64, Job, i32, i32)>, sqlx::Error> {
    // Jobs whose worker died go back to the queue.
    sqlx::query("UPDATE jobs SET status = 'queued', locked_by = NULL WHERE status = 'running' AND locked_until < now()")
        .execute(state.db.system())
        .await?;
    let row: Option<(i64, serde_json::Value, i32, i32)> = sqlx::query_as(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= now() ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING id, payload, attempts, max_attempts",
    )
    .bind(worker)
    .bind(LEASE_SECS as f64)
    .fetch_optional(state.db.system())
    .await?;
    Ok(row.and_then(|(id, payload, attempts, max)| match serde_json::from_value(payload) {
        Ok(job) => Some((id, job, attempts, max)),
        Err(e) => {
            tracing::error!(id, error = %e, "unreadable job");
            None
        }
    }))
}

async fn finish(state: &AppState, id: i64, outcome: ApiResult<()>, attempts: i32, max_attempts: i32) -> Result<(), sqlx::Error> {
    match outcome {
        Ok(()) => {
            sqlx::query("UPDATE jobs SET status = 'done', locked_by = NULL WHERE id = $1")
                .bind(id)
                .execute(state.db.system())
                .await?;
        }
        Err(e) if attempts < max_attempts && e.code.http_status() >= 500 => {
            let delay = retry_delay(5, attempts as u32).num_seconds() as f64;
            sqlx::query("UPDATE jobs SET status = 'queued', locked_by = NULL, last_error = $2, run_at = now() + make_interval(secs => $3) WHERE id = $1")
                .bind(id)
                .bind(&e.message)
                .bind(delay)
                .execute(state.db.system())
                .await?;
        }
        Err(e) => {
            tracing::warn!(id, error = %e.message, "job failed");
            sqlx::query("UPDATE jobs SET status = 'failed', locked_by = NULL, last_error = $2 WHERE id = $1")
                .bind(id)
                .bind(&e.message)
                .execute(state.db.system())
                .await?;
        }
    }
    Ok(())
}

async fn execute(state: &AppState, job: &Job) -> ApiResult<()> {
    match job {
        Job::ProcessCall { session_id } => super::calls::process(state, *session_id).await.map(|_| ()),
        Job::StartCall { task_id } => start_scheduled(state, *task_id).await,
    }
}

/// A scheduled or retried call: placed on the user's behalf, unless the task
/// moved on meanwhile; outside business hours it waits for the next window.
async fn start_scheduled(state: &AppState, task_id: Uuid) -> ApiResult<()> {
    let row: Option<(Uuid, String, bool, String, String, String)> = sqlx::query_as(
        "SELECT t.user_id, t.status, a.business_hours_only, a.time_zone,
                to_char(a.business_hours_start, 'HH24:MI'), to_char(a.business_hours_end, 'HH24:MI')
         FROM call_tasks t JOIN assistant_settings a ON a.user_id = t.user_id WHERE t.id = $1",
    )
    .bind(task_id)
    .fetch_optional(state.db.system())
    .await?;
    let Some((user_id, status, hours_only, tz, start, end)) = row else { return Ok(()) };
    let status: TaskStatus = status.parse().map_err(|e| super::error::internal("job", e))?;
    if !matches!(status, TaskStatus::ReadyToCall | TaskStatus::Failed) {
        return Ok(());
    }
    if hours_only {
        let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
        let parse = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap_or_default();
        let now = Utc::now();
        let at = next_business_time(now, &tz, parse(&start), parse(&end));
        if at > now + chrono::Duration::seconds(1) {
            let mut tx = state.db.system().begin().await?;
            enqueue(&mut tx, &Job::StartCall { task_id }, Some(user_id), at).await?;
            tx.commit().await?;
            return Ok(());
        }
    }
    let user = CurrentUser { id: user_id, via: AuthVia::Job, request_id: None };
    match super::calls::start_call(state, &user, task_id).await {
        Ok(_) => Ok(()),
        // Limits and state changes are final for this attempt.
        Err(e) if e.code.http_status() < 500 => {
            tracing::info!(%task_id, reason = %e.message, "scheduled call not placed");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// After a failed call: queue a retry when the user's settings allow one.
pub async fn schedule_retry(conn: &mut PgConnection, task_id: Uuid, retry_base_secs: u64) -> ApiResult<bool> {
    let row: Option<(Uuid, bool, i32, i64)> = sqlx::query_as(
        "SELECT t.user_id, a.auto_retry_failed_calls, a.max_retry_attempts,
                (SELECT count(*) FROM call_sessions s WHERE s.call_task_id = t.id)
         FROM call_tasks t JOIN assistant_settings a ON a.user_id = t.user_id WHERE t.id = $1",
    )
    .bind(task_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, auto_retry, max_retries, attempts)) = row else { return Ok(false) };
    let retries_done = (attempts - 1).max(0) as i32;
    if !auto_retry || retries_done >= max_retries {
        return Ok(false);
    }
    let at = Utc::now() + retry_delay(retry_base_secs, retries_done as u32 + 1);
    enqueue(conn, &Job::StartCall { task_id }, Some(user_id), at).await?;
    Ok(true)
}

/// Marks calls lost with their server process as failed (and retries them
/// per settings): connected calls whose engine stopped beating, and calls
/// that never got anywhere.
async fn sweep(state: &AppState, instance: Uuid) -> ApiResult<()> {
    let lost: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM call_sessions s LEFT JOIN call_session_progress p ON p.call_session_id = s.id
         WHERE s.status IN ('initiated', 'ringing', 'connected')
           AND ((p.heartbeat_at IS NOT NULL AND p.heartbeat_at < now() - make_interval(secs => $1) AND p.engine_instance IS DISTINCT FROM $2)
             OR (p.heartbeat_at IS NULL AND s.started_at < now() - make_interval(secs => $3)))",
    )
    .bind(state.config.calls.heartbeat_stale_secs as f64)
    .bind(instance)
    .bind((state.config.calls.max_call_secs + 120) as f64)
    .fetch_all(state.db.system())
    .await?;
    for session_id in lost {
        tracing::warn!(%session_id, "recovering a call lost with its server process");
        super::calls::set_status(state, session_id, SessionStatus::Failed, None, Some("connection_lost"), None).await?;
    }
    Ok(())
}

/// How often a live call reports that its process is alive.
pub fn heartbeat_interval(state: &AppState) -> Duration {
    Duration::from_millis((state.config.calls.heartbeat_stale_secs * 1000 / 3).max(500))
}

/// The engine's heartbeat for a live call it holds.
pub async fn heartbeat(state: &AppState, session_id: Uuid, instance: Uuid) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO call_session_progress (call_session_id, engine_instance, heartbeat_at) VALUES ($1, $2, now())
         ON CONFLICT (call_session_id) DO UPDATE SET engine_instance = $2, heartbeat_at = now()",
    )
    .bind(session_id)
    .bind(instance)
    .execute(state.db.system())
    .await?;
    Ok(())
}
