//! Placing calls and speaking Twilio's protocol: `enum Telephony { Twilio,
//! Sandbox }`, TwiML, and request signatures. Both back ends reach the app
//! through the same webhooks and the same ConversationRelay websocket.

pub mod signature;
pub mod twiml;

use super::config::{Config, TelephonyConfig};
use super::crypto::Cipher;
use super::error::{ApiError, ErrorCode};
use super::sandbox::Sandbox;
use uuid::Uuid;

/// Everything a provider needs to place one call.
#[derive(Debug, Clone)]
pub struct PlaceCall {
    pub session_id: Uuid,
    /// E.164.
    pub to: String,
    /// Where the provider fetches the call's TwiML.
    pub voice_url: String,
    pub status_callback: String,
    pub amd_callback: String,
    pub time_limit_secs: u64,
    /// For a rehearsal on the sandbox: the business built from the plan.
    pub rehearsal: Option<crate::server::sandbox::businesses::Offer>,
}

/// Whether a request was signed by the configured provider or by the
/// sandbox (rehearsals run on the sandbox whatever the provider).
pub fn provider_signed(telephony: &Telephony, rehearsal: &Sandbox, url: &str, params: &[(String, String)], sig: &str) -> bool {
    signature::verify(telephony.auth_token(), url, params, sig) || signature::verify(rehearsal.auth_token(), url, params, sig)
}

#[derive(Clone, Debug)]
pub enum Telephony {
    Sandbox(Sandbox),
    Twilio(TwilioRest),
}

impl Telephony {
    pub fn from_config(config: &Config, cipher: &Cipher) -> Telephony {
        match &config.telephony {
            TelephonyConfig::Sandbox => {
                Telephony::Sandbox(Sandbox::new(cipher.derive_secret("sandbox-auth-token"), config.calls.sandbox_ms_per_char))
            }
            TelephonyConfig::Twilio { account_sid, auth_token, phone_number, api_base } => {
                super::install_tls_provider();
                Telephony::Twilio(TwilioRest {
                    account_sid: account_sid.clone(),
                    auth_token: auth_token.expose().to_owned(),
                    from: phone_number.clone(),
                    api_base: api_base.clone(),
                    http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default(),
                })
            }
        }
    }

    /// The key that signs this provider's webhooks and websocket upgrades.
    pub fn auth_token(&self) -> &str {
        match self {
            Telephony::Sandbox(s) => s.auth_token(),
            Telephony::Twilio(t) => &t.auth_token,
        }
    }

    pub fn from_number(&self) -> &str {
        match self {
            Telephony::Sandbox(_) => "+15555550100",
            Telephony::Twilio(t) => &t.from,
        }
    }

    /// Places the call; returns the provider's call SID.
    pub async fn place_call(&self, call: PlaceCall) -> Result<String, ApiError> {
        match self {
            Telephony::Sandbox(s) => Ok(s.place_call(call, self.from_number().to_owned())),
            Telephony::Twilio(t) => t.place_call(call).await,
        }
    }
}

/// Twilio's REST API.
#[derive(Clone)]
pub struct TwilioRest {
    account_sid: String,
    auth_token: String,
    from: String,
    api_base: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for TwilioRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioRest").field("account_sid", &self.account_sid).field("api_base", &self.api_base).finish()
    }
}

impl TwilioRest {
    async fn place_call(&self, call: PlaceCall) -> Result<String, ApiError> {
        let url = format!("{}/2010-04-01/Accounts/{}/Calls.json", self.api_base, self.account_sid);
        let mut form: Vec<(&str, String)> = vec![
            ("To", call.to.clone()),
            ("From", self.from.clone()),
            ("Url", call.voice_url.clone()),
            ("StatusCallback", call.status_callback.clone()),
            ("StatusCallbackMethod", "POST".into()),
            ("Timeout", "30".into()),
            ("TimeLimit", call.time_limit_secs.to_string()),
            ("MachineDetection", "Enable".into()),
            ("AsyncAmd", "true".into()),
            ("AsyncAmdStatusCallback", call.amd_callback.clone()),
        ];
        for event in ["initiated", "ringing", "answered", "completed"] {
            form.push(("StatusCallbackEvent", event.into()));
        }
        let unavailable = |m: String| ApiError::new(ErrorCode::Unavailable, format!("Twilio could not place the call: {m}"));
        let response = self
            .http
            .post(&url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            let message = body["message"].as_str().unwrap_or("unknown error").to_owned();
            return Err(unavailable(message));
        }
        body["sid"].as_str().map(str::to_owned).ok_or_else(|| unavailable("no call sid in the reply".into()))
    }
}
