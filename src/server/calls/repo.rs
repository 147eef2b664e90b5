//! Reading calls back: the rows of `call_sessions` and its children as
//! their owner sees them (one `FromRow` struct per query), and the call's
//! page read on one snapshot.

use crate::domain::enums::DataType;
use crate::domain::session::{Approval, ExtractedData, Segment, SessionDetail, Transcript};
use crate::domain::task::CallSessionSummary;
use crate::domain::usage::CallCost;
use crate::server::accounts::CurrentUser;
use crate::server::crypto::Cipher;
use crate::server::error::{ApiError, ApiResult, internal};
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// A stored value that no longer reads (a bad enum spelling, a ciphertext
/// under another key): logged, and a 500 for the caller.
pub(super) fn bad_stored(e: impl std::fmt::Display) -> ApiError {
    internal("stored call data cannot be read", e)
}

/// A `call_sessions` row as its owner sees it (read with [`SESSION_COLUMNS`]).
#[derive(sqlx::FromRow)]
pub struct SessionRow {
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
    telephony_price: Option<f64>,
    telephony_price_unit: Option<String>,
    /// Requests, prompt tokens, completion tokens.
    ai_tokens: Vec<i64>,
    /// `None` when some usage has no price.
    ai_cost: Option<f64>,
    recorded: bool,
}

pub const SESSION_COLUMNS: &str = "id, call_task_id, provider_call_sid, status, phone_number_called, started_at, \
    ended_at, duration_seconds, failure_reason, retry_count, telephony_price::float8 AS telephony_price, telephony_price_unit, \
    (SELECT ARRAY[coalesce(sum(u.requests), 0), coalesce(sum(u.prompt_tokens), 0), coalesce(sum(u.completion_tokens), 0)]::int8[] \
     FROM ai_usage u WHERE u.call_session_id = call_sessions.id) AS ai_tokens, \
    (SELECT CASE WHEN bool_or(u.cost IS NULL) THEN NULL ELSE coalesce(sum(u.cost), 0)::float8 END \
     FROM ai_usage u WHERE u.call_session_id = call_sessions.id) AS ai_cost, recording_sid IS NOT NULL AS recorded";

impl SessionRow {
    pub fn open(self, cipher: &Cipher) -> ApiResult<CallSessionSummary> {
        let mut summary = self.read(cipher)?;
        summary.cost_text = summary.cost.text();
        Ok(summary)
    }

    fn read(self, cipher: &Cipher) -> ApiResult<CallSessionSummary> {
        Ok(CallSessionSummary {
            id: self.id,
            call_task_id: self.call_task_id,
            provider_call_sid: self.provider_call_sid,
            status: self.status.parse().map_err(bad_stored)?,
            phone_number_called: cipher.decrypt_opt(self.phone_number_called.as_deref()).map_err(bad_stored)?,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self.duration_seconds,
            failure_reason: self.failure_reason.map(|r| r.parse()).transpose().map_err(bad_stored)?,
            retry_count: self.retry_count,
            cost_text: String::new(),
            recording_url: self.recorded.then(|| format!("/api/call-sessions/{}/recording", self.id)),
            cost: CallCost {
                ai_requests: self.ai_tokens.first().copied().unwrap_or(0),
                prompt_tokens: self.ai_tokens.get(1).copied().unwrap_or(0),
                completion_tokens: self.ai_tokens.get(2).copied().unwrap_or(0),
                ai_cost: self.ai_cost,
                telephony_cost: self.telephony_price,
                telephony_currency: self.telephony_price_unit,
            },
        })
    }
}

pub(super) async fn session_summary(conn: &mut PgConnection, cipher: &Cipher, id: Uuid) -> ApiResult<CallSessionSummary> {
    let row: Option<SessionRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM call_sessions WHERE id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.ok_or_else(|| ApiError::not_found("Call session"))?.open(cipher)
}

/// Who owns a session, and its task.
#[derive(sqlx::FromRow, Debug, Clone, Copy)]
pub(super) struct Owner {
    pub user_id: Uuid,
    pub task_id: Uuid,
}

/// The session a provider call SID belongs to.
pub async fn session_for_sid(state: &AppState, sid: &str) -> ApiResult<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM call_sessions WHERE provider_call_sid = $1")
        .bind(sid)
        .fetch_optional(state.db.system())
        .await?)
}

#[derive(sqlx::FromRow)]
struct TranscriptRow {
    id: Uuid,
    full_transcript: String,
    ai_summary: Option<String>,
    sentiment_overall: Option<String>,
    goal_achieved: Option<bool>,
    follow_up_required: bool,
    follow_up_tasks: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct SegmentRow {
    id: Uuid,
    speaker: String,
    content: String,
    timestamp_ms: i32,
    confidence: Option<f64>,
}

#[derive(sqlx::FromRow)]
pub(super) struct ExtractedRow {
    pub id: Uuid,
    pub data_type: String,
    pub extracted_value: Value,
    pub confidence: Option<f64>,
    pub segment_ids: Vec<Uuid>,
    pub confirmed: bool,
}

pub(super) const EXTRACTED: &str =
    "SELECT id, data_type, extracted_value, confidence::float8 AS confidence, segment_ids, confirmed
    FROM call_extracted_data WHERE call_session_id = $1 ORDER BY created_at, id";

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    amount: f64,
    limit_amount: f64,
    currency: String,
    reason: String,
    requested_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    decision: Option<bool>,
    timed_out: bool,
}

/// The session as the user sees it.
pub async fn detail(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<SessionDetail> {
    let cipher = &state.cipher;
    // One snapshot: the call may be writing its transcript meanwhile.
    let mut tx = state.db.snapshot_as(user.id).await?;
    let session = session_summary(&mut tx, cipher, id).await?;
    let title: String =
        sqlx::query_scalar("SELECT title FROM call_tasks WHERE id = $1").bind(session.call_task_id).fetch_one(&mut *tx).await?;
    let title = cipher.open(&title).map_err(bad_stored)?;
    let transcript: Option<TranscriptRow> = sqlx::query_as(
        "SELECT id, full_transcript, ai_summary, sentiment_overall, goal_achieved, follow_up_required, follow_up_tasks
         FROM call_transcripts WHERE call_session_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let mut segments = Vec::new();
    let transcript = match transcript {
        None => None,
        Some(t) => {
            let rows: Vec<SegmentRow> = sqlx::query_as(
                "SELECT id, speaker, content, timestamp_ms, confidence::float8 AS confidence FROM call_transcript_segments
                 WHERE call_transcript_id = $1 ORDER BY timestamp_ms, seq",
            )
            .bind(t.id)
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                segments.push(Segment {
                    id: row.id,
                    speaker: row.speaker.parse().map_err(bad_stored)?,
                    content: cipher.decrypt(&row.content).map_err(bad_stored)?,
                    timestamp_ms: row.timestamp_ms,
                    confidence: row.confidence,
                });
            }
            Some(Transcript {
                full_transcript: cipher.decrypt(&t.full_transcript).map_err(bad_stored)?,
                ai_summary: cipher.decrypt_opt(t.ai_summary.as_deref()).map_err(bad_stored)?,
                sentiment_overall: t.sentiment_overall.map(|s| s.parse()).transpose().map_err(bad_stored)?,
                goal_achieved: t.goal_achieved,
                follow_up_required: t.follow_up_required,
                follow_up_tasks: match t.follow_up_tasks {
                    Some(tasks) => serde_json::from_value(cipher.open_json(tasks).map_err(bad_stored)?).ok(),
                    None => None,
                },
            })
        }
    };
    let rows: Vec<ExtractedRow> = sqlx::query_as(EXTRACTED).bind(id).fetch_all(&mut *tx).await?;
    let extracted_data = rows
        .into_iter()
        .map(|row| {
            Ok(ExtractedData {
                id: row.id,
                data_type: row.data_type.parse::<DataType>().map_err(bad_stored)?,
                extracted_value: cipher.open_json(row.extracted_value).map_err(bad_stored)?,
                confidence: row.confidence,
                segment_ids: row.segment_ids,
                confirmed: row.confirmed,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let approval: Option<ApprovalRow> = sqlx::query_as(
        "SELECT amount::float8 AS amount, limit_amount::float8 AS limit_amount, currency, reason, requested_at, expires_at,
                decision, timed_out
         FROM call_approvals WHERE call_session_id = $1 ORDER BY requested_at DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let approval = match approval {
        Some(a) => Some(Approval {
            amount: a.amount,
            limit: a.limit_amount,
            currency: a.currency,
            reason: cipher.open(&a.reason).map_err(bad_stored)?,
            requested_at: a.requested_at,
            expires_at: a.expires_at,
            decision: a.decision,
            timed_out: a.timed_out,
        }),
        None => None,
    };
    Ok(SessionDetail { session, task_title: title, transcript, segments, extracted_data, approval })
}
