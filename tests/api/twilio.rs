//! `TELEPHONY=twilio` against a server started by the test that plays
//! Twilio: its REST API (create call), signed webhooks and the
//! ConversationRelay websocket. Bad signatures are refused; duplicated and
//! reordered callbacks are harmless.

use crate::support::{Session, TestApp, TestDb, body as body_of, http, json_of, processed};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Json, Router};
use callwright::server::telephony::signature::sign;
use futures::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-test-auth-token";

/// A create-call request: its `Authorization` header and its form.
type CreateCall = (Option<String>, Vec<(String, String)>);

/// A read of a call's price: its `Authorization` header and the file asked for.
type PriceRead = (Option<String>, String);

/// A request for a recording: method, `Authorization`, file, `Range`.
type RecordingRequest = (String, Option<String>, String, Option<String>);

#[derive(Clone, Default)]
struct Twilio {
    calls: Arc<Mutex<Vec<CreateCall>>>,
    refuse: Arc<Mutex<bool>>,
    price_reads: Arc<Mutex<Vec<PriceRead>>>,
    recordings: Arc<Mutex<Vec<RecordingRequest>>>,
}

/// A recording Twilio keeps, and its MP3 audio.
const RECORDING: &str = "RE00112233445566778899aabbccddeeff";
const MP3: &[u8] = b"ID3\x04\x00\x00mp3!";

/// `GET`/`DELETE .../Recordings/{sid}.{mp3,json}`.
async fn recording_file(
    State(t): State<Twilio>,
    method: axum::http::Method,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> axum::response::Response {
    assert_eq!(account, SID);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    t.recordings.lock().unwrap().push((method.to_string(), header("authorization"), file.clone(), header("range")));
    if method == axum::http::Method::DELETE {
        return StatusCode::NO_CONTENT.into_response();
    }
    if file != format!("{RECORDING}.mp3") {
        return (StatusCode::NOT_FOUND, Json(json!({"code": 20404, "message": "not found"}))).into_response();
    }
    match header("range").as_deref() {
        Some("bytes=0-3") => {
            (StatusCode::PARTIAL_CONTENT, [("content-type", "audio/mpeg"), ("content-range", "bytes 0-3/10")], MP3[..4].to_vec())
                .into_response()
        }
        _ => ([("content-type", "audio/mpeg")], MP3.to_vec()).into_response(),
    }
}

/// `GET .../Calls/{sid}.json`: not priced on the first read (as Twilio,
/// which prices a call a while after it ends), priced after that.
async fn fetch_call(
    State(t): State<Twilio>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> axum::response::Response {
    assert_eq!(account, SID);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let reads = {
        let mut reads = t.price_reads.lock().unwrap();
        reads.push((auth, file.clone()));
        reads.len()
    };
    let sid = file.trim_end_matches(".json");
    let price = if reads == 1 { Value::Null } else { json!("-0.01300") };
    Json(json!({"sid": sid, "status": "completed", "price": price, "price_unit": "USD"})).into_response()
}

async fn create_call(
    State(t): State<Twilio>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> axum::response::Response {
    assert_eq!(account, SID);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    t.calls.lock().unwrap().push((auth, form));
    if *t.refuse.lock().unwrap() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 21215, "message": "Account not authorized to call +14155550100.", "status": 400})),
        )
            .into_response();
    }
    (StatusCode::CREATED, Json(json!({"sid": "CAfeedfacefeedfacefeedfacefeedface", "status": "queued"}))).into_response()
}

async fn start_twilio() -> (String, Twilio) {
    let t = Twilio::default();
    let app = Router::new()
        .route("/2010-04-01/Accounts/{account}/Calls.json", post(create_call))
        .route("/2010-04-01/Accounts/{account}/Calls/{file}", axum::routing::get(fetch_call))
        .route("/2010-04-01/Accounts/{account}/Recordings/{file}", axum::routing::get(recording_file).delete(recording_file))
        .with_state(t.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, t)
}

/// Twilio needs the public URL before the server starts: pick a free port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn signed_post(url: &str, params: &[(String, String)]) -> reqwest::Response {
    http().post(url).header("x-twilio-signature", sign(TOKEN, url, params)).form(params).send().await.unwrap()
}

fn param<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}

/// A server in Twilio mode against the fake Twilio at `api_base`, with `extra` settings.
async fn spawn(api_base: &str, extra: &[(&str, &str)]) -> TestApp {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let public = format!("http://{addr}");
    let mut env = vec![
        ("TELEPHONY", "twilio"),
        ("TWILIO_ACCOUNT_SID", SID),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("TWILIO_PHONE_NUMBER", "+14155550000"),
        ("TWILIO_API_BASE", api_base),
        ("PUBLIC_URL", &public),
        ("LEPTOS_SITE_ADDR", &addr),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with(TestDb::new(), &env).await
}

async fn ready_task(app: &TestApp, ada: &Session) -> String {
    let v = json_of(
        app.as_user(ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call my dentist at 415-555-0100 and book a cleaning next week under $100"})),
    )
    .await;
    v["call_task"]["id"].as_str().unwrap().to_owned()
}

/// Reads `text` frames until one with `last`, returning the utterance.
async fn hear(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut other = Vec::new();
    loop {
        let frame =
            tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("reply in time").expect("open").expect("frame");
        let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        match v["type"].as_str() {
            Some("text") => {
                text.push_str(v["token"].as_str().unwrap());
                if v["last"] == true {
                    return (text.trim().to_owned(), other);
                }
            }
            _ => other.push(v),
        }
    }
}

#[tokio::test]
async fn a_real_twilio_call_end_to_end() {
    let (api, twilio) = start_twilio().await;
    let app = spawn(&api, &[("TWILIO_PRICE_POLL_SECS", "1")]).await;
    let ada = app.signup("ada").await;
    let task = ready_task(&app, &ada).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["call_session"]["provider_call_sid"], "CAfeedfacefeedfacefeedfacefeedface");
    let session = started["call_session"]["id"].as_str().unwrap().to_owned();

    // What Twilio's REST API received.
    let (auth, call) = twilio.calls.lock().unwrap()[0].clone();
    use base64::Engine;
    assert_eq!(auth.unwrap(), format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))));
    assert_eq!(param(&call, "To"), ["+14155550100"]);
    assert_eq!(param(&call, "From"), ["+14155550000"]);
    assert_eq!(param(&call, "StatusCallbackEvent"), ["initiated", "ringing", "answered", "completed"]);
    assert_eq!(param(&call, "MachineDetection"), ["Enable"]);
    assert_eq!(param(&call, "AsyncAmd"), ["true"]);
    assert_eq!(param(&call, "TimeLimit"), ["600"]);
    assert!(param(&call, "Record").is_empty() && param(&call, "RecordingStatusCallback").is_empty(), "not recorded unless asked");
    let status_url = param(&call, "StatusCallback")[0].to_owned();
    let voice_url = param(&call, "Url")[0].to_owned();
    let sid = "CAfeedfacefeedfacefeedfacefeedface";

    // Progress callbacks; a forged one changes nothing.
    let ringing = form(&[("CallSid", sid), ("CallStatus", "ringing"), ("SequenceNumber", "1")]);
    assert_eq!(
        signed_post(&status_url, &form(&[("CallSid", sid), ("CallStatus", "initiated"), ("SequenceNumber", "0")])).await.status(),
        204
    );
    assert_eq!(signed_post(&status_url, &ringing).await.status(), 204);
    let forged = http()
        .post(&status_url)
        .header("x-twilio-signature", sign("wrong-token", &status_url, &ringing))
        .form(&ringing)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // Answered: Twilio fetches the TwiML and opens the relay.
    let voice = form(&[("CallSid", sid), ("CallStatus", "in-progress")]);
    let xml = signed_post(&voice_url, &voice).await.text().await.unwrap();
    let relay = xml.split("ConversationRelay url=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    assert!(relay.starts_with("ws://127.0.0.1:"), "{xml}");
    assert!(xml.contains(&format!("<Parameter name=\"session_id\" value=\"{session}\"/>")));
    assert_eq!(
        signed_post(&status_url, &form(&[("CallSid", sid), ("CallStatus", "in-progress"), ("SequenceNumber", "2")]))
            .await
            .status(),
        204
    );
    let mut unsigned = relay.as_str().into_client_request().unwrap();
    unsigned.headers_mut().insert("x-twilio-signature", "Zm9yZ2Vk".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(unsigned).await.is_err(), "forged upgrade refused");
    let mut request = relay.as_str().into_client_request().unwrap();
    // Twilio signs the https spelling as well; use it to prove both are accepted.
    let https = relay.replacen("ws://", "http://", 1);
    request.headers_mut().insert("x-twilio-signature", sign(TOKEN, &https, &[]).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let setup = json!({"type": "setup", "sessionId": "VX1", "callSid": sid, "accountSid": SID, "from": "+14155550000", "to": "+14155550100",
                       "direction": "outbound", "callStatus": "IN-PROGRESS", "customParameters": {"session_id": session}});
    ws.send(Message::Text(setup.to_string().into())).await.unwrap();
    let say = |text: &str| {
        Message::Text(json!({"type": "prompt", "voicePrompt": text, "lang": "en-US", "last": true}).to_string().into())
    };

    ws.send(say("Bright Smiles Dental, this is Sarah. How can I help?")).await.unwrap();
    let (intro, _) = hear(&mut ws).await;
    assert!(intro.contains("AI assistant calling on behalf of ada"), "{intro}");
    ws.send(say("We have next Tuesday at 2:30 pm, a cleaning is $85.")).await.unwrap();
    let (accept, _) = hear(&mut ws).await;
    assert!(accept.contains("book it"), "{accept}");
    // Barge-in is recorded; the conversation goes on.
    ws.send(Message::Text(
        json!({"type": "interrupt", "utteranceUntilInterrupt": "That works", "durationUntilInterruptMs": "800"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    ws.send(say("You're booked for Tuesday at 2:30 pm, your confirmation number is DC-7777.")).await.unwrap();
    let (check, _) = hear(&mut ws).await;
    assert!(check.contains("DC-7777") && check.ends_with("Is that right?"), "{check}");
    ws.send(say("Yes, that's right.")).await.unwrap();
    let (closing, _) = hear(&mut ws).await;
    assert!(closing.contains("Goodbye"), "{closing}");
    let end = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
    let end: Value = serde_json::from_str(end.to_text().unwrap()).unwrap();
    assert_eq!(end["type"], "end");

    // Completion, then a late duplicate and an out-of-order callback.
    let completed = form(&[("CallSid", sid), ("CallStatus", "completed"), ("SequenceNumber", "3"), ("CallDuration", "42")]);
    assert_eq!(signed_post(&status_url, &completed).await.status(), 204);
    assert_eq!(signed_post(&status_url, &completed).await.status(), 204);
    assert_eq!(signed_post(&status_url, &ringing).await.status(), 204);
    let detail = app.wait_session(&ada, &session, "processing", 20, processed).await;
    assert_eq!(detail["call_session"]["status"], "completed", "{detail:#}");
    assert_eq!(detail["call_session"]["duration_seconds"], 42);
    assert_eq!(detail["transcript"]["goal_achieved"], true, "{detail:#}");
    let confirmation =
        detail["extracted_data"].as_array().unwrap().iter().find(|i| i["data_type"] == "confirmation_number").unwrap();
    assert_eq!(confirmation["extracted_value"]["value"], "DC-7777");
    assert!(
        detail["segments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["speaker"] == "system" && s["content"].as_str().unwrap().contains("interrupted"))
    );

    // Real-time transcription webhooks (a second transcript source) are signed too.
    let transcript_url = app.url("/api/webhooks/call-transcript");
    let t = form(&[
        ("CallSid", sid),
        ("TranscriptionEvent", "transcription-content"),
        ("Final", "true"),
        ("Track", "inbound_track"),
        ("TranscriptionData", r#"{"transcript": "Anything else?", "confidence": 0.93}"#),
    ]);
    assert_eq!(http().post(&transcript_url).form(&t).send().await.unwrap().status(), 403);
    assert_eq!(signed_post(&transcript_url, &t).await.status(), 204);
    // An utterance too long for a NOTIFY payload is still stored.
    let long = format!(r#"{{"transcript": "{}", "confidence": 0.9}}"#, "very long words ".repeat(700));
    let t = form(&[
        ("CallSid", sid),
        ("TranscriptionEvent", "transcription-content"),
        ("Final", "true"),
        ("Track", "inbound_track"),
        ("TranscriptionData", &long),
    ]);
    assert_eq!(signed_post(&transcript_url, &t).await.status(), 204);
    let d: Value =
        app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{session}")).send().await.unwrap().json().await.unwrap();
    assert!(d["segments"].as_array().unwrap().iter().any(|s| s["content"].as_str().unwrap().len() > 10_000));

    // What the call cost: Twilio prices it a while after it ends, so it is
    // asked again until it has (here: the second read), with the account's key.
    assert_eq!(detail["call_session"]["cost"]["telephony_cost"], Value::Null, "not priced yet: {detail:#}");
    let priced =
        app.wait_session(&ada, &session, "Twilio's price", 20, |s| !s["call_session"]["cost"]["telephony_cost"].is_null()).await;
    assert_eq!(priced["call_session"]["cost"]["telephony_cost"], 0.013, "{priced:#}");
    assert_eq!(priced["call_session"]["cost"]["telephony_currency"], "USD");
    assert_eq!(priced["call_session"]["cost"]["ai_requests"], 0, "the rules engine uses no model");
    let reads = twilio.price_reads.lock().unwrap().clone();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(reads.iter().all(|(_, file)| file == &format!("{sid}.json")));
    assert_eq!(reads[0].0, twilio.calls.lock().unwrap()[0].0, "read with the same Basic auth");
    let task_cost = app.task(&ada, &task).await["cost"].clone();
    assert_eq!(task_cost["telephony_cost"], 0.013, "{task_cost:#}");
    app.stop().await;
}

/// Twilio may name a call only in its callbacks (its answer to the create
/// request was lost after it placed the call): the first callback to name
/// it keeps its SID, whether it moves the call (the end) or not (a late
/// `initiated`), and the ended call is then priced like any other. A
/// callback for a session that is not there changes nothing.
#[tokio::test]
async fn a_call_named_only_by_its_callbacks_keeps_its_sid_and_is_priced() {
    let (api, twilio) = start_twilio().await;
    let app = spawn(&api, &[("TWILIO_PRICE_POLL_SECS", "1")]).await;
    let ada = app.signup("ada").await;
    let task = ready_task(&app, &ada).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    let started: Value = res.json().await.unwrap();
    let session: uuid::Uuid = started["call_session"]["id"].as_str().unwrap().parse().unwrap();
    let status_url = param(&twilio.calls.lock().unwrap()[0].1, "StatusCallback")[0].to_owned();
    let sid = "CAfeedfacefeedfacefeedfacefeedface";
    let mut db = app.db.owner().await;
    async fn forget(db: &mut sqlx::PgConnection, session: uuid::Uuid) {
        sqlx::query("UPDATE call_sessions SET provider_call_sid = NULL WHERE id = $1").bind(session).execute(db).await.unwrap();
    }
    async fn stored(db: &mut sqlx::PgConnection, session: uuid::Uuid) -> Option<String> {
        sqlx::query_scalar("SELECT provider_call_sid FROM call_sessions WHERE id = $1").bind(session).fetch_one(db).await.unwrap()
    }

    forget(&mut db, session).await;
    let initiated = form(&[("CallSid", sid), ("CallStatus", "initiated"), ("SequenceNumber", "0")]);
    assert_eq!(signed_post(&status_url, &initiated).await.status(), 204);
    assert_eq!(stored(&mut db, session).await.as_deref(), Some(sid), "a callback that moves nothing still names the call");

    forget(&mut db, session).await;
    let completed = form(&[("CallSid", sid), ("CallStatus", "completed"), ("SequenceNumber", "3"), ("CallDuration", "7")]);
    assert_eq!(signed_post(&status_url, &completed).await.status(), 204);
    assert_eq!(stored(&mut db, session).await.as_deref(), Some(sid), "the end names the call");
    let priced = app
        .wait_session(&ada, &session.to_string(), "Twilio's price", 20, |s| {
            !s["call_session"]["cost"]["telephony_cost"].is_null()
        })
        .await;
    assert_eq!(priced["call_session"]["status"], "completed");
    assert_eq!(priced["call_session"]["duration_seconds"], 7);
    assert_eq!(priced["call_session"]["cost"]["telephony_cost"], 0.013, "asked of Twilio, not taken as a call never placed");

    // Signed callbacks about a session that is not (or no longer) there.
    let elsewhere = status_url.replace(&session.to_string(), &uuid::Uuid::new_v4().to_string());
    assert_ne!(elsewhere, status_url);
    for status in ["ringing", "completed", "failed"] {
        let report = form(&[("CallSid", "CA0000000000000000000000000000dead"), ("CallStatus", status), ("SequenceNumber", "5")]);
        assert_eq!(signed_post(&elsewhere, &report).await.status(), 204, "{status}");
    }
    let named: i64 = sqlx::query_scalar("SELECT count(*) FROM call_sessions WHERE provider_call_sid LIKE '%dead'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(named, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_recorded_twilio_call_plays_through_the_server_and_goes_with_its_task() {
    let (api, twilio) = start_twilio().await;
    let app = spawn(&api, &[]).await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let res = app.as_user(&ada, Method::PATCH, "/api/settings").json(&json!({"record_calls": true})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let task = ready_task(&app, &ada).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let session = body_of(res).await["call_session"]["id"].as_str().unwrap().to_owned();
    let (_, call) = twilio.calls.lock().unwrap()[0].clone();
    assert_eq!(param(&call, "Record"), ["true"]);
    assert_eq!(param(&call, "RecordingStatusCallbackEvent"), ["completed absent"]);
    let callback = param(&call, "RecordingStatusCallback")[0].to_owned();
    assert_eq!(callback, app.url(&format!("/api/webhooks/recording?session_id={session}")));

    let sid = "CAfeedfacefeedfacefeedfacefeedface";
    // Twilio's own host in the URL: the audio is still fetched from the configured API only.
    let url = |re: &str| format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Recordings/{re}");
    let report = |re: &str, status: &str| {
        form(&[
            ("CallSid", sid),
            ("AccountSid", SID),
            ("RecordingSid", re),
            ("RecordingUrl", &url(re)),
            ("RecordingStatus", status),
        ])
    };
    let forged = http()
        .post(&callback)
        .header("x-twilio-signature", sign("wrong-token", &callback, &report(RECORDING, "completed")))
        .form(&report(RECORDING, "completed"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let mut mismatched = report(RECORDING, "completed");
    mismatched[2].1 = "RE99999999999999999999999999999999".into();
    assert_eq!(signed_post(&callback, &mismatched).await.status(), 400);
    assert_eq!(signed_post(&callback, &report(RECORDING, "absent")).await.status(), 204);
    assert!(app.session(&ada, &session).await["call_session"]["recording_url"].is_null());

    assert_eq!(signed_post(&callback, &report(RECORDING, "completed")).await.status(), 204);
    assert_eq!(signed_post(&callback, &report(RECORDING, "completed")).await.status(), 204, "a repeated report");
    let path = format!("/api/call-sessions/{session}/recording");
    assert_eq!(app.session(&ada, &session).await["call_session"]["recording_url"], path);
    let res = app.as_user(&ada, Method::GET, &path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/mpeg");
    assert_eq!(res.bytes().await.unwrap(), MP3);
    let res = app.as_user(&ada, Method::GET, &path).header("range", "bytes=0-3").send().await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], "bytes 0-3/10");
    assert_eq!(res.bytes().await.unwrap(), MP3[..4]);
    use base64::Engine;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}")));
    let asked = twilio.recordings.lock().unwrap().clone();
    assert_eq!(
        asked,
        [
            ("GET".to_owned(), Some(basic.clone()), format!("{RECORDING}.mp3"), None),
            ("GET".to_owned(), Some(basic.clone()), format!("{RECORDING}.mp3"), Some("bytes=0-3".to_owned())),
        ]
    );
    // Not for anyone else, and Twilio is not even asked.
    assert_eq!(app.as_user(&bob, Method::GET, &path).send().await.unwrap().status(), 404);
    assert_eq!(twilio.recordings.lock().unwrap().len(), 2);

    let deleted = |re: &str| {
        let t = twilio.clone();
        let file = format!("{re}.json");
        move || t.recordings.lock().unwrap().iter().any(|(m, auth, f, _)| m == "DELETE" && f == &file && auth.is_some())
    };
    let wait_for = |what: &'static str, done: Box<dyn Fn() -> bool>| async move {
        let since = Instant::now();
        while !done() {
            assert!(since.elapsed() < Duration::from_secs(15), "{what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    // A second recording of the one call is not kept where nobody can reach it.
    let second = "RE0000000000000000000000000000000a";
    assert_eq!(signed_post(&callback, &report(second, "completed")).await.status(), 204);
    wait_for("the second recording deleted", Box::new(deleted(second))).await;
    assert_eq!(app.as_user(&ada, Method::GET, &path).send().await.unwrap().status(), 200, "the first one stays");

    // Purging the task deletes the recording at Twilio; one reported after that is deleted at once.
    let res = app.as_user(&ada, Method::DELETE, &format!("/api/call-tasks/{task}?purge=true")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    wait_for("the recording deleted with its task", Box::new(deleted(RECORDING))).await;
    let late = "RE0000000000000000000000000000000b";
    assert_eq!(signed_post(&callback, &report(late, "completed")).await.status(), 204);
    wait_for("a late recording deleted", Box::new(deleted(late))).await;
    app.stop().await;
}

#[tokio::test]
async fn twilio_api_errors_become_a_503_with_twilios_message() {
    let (api, twilio) = start_twilio().await;
    *twilio.refuse.lock().unwrap() = true;
    let app = spawn(&api, &[]).await;
    let ada = app.signup("ada").await;
    let task = ready_task(&app, &ada).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("Account not authorized to call"), "{v}");
    let t = json_of(app.as_user(&ada, Method::GET, &format!("/api/call-tasks/{task}"))).await;
    assert_eq!(t["call_task"]["status"], "failed");
    assert_eq!(t["call_sessions"][0]["failure_reason"], "provider_error");
    app.stop().await;
}

#[tokio::test]
async fn any_task_can_be_rehearsed_on_the_sandbox_without_calling_anyone() {
    let (api, twilio) = start_twilio().await;
    let app = spawn(&api, &[]).await;
    let ada = app.signup("ada").await;
    let task = ready_task(&app, &ada).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/rehearse")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    let session = started["call_session"]["id"].as_str().unwrap().to_owned();
    let detail = app.wait_session(&ada, &session, "processing", 20, processed).await;
    assert!(twilio.calls.lock().unwrap().is_empty(), "Twilio was not asked to call anyone");
    assert_eq!(detail["transcript"]["goal_achieved"], true, "{detail:#}");
    // The rehearsal business was built from the plan: a price within the $100 limit, the preferred week.
    let human: Vec<&str> = detail["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["speaker"] == "human")
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert!(human.iter().any(|l| l.contains("$80") && l.contains("next week")), "{human:?}");
    app.stop().await;
}

/// What the model at [`start_model_of_many_paces`] says on its `n`th turn.
fn paced_reply(n: usize) -> &'static str {
    ["Thanks, that is good to know.", "Of course, take your time with that.", "Great, that works well for us."][n % 3]
}

/// A model whose replies arrive in turn whole in one write (as most do
/// over a fast link), a word every 30 ms, and all their words at once with
/// the end of the stream 300 ms later. Plans get no usable answer.
async fn start_model_of_many_paces() -> String {
    async fn chat(
        State(turns): State<Arc<std::sync::atomic::AtomicUsize>>,
        Json(request): Json<Value>,
    ) -> axum::response::Response {
        if request["stream"] != true {
            return (StatusCode::INTERNAL_SERVER_ERROR, "no").into_response();
        }
        let n = turns.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let chunk = |word: &str| {
            let c = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                           "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": null}]});
            format!("data: {c}\n\n")
        };
        let words: Vec<String> = paced_reply(n).split_inclusive(' ').map(chunk).collect();
        let done = "data: [DONE]\n\n".to_owned();
        let pieces: Vec<(u64, String)> = match n % 3 {
            0 => vec![(0, words.concat() + &done)],
            1 => words.into_iter().chain([done]).map(|w| (30, w)).collect(),
            _ => vec![(0, words.concat()), (300, done)],
        };
        let stream = futures::stream::iter(pieces).then(|(pause, piece)| async move {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            Ok::<_, std::convert::Infallible>(piece)
        });
        ([(axum::http::header::CONTENT_TYPE, "text/event-stream")], axum::body::Body::from_stream(stream)).into_response()
    }
    let app = Router::new().route("/v1/chat/completions", post(chat)).with_state(Arc::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// However a streamed reply arrives (whole, word by word, or its end long
/// after its words), Twilio hears its words in order and then exactly one
/// end of the reply: none missing (the caller would wait), none doubled (a
/// stray one would end the next reply before it began).
#[tokio::test]
async fn every_streamed_reply_ends_exactly_once_however_it_arrives() {
    let model = start_model_of_many_paces().await;
    let (app, _ada, _session, mut ws) = on_a_call_with_a_model(&model).await;
    let lines = ["Sure. Do you have a preference?", "And is there a number to call you back on?", "Sorry, who is the call for?"];
    for turn in 0..6 {
        prompt(&mut ws, lines[turn % 3]).await;
        let mut frames = Vec::new();
        while frames.last().is_none_or(|v: &Value| v["last"] != true) {
            let frame = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a reply").unwrap().unwrap();
            let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
            if v["type"] == "text" {
                frames.push(v);
            }
        }
        let words: String = frames.iter().map(|v| v["token"].as_str().unwrap()).collect();
        assert_eq!(words.trim(), paced_reply(turn), "turn {turn}: {frames:?}");
        assert_eq!(frames.iter().filter(|v| v["last"] == true).count(), 1, "turn {turn}: {frames:?}");
        // Nothing more until the business speaks again.
        let more = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
        assert!(more.is_err(), "turn {turn}: after the end of the reply: {more:?}");
    }
    app.stop().await;
}

/// A model that writes slowly: plan requests get no usable answer (the rules
/// engine plans), live replies stream one word every 100 ms.
async fn start_slow_model() -> String {
    async fn chat(Json(request): Json<Value>) -> axum::response::Response {
        if request["stream"] != true {
            return (StatusCode::INTERNAL_SERVER_ERROR, "no").into_response();
        }
        let words: Vec<String> = (1..=30).map(|i| format!("word{i} ")).collect();
        let stream = futures::stream::unfold(0usize, move |i| {
            let words = words.clone();
            async move {
                if i > words.len() {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                let data = if i == words.len() {
                    "data: [DONE]\n\n".to_owned()
                } else {
                    let chunk = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                       "choices": [{"index": 0, "delta": {"content": words[i]}, "finish_reason": null}]});
                    format!("data: {chunk}\n\n")
                };
                Some((Ok::<_, std::convert::Infallible>(data), i + 1))
            }
        });
        ([(axum::http::header::CONTENT_TYPE, "text/event-stream")], axum::body::Body::from_stream(stream)).into_response()
    }
    let app = Router::new().route("/v1/chat/completions", post(chat));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

type Relay = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A server whose live replies are worded by the model at `model`, and a
/// call of ada's answered and on its relay, past the assistant's
/// introduction: the app, ada, the session's id and the relay.
async fn on_a_call_with_a_model(model: &str) -> (TestApp, Session, String, Relay) {
    let (api, twilio) = start_twilio().await;
    let app = spawn(
        &api,
        &[
            ("AI_BACKEND", "openai"),
            ("OPENAI_BASE_URL", model),
            ("OPENAI_API_KEY", "k"),
            ("AI_FALLBACK", "rules"),
            ("OPENAI_TIMEOUT_SECS", "5"),
        ],
    )
    .await;
    let ada = app.signup("ada").await;
    let task = ready_task(&app, &ada).await;
    let started = json_of(app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call"))).await;
    let session = started["call_session"]["id"].as_str().unwrap().to_owned();
    let call = twilio.calls.lock().unwrap()[0].1.clone();
    let voice_url = param(&call, "Url")[0].to_owned();
    let sid = "CAfeedfacefeedfacefeedfacefeedface";
    let xml = signed_post(&voice_url, &form(&[("CallSid", sid)])).await.text().await.unwrap();
    let relay = xml.split("ConversationRelay url=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let mut request = relay.as_str().into_client_request().unwrap();
    request.headers_mut().insert("x-twilio-signature", sign(TOKEN, &relay, &[]).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let setup = json!({"type": "setup", "callSid": sid, "customParameters": {"session_id": session}});
    ws.send(Message::Text(setup.to_string().into())).await.unwrap();
    prompt(&mut ws, "Bright Smiles Dental, how can I help?").await;
    // Who is calling is said word for word, not by the model.
    let (intro, _) = hear(&mut ws).await;
    assert!(intro.contains("AI assistant calling on behalf of ada"), "{intro}");
    (app, ada, session, ws)
}

/// The business says `line`, whole.
async fn prompt(ws: &mut Relay, line: &str) {
    ws.send(Message::Text(json!({"type": "prompt", "voicePrompt": line, "last": true}).to_string().into())).await.unwrap();
}

#[tokio::test]
async fn barge_in_drops_the_rest_of_a_streamed_reply() {
    let model = start_slow_model().await;
    let (app, ada, session, mut ws) = on_a_call_with_a_model(&model).await;
    prompt(&mut ws, "Sure. Do you have a preference?").await;

    // The model's first words arrive; the person talks over the assistant.
    let mut tokens = Vec::new();
    while tokens.len() < 3 {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.unwrap().unwrap().unwrap();
        let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if v["type"] == "text" {
            tokens.push(v["token"].as_str().unwrap().to_owned());
        }
    }
    ws.send(Message::Text(
        json!({"type": "interrupt", "utteranceUntilInterrupt": "word1 word2", "durationUntilInterruptMs": 250})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let mut after = 0;
    let quiet_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < quiet_until {
        if let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
            if v["type"] == "text" {
                after += 1;
            }
        }
    }
    assert!(after <= 1, "{after} tokens after the interruption: {tokens:?}");
    let d: Value =
        app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{session}")).send().await.unwrap().json().await.unwrap();
    let segments = d["segments"].as_array().unwrap();
    let said = segments
        .iter()
        .find(|s| s["speaker"] == "assistant" && s["content"].as_str().unwrap().starts_with("word"))
        .expect("partial reply stored");
    assert!(
        said["content"].as_str().unwrap().starts_with("word1") && !said["content"].as_str().unwrap().contains("word30"),
        "{said}"
    );
    assert!(
        segments.iter().any(|s| s["speaker"] == "system" && s["content"].as_str().unwrap().contains("interrupted")),
        "{segments:?}"
    );
    app.stop().await;
}

/// The benchmark that plays Twilio from outside (`callwright bench --relay`)
/// drives the real binary end to end: every call answered, every turn
/// replied to (the model's words after the introduction), every segment
/// stored and delivered, and its scratch database gone afterwards.
#[tokio::test]
async fn the_outside_benchmark_plays_twilio_against_the_real_server() {
    use sqlx::Connection;
    let db = TestDb::new();
    let dir = crate::support::TempDir::new();
    let admin_url = format!("{}/postgres", db.url.rsplit_once('/').unwrap().0);
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let scratch = "SELECT count(*) FROM pg_database WHERE datname LIKE 'callwright_relay_bench_%'";
    let before: i64 = sqlx::query_scalar(scratch).fetch_one(&mut admin).await.unwrap();
    let out = crate::support::command(&dir, &db)
        .args(["bench", "--relay", "3", "--turns", "3", "--model-ms", "50", "--ramp-secs", "1"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["calls_failed"], 0, "{report:#}");
    assert_eq!(report["turns_failed"], 0, "{report:#}");
    assert_eq!(report["turns_answered"], 9, "{report:#}");
    // The introduction is the script's; the two questions after it are answered in the model's words.
    assert_eq!(report["model_turn_overhead_ms"]["turns"], 6, "{report:#}");
    let first_call: Vec<&str> = report["first_call"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(first_call[1].contains("AI assistant calling on behalf of Bench"), "{first_call:?}");
    assert!(first_call[3].contains("good to know"), "{first_call:?}");
    let stored = report["segments"]["stored"].as_i64().unwrap();
    assert!(stored >= 18, "{report:#}");
    assert_eq!(report["segments"]["delivered_to_browser"], stored, "{report:#}");
    let after: i64 = sqlx::query_scalar(scratch).fetch_one(&mut admin).await.unwrap();
    assert_eq!(after, before, "the scratch database was dropped");
}
