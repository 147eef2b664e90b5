//! The phone network, as Twilio defines it: the ConversationRelay frames
//! ([`relay`]), request signatures, TwiML, call-status vocabulary, Twilio's
//! REST API, and the built-in [`sandbox`] network that speaks the same wire
//! protocol. Both reach the app through the same webhooks and websocket.

pub mod recording;
pub mod relay;
pub mod sandbox;
pub mod signature;
mod twilio;
pub mod twiml;

use super::config::{Config, TelephonyConfig};
use super::crypto::Cipher;
use super::error::ApiError;
use crate::domain::enums::{FailureReason, SessionStatus};
use sandbox::Sandbox;
use sandbox::businesses::Offer;
use twilio::TwilioRest;
use uuid::Uuid;

/// Everything a network needs to place one call.
#[derive(Debug, Clone)]
pub struct PlaceCall {
    pub session_id: Uuid,
    /// E.164.
    pub to: String,
    /// Where the network fetches the call's TwiML.
    pub voice_url: String,
    pub status_callback: String,
    pub amd_callback: String,
    /// Record the call and report the recording here (`None`: not recorded).
    pub recording_callback: Option<String>,
    pub time_limit_secs: u64,
}

/// The configured network for real calls, and the sandbox, which also
/// carries every rehearsal whatever the configured network is.
#[derive(Clone, Debug)]
pub struct Telephony {
    provider: Provider,
    sandbox: Sandbox,
}

#[derive(Clone, Debug)]
enum Provider {
    Sandbox,
    Twilio(TwilioRest),
}

impl Telephony {
    pub fn from_config(config: &Config, cipher: &Cipher) -> Telephony {
        let sandbox = Sandbox::new(
            cipher.derive_secret("sandbox-auth-token"),
            config.calls.sandbox_ms_per_char,
            config.data_dir.join("recordings"),
        );
        let provider = match &config.telephony {
            TelephonyConfig::Sandbox => Provider::Sandbox,
            TelephonyConfig::Twilio { account_sid, auth_token, phone_number, api_base } => {
                let pause = std::time::Duration::from_secs(config.calls.breaker_pause_secs);
                Provider::Twilio(TwilioRest::new(account_sid, auth_token.expose(), phone_number, api_base, pause))
            }
        };
        Telephony { provider, sandbox }
    }

    /// Whether a webhook or websocket upgrade was signed by the configured
    /// network or by the sandbox (rehearsals run there whatever is configured).
    pub fn signed(&self, url: &str, params: &[(String, String)], sig: &str) -> bool {
        let by_provider = match &self.provider {
            Provider::Sandbox => false,
            Provider::Twilio(t) => signature::verify(t.auth_token(), url, params, sig),
        };
        by_provider || signature::verify(self.sandbox.auth_token(), url, params, sig)
    }

    /// Places the call on the configured network; returns its call SID.
    pub async fn place_call(&self, call: PlaceCall) -> Result<String, ApiError> {
        match &self.provider {
            Provider::Sandbox => Ok(self.sandbox.place_call(call, None)),
            Provider::Twilio(t) => t.place_call(call).await,
        }
    }

    /// Whether calls can go out now: refused at once (503, Retry-After)
    /// while Twilio has been failing. Nothing to check for the sandbox.
    pub fn available(&self) -> Result<(), ApiError> {
        match &self.provider {
            Provider::Sandbox => Ok(()),
            Provider::Twilio(t) => t.available(),
        }
    }

    /// Whether the configured network prices calls after they end (Twilio);
    /// the sandbox is free.
    pub fn prices_later(&self) -> bool {
        matches!(self.provider, Provider::Twilio(_))
    }

    /// What the configured network charged for the call `call_sid`, once it
    /// has priced it (see [`Telephony::prices_later`]).
    pub async fn call_price(&self, call_sid: &str) -> Result<Option<(f64, String)>, ApiError> {
        match &self.provider {
            Provider::Sandbox => Ok(Some((0.0, "USD".into()))),
            Provider::Twilio(t) => t.call_price(call_sid).await,
        }
    }

    /// The audio of the recording at `url` (see [`recording::Reference`]),
    /// or the byte range `range` asks for, from the network that holds it.
    pub async fn recording(&self, url: &str, range: Option<&str>) -> Result<recording::Audio, ApiError> {
        let r = recording::Reference::parse(url).ok_or_else(|| ApiError::not_found("Recording"))?;
        match &self.provider {
            _ if r.account_sid == sandbox::ACCOUNT_SID => self.sandbox.recording(&r.sid, range).await,
            Provider::Twilio(t) if t.account_sid() == r.account_sid => t.recording(&r.sid, range).await,
            _ => Err(recording::elsewhere()),
        }
    }

    /// Deletes the recording at `url` from the network that holds it
    /// (deleted already is deleted).
    pub async fn delete_recording(&self, url: &str) -> Result<(), ApiError> {
        let Some(r) = recording::Reference::parse(url) else { return Ok(()) };
        match &self.provider {
            _ if r.account_sid == sandbox::ACCOUNT_SID => self.sandbox.delete_recording(&r.sid).await,
            Provider::Twilio(t) if t.account_sid() == r.account_sid => t.delete_recording(&r.sid).await,
            _ => Err(recording::elsewhere()),
        }
    }

    /// Places the call on the sandbox, against a business that makes `offer`.
    pub fn rehearse(&self, call: PlaceCall, offer: Offer) -> String {
        self.sandbox.place_call(call, Some(offer))
    }
}

/// Whether `s` is `prefix` followed by 32 ASCII letters or digits (the
/// shape of Twilio's SIDs: `CA…` a call, `RE…` a recording, `AC…` an account).
pub fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether answering-machine detection's `AnsweredBy` (`machine_start`,
/// `machine_end_beep`, `fax`, `human`, `unknown`, ...) says no person answered.
pub fn answered_by_machine(answered_by: &str) -> bool {
    answered_by.starts_with("machine") || answered_by == "fax"
}

/// A `CallStatus` of a status callback: the session's status and, for an
/// unsuccessful end, why. `None` for a value Twilio does not document.
pub fn call_status(status: &str) -> Option<(SessionStatus, Option<FailureReason>)> {
    Some(match status {
        "queued" | "initiated" => (SessionStatus::Initiated, None),
        "ringing" => (SessionStatus::Ringing, None),
        "in-progress" | "answered" => (SessionStatus::Connected, None),
        "completed" => (SessionStatus::Completed, None),
        "busy" => (SessionStatus::Failed, Some(FailureReason::Busy)),
        "no-answer" => (SessionStatus::Failed, Some(FailureReason::NoAnswer)),
        "failed" => (SessionStatus::Failed, Some(FailureReason::Failed)),
        "canceled" => (SessionStatus::Cancelled, Some(FailureReason::Canceled)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_call_status_maps_and_others_do_not() {
        let ended = ["completed", "busy", "no-answer", "failed", "canceled"];
        for s in ["queued", "initiated", "ringing", "in-progress", "answered"].iter().chain(&ended) {
            let (status, reason) = call_status(s).unwrap_or_else(|| panic!("{s} unmapped"));
            assert_eq!(status.is_terminal(), ended.contains(s), "{s}");
            assert_eq!(reason.is_some(), ended.contains(s) && *s != "completed", "{s}");
        }
        assert_eq!(call_status("no-answer"), Some((SessionStatus::Failed, Some(FailureReason::NoAnswer))));
        for s in ["", "COMPLETED", "in progress", "hung-up"] {
            assert_eq!(call_status(s), None, "{s}");
        }
    }
}
