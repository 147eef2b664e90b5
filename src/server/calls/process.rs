//! Post-call processing: the summary, sentiment, follow-ups and extracted
//! facts of a finished call, the task's outcome and the user's notification.

use super::progress::finish_task;
use super::repo::{EXTRACTED, ExtractedRow, Owner, bad_stored};
use crate::domain::enums::{NotificationType, SessionStatus};
use crate::domain::events::ServerEvent;
use crate::domain::plan::{AiPlan, CallSummary, ExtractedItem};
use crate::domain::session::fact_words;
use crate::server::accounts::CurrentUser;
use crate::server::ai::rules::evidence;
use crate::server::ai::rules::summarize::Line;
use crate::server::audit::{self, Entry};
use crate::server::crypto::Cipher;
use crate::server::error::{ApiError, ApiResult, ErrorCode};
use crate::server::journal::SEARCH_PREFIX;
use crate::server::notifications;
use crate::server::realtime::publish;
use crate::server::settings;
use crate::server::state::AppState;
use crate::server::usage::{self, Purpose};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// `POST /api/call-sessions/{id}/process` for the session's owner.
pub async fn process_for_user(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<CallSummary> {
    let mut tx = state.db.begin_as(user.id).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM call_sessions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    let status: SessionStatus = status.ok_or_else(|| ApiError::not_found("Call session"))?.parse().map_err(bad_stored)?;
    if !status.is_terminal() {
        return Err(ApiError::new(ErrorCode::InvalidTransition, "The call is still in progress; it is processed when it ends."));
    }
    process(state, id).await
}

#[derive(sqlx::FromRow)]
struct Finished {
    transcript_id: Uuid,
    #[sqlx(flatten)]
    who: Owner,
    ai_summary: Option<String>,
    sentiment_overall: Option<String>,
    goal_achieved: Option<bool>,
    follow_up_required: bool,
    follow_up_tasks: Option<Value>,
    started_at: DateTime<Utc>,
    ai_plan: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: Uuid,
    speaker: String,
    content: String,
    timestamp_ms: i32,
}

fn stored_items(cipher: &Cipher, rows: Vec<ExtractedRow>) -> ApiResult<Vec<ExtractedItem>> {
    rows.into_iter()
        .map(|row| {
            Ok(ExtractedItem {
                data_type: row.data_type.parse().map_err(bad_stored)?,
                extracted_value: cipher.open_json(row.extracted_value).map_err(bad_stored)?,
                confidence: row.confidence.unwrap_or(0.0),
                segment_ids: row.segment_ids,
                confirmed: row.confirmed,
            })
        })
        .collect()
}

/// Processes a finished call. Idempotent: a processed session returns its
/// stored summary, and of two processes racing, the first one's stands.
pub async fn process(state: &AppState, session_id: Uuid) -> ApiResult<CallSummary> {
    let cipher = &state.cipher;
    // Read without a transaction or a lock: of two processes racing, the
    // one whose summary is stored first stands (the claim below).
    let db = state.db.system();
    let row: Option<Finished> = sqlx::query_as(
        "SELECT r.id AS transcript_id, t.id AS task_id, t.user_id, r.ai_summary, r.sentiment_overall, r.goal_achieved,
                r.follow_up_required, r.follow_up_tasks, s.started_at, t.ai_plan
         FROM call_transcripts r JOIN call_sessions s ON s.id = r.call_session_id
         JOIN call_tasks t ON t.id = s.call_task_id
         WHERE r.call_session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(db)
    .await?;
    let row = row.ok_or_else(|| ApiError::not_found("Call session"))?;
    if let Some(summary) = row.ai_summary {
        let rows: Vec<ExtractedRow> = sqlx::query_as(EXTRACTED).bind(session_id).fetch_all(db).await?;
        return Ok(CallSummary {
            summary: cipher.decrypt(&summary).map_err(bad_stored)?,
            extracted_data: stored_items(cipher, rows)?,
            sentiment_overall: row.sentiment_overall.unwrap_or_else(|| "neutral".into()).parse().map_err(bad_stored)?,
            goal_achieved: row.goal_achieved.unwrap_or(false),
            follow_up_required: row.follow_up_required,
            follow_up_tasks: match row.follow_up_tasks {
                Some(t) => serde_json::from_value(cipher.open_json(t).map_err(bad_stored)?).unwrap_or_default(),
                None => Vec::new(),
            },
        });
    }
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT id, speaker, content, timestamp_ms FROM call_transcript_segments WHERE call_transcript_id = $1
         ORDER BY timestamp_ms, seq",
    )
    .bind(row.transcript_id)
    .fetch_all(db)
    .await?;
    let segment_ids: Vec<Uuid> = rows.iter().map(|l| l.id).collect();
    let lines = rows
        .into_iter()
        .map(|l| {
            Ok(Line {
                speaker: l.speaker.parse().map_err(bad_stored)?,
                content: cipher.decrypt(&l.content).map_err(bad_stored)?,
                timestamp_ms: l.timestamp_ms as i64,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let plan = row.ai_plan.map(|p| cipher.open_json(p)).transpose().map_err(bad_stored)?;
    let plan: Option<AiPlan> = plan.and_then(|p| serde_json::from_value(p).ok());
    let user_settings = settings::for_task(&mut *db.acquire().await?, row.who.task_id).await?;
    let call_date = row.started_at.with_timezone(&user_settings.time_zone).date_naive();
    let month_first = user_settings.reads_month_first();
    let crate::server::ai::Summarised { mut summary, engine, used, why_not } =
        state.ai.summarize(&lines, plan.as_ref(), call_date, month_first).await?;
    // Where each fact was said, and whether it was read back and agreed:
    // found in the transcript by code, whoever proposed the fact.
    for item in &mut summary.extracted_data {
        let found = evidence::locate(item, &lines, call_date, month_first);
        item.segment_ids = found.lines.iter().map(|&i| segment_ids[i]).collect();
        item.confirmed = found.confirmed;
    }

    let full: String = lines.iter().map(|l| format!("{}: {}", l.speaker, l.content)).collect::<Vec<_>>().join("\n");
    let mut tx = state.db.system().begin().await?;
    let claimed = sqlx::query(
        "UPDATE call_transcripts SET full_transcript = $2, ai_summary = $3, sentiment_overall = $4, goal_achieved = $5,
                follow_up_required = $6, follow_up_tasks = $7, summary_terms = $8, outcome = $9
         WHERE id = $1 AND ai_summary IS NULL",
    )
    .bind(row.transcript_id)
    .bind(cipher.encrypt(&full))
    .bind(cipher.encrypt(&summary.summary))
    .bind(summary.sentiment_overall.as_str())
    .bind(summary.goal_achieved)
    .bind(summary.follow_up_required)
    .bind(cipher.seal_json(&json!(summary.follow_up_tasks)))
    .bind(cipher.terms_from(&summary.summary, SEARCH_PREFIX))
    .bind(why_not)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        // Another process got there first: theirs stands.
        tx.rollback().await?;
        return Box::pin(process(state, session_id)).await;
    }
    if !summary.extracted_data.is_empty() {
        let facts = &summary.extracted_data;
        // Prices, appointments, names and references are personal.
        let values: Vec<Value> = facts.iter().map(|i| cipher.seal_json(&i.extracted_value)).collect();
        let terms: Vec<Value> =
            facts.iter().map(|i| json!(cipher.terms_from(&fact_words(&i.extracted_value), SEARCH_PREFIX))).collect();
        let lines: Vec<Value> = facts.iter().map(|i| json!(i.segment_ids)).collect();
        sqlx::query(
            "INSERT INTO call_extracted_data (call_session_id, data_type, extracted_value, confidence, terms, segment_ids, confirmed)
             SELECT $1, f.data_type, f.value, f.confidence,
                    ARRAY(SELECT t::bigint FROM jsonb_array_elements_text(f.terms) AS t),
                    ARRAY(SELECT l::uuid FROM jsonb_array_elements_text(f.lines) WITH ORDINALITY AS x(l, n) ORDER BY n),
                    f.confirmed
             FROM UNNEST($2::text[], $3::jsonb[], $4::float8[], $5::jsonb[], $6::jsonb[], $7::bool[])
                  AS f(data_type, value, confidence, terms, lines, confirmed)",
        )
        .bind(session_id)
        .bind(facts.iter().map(|i| i.data_type.as_str()).collect::<Vec<_>>())
        .bind(values)
        .bind(facts.iter().map(|i| i.confidence).collect::<Vec<_>>())
        .bind(terms)
        .bind(lines)
        .bind(facts.iter().map(|i| i.confirmed).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let who = row.who;
    if let Some(used) = &used {
        let owner = usage::Owner { user_id: who.user_id, task_id: Some(who.task_id), session_id: Some(session_id) };
        usage::record(&mut tx, state, owner, Purpose::Summary, used).await?;
    }
    finish_task(&mut tx, who.user_id, who.task_id, summary.goal_achieved).await?;
    // The notification says how it went, not what was said: the summary
    // stays in the (encrypted) transcript, behind the call's page.
    let (kind, message) = if summary.goal_achieved {
        (NotificationType::CallCompleted, "Your call finished and reached its goal. Open it for the summary.")
    } else {
        (NotificationType::CallFailed, "Your call did not reach its goal. Open it to see what happened.")
    };
    notifications::create(&mut tx, cipher, who.user_id, Some(who.task_id), Some(session_id), kind, message).await?;
    publish(
        &mut tx,
        who.user_id,
        ServerEvent::CallProcessed {
            call_session_id: session_id,
            call_task_id: who.task_id,
            goal_achieved: summary.goal_achieved,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        Entry {
            user_id: Some(who.user_id),
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
