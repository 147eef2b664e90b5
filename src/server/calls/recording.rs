//! A call's recording: kept when the network reports it, played to the
//! call's owner only, and deleted from the network when its call is.

use super::repo::bad_stored;
use crate::domain::enums::{FailureReason, SessionStatus};
use crate::domain::events::ServerEvent;
use crate::server::accounts::CurrentUser;
use crate::server::error::{ApiError, ApiResult};
use crate::server::jobs::{self, Job};
use crate::server::realtime::publish;
use crate::server::state::AppState;
use crate::server::telephony::recording::{Audio, Reference};
use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Kept {
    user_id: Uuid,
    task_id: Uuid,
    status: String,
    failure_reason: Option<String>,
    /// The recording the call had before, if any (its SID).
    before: Option<String>,
}

/// The network reported the recording of call `session_id` at `url`. The
/// first recording of a call is kept (a repeated report changes nothing);
/// one that arrives for a call deleted meanwhile, or a second one, is
/// deleted from the network at once, so no audio stays there that nobody
/// can reach.
pub async fn store_recording(state: &AppState, session_id: Uuid, url: &str) -> ApiResult<()> {
    let reference =
        Reference::parse(url).ok_or_else(|| ApiError::validation("RecordingUrl", "RecordingUrl is not a recording's URL"))?;
    let mut tx = state.db.system().begin().await?;
    let kept: Option<Kept> = sqlx::query_as(
        "WITH before AS (SELECT id, recording_sid FROM call_sessions WHERE id = $1 FOR UPDATE)
         UPDATE call_sessions s SET recording_sid = COALESCE(s.recording_sid, $2), recording_url = COALESCE(s.recording_url, $3)
         FROM call_tasks t, before b
         WHERE s.id = $1 AND t.id = s.call_task_id AND b.id = s.id
         RETURNING t.user_id, t.id AS task_id, s.status, s.failure_reason, b.recording_sid AS before",
    )
    .bind(session_id)
    .bind(&reference.sid)
    .bind(url)
    .fetch_optional(&mut *tx)
    .await?;
    match kept {
        None => forget(&mut tx, url, None).await?,
        Some(k) if k.before.as_deref().is_some_and(|b| b != reference.sid) => {
            tracing::warn!(%session_id, "a second recording of one call; deleting it");
            forget(&mut tx, url, Some(k.user_id)).await?;
        }
        Some(k) => {
            // The call's page shows the player: it reads the call again on this event.
            let event = ServerEvent::SessionStatus {
                call_session_id: session_id,
                call_task_id: k.task_id,
                status: k.status.parse::<SessionStatus>().map_err(bad_stored)?,
                failure_reason: k.failure_reason.map(|r| r.parse::<FailureReason>()).transpose().map_err(bad_stored)?,
            };
            publish(&mut tx, k.user_id, event).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Queues the deletion of the recording at `url` from its network.
async fn forget(conn: &mut PgConnection, url: &str, user_id: Option<Uuid>) -> ApiResult<()> {
    Ok(jobs::enqueue(conn, &Job::DeleteRecording { url: url.to_owned() }, user_id, Utc::now()).await?)
}

/// Queues the deletion of the recordings of task `task_id`'s calls, in the
/// transaction that deletes the task (the user's own).
pub async fn forget_recordings(conn: &mut PgConnection, user_id: Uuid, task_id: Uuid) -> ApiResult<()> {
    let urls: Vec<String> =
        sqlx::query_scalar("SELECT recording_url FROM call_sessions WHERE call_task_id = $1 AND recording_url IS NOT NULL")
            .bind(task_id)
            .fetch_all(&mut *conn)
            .await?;
    for url in urls {
        forget(conn, &url, Some(user_id)).await?;
    }
    Ok(())
}

/// The job: deletes the recording at `url` from its network, unless a call
/// still refers to it.
pub async fn delete_recording(state: &AppState, url: &str) -> ApiResult<()> {
    let Some(reference) = Reference::parse(url) else { return Ok(()) };
    let in_use: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM call_sessions WHERE recording_sid = $1 AND recording_url = $2)")
            .bind(&reference.sid)
            .bind(url)
            .fetch_one(state.db.system())
            .await?;
    if in_use {
        tracing::warn!(sid = %reference.sid, "not deleting a recording a call still refers to");
        return Ok(());
    }
    state.telephony.delete_recording(url).await
}

/// The recording of the user's call `session_id` (404 when there is none,
/// or the call is not theirs), or the byte range `range` asks for.
pub async fn recording(state: &AppState, user: &CurrentUser, session_id: Uuid, range: Option<&str>) -> ApiResult<Audio> {
    let mut tx = state.db.begin_as(user.id).await?;
    let url: Option<Option<String>> = sqlx::query_scalar("SELECT recording_url FROM call_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let url = url.ok_or_else(|| ApiError::not_found("Call session"))?.ok_or_else(|| ApiError::not_found("Recording"))?;
    state.telephony.recording(&url, range).await
}
