//! Twilio's REST API: placing a call, and reading what it cost.

use super::PlaceCall;
use super::recording::{self, Audio};
use crate::server::breaker::Breaker;
use crate::server::error::{ApiError, ErrorCode};
use std::sync::Arc;

#[derive(Clone)]
pub(super) struct TwilioRest {
    account_sid: String,
    auth_token: String,
    from: String,
    api_base: String,
    http: reqwest::Client,
    /// Opens after Twilio failed several times in a row.
    breaker: Arc<Breaker>,
}

impl std::fmt::Debug for TwilioRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioRest").field("account_sid", &self.account_sid).field("api_base", &self.api_base).finish()
    }
}

impl TwilioRest {
    pub(super) fn new(account_sid: &str, auth_token: &str, from: &str, api_base: &str, pause: std::time::Duration) -> TwilioRest {
        crate::server::crypto::install_tls_provider();
        TwilioRest {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
            api_base: api_base.to_owned(),
            http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default(),
            breaker: Arc::new(Breaker::new("twilio", pause)),
        }
    }

    /// The key that signs Twilio's webhooks and websocket upgrades.
    pub(super) fn auth_token(&self) -> &str {
        &self.auth_token
    }

    /// Creates the call; returns its SID. Any failure is 503 (Twilio or the
    /// way to it is unavailable), with Twilio's own message. After repeated
    /// failures of Twilio itself (no answer, 5xx) calls are refused at once
    /// for a while (503 with Retry-After), not sent to wait out a timeout.
    pub(super) async fn place_call(&self, call: PlaceCall) -> Result<String, ApiError> {
        self.breaker.admit().map_err(refused)?;
        let placed = self.create_call(call).await;
        match &placed {
            Ok(_) | Err(CreateError::Refused(_)) => self.breaker.success(),
            Err(CreateError::Failing(_)) => self.breaker.failure(),
        }
        placed.map_err(|e| match e {
            CreateError::Refused(m) | CreateError::Failing(m) => {
                ApiError::new(ErrorCode::Unavailable, format!("Twilio could not place the call: {m}"))
            }
        })
    }

    /// 503 with Retry-After while the breaker is open and pausing.
    pub(super) fn available(&self) -> Result<(), ApiError> {
        self.breaker.paused().map_err(refused)
    }

    async fn create_call(&self, call: PlaceCall) -> Result<String, CreateError> {
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
        if let Some(callback) = &call.recording_callback {
            form.push(("Record", "true".into()));
            form.push(("RecordingStatusCallback", callback.clone()));
            form.push(("RecordingStatusCallbackMethod", "POST".into()));
            form.push(("RecordingStatusCallbackEvent", "completed absent".into()));
        }
        let response = self
            .http
            .post(&url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .send()
            .await
            .map_err(|e| CreateError::Failing(e.to_string()))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            let message = body["message"].as_str().unwrap_or("unknown error").to_owned();
            // A 4xx is about this call (a number Twilio will not dial); a 5xx is Twilio.
            return Err(if status.is_server_error() { CreateError::Failing(message) } else { CreateError::Refused(message) });
        }
        body["sid"].as_str().map(str::to_owned).ok_or_else(|| CreateError::Failing("no call sid in the reply".into()))
    }
}

impl TwilioRest {
    /// The price Twilio charged for a call (a positive amount) and its
    /// currency, once Twilio has priced it; `None` until then. Twilio
    /// prices a call some time after it ends.
    pub(super) async fn call_price(&self, call_sid: &str) -> Result<Option<(f64, String)>, ApiError> {
        let unavailable =
            |m: String| ApiError::new(ErrorCode::Unavailable, format!("Twilio could not say what the call cost: {m}"));
        if !super::is_sid(call_sid, "CA") {
            return Err(ApiError::new(ErrorCode::Internal, format!("`{call_sid}` is not a call SID")));
        }
        let url = format!("{}/2010-04-01/Accounts/{}/Calls/{call_sid}.json", self.api_base, self.account_sid);
        let response = self
            .http
            .get(&url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            return Err(unavailable(body["message"].as_str().unwrap_or("unknown error").to_owned()));
        }
        // A charge is written as a negative string ("-0.01300").
        let price = match &body["price"] {
            serde_json::Value::String(p) => p.trim().parse::<f64>().ok(),
            serde_json::Value::Number(n) => n.as_f64(),
            _ => None,
        };
        let unit = body["price_unit"].as_str().filter(|u| u.len() == 3).unwrap_or("USD").to_ascii_uppercase();
        Ok(price.filter(|p| p.is_finite()).map(|p| (p.abs(), unit)))
    }
}

impl TwilioRest {
    pub(super) fn account_sid(&self) -> &str {
        &self.account_sid
    }

    fn recording_url(&self, sid: &str, extension: &str) -> String {
        format!("{}/2010-04-01/Accounts/{}/Recordings/{sid}.{extension}", self.api_base, self.account_sid)
    }

    /// The recording `sid` as MP3 (or the byte range `range` asks for),
    /// streamed from Twilio as it arrives.
    pub(super) async fn recording(&self, sid: &str, range: Option<&str>) -> Result<Audio, ApiError> {
        let unavailable = |m: String| ApiError::new(ErrorCode::Unavailable, format!("Twilio could not send the recording: {m}"));
        if !recording::is_recording_sid(sid) {
            return Err(ApiError::not_found("Recording"));
        }
        let mut request = self.http.get(self.recording_url(sid, "mp3")).basic_auth(&self.account_sid, Some(&self.auth_token));
        if let Some(range) = range {
            request = request.header(reqwest::header::RANGE, range);
        }
        let response = request.send().await.map_err(|e| unavailable(e.to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(ApiError::not_found("Recording"));
        }
        if !status.is_success() {
            return Err(unavailable(format!("it answered {status}")));
        }
        let header =
            |name: reqwest::header::HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type =
            header(reqwest::header::CONTENT_TYPE).filter(|t| t.starts_with("audio/")).unwrap_or("audio/mpeg".into());
        let content_range = header(reqwest::header::CONTENT_RANGE);
        let partial = status == reqwest::StatusCode::PARTIAL_CONTENT;
        let length = response.content_length();
        let body = futures::stream::unfold(Some(response), |response| async move {
            let mut response = response?;
            match response.chunk().await {
                Ok(Some(chunk)) => Some((Ok::<_, reqwest::Error>(chunk), Some(response))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        });
        Ok(Audio { content_type, partial, content_range, length, body: axum::body::Body::from_stream(body) })
    }

    /// Deletes the recording `sid` from Twilio (one already gone is deleted).
    pub(super) async fn delete_recording(&self, sid: &str) -> Result<(), ApiError> {
        let unavailable =
            |m: String| ApiError::new(ErrorCode::Unavailable, format!("Twilio could not delete the recording: {m}"));
        if !recording::is_recording_sid(sid) {
            return Ok(());
        }
        let response = self
            .http
            .delete(self.recording_url(sid, "json"))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        match response.status() {
            s if s.is_success() || s == reqwest::StatusCode::NOT_FOUND => Ok(()),
            s => Err(unavailable(format!("it answered {s}"))),
        }
    }
}

/// The open breaker as the API says it.
fn refused(open: crate::server::breaker::Open) -> ApiError {
    let secs = open.retry_after.as_secs().max(1);
    let mut e = ApiError::new(
        ErrorCode::Unavailable,
        format!("Twilio has been failing; calls are paused for {secs} s. Your task is kept; try again then."),
    );
    e.retry_after = Some(secs);
    e
}

/// Why a call was not created: Twilio refused this call, or Twilio (or the
/// way to it) is failing.
enum CreateError {
    Refused(String),
    Failing(String),
}
