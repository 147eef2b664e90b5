//! A session's progress as the network reports it: forward only
//! ([`SessionStatus::advance`]), never on a stale sequence number. An
//! unsuccessful end fails the task, queues a retry when the user's settings
//! allow one and tells the user; a completed call queues its processing.

use super::repo::Owner;
use crate::domain::enums::{FailureReason, NotificationType, SessionStatus, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::schedule::retry_delay;
use crate::domain::task::TaskEvent;
use crate::server::audit;
use crate::server::error::ApiResult;
use crate::server::jobs::{self, Job};
use crate::server::notifications;
use crate::server::settings;
use crate::server::state::AppState;
use crate::server::usage;
use chrono::Utc;
use serde_json::json;
use sqlx::{Acquire, PgConnection};
use uuid::Uuid;

/// Moves a session to `reported` when that is progress and `sequence` (the
/// network's `SequenceNumber`) is newer than any seen, and keeps `call_sid`
/// (the network's id of the call) when none was known. Returns whether
/// anything changed; a session that does not exist changes nothing.
pub async fn set_status(state: &AppState, session_id: Uuid, reported: SessionStatus, report: Report<'_>) -> ApiResult<bool> {
    let moved = if !reported.is_terminal() {
        advance_live(state, session_id, reported, report.sequence, None, report.call_sid).await?
    } else {
        end_call(state, session_id, reported, &report).await?
    };
    if let (false, Some(sid)) = (moved, report.call_sid) {
        // A report that moved nothing may still be the first to name the call.
        sqlx::query("UPDATE call_sessions SET provider_call_sid = $2 WHERE id = $1 AND provider_call_sid IS NULL")
            .bind(session_id)
            .bind(sid)
            .execute(state.db.system())
            .await?;
    }
    Ok(moved)
}

/// Ends a call: the way most end (completed) in one statement; a failed or
/// cancelled call also fails its task, may queue a retry and tells the user.
async fn end_call(state: &AppState, session_id: Uuid, reported: SessionStatus, report: &Report<'_>) -> ApiResult<bool> {
    let mut conn = state.db.system().acquire().await?;
    if reported == SessionStatus::Completed {
        let ended = end(&mut conn, state, session_id, reported, report).await?;
        if ended.is_some() {
            state.hub.call_ended(session_id);
        }
        return Ok(ended.is_some());
    }
    let mut tx = conn.begin().await?;
    // The task is locked before the session, as a purge of the task takes
    // them: it is failed below, after the session has moved.
    sqlx::query(
        "SELECT 1 FROM call_tasks t JOIN call_sessions s ON s.call_task_id = t.id WHERE s.id = $1 FOR NO KEY UPDATE OF t",
    )
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    let Some(who) = end(&mut tx, state, session_id, reported, report).await? else {
        tx.commit().await?;
        return Ok(false);
    };
    finish_task(&mut tx, who.user_id, who.task_id, false).await?;
    if reported == SessionStatus::Failed && schedule_retry(&mut tx, who.task_id, state.config.calls.retry_base_secs).await? {
        audit::system(&mut tx, who.user_id, "call.retry_scheduled", session_id, json!({ "task": who.task_id })).await?;
    }
    let why = report.failure_reason.map_or("it could not be connected", FailureReason::explained);
    notifications::create(
        &mut tx,
        &state.cipher,
        who.user_id,
        Some(who.task_id),
        Some(session_id),
        NotificationType::CallFailed,
        &format!("Your call did not go through: {why}."),
    )
    .await?;
    tx.commit().await?;
    state.hub.call_ended(session_id);
    Ok(true)
}

/// What the network said with a status, besides the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report<'a> {
    /// Its `SequenceNumber`: a report not newer than one seen is stale.
    pub sequence: Option<i32>,
    pub failure_reason: Option<FailureReason>,
    /// How long the call lasted (`CallDuration`), when it has ended.
    pub duration: Option<i32>,
    /// The network's id of the call (`CallSid`).
    pub call_sid: Option<&'a str>,
}

/// A status event whose owner the statement sending it fills in: the
/// marks in its payload become the row's user and task ids.
struct Marked(String);

/// The session `$1`, locked, when it is in one of the statuses `$2` and
/// the sequence number `$4` (if any) is newer than any seen: the first
/// part of a statement that moves a call forward.
const MOVABLE: &str = "cur AS (
    SELECT s.id, s.status, t.user_id, t.id AS task_id
    FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
    LEFT JOIN call_session_progress p ON p.call_session_id = s.id
    WHERE s.id = $1 AND s.status = ANY($2) AND ($4::int IS NULL OR $4 > COALESCE(p.last_sequence, -1))
    FOR UPDATE OF s
)";

const USER_MARK: Uuid = crate::server::realtime::MARKS[0];
const TASK_MARK: Uuid = crate::server::realtime::MARKS[1];

impl Marked {
    fn status(session_id: Uuid, status: SessionStatus, failure_reason: Option<FailureReason>) -> Marked {
        let event = ServerEvent::SessionStatus { call_session_id: session_id, call_task_id: TASK_MARK, status, failure_reason };
        Marked(crate::server::realtime::payload_of(USER_MARK, event))
    }
}

/// Ends a call in one statement: the locking read, the move (only from a
/// live status, only on a newer sequence number), the end time, duration
/// and (for a call never placed) the zero price, the sequence, the audit
/// entry, the jobs (its price when the network will charge for it, its
/// processing when it completed) and the event commit together. Returns
/// whose call it was when it ended now.
async fn end(
    conn: &mut PgConnection,
    state: &AppState,
    session_id: Uuid,
    status: SessionStatus,
    report: &Report<'_>,
) -> ApiResult<Option<Owner>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let on_key = jobs::ON_KEY;
        format!(
            "WITH {MOVABLE}, moved AS (
                 -- A call never placed (no SID) cost nothing; one the network
                 -- prices later is asked about once it has ended.
                 UPDATE call_sessions s SET status = $3,
                     provider_call_sid = COALESCE(s.provider_call_sid, $7),
                     failure_reason = COALESCE($5, s.failure_reason),
                     ended_at = now(),
                     duration_seconds = COALESCE($6, GREATEST(0, EXTRACT(epoch FROM now() - s.started_at))::int),
                     telephony_price = CASE WHEN COALESCE(s.provider_call_sid, $7) IS NULL THEN 0 ELSE s.telephony_price END,
                     telephony_price_unit = CASE WHEN COALESCE(s.provider_call_sid, $7) IS NULL THEN 'USD' ELSE s.telephony_price_unit END
                 FROM cur WHERE s.id = cur.id
                 RETURNING cur.status AS was, cur.user_id, cur.task_id, s.telephony_price IS NULL AS to_price
             ), progressed AS (
                 INSERT INTO call_session_progress (call_session_id, last_sequence)
                 SELECT $1, $4 FROM moved WHERE $4 IS NOT NULL
                 ON CONFLICT (call_session_id) DO UPDATE SET
                     last_sequence = GREATEST(call_session_progress.last_sequence, EXCLUDED.last_sequence)
             ), audited AS (
                 INSERT INTO audit_log (user_id, action, entity_type, entity_id, details)
                 SELECT user_id, 'call.status', 'call_session', $1,
                        jsonb_build_object('from', was, 'to', $3::text, 'failure_reason', $5::text)
                 FROM moved
             ), queued AS (
                 INSERT INTO jobs (kind, payload, user_id, dedupe_key, run_at)
                 SELECT j.kind, j.payload, moved.user_id, j.key, j.run_at
                 FROM moved, UNNEST($11::text[], $12::jsonb[], $13::text[], $14::timestamptz[]) AS j(kind, payload, key, run_at)
                 WHERE j.kind <> $15 OR moved.to_price
                 {on_key}
                 RETURNING 1
             )
             SELECT user_id, task_id,
                    pg_notify($8, replace(replace($9, $10, user_id::text), $16, task_id::text)),
                    CASE WHEN EXISTS (SELECT 1 FROM queued) THEN pg_notify('callwright_jobs', '') END
             FROM moved"
        )
    });
    let from: Vec<&str> = SessionStatus::advanced_from(status).map(SessionStatus::as_str).collect();
    let price = Job::PriceCall { session_id, attempt: 0 };
    let mut queued = jobs::Columns::default();
    queued.push(&price, Utc::now() + price_delay(state.config.calls.price_poll_secs, 0));
    if status == SessionStatus::Completed {
        queued.push(&Job::ProcessCall { session_id }, Utc::now());
    }
    let Marked(event) = Marked::status(session_id, status, report.failure_reason);
    let ended: Option<Owner> = sqlx::query_as(sqlx::AssertSqlSafe(SQL.as_str()))
        .bind(session_id)
        .bind(&from)
        .bind(status.as_str())
        .bind(report.sequence)
        .bind(report.failure_reason.map(FailureReason::as_str))
        .bind(report.duration)
        .bind(report.call_sid)
        .bind(crate::server::realtime::CHANNEL)
        .bind(event)
        .bind(USER_MARK.to_string())
        .bind(&queued.kinds)
        .bind(&queued.payloads)
        .bind(&queued.keys)
        .bind(&queued.run_at)
        .bind(price.kind())
        .bind(TASK_MARK.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(ended)
}

/// How long to wait before asking the network for a call's price the
/// `attempt`-th time: `TWILIO_PRICE_POLL_SECS` (half a minute), doubling,
/// at most two hours.
fn price_delay(base_secs: u64, attempt: u32) -> chrono::Duration {
    chrono::Duration::seconds(((base_secs.min(7200) as i64) << attempt.min(10)).min(7200))
}

/// Attempts at reading a call's price before giving up (with the default
/// pause, about six hours).
const PRICE_ATTEMPTS: u32 = 10;

/// Reads what the network charged for a finished call and stores it; not
/// priced yet, asks again later (the job queue retries a failing network).
pub async fn price(state: &AppState, session_id: Uuid, attempt: u32) -> ApiResult<()> {
    let row: Option<(Option<String>, Option<f64>, Uuid)> = sqlx::query_as(
        "SELECT s.provider_call_sid, s.telephony_price::float8, t.user_id
         FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(state.db.system())
    .await?;
    // Deleted since, or already priced: nothing to do.
    let Some((Some(sid), None, user_id)) = row else { return Ok(()) };
    let mut tx = state.db.system().begin().await?;
    match state.telephony.call_price(&sid).await? {
        Some((price, unit)) => usage::set_call_price(&mut tx, state, user_id, session_id, price, &unit).await?,
        None if attempt + 1 < PRICE_ATTEMPTS => {
            let job = Job::PriceCall { session_id, attempt: attempt + 1 };
            jobs::enqueue(
                &mut tx,
                &job,
                Some(user_id),
                Utc::now() + price_delay(state.config.calls.price_poll_secs, attempt + 1),
            )
            .await?;
        }
        None => tracing::warn!(%session_id, "the network never priced the call; its cost stays unknown"),
    }
    tx.commit().await?;
    Ok(())
}

/// The engine took the call: it is connected, and this process beats for
/// it from now on.
pub async fn connected(state: &AppState, session_id: Uuid) -> ApiResult<()> {
    if !advance_live(state, session_id, SessionStatus::Connected, None, Some(state.instance), None).await? {
        super::heartbeat(state, session_id).await?;
    }
    Ok(())
}

/// A live (not final) status, in one statement: the locking read, the
/// move (only from a status it is progress from, only on a newer sequence
/// number), the sequence, the holder's first heartbeat, the audit entry
/// and the event commit together, in one round trip instead of six, for
/// the progress every call makes. Returns whether the call moved.
async fn advance_live(
    state: &AppState,
    session_id: Uuid,
    reported: SessionStatus,
    sequence: Option<i32>,
    holder: Option<Uuid>,
    call_sid: Option<&str>,
) -> ApiResult<bool> {
    let from: Vec<&str> = SessionStatus::advanced_from(reported).map(SessionStatus::as_str).collect();
    // The owner is known inside the statement: the event is sent with marks in its place.
    let Marked(event) = Marked::status(session_id, reported, None);
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "WITH {MOVABLE}, moved AS (
             UPDATE call_sessions s SET status = $3, provider_call_sid = COALESCE(s.provider_call_sid, $10)
             FROM cur WHERE s.id = cur.id
             RETURNING cur.status AS was, cur.user_id, cur.task_id
         ), progressed AS (
             INSERT INTO call_session_progress (call_session_id, last_sequence, engine_instance, heartbeat_at)
             SELECT $1, COALESCE($4, -1), $5, CASE WHEN $5::uuid IS NOT NULL THEN now() END FROM moved
             WHERE $4 IS NOT NULL OR $5 IS NOT NULL
             ON CONFLICT (call_session_id) DO UPDATE SET
                 last_sequence = GREATEST(call_session_progress.last_sequence, EXCLUDED.last_sequence),
                 engine_instance = COALESCE(EXCLUDED.engine_instance, call_session_progress.engine_instance),
                 heartbeat_at = COALESCE(EXCLUDED.heartbeat_at, call_session_progress.heartbeat_at)
         ), audited AS (
             INSERT INTO audit_log (user_id, action, entity_type, entity_id, details)
             SELECT user_id, 'call.status', 'call_session', $1,
                    jsonb_build_object('from', was, 'to', $3::text, 'failure_reason', NULL)
             FROM moved
         )
         SELECT pg_notify($6, replace(replace($7, $8, user_id::text), $9, task_id::text)) FROM moved"
        )
    });
    let moved = sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
        .bind(session_id)
        .bind(&from)
        .bind(reported.as_str())
        .bind(sequence)
        .bind(holder)
        .bind(crate::server::realtime::CHANNEL)
        .bind(event)
        .bind(USER_MARK.to_string())
        .bind(TASK_MARK.to_string())
        .bind(call_sid)
        .execute(state.db.system())
        .await?
        .rows_affected();
    Ok(moved > 0)
}

/// Records answering-machine detection's verdict (`AnsweredBy`) and tells
/// the process holding the call, in one statement: the engine asks its
/// hub, not the database, before its first words.
pub async fn record_answer(state: &AppState, session_id: Uuid, answered_by: &str) -> ApiResult<()> {
    let machine = crate::server::telephony::answered_by_machine(answered_by);
    sqlx::query(
        "WITH recorded AS (
             INSERT INTO call_session_progress (call_session_id, answered_by) VALUES ($1, $2)
             ON CONFLICT (call_session_id) DO UPDATE SET answered_by = $2
             RETURNING call_session_id
         )
         SELECT pg_notify($3, $4) FROM recorded",
    )
    .bind(session_id)
    .bind(answered_by)
    .bind(crate::server::realtime::CHANNEL)
    .bind(crate::server::realtime::answered_payload(session_id, machine))
    .execute(state.db.system())
    .await?;
    state.hub.answered(session_id, machine);
    Ok(())
}

/// Moves an in-progress task to completed or failed (no-op otherwise), and
/// tells its owner's pages, in one statement.
pub(super) async fn finish_task(conn: &mut PgConnection, user_id: Uuid, task_id: Uuid, achieved: bool) -> ApiResult<()> {
    let to = TaskStatus::InProgress.on(TaskEvent::CallFinished { achieved }).expect("in progress can finish");
    let event = ServerEvent::TaskStatus { call_task_id: task_id, status: to };
    sqlx::query(
        "WITH moved AS (UPDATE call_tasks SET status = $2 WHERE id = $1 AND status = 'in_progress' RETURNING id)
         SELECT pg_notify($3, $4) FROM moved",
    )
    .bind(task_id)
    .bind(to.as_str())
    .bind(crate::server::realtime::CHANNEL)
    .bind(crate::server::realtime::payload_of(user_id, event))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a failed call: queue a retry when the user's settings allow one
/// (`auto_retry_failed_calls`, at most `max_retry_attempts`), after a
/// doubling backoff. Returns whether one was queued.
pub async fn schedule_retry(conn: &mut PgConnection, task_id: Uuid, retry_base_secs: u64) -> ApiResult<bool> {
    let settings = settings::for_task(conn, task_id).await?;
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM call_sessions WHERE call_task_id = $1")
        .bind(task_id)
        .fetch_one(&mut *conn)
        .await?;
    let retries_done = (attempts - 1).max(0) as i32;
    let s = &settings.settings;
    if !s.auto_retry_failed_calls || retries_done >= s.max_retry_attempts {
        return Ok(false);
    }
    let at = Utc::now() + retry_delay(retry_base_secs, retries_done as u32 + 1);
    jobs::enqueue(conn, &Job::StartCall { task_id }, Some(settings.user_id), at).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::price_delay;

    #[test]
    fn the_price_is_asked_for_again_later_each_time_up_to_two_hours() {
        let secs = |base, attempt| price_delay(base, attempt).num_seconds();
        assert_eq!((secs(30, 0), secs(30, 1), secs(30, 4)), (30, 60, 480));
        assert_eq!(secs(30, 8), 7200, "at most two hours apart");
        assert_eq!(secs(30, u32::MAX), 7200, "no overflow however many attempts");
        assert_eq!(secs(u64::MAX, 0), 7200, "nor however long the configured pause");
        // Over the ten attempts with the default pause: about six hours in all.
        let total: i64 = (0..super::PRICE_ATTEMPTS).map(|a| secs(30, a)).sum();
        assert!((6 * 3600..10 * 3600).contains(&total), "{total}");
    }
}
