//! The durable work queue in PostgreSQL, shared by every server process.
//! A job is queued in the caller's transaction, claimed with `FOR UPDATE
//! SKIP LOCKED`, and claimed again when its worker vanished and its lease
//! expired, so a restart loses nothing. What each kind of job does is not
//! known here: the handler is passed in (`server::start` wires it).

use super::db::Db;
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::domain::schedule::retry_delay;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::future::Future;
use std::panic::AssertUnwindSafe;
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
    /// Ask the phone network what a finished call cost (`attempt` counts
    /// the times it had not priced it yet).
    PriceCall { session_id: Uuid, attempt: u32 },
    /// Delete a recording from the network that keeps it (its call is gone).
    DeleteRecording { url: String },
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::StartCall { .. } => "start_call",
            Job::ProcessCall { .. } => "process_call",
            Job::PriceCall { .. } => "price_call",
            Job::DeleteRecording { .. } => "delete_recording",
        }
    }

    fn dedupe_key(&self) -> String {
        match self {
            Job::StartCall { task_id } => format!("start_call:{task_id}"),
            Job::ProcessCall { session_id } => format!("process_call:{session_id}"),
            Job::PriceCall { session_id, .. } => format!("price_call:{session_id}"),
            Job::DeleteRecording { url } => format!("delete_recording:{url}"),
        }
    }
}

/// What every insert into `jobs` does when a job with the same key is
/// already waiting: moves that one to the new time instead.
pub const ON_KEY: &str =
    "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status = 'queued' DO UPDATE SET run_at = EXCLUDED.run_at";

/// Jobs as the columns of a statement that queues them along with the
/// change that needs them: bound as `text[]` (kind), `jsonb[]` (payload),
/// `text[]` (key) and `timestamptz[]` (run at), read with `UNNEST`, and
/// inserted with [`ON_KEY`] (and a `pg_notify('callwright_jobs', '')`).
#[derive(Default)]
pub struct Columns {
    pub kinds: Vec<&'static str>,
    pub payloads: Vec<serde_json::Value>,
    pub keys: Vec<String>,
    pub run_at: Vec<DateTime<Utc>>,
}

impl Columns {
    pub fn push(&mut self, job: &Job, run_at: DateTime<Utc>) {
        self.kinds.push(job.kind());
        self.payloads.push(serde_json::to_value(job).unwrap_or_default());
        self.keys.push(job.dedupe_key());
        self.run_at.push(run_at);
    }
}

/// Queues `job` to run at `run_at`, in the caller's transaction (so it
/// exists exactly when the change that needs it is committed), and wakes
/// the workers, in one statement. A job with the same key already waiting
/// is moved to the new time instead.
pub async fn enqueue(
    conn: &mut PgConnection,
    job: &Job,
    user_id: Option<Uuid>,
    run_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "WITH queued AS (INSERT INTO jobs (kind, payload, user_id, dedupe_key, run_at) VALUES ($1, $2, $3, $4, $5) {ON_KEY})
             SELECT pg_notify('callwright_jobs', '')"
        )
    });
    sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
        .bind(job.kind())
        .bind(serde_json::to_value(job).unwrap_or_default())
        .bind(user_id)
        .bind(job.dedupe_key())
        .bind(run_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets jobs that ended long ago: done after a week, failed (parked)
/// after a month, kept that long to read what went wrong.
pub async fn purge_finished(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM jobs WHERE (status = 'done' AND run_at < now() - interval '7 days')
                             OR (status = 'failed' AND run_at < now() - interval '30 days')",
    )
    .execute(db.system())
    .await?
    .rows_affected())
}

/// Drops a waiting job (e.g. a schedule that was cleared).
pub async fn cancel(conn: &mut PgConnection, job: &Job) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM jobs WHERE dedupe_key = $1 AND status = 'queued'").bind(job.dedupe_key()).execute(conn).await?;
    Ok(())
}

/// Runs jobs with `handler` until the process stops. A job whose handler
/// fails with a retryable error, or panics, is queued again after a
/// backoff, up to its attempts; any other failure ends it as failed. The
/// worker itself never stops on a job.
pub async fn run_worker<H, F>(db: Db, worker: String, handler: H)
where
    H: Fn(Job) -> F,
    F: Future<Output = ApiResult<()>>,
{
    loop {
        match claim(&db, &worker).await {
            Ok(Some(claimed)) => {
                let outcome = match AssertUnwindSafe(handler(claimed.job)).catch_unwind().await {
                    Ok(outcome) => outcome,
                    Err(panic) => {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "no message".into());
                        tracing::error!(id = claimed.id, panic = %what, "a job panicked");
                        Err(ApiError::new(ErrorCode::Internal, format!("the job panicked: {what}")))
                    }
                };
                if let Err(e) = finish(&db, claimed.id, outcome, claimed.attempts, claimed.max_attempts).await {
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

/// A job this worker holds.
struct Claimed {
    id: i64,
    job: Job,
    attempts: i32,
    max_attempts: i32,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: i64,
    payload: serde_json::Value,
    attempts: i32,
    max_attempts: i32,
}

async fn claim(db: &Db, worker: &str) -> Result<Option<Claimed>, sqlx::Error> {
    // Jobs whose worker died go back to the queue (claimable from the next
    // claim on), or are parked when that was their last attempt (a job that
    // kills its process must not kill every process after it); in the same
    // statement as the claim, one round trip for both.
    let row: Option<ClaimedRow> = sqlx::query_as(
        "WITH lost AS (
             UPDATE jobs SET locked_by = NULL,
                 status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                 last_error = 'its worker stopped while running it'
             WHERE status = 'running' AND locked_until < now()
         )
         UPDATE jobs SET status = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= now() ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING id, payload, attempts, max_attempts",
    )
    .bind(worker)
    .bind(LEASE_SECS as f64)
    .fetch_optional(db.system())
    .await?;
    let Some(row) = row else { return Ok(None) };
    match serde_json::from_value(row.payload) {
        Ok(job) => Ok(Some(Claimed { id: row.id, job, attempts: row.attempts, max_attempts: row.max_attempts })),
        Err(e) => {
            tracing::error!(id = row.id, error = %e, "unreadable job");
            sqlx::query("UPDATE jobs SET status = 'failed', locked_by = NULL, last_error = $2 WHERE id = $1")
                .bind(row.id)
                .bind(format!("unreadable job: {e}"))
                .execute(db.system())
                .await?;
            Ok(None)
        }
    }
}

async fn finish(db: &Db, id: i64, outcome: ApiResult<()>, attempts: i32, max_attempts: i32) -> Result<(), sqlx::Error> {
    match outcome {
        Ok(()) => {
            sqlx::query("UPDATE jobs SET status = 'done', locked_by = NULL WHERE id = $1").bind(id).execute(db.system()).await?;
        }
        Err(e) if attempts < max_attempts && e.is_retryable() => {
            let delay = retry_delay(5, attempts as u32).num_seconds() as f64;
            sqlx::query("UPDATE jobs SET status = 'queued', locked_by = NULL, last_error = $2, run_at = now() + make_interval(secs => $3) WHERE id = $1")
                .bind(id)
                .bind(&e.message)
                .bind(delay)
                .execute(db.system())
                .await?;
        }
        Err(e) => {
            tracing::warn!(id, error = %e.message, "job failed");
            sqlx::query("UPDATE jobs SET status = 'failed', locked_by = NULL, last_error = $2 WHERE id = $1")
                .bind(id)
                .bind(&e.message)
                .execute(db.system())
                .await?;
        }
    }
    Ok(())
}
