//! The built-in phone network: a simulated carrier that behaves like Twilio
//! on the wire. It accepts a call, posts signed status callbacks, fetches
//! the call's TwiML from the app, opens the ConversationRelay websocket with
//! a valid `X-Twilio-Signature`, and plays a simulated business as `prompt`
//! frames while obeying `text`, `sendDigits` and `end`. So a sandbox call
//! runs the same app code as a real one.

pub mod businesses;
pub mod tape;

use super::recording::{self, Audio};
use super::relay::{FRAME_BUFFER, Inbound, Outbound, Setup};
use super::{PlaceCall, signature, twiml};
use crate::server::error::{ApiError, internal};
use businesses::{Business, Offer, Reaction, Sim};
use futures::{SinkExt, StreamExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tape::{Side, Tape};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The sandbox's account SID (Twilio's shape: `AC` + 32 hex).
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// The number sandbox calls come from.
pub const FROM_NUMBER: &str = "+15555550100";
/// Where the sandbox says its recordings are (in Twilio's shape; the
/// audio itself is a file in the data directory).
pub const API_BASE: &str = "https://sandbox.callwright.invalid";

/// Why a sandbox call broke off.
#[derive(Debug, thiserror::Error)]
enum SandboxError {
    #[error("POST {url}: {reason}")]
    Webhook { url: String, reason: String },
    #[error("the app's TwiML: {0}")]
    Twiml(String),
    #[error("relay websocket: {0}")]
    Socket(String),
    #[error("recording: {0}")]
    Recording(String),
}

#[derive(Clone)]
pub struct Sandbox {
    token: Arc<str>,
    /// Speaking pace of the simulated businesses.
    ms_per_char: u64,
    http: reqwest::Client,
    /// Where its recordings are kept.
    recordings: Arc<Path>,
}

/// How long a simulated person takes to say `line`: a short pause, then
/// `ms_per_char` for each character, at most eight seconds.
fn speaking_time(line: &str, ms_per_char: u64) -> Duration {
    Duration::from_millis(20 + (ms_per_char * line.chars().count() as u64).min(8_000))
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sandbox")
    }
}

impl Sandbox {
    pub fn new(token: String, ms_per_char: u64, recordings: PathBuf) -> Sandbox {
        crate::server::crypto::install_tls_provider();
        Sandbox {
            token: token.into(),
            ms_per_char,
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default(),
            recordings: recordings.into(),
        }
    }

    fn recording_file(&self, sid: &str) -> PathBuf {
        self.recordings.join(format!("{sid}.wav"))
    }

    /// The audio of recording `sid` (a WAV file), or the part `range` asks for.
    pub async fn recording(&self, sid: &str, range: Option<&str>) -> Result<Audio, ApiError> {
        if !recording::is_recording_sid(sid) {
            return Err(ApiError::not_found("Recording"));
        }
        match tokio::fs::read(self.recording_file(sid)).await {
            Ok(bytes) => Ok(recording::from_bytes(bytes, "audio/wav", range)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::not_found("Recording")),
            Err(e) => Err(internal("cannot read a sandbox recording", e)),
        }
    }

    /// Deletes recording `sid`; one already gone is deleted.
    pub async fn delete_recording(&self, sid: &str) -> Result<(), ApiError> {
        if !recording::is_recording_sid(sid) {
            return Ok(());
        }
        match tokio::fs::remove_file(self.recording_file(sid)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(internal("cannot delete a sandbox recording", e)),
        }
    }

    /// Writes the recording of call `call_sid` and reports it, as Twilio
    /// does once a recorded call has ended.
    async fn deliver_recording(&self, call: &PlaceCall, call_sid: &str, tape: Tape) -> Result<(), SandboxError> {
        let Some(callback) = &call.recording_callback else { return Ok(()) };
        let sid = format!("RE{}", uuid::Uuid::new_v4().simple());
        let seconds = tape.seconds();
        let (dir, file) = (self.recordings.to_path_buf(), self.recording_file(&sid));
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            // Whole or not at all: written aside, then moved into place.
            let part = file.with_extension("part");
            std::fs::write(&part, tape.wav())?;
            std::fs::rename(&part, &file)
        })
        .await
        .map_err(|e| SandboxError::Recording(e.to_string()))?;
        let status = if let Err(e) = written {
            tracing::warn!(error = %e, "the sandbox could not write a recording");
            "failed"
        } else {
            "completed"
        };
        let params = vec![
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("CallSid".to_owned(), call_sid.to_owned()),
            ("RecordingSid".to_owned(), sid.clone()),
            ("RecordingUrl".to_owned(), format!("{API_BASE}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}")),
            ("RecordingStatus".to_owned(), status.to_owned()),
            ("RecordingDuration".to_owned(), seconds.to_string()),
            ("RecordingChannels".to_owned(), "1".to_owned()),
            ("RecordingSource".to_owned(), "OutboundAPI".to_owned()),
        ];
        self.post(callback, params).await?;
        Ok(())
    }

    pub fn auth_token(&self) -> &str {
        &self.token
    }

    /// Accepts the call and plays it out in the background; returns its SID.
    /// The number chooses the business, unless `rehearsal` gives the offer
    /// of a business built from a task's plan.
    pub fn place_call(&self, call: PlaceCall, rehearsal: Option<Offer>) -> String {
        let sid = format!("CA{}", uuid::Uuid::new_v4().simple());
        let sandbox = self.clone();
        let call_sid = sid.clone();
        tokio::spawn(async move {
            if let Err(e) = sandbox.run(call, rehearsal, FROM_NUMBER, call_sid.clone()).await {
                tracing::warn!(call_sid, error = %e, "sandbox call ended with an error");
            }
        });
        sid
    }

    /// POSTs a form, signed like Twilio signs its webhooks.
    async fn post(&self, url: &str, params: Vec<(String, String)>) -> Result<reqwest::Response, SandboxError> {
        let signature = signature::sign(&self.token, url, &params);
        self.http
            .post(url)
            .header("x-twilio-signature", signature)
            .form(&params)
            .send()
            .await
            .map_err(|e| SandboxError::Webhook { url: url.to_owned(), reason: e.to_string() })
    }

    async fn status(&self, call: &PlaceCall, from: &str, sid: &str, status: &str, sequence: u32, duration: Option<u64>) {
        let mut params = vec![
            ("CallSid".to_owned(), sid.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("From".to_owned(), from.to_owned()),
            ("To".to_owned(), call.to.clone()),
            ("Direction".to_owned(), "outbound-api".to_owned()),
            ("CallStatus".to_owned(), status.to_owned()),
            ("CallbackSource".to_owned(), "call-progress-events".to_owned()),
            ("SequenceNumber".to_owned(), sequence.to_string()),
            ("Timestamp".to_owned(), chrono::Utc::now().to_rfc2822()),
        ];
        if let Some(d) = duration {
            params.push(("CallDuration".to_owned(), d.to_string()));
        }
        if let Err(e) = self.post(&call.status_callback, params).await {
            tracing::warn!(error = %e, "sandbox status callback failed");
        }
    }

    async fn run(&self, call: PlaceCall, rehearsal: Option<Offer>, from: &str, sid: String) -> Result<(), SandboxError> {
        let from = from.to_owned();
        let business = if rehearsal.is_some() { Business::Rehearsal } else { Business::for_number(&call.to) };
        let seed = u32::from_str_radix(&sid[sid.len() - 6..], 16).unwrap_or(4821);
        self.status(&call, &from, &sid, "initiated", 0, None).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        self.status(&call, &from, &sid, "ringing", 1, None).await;
        match business {
            Business::Busy => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                self.status(&call, &from, &sid, "busy", 2, Some(0)).await;
                return Ok(());
            }
            Business::NoAnswer => {
                tokio::time::sleep(Duration::from_millis(800)).await;
                self.status(&call, &from, &sid, "no-answer", 2, Some(0)).await;
                return Ok(());
            }
            _ => {}
        }
        let answered = Instant::now();
        let sim = match rehearsal {
            Some(offer) => Sim::rehearsal(seed, offer),
            None => Sim::new(business, seed),
        };
        let mut tape = Tape::default();
        let result = self.converse(&call, &from, &sid, business, sim, &mut tape).await;
        tape.ended(answered.elapsed());
        let elapsed = answered.elapsed().as_secs();
        match &result {
            Ok(()) => self.status(&call, &from, &sid, "completed", 3, Some(elapsed)).await,
            Err(_) => self.status(&call, &from, &sid, "failed", 3, Some(elapsed)).await,
        }
        // A call that was answered was recorded, however it ended.
        self.deliver_recording(&call, &sid, tape).await?;
        result
    }

    async fn converse(
        &self,
        call: &PlaceCall,
        from: &str,
        sid: &str,
        business: Business,
        mut sim: Sim,
        tape: &mut Tape,
    ) -> Result<(), SandboxError> {
        let answered = Instant::now();
        // The call is answered: fetch what to do, like Twilio does.
        let voice_params = vec![
            ("CallSid".to_owned(), sid.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("From".to_owned(), from.to_owned()),
            ("To".to_owned(), call.to.clone()),
            ("CallStatus".to_owned(), "in-progress".to_owned()),
            ("Direction".to_owned(), "outbound-api".to_owned()),
        ];
        let response = self.post(&call.voice_url, voice_params).await?;
        if !response.status().is_success() {
            return Err(SandboxError::Twiml(format!("the TwiML request answered {}", response.status())));
        }
        let xml = response.text().await.map_err(|e| SandboxError::Twiml(e.to_string()))?;
        let relay_url = twiml::attribute(&xml, "ConversationRelay", "url")
            .ok_or_else(|| SandboxError::Twiml("no <ConversationRelay url>".into()))?;
        let action_url = twiml::attribute(&xml, "Connect", "action");
        let session_param = twiml::attribute(&xml, "Parameter", "value").unwrap_or_default();
        self.status(call, from, sid, "in-progress", 2, None).await;
        let answered_by = if business == Business::Voicemail { "machine_end_beep" } else { "human" };
        let amd = vec![
            ("CallSid".to_owned(), sid.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("AnsweredBy".to_owned(), answered_by.to_owned()),
            ("MachineDetectionDuration".to_owned(), "1200".to_owned()),
        ];
        if let Err(e) = self.post(&call.amd_callback, amd).await {
            tracing::warn!(error = %e, "sandbox AMD callback failed");
        }

        let socket_error = |e: &dyn std::fmt::Display| SandboxError::Socket(e.to_string());
        let mut request = relay_url.as_str().into_client_request().map_err(|e| socket_error(&e))?;
        let signature = signature::sign(&self.token, &relay_url, &[]);
        request.headers_mut().insert("x-twilio-signature", signature.parse().map_err(|e| socket_error(&e))?);
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(FRAME_BUFFER)
            .write_buffer_size(FRAME_BUFFER);
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), false).await.map_err(|e| socket_error(&e))?;
        let frame = |frame: &Inbound| Message::Text(serde_json::to_string(frame).unwrap_or_default().into());
        let setup = Inbound::Setup(Setup {
            session_id: format!("VX{}", &sid[2..]),
            call_sid: sid.to_owned(),
            account_sid: ACCOUNT_SID.to_owned(),
            from: from.to_owned(),
            to: call.to.clone(),
            direction: "outbound".to_owned(),
            call_status: "IN-PROGRESS".to_owned(),
            custom_parameters: [("session_id".to_owned(), session_param)].into(),
            ..Setup::default()
        });
        ws.send(frame(&setup)).await.map_err(|e| socket_error(&e))?;

        let prompt =
            |text: &str| frame(&Inbound::Prompt { voice_prompt: text.to_owned(), lang: Some("en-US".to_owned()), last: true });
        if let Some(hold) = sim.hold_message() {
            tape.said(answered.elapsed(), Side::Business, hold);
            ws.send(prompt(hold)).await.map_err(|e| socket_error(&e))?;
        }
        let mut hang_up = false;
        let mut pending = Some(sim.answer());
        let mut spoken = String::new();
        let deadline = Instant::now() + Duration::from_secs(call.time_limit_secs.max(5));
        loop {
            if let Some(reaction) = pending.take() {
                let (lines, then_hang_up) = match reaction {
                    Reaction::Say(lines) => (lines, false),
                    Reaction::SayAndHangUp(lines) => (lines, true),
                    Reaction::Later(wait, lines) => {
                        tokio::time::sleep(wait).await;
                        (lines, false)
                    }
                    Reaction::Listen => (Vec::new(), false),
                };
                for line in lines {
                    tokio::time::sleep(speaking_time(&line, self.ms_per_char)).await;
                    // The app may already have ended the call: that is a hang-up, not a failure.
                    if ws.send(prompt(&line)).await.is_err() {
                        hang_up = true;
                        break;
                    }
                    tape.said(answered.elapsed(), Side::Business, &line);
                }
                if then_hang_up {
                    hang_up = true;
                }
            }
            if hang_up || Instant::now() > deadline {
                break;
            }
            let message = match tokio::time::timeout_at(deadline.into(), ws.next()).await {
                Ok(Some(Ok(message))) => message,
                Ok(Some(Err(e))) => {
                    tracing::debug!(error = %e, "relay websocket closed abruptly");
                    break;
                }
                Ok(None) | Err(_) => break,
            };
            let Message::Text(text) = message else {
                if matches!(message, Message::Close(_)) {
                    break;
                }
                continue;
            };
            match serde_json::from_str::<Outbound>(text.as_str()) {
                Ok(Outbound::Text { token, last }) => {
                    spoken.push_str(&token);
                    if last {
                        let utterance = std::mem::take(&mut spoken);
                        tape.said(answered.elapsed(), Side::Assistant, &utterance);
                        pending = Some(sim.on_assistant(utterance.trim()));
                        if sim.hangs_up_after_message() {
                            hang_up = true;
                        }
                    }
                }
                Ok(Outbound::SendDigits { digits }) => pending = Some(sim.on_digits(&digits)),
                Ok(Outbound::End { .. }) => break,
                // Like Twilio: a malformed frame is reported, and the call goes on.
                Err(e) => {
                    let error = Inbound::Error { description: format!("Invalid message received (64107): {e}") };
                    if ws.send(frame(&error)).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = ws.close(None).await;
        if let Some(action) = action_url {
            let params = vec![
                ("CallSid".to_owned(), sid.to_owned()),
                ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
                ("SessionStatus".to_owned(), "ended".to_owned()),
                ("SessionDuration".to_owned(), "0".to_owned()),
            ];
            if let Err(e) = self.post(&action, params).await {
                tracing::warn!(error = %e, "sandbox relay-ended callback failed");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::speaking_time;
    use std::time::Duration;

    #[test]
    fn businesses_speak_at_the_configured_pace_within_a_cap() {
        assert_eq!(speaking_time("Rapid Plumbing, Joe speaking.", 0), Duration::from_millis(20));
        assert_eq!(speaking_time("Hello", 40), Duration::from_millis(220));
        assert_eq!(speaking_time(&"x".repeat(1000), 40), Duration::from_millis(8_020));
    }
}
