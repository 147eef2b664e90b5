//! The live conversation of one call: the ConversationRelay websocket
//! (`/api/relay`), driven by the dialogue manager. Every utterance is stored
//! as a transcript segment before it is published or spoken.

pub mod dialogue;

use super::ai::rules::text::money;
use super::calls::{self, LiveContext};
use super::state::AppState;
use crate::domain::enums::{SessionStatus, Speaker};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dialogue::{Action, Dialogue};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// `GET /api/relay`: the provider opens the call's websocket here. The
/// upgrade must carry a valid `X-Twilio-Signature` for the public URL.
pub async fn relay(State(state): State<AppState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let url = relay_url(&state.public_url);
    let signed = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sig| super::telephony::provider_signed(&state.telephony, &state.rehearsal, &url, &[], sig));
    if !signed {
        return (StatusCode::FORBIDDEN, "invalid signature").into_response();
    }
    // Relay frames are small JSON texts: small buffers keep a live call light.
    upgrade.read_buffer_size(FRAME_BUFFER).write_buffer_size(FRAME_BUFFER).on_upgrade(move |socket| async move {
        if let Err(e) = TURN.scope(std::cell::Cell::new(None), run(socket, state)).await {
            // The other side hanging up while we speak is an ordinary end of a call.
            if ["Broken pipe", "Connection reset", "closed"].iter().any(|s| e.contains(s)) {
                tracing::debug!(error = %e, "the other side hung up");
            } else {
                tracing::warn!(error = %e, "live call ended with an error");
            }
        }
    })
}

/// Read and write buffer of a websocket carrying small JSON frames.
pub const FRAME_BUFFER: usize = 8 * 1024;

/// The websocket URL of the relay for a public base URL.
pub fn relay_url(public_url: &str) -> String {
    let ws = if let Some(rest) = public_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = public_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        public_url.to_owned()
    };
    format!("{ws}/api/relay")
}

type Sink = SplitSink<WebSocket, Message>;
type Frames = futures::stream::SplitStream<WebSocket>;

/// The next frame from the provider: one set aside while a reply was being
/// streamed, else a new one.
async fn next_frame(
    backlog: &mut std::collections::VecDeque<Message>,
    frames: &mut Frames,
) -> Option<Result<Message, axum::Error>> {
    match backlog.pop_front() {
        Some(m) => Some(Ok(m)),
        None => frames.next().await,
    }
}

fn is_interrupt(message: &Message) -> bool {
    matches!(message, Message::Text(t) if serde_json::from_str::<Value>(t.as_str()).is_ok_and(|v| v["type"] == "interrupt"))
}

async fn send(sink: &mut Sink, frame: Value) -> Result<(), String> {
    sink.send(Message::Text(frame.to_string().into())).await.map_err(|e| e.to_string())
}

/// The brief a model gets for wording replies on this call.
fn brief(ctx: &LiveContext) -> String {
    let s = &ctx.script;
    format!(
        "You are Callwright, an AI assistant on a live phone call on behalf of {user}. Say you are an AI assistant if asked. \
         Goal: {goal}\nQuestions to cover: {questions}\nRules: {rules}\nIf asked something you do not know, say: \"{unknown}\" \
         Speak naturally, one or two short sentences per turn, no lists, no markdown. Never agree to a price; the system handles prices.",
        user = ctx.user_name,
        goal = ctx.plan.goal,
        questions = s.questions.join(" | "),
        rules = s.constraints.join(" "),
        unknown = s.fallbacks.unknown_question,
    )
}

/// Speaks a reply worded by the model, streaming its tokens as they come;
/// falls back to the rules' wording when the model fails before speaking.
async fn say_with_model(
    state: &AppState,
    ctx: &LiveContext,
    sink: &mut Sink,
    started: Instant,
    history: &[(Speaker, String)],
    fallback: &str,
    heard: &mut Heard,
    frames: &mut Frames,
    backlog: &mut std::collections::VecDeque<Message>,
) -> Result<String, String> {
    let Some(model) = state.ai.conversation_model() else {
        say(state, ctx, sink, started, fallback, heard).await?;
        return Ok(fallback.to_owned());
    };
    let at = elapsed_ms(started);
    let mut stream = match model.reply_stream(brief(ctx), history).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "model reply failed; speaking the rules' line");
            say(state, ctx, sink, started, fallback, heard).await?;
            return Ok(fallback.to_owned());
        }
    };
    let mut spoken = String::new();
    let mut interrupted = false;
    loop {
        // Frames keep arriving while the model writes: an `interrupt`
        // (barge-in) drops the rest of the reply; others wait their turn.
        let piece = tokio::select! {
            piece = stream.next() => piece,
            frame = frames.next() => {
                match frame {
                    Some(Ok(message)) if is_interrupt(&message) => {
                        interrupted = true;
                        backlog.push_back(message);
                        break;
                    }
                    Some(Ok(message)) => backlog.push_back(message),
                    Some(Err(_)) | None => break,
                }
                continue;
            }
        };
        let Some(piece) = piece else { break };
        match piece {
            Ok(token) if !token.is_empty() => {
                send(sink, json!({ "type": "text", "token": token, "last": false })).await?;
                if spoken.is_empty() {
                    TURN.with(|t| {
                        if let Some(since) = t.take() {
                            super::metrics::METRICS.turn(since);
                        }
                    });
                }
                spoken.push_str(&token);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "model reply broke off");
                break;
            }
        }
    }
    if spoken.trim().is_empty() && !interrupted {
        say(state, ctx, sink, started, fallback, heard).await?;
        return Ok(fallback.to_owned());
    }
    if !interrupted {
        send(sink, json!({ "type": "text", "token": "", "last": true })).await?;
    }
    let text = spoken.trim().to_owned();
    flush(state, ctx, heard).await?;
    if !text.is_empty() {
        calls::append_segment(state, ctx, Speaker::Assistant, &text, at, None).await.map_err(|e| e.message)?;
    }
    Ok(text)
}

/// Speaks `text`: stored first, then streamed as `text` tokens.
/// What the other side said, stored once the reply is on its way (so
/// storage never delays the reply); `None` when nothing is waiting.
type Heard = Option<(String, i32)>;

/// Stores the waiting utterance of the other side, if any.
async fn flush(state: &AppState, ctx: &LiveContext, heard: &mut Heard) -> Result<(), String> {
    if let Some((text, at)) = heard.take() {
        calls::append_segment(state, ctx, Speaker::Human, &text, at, None).await.map_err(|e| e.message)?;
    }
    Ok(())
}

/// Speaks `text` (streamed as `text` tokens at once), then stores what was
/// heard and what was said; each segment is published once stored.
async fn say(
    state: &AppState,
    ctx: &LiveContext,
    sink: &mut Sink,
    started: Instant,
    text: &str,
    heard: &mut Heard,
) -> Result<(), String> {
    let at = elapsed_ms(started);
    // Stored even when the other side hung up mid-sentence.
    let spoken = speak(sink, text).await;
    flush(state, ctx, heard).await?;
    calls::append_segment(state, ctx, Speaker::Assistant, text, at, None).await.map_err(|e| e.message)?;
    spoken
}

async fn speak(sink: &mut Sink, text: &str) -> Result<(), String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    let n = words.len();
    for (i, token) in words.into_iter().enumerate() {
        send(sink, json!({ "type": "text", "token": token, "last": i + 1 == n })).await?;
        if i == 0 {
            TURN.with(|t| {
                if let Some(since) = t.take() {
                    super::metrics::METRICS.turn(since);
                }
            });
        }
    }
    Ok(())
}

tokio::task_local! {
    /// When the utterance being answered arrived (for the turn-latency metric).
    static TURN: std::cell::Cell<Option<Instant>>;
}

async fn note(state: &AppState, ctx: &LiveContext, started: Instant, text: &str, heard: &mut Heard) -> Result<(), String> {
    flush(state, ctx, heard).await?;
    calls::append_segment(state, ctx, Speaker::System, text, elapsed_ms(started), None).await.map_err(|e| e.message)
}

/// The transcript's note of the user's decision (the summariser reads it).
fn decision_note(ctx: &LiveContext, amount: f64, decision: Option<bool>) -> String {
    let price = money(amount, ctx.plan.hard_constraints.currency.as_deref());
    match decision {
        Some(true) => format!("{} approved the price of {price}.", ctx.user_name),
        Some(false) => format!("{} rejected the quoted price of {price}.", ctx.user_name),
        None => "No answer from the user in time.".to_owned(),
    }
}

fn elapsed_ms(started: Instant) -> i32 {
    started.elapsed().as_millis().min(i32::MAX as u128) as i32
}

async fn run(socket: WebSocket, state: AppState) -> Result<(), String> {
    let (mut sink, mut stream) = socket.split();
    // The provider introduces the call first.
    let setup = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                if v["type"] == "setup" {
                    return Some(v);
                }
            }
        }
        None
    })
    .await
    .map_err(|_| "no setup frame")?
    .ok_or("socket closed before setup")?;
    let session_id: Uuid =
        setup["customParameters"]["session_id"].as_str().and_then(|s| s.parse().ok()).ok_or("setup without session_id")?;
    let ctx = calls::live_context(&state, session_id).await.map_err(|e| e.message)?;
    let _ = calls::set_status(&state, session_id, SessionStatus::Connected, None, None, None).await;
    let _ = super::jobs::heartbeat(&state, session_id, state.instance).await;
    let mut beat = tokio::time::interval(super::jobs::heartbeat_interval(&state));
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(state.config.calls.max_call_secs);
    let mut dialogue = Dialogue::new(ctx.plan.clone(), ctx.script.clone(), &ctx.user_name, ctx.max_auto_approve, ctx.today);
    let mut heard = String::new();
    let mut waiting: Heard = None;
    let mut backlog = std::collections::VecDeque::new();
    // The conversation so far, for a model that words the replies.
    let mut history: Vec<(Speaker, String)> = Vec::new();
    // While the user decides: their answer, the deadline, the amount.
    let mut approval_rx: Option<tokio::sync::oneshot::Receiver<bool>> = None;
    let mut approval_until: Option<tokio::time::Instant> = None;
    let mut approval_amount = 0.0;

    loop {
        let mut next_action: Option<Action> = None;
        tokio::select! {
            frame = next_frame(&mut backlog, &mut stream) => {
                let Some(Ok(frame)) = frame else { break };
                let Message::Text(text) = frame else {
                    if matches!(frame, Message::Close(_)) { break; }
                    continue;
                };
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                match v["type"].as_str() {
                    Some("prompt") => {
                        heard.push_str(v["voicePrompt"].as_str().unwrap_or(""));
                        if v["last"].as_bool().unwrap_or(true) {
                            TURN.with(|t| t.set(Some(Instant::now())));
                            let utterance = std::mem::take(&mut heard).trim().to_owned();
                            if !utterance.is_empty() {
                                flush(&state, &ctx, &mut waiting).await?;
                                waiting = Some((utterance.clone(), elapsed_ms(started)));
                                history.push((Speaker::Human, utterance.clone()));
                                next_action = Some(dialogue.on_human(&utterance));
                            }
                        } else {
                            heard.push(' ');
                        }
                    }
                    Some("interrupt") => {
                        let spoken = v["utteranceUntilInterrupt"].as_str().unwrap_or("");
                        note(&state, &ctx, started, &format!("The assistant was interrupted after: “{spoken}”"), &mut waiting).await?;
                    }
                    Some("error") => tracing::warn!(description = %v["description"], "relay error frame"),
                    _ => {}
                }
            }
            decision = async { approval_rx.as_mut().expect("guarded").await }, if approval_rx.is_some() => {
                approval_rx = None;
                approval_until = None;
                let approved = decision.ok();
                note(&state, &ctx, started, &decision_note(&ctx, approval_amount, approved), &mut waiting).await?;
                next_action = Some(dialogue.on_decision(approved));
            }
            () = async { tokio::time::sleep_until(approval_until.expect("guarded")).await }, if approval_until.is_some() => {
                approval_rx = None;
                approval_until = None;
                state.hub.forget_approval(ctx.session_id);
                let decided = calls::expire_approval(&state, &ctx).await.map_err(|e| e.message)?;
                note(&state, &ctx, started, &decision_note(&ctx, approval_amount, decided), &mut waiting).await?;
                next_action = Some(dialogue.on_decision(decided));
            }
            _ = beat.tick() => {
                let _ = super::jobs::heartbeat(&state, ctx.session_id, state.instance).await;
            }
            () = tokio::time::sleep_until(deadline) => {
                note(&state, &ctx, started, "The call reached its time limit.", &mut waiting).await?;
                next_action = Some(Action::Final("I'm afraid I have to end the call now. Thank you for your time, goodbye.".into()));
            }
        }
        match next_action {
            None | Some(Action::Silent) => flush(&state, &ctx, &mut waiting).await?,
            Some(Action::Say(text)) => {
                let spoken =
                    say_with_model(&state, &ctx, &mut sink, started, &history, &text, &mut waiting, &mut stream, &mut backlog)
                        .await?;
                history.push((Speaker::Assistant, spoken));
            }
            Some(Action::Digits(d)) => {
                note(&state, &ctx, started, &format!("Pressed {d} on the phone menu."), &mut waiting).await?;
                send(&mut sink, json!({ "type": "sendDigits", "digits": d })).await?;
            }
            Some(Action::NeedApproval { say: line, amount, limit, reason }) => {
                say(&state, &ctx, &mut sink, started, &line, &mut waiting).await?;
                let waiter = state.hub.await_approval(ctx.session_id);
                calls::request_approval(&state, &ctx, amount, limit, &reason).await.map_err(|e| e.message)?;
                approval_until =
                    Some(tokio::time::Instant::now() + Duration::from_secs(state.config.calls.approval_timeout_secs));
                approval_rx = Some(waiter);
                approval_amount = amount;
                note(&state, &ctx, started, &format!("Waiting for {}'s approval: {reason}", ctx.user_name), &mut waiting).await?;
            }
            Some(Action::Final(text)) => {
                if ctx.script.voicemail_message == text {
                    note(&state, &ctx, started, "Voicemail detected; message left.", &mut waiting).await?;
                }
                say(&state, &ctx, &mut sink, started, &text, &mut waiting).await?;
                let handoff = json!({ "reason": "completed", "session_id": ctx.session_id }).to_string();
                send(&mut sink, json!({ "type": "end", "handoffData": handoff })).await?;
                break;
            }
        }
        if dialogue.is_done() {
            break;
        }
    }
    state.hub.forget_approval(ctx.session_id);
    flush(&state, &ctx, &mut waiting).await?;
    let _ = sink.close().await;
    Ok(())
}
