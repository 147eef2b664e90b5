//! What a live call says, stored for the engine: the context the engine
//! holds a call with, and each utterance stored (encrypted, through the
//! process's group-committing journal) before it is published.

use super::repo::bad_stored;
use crate::domain::enums::Speaker;
use crate::domain::plan::{AiPlan, CallScript};
use crate::server::error::{ApiError, ApiResult};
use crate::server::journal::NewSegment;
use crate::server::settings;
use crate::server::state::AppState;
use chrono::Utc;
use serde_json::Value;
use uuid::Uuid;

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
    /// Today in the user's time zone.
    pub today: chrono::NaiveDate,
    /// The language the call is held in (`language_preference`, e.g. `en-US`).
    pub language: String,
    /// The session's status and the provider's id of the call, to check a
    /// relay connection against.
    pub status: String,
    pub provider_call_sid: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    task_id: Uuid,
    user_id: Uuid,
    ai_plan: Option<Value>,
    ai_call_script: Option<Value>,
    target_phone_number: Option<String>,
    transcript_id: Uuid,
    display_name: String,
    max_auto_approve_amount: f64,
    time_zone: String,
    language_preference: String,
    status: String,
    provider_call_sid: Option<String>,
}

/// Everything about a session the engine needs, in one query.
pub async fn live_context(state: &AppState, session_id: Uuid) -> ApiResult<LiveContext> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT t.id AS task_id, t.user_id, t.ai_plan, s.ai_call_script, t.target_phone_number, r.id AS transcript_id,
                u.display_name, a.max_auto_approve_amount::float8 AS max_auto_approve_amount, a.time_zone,
                a.language_preference, s.status, s.provider_call_sid
         FROM call_sessions s
         JOIN call_tasks t ON t.id = s.call_task_id
         JOIN call_transcripts r ON r.call_session_id = s.id
         JOIN users u ON u.id = t.user_id
         JOIN assistant_settings a ON a.user_id = t.user_id
         WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(state.db.system())
    .await?;
    let row = row.ok_or_else(|| ApiError::not_found("Call session"))?;
    let open = |stored: Option<Value>| state.cipher.open_json(stored.unwrap_or_default()).map_err(bad_stored);
    let mut plan: AiPlan = serde_json::from_value(open(row.ai_plan)?).map_err(bad_stored)?;
    plan.target_phone_number = state.cipher.decrypt_opt(row.target_phone_number.as_deref()).map_err(bad_stored)?;
    let script: CallScript = serde_json::from_value(open(row.ai_call_script)?).map_err(bad_stored)?;
    let time_zone = settings::time_zone(&row.time_zone)?;
    Ok(LiveContext {
        session_id,
        task_id: row.task_id,
        user_id: row.user_id,
        transcript_id: row.transcript_id,
        plan,
        script,
        user_name: row.display_name,
        max_auto_approve: row.max_auto_approve_amount,
        today: Utc::now().with_timezone(&time_zone).date_naive(),
        language: row.language_preference,
        status: row.status,
        provider_call_sid: row.provider_call_sid,
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
    append_segments(state, ctx, &[(speaker, content, timestamp_ms)], confidence).await
}

/// Stores utterances of one call (encrypted, in order, together) and
/// publishes them when stored: one write for what was heard and what was
/// said in a turn.
pub async fn append_segments(
    state: &AppState,
    ctx: &LiveContext,
    lines: &[(Speaker, &str, i32)],
    confidence: Option<f64>,
) -> ApiResult<()> {
    let segments = lines
        .iter()
        .map(|&(speaker, content, timestamp_ms)| NewSegment {
            transcript_id: ctx.transcript_id,
            session_id: ctx.session_id,
            task_id: ctx.task_id,
            user_id: ctx.user_id,
            speaker,
            content: content.to_owned(),
            timestamp_ms,
            confidence,
        })
        .collect();
    state.journal.append(segments).await
}
