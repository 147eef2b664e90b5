//! Twilio's REST API: placing a call.

use super::PlaceCall;
use crate::server::error::{ApiError, ErrorCode};

#[derive(Clone)]
pub(super) struct TwilioRest {
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
    pub(super) fn new(account_sid: &str, auth_token: &str, from: &str, api_base: &str) -> TwilioRest {
        crate::server::crypto::install_tls_provider();
        TwilioRest {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
            api_base: api_base.to_owned(),
            http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default(),
        }
    }

    /// The key that signs Twilio's webhooks and websocket upgrades.
    pub(super) fn auth_token(&self) -> &str {
        &self.auth_token
    }

    /// Creates the call; returns its SID. Any failure is 503 (Twilio or the
    /// way to it is unavailable), with Twilio's own message.
    pub(super) async fn place_call(&self, call: PlaceCall) -> Result<String, ApiError> {
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
