//! Twilio's ConversationRelay protocol: the JSON text frames exchanged over
//! the call's websocket, typed for both directions. The engine (our side)
//! reads [`Inbound`] and writes [`Outbound`]; the sandbox (Twilio's side)
//! does the opposite, so a renamed field fails to compile, not at run time.

use crate::server::error::ApiError;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Read and write buffer of a websocket carrying small JSON frames.
pub const FRAME_BUFFER: usize = 8 * 1024;

/// The path of the relay websocket on this server.
pub const RELAY_PATH: &str = "/api/relay";

/// The websocket URL of the relay for a public base URL (`https://` becomes
/// `wss://`, `http://` becomes `ws://`).
pub fn relay_url(public_url: &str) -> String {
    let ws = if let Some(rest) = public_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = public_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        public_url.to_owned()
    };
    format!("{ws}{RELAY_PATH}")
}

/// The relay URL of one call: the session and a key derived for it
/// (`secret_for` gives the key), so a signature captured for one call opens
/// no other, and the key cannot be guessed from the session id.
pub fn call_url(public_url: &str, session_id: uuid::Uuid, key: &str) -> String {
    format!("{}?session={session_id}&key={key}", relay_url(public_url))
}

/// What the key of a call's relay URL is derived for.
pub fn key_purpose(session_id: uuid::Uuid) -> String {
    format!("relay:{session_id}")
}

/// A frame from Twilio to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Inbound {
    /// The first frame of every session.
    Setup(Setup),
    /// Speech of the other side; `last` marks the end of an utterance.
    Prompt {
        voice_prompt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang: Option<String>,
        #[serde(default = "complete")]
        last: bool,
    },
    /// A key the other side pressed.
    Dtmf { digit: String },
    /// The other side spoke over our reply, which was cut off here.
    Interrupt {
        #[serde(default)]
        utterance_until_interrupt: String,
        #[serde(default, deserialize_with = "number_or_numeric_string", skip_serializing_if = "Option::is_none")]
        duration_until_interrupt_ms: Option<u64>,
    },
    /// Twilio reports a problem (e.g. a malformed frame of ours, 64107).
    Error {
        #[serde(default)]
        description: String,
    },
    /// A frame type this version does not know; ignored.
    #[serde(other)]
    Unknown,
}

fn complete() -> bool {
    true
}

/// `setup`: who is on the call, and our own `<Parameter>`s from the TwiML.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Setup {
    pub session_id: String,
    pub call_sid: String,
    pub parent_call_sid: String,
    pub account_sid: String,
    pub from: String,
    pub to: String,
    pub direction: String,
    pub call_status: String,
    pub custom_parameters: BTreeMap<String, String>,
}

/// A frame from the app to Twilio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Outbound {
    /// Text to speak, streamed in tokens; `last` on the final one.
    Text { token: String, last: bool },
    /// DTMF keys (`0-9*#`, `w` a half-second pause).
    SendDigits { digits: String },
    /// Ends the session; `handoff_data` (a JSON string) is posted to the
    /// TwiML's `<Connect action>`.
    End { handoff_data: String },
}

impl Outbound {
    pub fn token(token: impl Into<String>, last: bool) -> Outbound {
        Outbound::Text { token: token.into(), last }
    }
}

/// Why a live call's conversation stopped other than by its own end.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The other side closed the socket (hung up); an ordinary end.
    #[error("the other side hung up")]
    HungUp,
    /// The socket failed or broke the protocol.
    #[error("relay socket: {0}")]
    Socket(String),
    /// What was said could not be stored.
    #[error("storing the call failed: {}", .0.message)]
    Store(ApiError),
}

impl From<ApiError> for CallError {
    fn from(e: ApiError) -> Self {
        CallError::Store(e)
    }
}

/// `durationUntilInterruptMs` arrives as a number or as a numeric string.
fn number_or_numeric_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::Number(n)) if n.is_finite() && n >= 0.0 => Some(n as u64),
        Some(Raw::Text(s)) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> Inbound {
        serde_json::from_value(v).expect("frame")
    }

    #[test]
    fn twilios_frames_read_as_documented() {
        let setup = read(json!({
            "type": "setup", "sessionId": "VX1", "callSid": "CA1", "parentCallSid": "", "accountSid": "AC1",
            "from": "+15550000000", "to": "+14155550100", "forwardedFrom": "", "callerName": "",
            "direction": "outbound", "callType": "PSTN", "callStatus": "IN-PROGRESS",
            "customParameters": { "session_id": "abc" },
        }));
        let Inbound::Setup(s) = setup else { panic!("not a setup") };
        assert_eq!((s.call_sid.as_str(), s.custom_parameters["session_id"].as_str()), ("CA1", "abc"));

        assert_eq!(
            read(json!({ "type": "prompt", "voicePrompt": "Hello?", "lang": "en-US", "last": false })),
            Inbound::Prompt { voice_prompt: "Hello?".into(), lang: Some("en-US".into()), last: false }
        );
        // `last` missing: a complete utterance.
        assert!(matches!(read(json!({ "type": "prompt", "voicePrompt": "Hi" })), Inbound::Prompt { last: true, .. }));
        assert_eq!(read(json!({ "type": "dtmf", "digit": "5" })), Inbound::Dtmf { digit: "5".into() });
        for ms in [json!(1250), json!("1250"), json!(1250.0)] {
            assert_eq!(
                read(json!({ "type": "interrupt", "utteranceUntilInterrupt": "I was", "durationUntilInterruptMs": ms })),
                Inbound::Interrupt { utterance_until_interrupt: "I was".into(), duration_until_interrupt_ms: Some(1250) }
            );
        }
        assert!(matches!(
            read(json!({ "type": "interrupt", "utteranceUntilInterrupt": "x", "durationUntilInterruptMs": "soon" })),
            Inbound::Interrupt { duration_until_interrupt_ms: None, .. }
        ));
        assert_eq!(
            read(json!({ "type": "error", "description": "Invalid message" })),
            Inbound::Error { description: "Invalid message".into() }
        );
        assert_eq!(read(json!({ "type": "somethingNew", "x": 1 })), Inbound::Unknown);
        assert!(serde_json::from_value::<Inbound>(json!({ "voicePrompt": "no type" })).is_err());
        assert!(serde_json::from_value::<Inbound>(json!({ "type": "prompt" })).is_err(), "a prompt needs its text");
    }

    #[test]
    fn our_frames_are_written_with_twilios_field_names() {
        let text = serde_json::to_value(Outbound::token("Hello ", false)).unwrap();
        assert_eq!(text, json!({ "type": "text", "token": "Hello ", "last": false }));
        let digits = serde_json::to_value(Outbound::SendDigits { digits: "2".into() }).unwrap();
        assert_eq!(digits, json!({ "type": "sendDigits", "digits": "2" }));
        let end = serde_json::to_value(Outbound::End { handoff_data: "{}".into() }).unwrap();
        assert_eq!(end, json!({ "type": "end", "handoffData": "{}" }));
        for frame in [Outbound::token("x", true), Outbound::SendDigits { digits: "1w2".into() }] {
            let back: Outbound = serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
            assert_eq!(back, frame);
        }
    }

    #[test]
    fn the_relay_url_follows_the_public_scheme() {
        assert_eq!(relay_url("https://calls.example.com"), "wss://calls.example.com/api/relay");
        assert_eq!(relay_url("http://127.0.0.1:3000"), "ws://127.0.0.1:3000/api/relay");
    }
}
