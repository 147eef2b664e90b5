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
use crate::server::telephony;
use chrono::Utc;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
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
    /// The voice the call is spoken in (`voice_preference`).
    pub voice_preference: String,
    /// Whether answering-machine detection had said a machine answered
    /// when this was read (later results arrive through the hub).
    pub machine_answered: bool,
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
    voice_preference: String,
    answered_by: Option<String>,
}

/// Everything about a session the engine needs, in one query.
pub async fn live_context(state: &AppState, session_id: Uuid) -> ApiResult<LiveContext> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT t.id AS task_id, t.user_id, t.ai_plan, s.ai_call_script, t.target_phone_number, r.id AS transcript_id,
                u.display_name, a.max_auto_approve_amount::float8 AS max_auto_approve_amount, a.time_zone,
                a.language_preference, s.status, s.provider_call_sid, a.voice_preference, p.answered_by
         FROM call_sessions s
         JOIN call_tasks t ON t.id = s.call_task_id
         JOIN call_transcripts r ON r.call_session_id = s.id
         JOIN users u ON u.id = t.user_id
         JOIN assistant_settings a ON a.user_id = t.user_id
         LEFT JOIN call_session_progress p ON p.call_session_id = s.id
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
        voice_preference: row.voice_preference,
        machine_answered: row.answered_by.as_deref().is_some_and(telephony::answered_by_machine),
    })
}

/// How long a context read for a call's TwiML waits for its relay.
const HANDOFF: Duration = Duration::from_secs(60);

/// Contexts read for a call's TwiML, waiting for its relay to connect (to
/// this process, a moment later, as a rule), so that the relay's setup
/// reads nothing and the call's first words are answered at once. Per
/// process, keyed by the session (unique across every server sharing this
/// process, as the tests' do); each is taken once, and dropped after
/// [`HANDOFF`]. A relay that reaches another process reads the database.
static PREPARED: LazyLock<Mutex<Handoffs>> = LazyLock::new(|| Mutex::new(Handoffs::default()));

#[derive(Default)]
struct Handoffs {
    ready: HashMap<Uuid, LiveContext>,
    /// When each was put, oldest first (some may have been taken since).
    order: VecDeque<(Instant, Uuid)>,
}

/// The context of a call whose TwiML is being answered, kept for its relay.
/// `call_sid` is the CallSid of that (signed) request: the relay's setup
/// must name the same call.
pub async fn prepare_relay(state: &AppState, session_id: Uuid, call_sid: Option<&str>) -> ApiResult<LiveContext> {
    let mut ctx = live_context(state, session_id).await?;
    if ctx.provider_call_sid.is_none() {
        ctx.provider_call_sid = call_sid.map(str::to_owned);
    }
    let mut handoffs = PREPARED.lock().expect("handoffs");
    while handoffs.order.front().is_some_and(|(at, _)| at.elapsed() > HANDOFF) {
        if let Some((_, old)) = handoffs.order.pop_front() {
            handoffs.ready.remove(&old);
        }
    }
    handoffs.order.push_back((Instant::now(), session_id));
    handoffs.ready.insert(session_id, ctx.clone());
    Ok(ctx)
}

/// The context for a call's relay: as its TwiML left it, or read now (also
/// when the call has ended meanwhile, so its status refuses the relay).
pub async fn relay_context(state: &AppState, session_id: Uuid) -> ApiResult<LiveContext> {
    let prepared = PREPARED.lock().expect("handoffs").ready.remove(&session_id);
    match prepared {
        Some(ctx) if !state.hub.has_ended(session_id) => Ok(ctx),
        _ => live_context(state, session_id).await,
    }
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
