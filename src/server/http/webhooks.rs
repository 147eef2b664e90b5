//! Provider webhooks (`/api/webhooks/*`): the call's TwiML, call progress,
//! answering-machine detection, real-time transcription, the end of the
//! relay session and the call's recording. Each verifies `X-Twilio-Signature` against the public URL
//! and answers 403, changing nothing, when it does not match.

use crate::domain::enums::Speaker;
use crate::server::calls;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::AppState;
use crate::server::telephony::{self, relay, twiml};
use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

type Params = Vec<(String, String)>;

/// A provider webhook's form, accepted only with a valid `X-Twilio-Signature`
/// for the public URL it was sent to (403 otherwise), so no handler can
/// forget the check.
pub struct Signed(Params);

impl axum::extract::FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, ApiError> {
        let path = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let signature = req.headers().get("x-twilio-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let Form(params) = Form::<Params>::from_request(req, state)
            .await
            .map_err(|_| ApiError::validation("body", "Expected a form-encoded body."))?;
        let url = format!("{}{path}", state.public_url);
        let signed = signature.is_some_and(|sig| state.telephony.signed(&url, &params, &sig));
        if signed { Ok(Signed(params)) } else { Err(ApiError::forbidden("Invalid X-Twilio-Signature.")) }
    }
}

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn query_session(uri: &OriginalUri) -> Option<Uuid> {
    uri.0.query()?.split('&').find_map(|kv| kv.strip_prefix("session_id=")).and_then(|v| v.parse().ok())
}

/// The session a webhook is about: from our own query parameter, else the call SID.
async fn session_of(state: &AppState, uri: &OriginalUri, params: &Params) -> ApiResult<Uuid> {
    if let Some(id) = query_session(uri) {
        return Ok(id);
    }
    let sid = param(params, "CallSid").ok_or_else(|| ApiError::validation("CallSid", "CallSid is required"))?;
    calls::session_for_sid(state, sid).await?.ok_or_else(|| ApiError::not_found("Call"))
}

/// `POST /api/webhooks/voice?session_id=`: the TwiML connecting the call to
/// the ConversationRelay websocket.
pub async fn voice(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    let session_id = query_session(&uri).ok_or_else(|| ApiError::validation("session_id", "session_id is required"))?;
    // Read once for the TwiML and kept for the relay that connects next.
    let ctx = calls::prepare_relay(&state, session_id, param(&params, "CallSid")).await?;
    let key = state.cipher.derive_secret(&relay::key_purpose(session_id));
    let relay = relay::call_url(&state.public_url, session_id, &key);
    let action = format!("{}/api/webhooks/relay-ended?session_id={session_id}", state.public_url);
    let voice = twiml::voice_for(&ctx.voice_preference, &ctx.language);
    let xml = twiml::conversation_relay(&twiml::Relay {
        relay_url: &relay,
        action_url: &action,
        language: &ctx.language,
        voice: &voice,
        session_id: &session_id.to_string(),
    });
    Ok(([(header::CONTENT_TYPE, "text/xml")], xml).into_response())
}

/// `POST /api/webhooks/call-status`: call progress. Idempotent; late,
/// repeated or reordered callbacks never move a session backwards.
pub async fn call_status(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    let session_id = session_of(&state, &uri, &params).await?;
    let status = param(&params, "CallStatus").unwrap_or("");
    let Some((status, failure)) = telephony::call_status(status) else {
        return Err(ApiError::validation("CallStatus", format!("unknown CallStatus `{status}`")));
    };
    let report = calls::Report {
        sequence: param(&params, "SequenceNumber").and_then(|s| s.parse().ok()),
        failure_reason: failure,
        duration: param(&params, "CallDuration").and_then(|s| s.parse().ok()),
        call_sid: param(&params, "CallSid"),
    };
    calls::set_status(&state, session_id, status, report).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/webhooks/amd`: asynchronous answering-machine detection.
pub async fn amd(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    let session_id = session_of(&state, &uri, &params).await?;
    let answered_by = param(&params, "AnsweredBy").unwrap_or("unknown");
    calls::record_answer(&state, session_id, answered_by).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/webhooks/call-transcript`: Twilio real-time transcription;
/// final results become transcript segments.
pub async fn call_transcript(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    if param(&params, "TranscriptionEvent") != Some("transcription-content") || param(&params, "Final") != Some("true") {
        return Ok(axum::http::StatusCode::NO_CONTENT.into_response());
    }
    let session_id = session_of(&state, &uri, &params).await?;
    let data: serde_json::Value = serde_json::from_str(param(&params, "TranscriptionData").unwrap_or("{}"))
        .map_err(|_| ApiError::validation("TranscriptionData", "TranscriptionData must be JSON"))?;
    let text = data["transcript"].as_str().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(axum::http::StatusCode::NO_CONTENT.into_response());
    }
    let speaker = if param(&params, "Track") == Some("outbound_track") { Speaker::Assistant } else { Speaker::Human };
    let ctx = calls::live_context(&state, session_id).await?;
    let started: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar("SELECT started_at FROM call_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(state.db.system())
        .await?;
    let ms = started.map(|s| (chrono::Utc::now() - s).num_milliseconds().clamp(0, i32::MAX as i64) as i32).unwrap_or(0);
    calls::append_segment(&state, &ctx, speaker, text, ms, data["confidence"].as_f64()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/webhooks/relay-ended`: the `<Connect action>` after the relay
/// session; the call itself ends with its status callback.
pub async fn relay_ended(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    let session_id = session_of(&state, &uri, &params).await?;
    tracing::info!(%session_id, status = param(&params, "SessionStatus").unwrap_or(""), "relay session ended");
    // Nothing more to do with the call: hang up.
    Ok(([(header::CONTENT_TYPE, "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>")
        .into_response())
}

/// `POST /api/webhooks/recording?session_id=`: the recording of a call is
/// ready (`RecordingStatus=completed`), or there is none (`absent`,
/// `failed`: nothing to keep).
pub async fn recording(State(state): State<AppState>, uri: OriginalUri, Signed(params): Signed) -> ApiResult<Response> {
    let session_id = session_of(&state, &uri, &params).await?;
    match param(&params, "RecordingStatus") {
        Some("completed") => {
            let url =
                param(&params, "RecordingUrl").ok_or_else(|| ApiError::validation("RecordingUrl", "RecordingUrl is required"))?;
            // The URL must name the recording the callback is about.
            let sid = param(&params, "RecordingSid").unwrap_or("");
            if telephony::recording::Reference::parse(url).is_none_or(|r| r.sid != sid) {
                return Err(ApiError::validation("RecordingUrl", "RecordingUrl does not name the recording RecordingSid"));
            }
            calls::store_recording(&state, session_id, url).await?;
        }
        Some(status) => tracing::info!(%session_id, status, "no recording of the call"),
        None => return Err(ApiError::validation("RecordingStatus", "RecordingStatus is required")),
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
