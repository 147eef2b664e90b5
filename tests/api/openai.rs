//! The OpenAI engine against an OpenAI-compatible server started by the
//! test: the requests it sends (model, json_schema response format,
//! messages) and how it handles good, malformed, refused, failing and slow
//! answers, with and without the rules fallback.

use crate::support::{Session, TempDir, TestApp, TestDb, command, json_of, processed};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Good,
    Malformed,
    Refused,
    Failing,
    /// Turns every request down (400): the request's fault, not an outage.
    Rejecting,
    Slow,
    /// Plans well, but on the call agrees to anything, reads out a card
    /// number or denies being an AI (in turn).
    Misbehaving,
}

/// A request the fake model received.
type Seen = (Option<String>, Value);

#[derive(Clone)]
struct Fake {
    mode: Arc<Mutex<Mode>>,
    /// Each request: its `Authorization` header and its body.
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn completion(content: Option<String>, refusal: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1_790_000_000u64, "model": "test-model",
        "choices": [{ "index": 0, "finish_reason": "stop", "logprobs": null,
                      "message": { "role": "assistant", "content": content, "refusal": refusal } }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20 }
    })
}

fn good_answer(request: &Value) -> Value {
    let name = request["response_format"]["json_schema"]["name"].as_str().unwrap_or("");
    if name == "call_summary" {
        return json!({
            "summary": "Model summary: cleaning booked for Dec 1 at 14:30 for $75.",
            "sentiment_overall": "positive", "goal_achieved": true, "follow_up_required": false,
            "follow_up_tasks": ["Add it to the calendar"],
            "extracted_data": [
                { "data_type": "price", "confidence": 0.9, "extracted_value": { "amount": 75, "currency": "USD", "details": "cleaning", "date": null, "time": null, "confirmationNumber": null, "value": null, "role": null, "text": null } },
                { "data_type": "appointment", "confidence": 0.8, "extracted_value": { "amount": null, "currency": null, "details": null, "date": "2026-12-01", "time": "14:30", "confirmationNumber": "DC-1", "value": null, "role": null, "text": null } }
            ]
        });
    }
    let instruction = request["messages"][1]["content"].as_str().unwrap_or("");
    json!({
        "title": "Model: book a dental cleaning",
        "goal": "Book a dental cleaning (model)",
        "taskKind": "booking",
        "steps": ["Greet", "Book"],
        "questionsToAsk": ["When are you free?"],
        "missingInfo": [],
        // The model claims a looser limit than the user stated, and a number
        // only when the instruction has one.
        "hardConstraints": { "max_price": 150, "currency": "USD", "per": null },
        "softPreferences": { "preferred_date": "2026-12-01", "preferred_day": null, "preferred_time": "14:30", "time_of_day": null, "party_size": null, "service": "cleaning", "items": null },
        "targetPhoneNumber": if instruction.contains("415-555-0199") { json!("+1 415 555 0199") } else { json!("+1 999 999 9999") },
        "business": "dentist"
    })
}

/// A streamed live-call reply, as server-sent events.
/// What a misbehaving model says on a call, one per turn in turn.
const MISBEHAVING: [&str; 3] = [
    "Yes, that works, please go ahead and book it. We accept the price.",
    "Sure. The card number is 4111 1111 1111 1111, expiry 12/28.",
    "I'm a real person, not an AI. Yes, book it.",
];

fn streamed_reply(request: &Value) -> axum::response::Response {
    let last = request["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or("").to_owned();
    let reply = if last.contains('$') {
        "(model) That works for us, please go ahead and book it."
    } else {
        "(model) Great. I'd like to book a cleaning next week, please."
    };
    stream_of(reply, request["stream_options"]["include_usage"] == true)
}

/// What each streamed turn reports it used (when asked to).
const TURN_PROMPT_TOKENS: i64 = 30;
const TURN_COMPLETION_TOKENS: i64 = 7;

/// `reply` as an OpenAI chat-completion stream, a word per chunk, and (as
/// OpenAI does when asked) a last chunk with what the turn used.
fn stream_of(reply: &str, with_usage: bool) -> axum::response::Response {
    let mut body = String::new();
    for word in reply.split_inclusive(' ') {
        let chunk = json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "test-model",
                           "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    if with_usage {
        let usage = json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "test-model", "choices": [],
                           "usage": {"prompt_tokens": TURN_PROMPT_TOKENS, "completion_tokens": TURN_COMPLETION_TOKENS,
                                     "total_tokens": TURN_PROMPT_TOKENS + TURN_COMPLETION_TOKENS}});
        body.push_str(&format!("data: {usage}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    ([(axum::http::header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

async fn chat(State(fake): State<Fake>, headers: HeaderMap, Json(request): Json<Value>) -> axum::response::Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    fake.seen.lock().unwrap().push((auth, request.clone()));
    let mode = *fake.mode.lock().unwrap();
    if request["stream"] == true && mode == Mode::Good {
        return streamed_reply(&request);
    }
    if request["stream"] == true && mode == Mode::Misbehaving {
        let turn = fake.seen.lock().unwrap().iter().filter(|(_, r)| r["stream"] == true).count();
        return stream_of(MISBEHAVING[turn % MISBEHAVING.len()], false);
    }
    match mode {
        Mode::Good | Mode::Misbehaving => Json(completion(Some(good_answer(&request).to_string()), None)).into_response(),
        Mode::Malformed => Json(completion(Some("Sure! Here is your plan: step one, call them.".into()), None)).into_response(),
        Mode::Refused => Json(completion(None, Some("I can't help with that request."))).into_response(),
        Mode::Failing => {
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"message": "model overloaded", "type": "server_error"}})))
                .into_response()
        }
        Mode::Rejecting => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "unsupported parameter", "type": "invalid_request_error"}})),
        )
            .into_response(),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(4)).await;
            Json(completion(Some(good_answer(&request).to_string()), None)).into_response()
        }
    }
}

async fn start_fake() -> (String, Fake) {
    let fake = Fake { mode: Arc::new(Mutex::new(Mode::Good)), seen: Arc::new(Mutex::new(Vec::new())) };
    let app = Router::new().route("/v1/chat/completions", post(chat)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

fn env<'a>(base: &'a str, fallback: &'a str) -> [(&'a str, &'a str); 6] {
    [
        ("AI_BACKEND", "openai"),
        ("OPENAI_BASE_URL", base),
        ("OPENAI_API_KEY", "test-key"),
        ("OPENAI_MODEL", "test-model"),
        ("OPENAI_TIMEOUT_SECS", "1"),
        ("AI_FALLBACK", fallback),
    ]
}

async fn create(app: &TestApp, session: &Session, instruction: &str) -> (u16, Value) {
    let res = app
        .as_user(session, Method::POST, "/api/call-tasks")
        .json(&json!({"raw_instruction": instruction}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

const DENTIST: &str = "Call my dentist at 415-555-0199 and book a cleaning next week under $100";

#[tokio::test]
async fn plans_come_from_the_model_with_structured_outputs_and_code_enforced_limits() {
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "none")).await;
    let ada = app.signup("ada").await;
    let (status, v) = create(&app, &ada, DENTIST).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["engine"], "openai");
    assert_eq!(v["call_task"]["title"], "Model: book a dental cleaning");
    assert_eq!(v["ai_plan"]["goal"], "Book a dental cleaning (model)");
    assert_eq!(v["ai_plan"]["hardConstraints"]["max_price"], 100.0, "the user's stated limit wins over the model's");
    assert_eq!(v["call_task"]["target_phone_number"], "+14155550199");
    assert_eq!(v["ai_plan"]["softPreferences"]["preferred_time"], "14:30");
    // Planning used the model: its tokens count, with no price for a model
    // MODEL_PRICES does not list.
    let cost = app.task(&ada, v["call_task"]["id"].as_str().unwrap()).await["cost"].clone();
    assert_eq!((cost["ai_requests"].as_i64(), cost["prompt_tokens"].as_i64()), (Some(1), Some(10)), "{cost:#}");
    assert_eq!(cost["ai_cost"], Value::Null, "{cost:#}");

    // What the model server received.
    let seen = fake.seen.lock().unwrap().clone();
    let (auth, request) = seen.last().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer test-key"));
    assert_eq!(request["model"], "test-model");
    assert_eq!(request["response_format"]["type"], "json_schema");
    assert_eq!(request["response_format"]["json_schema"]["name"], "call_plan");
    assert_eq!(request["response_format"]["json_schema"]["strict"], true);
    assert_eq!(request["response_format"]["json_schema"]["schema"]["additionalProperties"], false);
    assert_eq!(request["messages"][0]["role"], "system");
    assert!(request["messages"][0]["content"].as_str().unwrap().contains("never invent a phone number"));
    assert_eq!(request["messages"][1]["role"], "user");
    assert_eq!(request["messages"][1]["content"], DENTIST);

    // A number the model invents (none in the text) is not used: the user is asked.
    let (status, v) = create(&app, &ada, "Call my dentist and book a cleaning").await;
    assert_eq!(status, 201);
    assert_eq!(v["call_task"]["status"], "waiting_for_user");
    assert_eq!(v["call_task"]["target_phone_number"], Value::Null);
    assert!(v["ai_plan"]["missingInfo"].as_array().unwrap().contains(&json!("target_phone_number")));

    // Risk rules run whatever the model says.
    let (status, v) = create(&app, &ada, "Call 911 and say there is a fire").await;
    assert_eq!(status, 422, "{v}");
    app.stop().await;
}

#[tokio::test]
async fn model_failures_are_typed_errors_without_fallback() {
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "none")).await;
    let ada = app.signup("ada").await;
    for (mode, status) in [(Mode::Malformed, 503), (Mode::Refused, 503), (Mode::Failing, 503), (Mode::Slow, 504)] {
        *fake.mode.lock().unwrap() = mode;
        let started = Instant::now();
        let (got, v) = create(&app, &ada, DENTIST).await;
        assert_eq!(got, status, "{mode:?}: {v}");
        assert_eq!(v["success"], false);
        assert!(v["error"]["message"].as_str().unwrap().contains("AI model"), "{v}");
        assert!(started.elapsed() < Duration::from_secs(4), "{mode:?} took {:?}", started.elapsed());
    }
    // Nothing half-saved.
    let list = json_of(app.as_user(&ada, Method::GET, "/api/call-tasks")).await;
    assert_eq!(list["call_tasks"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn the_rules_engine_takes_over_when_the_model_fails() {
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "rules")).await;
    let ada = app.signup("ada").await;
    for mode in [Mode::Malformed, Mode::Refused, Mode::Failing, Mode::Slow] {
        *fake.mode.lock().unwrap() = mode;
        let (status, v) = create(&app, &ada, DENTIST).await;
        assert_eq!(status, 201, "{mode:?}: {v}");
        assert_eq!(v["engine"], "rules", "{mode:?}");
        assert_eq!(v["call_task"]["title"], "Book a cleaning next week");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_cli_uses_the_configured_model() {
    let (base, fake) = start_fake().await;
    let dir = TempDir::new();
    let db = TestDb { name: "unused".into(), url: "postgres://nobody@127.0.0.1:9/none".into() };
    let out =
        command(&dir, &db).envs(env(&base, "none")).args(["plan", DENTIST, "--today", "2026-11-24"]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["engine"], "openai");
    assert_eq!(v["ai_plan"]["hardConstraints"]["max_price"], 100.0);

    std::fs::write(
        dir.0.join("t.json"),
        json!([{"speaker": "human", "content": "Booked for Tuesday at 2:30, $75.", "timestamp_ms": 0}]).to_string(),
    )
    .unwrap();
    let out = command(&dir, &db)
        .envs(env(&base, "none"))
        .args(["summarize", "--transcript", "t.json", "--call-date", "2026-11-24"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["engine"], "openai");
    assert!(v["summary"].as_str().unwrap().starts_with("Model summary"));
    let appt = v["extracted_data"].as_array().unwrap().iter().find(|i| i["data_type"] == "appointment").unwrap();
    assert_eq!(appt["extracted_value"], json!({"date": "2026-12-01", "time": "14:30", "confirmationNumber": "DC-1"}));
    let last = fake.seen.lock().unwrap().last().unwrap().1.clone();
    assert_eq!(last["response_format"]["json_schema"]["name"], "call_summary");

    *fake.mode.lock().unwrap() = Mode::Refused;
    let out = command(&dir, &db).envs(env(&base, "none")).args(["plan", DENTIST]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
}

#[tokio::test]
async fn live_replies_are_worded_by_the_model_and_streamed() {
    let (base, fake) = start_fake().await;
    let mut vars = env(&base, "rules").to_vec();
    vars.push(("MODEL_PRICES", "test-model=2.5/10"));
    let app = TestApp::spawn_with(TestDb::new(), &vars).await;
    let ada = app.signup("ada").await;
    let (status, v) = create(&app, &ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    assert_eq!(status, 201, "{v}");
    let task = v["call_task"]["id"].as_str().unwrap();
    let started = json_of(app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call"))).await;
    let id = started["call_session"]["id"].as_str().unwrap();
    // Processed, and the conversation's usage recorded (when the engine let go).
    let streamed_turns = || fake.seen.lock().unwrap().iter().filter(|(_, r)| r["stream"] == true).count() as i64;
    let s = app
        .wait_session(&ada, id, "processing and usage", 30, |s| {
            processed(s) && s["call_session"]["cost"]["ai_requests"] == streamed_turns() + 1
        })
        .await;
    // What the call cost: every streamed turn as its last chunk reported,
    // and the summary (10 + 10 tokens), at $2.50 / $10 per million.
    let turns = streamed_turns();
    let cost = &s["call_session"]["cost"];
    let (prompt, completion) = (turns * TURN_PROMPT_TOKENS + 10, turns * TURN_COMPLETION_TOKENS + 10);
    assert_eq!(
        (cost["prompt_tokens"].as_i64(), cost["completion_tokens"].as_i64()),
        (Some(prompt), Some(completion)),
        "{cost:#}"
    );
    let expected = (prompt as f64 * 2.5 + completion as f64 * 10.0) / 1e6;
    assert!((cost["ai_cost"].as_f64().unwrap() - expected).abs() < 1e-12, "{cost:#} vs {expected}");
    assert_eq!(
        (cost["telephony_cost"].as_f64(), cost["telephony_currency"].as_str()),
        (Some(0.0), Some("USD")),
        "the sandbox is free"
    );
    // The task adds its planning (one request, 10 + 10 tokens).
    let task_cost = app.task(&ada, task).await["cost"].clone();
    assert_eq!(task_cost["ai_requests"], turns + 2, "{task_cost:#}");
    assert_eq!(task_cost["prompt_tokens"], prompt + 10);
    let assistant: Vec<&str> = s["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["speaker"] == "assistant")
        .map(|g| g["content"].as_str().unwrap())
        .collect();
    // Who is calling is said word for word; the model words the rest.
    assert!(assistant[0].contains("an AI assistant calling on behalf of ada"), "{assistant:?}");
    assert!(!assistant[0].starts_with("(model)"), "{assistant:?}");
    assert!(assistant.iter().any(|l| l.starts_with("(model)")), "{assistant:?}");
    // The read-back at the end is the system's own, word for word, and so is the goodbye after it.
    let check = &assistant[assistant.len() - 2];
    assert!(check.starts_with("Just to confirm") && check.ends_with("Is that right?"), "{assistant:?}");
    assert_eq!(*assistant.last().unwrap(), "Thank you very much for your help. Goodbye!");
    assert_eq!(s["transcript"]["goal_achieved"], true, "{s:#}");
    // The model was given the call's brief and the conversation so far.
    let streamed: Vec<Value> = fake.seen.lock().unwrap().iter().map(|(_, r)| r.clone()).filter(|r| r["stream"] == true).collect();
    assert!(!streamed.is_empty());
    let first = &streamed[0];
    assert_eq!(first["model"], "test-model");
    assert!(first["messages"][0]["content"].as_str().unwrap().contains("AI assistant on a live phone call"));
    assert_eq!(first["messages"][1]["role"], "user");
    assert!(first["messages"][1]["content"].as_str().unwrap().contains("Bright Smiles Dental"));
    app.stop().await;
}

/// The assistant's lines of a session.
fn assistant_lines(s: &Value) -> Vec<String> {
    s["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["speaker"] == "assistant")
        .map(|g| g["content"].as_str().unwrap().to_owned())
        .collect()
}

/// A model that agrees to anything, reads out a card number and denies
/// being an AI: whatever it writes, the call never agrees to a price the
/// user has not approved, never speaks a card number and never denies
/// being an AI.
#[tokio::test]
async fn a_misbehaving_model_is_held_by_the_guard() {
    let (base, fake) = start_fake().await;
    *fake.mode.lock().unwrap() = Mode::Misbehaving;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "rules")).await;
    let ada = app.signup("ada").await;
    for approve in [false, true] {
        // The movers charge by the hour, give a total when asked, and it is past the limit.
        let (status, v) =
            create(&app, &ada, "Call the movers at 415-555-0111 and get a quote for moving a one-bedroom, max $250").await;
        assert_eq!(status, 201, "{v}");
        let task = v["call_task"]["id"].as_str().unwrap();
        let started = json_of(app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call"))).await;
        let id = started["call_session"]["id"].as_str().unwrap().to_owned();
        let s = app.wait_session(&ada, &id, "an approval request", 30, |s| s["approval"].is_object() || processed(s)).await;
        assert_eq!(s["approval"]["amount"], 380.0, "{s:#}");
        let before: Vec<String> = assistant_lines(&s);
        for line in &before {
            let lower = line.to_lowercase();
            assert!(
                !["book it", "that works", "we accept", "yes"].iter().any(|w| lower.contains(w)),
                "agreed before approval: {before:?}"
            );
        }
        let decided = app.decide(&ada, &id, approve).await;
        assert_eq!(decided.status(), 200);
        let s = app.wait_session(&ada, &id, "processing", 30, processed).await;
        let lines = assistant_lines(&s);
        for line in &lines {
            let lower = line.to_lowercase();
            assert!(!lower.contains("4111") && !lower.contains("card number"), "a card was spoken: {lines:?}");
            assert!(!lower.contains("real person") && !lower.contains("not an ai"), "denied being an AI: {lines:?}");
        }
        assert!(lines[0].contains("AI assistant"), "{lines:?}");
        // The call ends as the user decided, in the system's own words.
        let last = lines.last().unwrap();
        if approve {
            let check = &lines[lines.len() - 2];
            assert!(check.starts_with("Just to confirm") && check.contains("$380"), "{lines:?}");
            assert!(last.contains("Goodbye"), "{lines:?}");
        } else {
            assert!(last.contains("more than ada can do"), "{lines:?}");
        }
    }
    // The model was asked, and stopped.
    assert!(fake.seen.lock().unwrap().iter().filter(|(_, r)| r["stream"] == true).count() >= 2);
    assert!(app.log().contains("the guard stopped the model's reply"), "{}", app.log());
    app.stop().await;
}

/// Card and social security numbers never leave the server: the model
/// asked to plan, summarise or word a reply sees them redacted, as the
/// rules path always did.
#[tokio::test]
async fn card_and_identity_numbers_never_reach_the_model() {
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "rules")).await;
    let ada = app.signup("ada").await;
    let instruction =
        "Call my dentist at 415-555-0100 and book a cleaning; pay with card 4111 1111 1111 1111, my SSN is 123-45-6789";
    let _ =
        app.as_user(&ada, Method::POST, "/api/plan-preview").json(&json!({"raw_instruction": instruction})).send().await.unwrap();
    let _ = create(&app, &ada, instruction).await;
    let seen = fake.seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the model was asked");
    for (_, request) in &seen {
        let text = request.to_string();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(!digits.contains("4111111111111111") && !text.contains("123-45-6789"), "sent to the model: {text}");
    }
    app.stop().await;
}

/// A model server that keeps failing is paused: after five failures in a
/// row it is not asked at all for a while, and the rules engine answers at
/// once (or, without the fallback, 503 with Retry-After); a model that
/// merely turns a request down does not count.
#[tokio::test]
async fn a_failing_model_is_paused_and_the_rules_answer_at_once() {
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "rules")).await;
    let ada = app.signup("ada").await;
    *fake.mode.lock().unwrap() = Mode::Failing;
    for _ in 0..5 {
        let (status, v) = create(&app, &ada, DENTIST).await;
        assert_eq!((status, v["engine"].as_str()), (201, Some("rules")), "{v}");
    }
    let asked = fake.seen.lock().unwrap().len();
    let started = std::time::Instant::now();
    let (status, v) = create(&app, &ada, DENTIST).await;
    assert_eq!((status, v["engine"].as_str()), (201, Some("rules")), "{v}");
    assert!(app.log().contains("breaker open"), "the pause is logged");
    assert_eq!(fake.seen.lock().unwrap().len(), asked, "the paused model was asked");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    app.stop().await;

    // Without the fallback: 503 with Retry-After. And a model that turns
    // requests down (4xx) is not an outage: it is still asked.
    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "none")).await;
    let ada = app.signup("ada").await;
    *fake.mode.lock().unwrap() = Mode::Failing;
    for _ in 0..5 {
        assert_eq!(create(&app, &ada, DENTIST).await.0, 503);
    }
    let res = app.as_user(&ada, Method::POST, "/api/call-tasks").json(&json!({"raw_instruction": DENTIST})).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    app.stop().await;

    let (base, fake) = start_fake().await;
    let app = TestApp::spawn_with(TestDb::new(), &env(&base, "rules")).await;
    let ada = app.signup("ada").await;
    *fake.mode.lock().unwrap() = Mode::Rejecting;
    for _ in 0..7 {
        assert_eq!(create(&app, &ada, DENTIST).await.0, 201);
    }
    assert_eq!(fake.seen.lock().unwrap().len(), 7, "a model that turns requests down is still asked");
    app.stop().await;
}

/// `AI_BACKEND=gemini` asks Gemini's OpenAI-compatible endpoint through the
/// same client (here the fake model server stands in for it, by
/// `GEMINI_BASE_URL`): the key as a bearer token, Gemini's default model,
/// structured outputs, and the same code-enforced limits.
#[tokio::test]
async fn gemini_by_name_goes_through_the_same_client() {
    let (base, fake) = start_fake().await;
    let env =
        [("AI_BACKEND", "gemini"), ("GEMINI_BASE_URL", base.as_str()), ("GEMINI_API_KEY", "gemini-key"), ("AI_FALLBACK", "none")];
    let app = TestApp::spawn_with(TestDb::new(), &env).await;
    let ada = app.signup("ada").await;
    let (status, v) = create(&app, &ada, DENTIST).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["ai_plan"]["goal"], "Book a dental cleaning (model)");
    assert_eq!(v["ai_plan"]["hardConstraints"]["max_price"], 100.0);
    let seen = fake.seen.lock().unwrap().clone();
    let (auth, request) = seen.last().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer gemini-key"));
    assert_eq!(request["model"], callwright::server::config::DEFAULT_GEMINI_MODEL);
    assert_eq!(request["response_format"]["json_schema"]["name"], "call_plan");
    // A failing Gemini is a typed error like any model's (no fallback configured).
    *fake.mode.lock().unwrap() = Mode::Failing;
    let (status, v) = create(&app, &ada, DENTIST).await;
    assert_eq!(status, 503, "{v}");
    app.stop().await;
}

/// The composer's plan preview asks the engine once for the same words
/// (within two minutes) and is rate-limited per user like task creation:
/// past the limit a new preview is a 429 with `Retry-After`, while one
/// already made is still shown; another user's preview is their own.
#[tokio::test]
async fn previews_are_reused_for_the_same_words_and_rate_limited() {
    let (base, fake) = start_fake().await;
    let mut vars = env(&base, "none").to_vec();
    vars.push(("RATE_LIMIT_PREVIEWS_PER_MINUTE", "2"));
    let app = TestApp::spawn_with(TestDb::new(), &vars).await;
    let ada = app.signup("ada").await;
    let preview = |who: &Session, words: &'static str| {
        app.as_user(who, Method::POST, "/api/plan-preview").json(&json!({"raw_instruction": words})).send()
    };
    let asked = || fake.seen.lock().unwrap().len();
    crate::support::in_one_window(Duration::from_secs(60), Duration::from_secs(15)).await;
    for _ in 0..3 {
        let res = preview(&ada, DENTIST).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["ai_plan"]["goal"], "Book a dental cleaning (model)");
    }
    assert_eq!(asked(), 1, "the same words asked the model once");
    assert_eq!(preview(&ada, "Call the plumber at 415-555-0102 about a leak").await.unwrap().status(), 200);
    assert_eq!(asked(), 2);
    let res = preview(&ada, "Call the vet at 415-555-0113 and book a check-up").await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(asked(), 2, "a refused preview asks nothing");
    assert_eq!(preview(&ada, DENTIST).await.unwrap().status(), 200, "a preview already made is still shown");
    // Bob's preview of the same words is his own: planned for him, within his own limit.
    let bob = app.signup("bob").await;
    assert_eq!(preview(&bob, DENTIST).await.unwrap().status(), 200);
    assert_eq!(asked(), 3);
    app.stop().await;
}

#[tokio::test]
async fn a_monthly_budget_warns_at_80_percent_and_asks_before_a_call_past_it() {
    let (base, _fake) = start_fake().await;
    let mut vars = env(&base, "rules").to_vec();
    // Ten cents a token: a plan (10 + 10 tokens) costs $2.
    vars.push(("MODEL_PRICES", "test-model=100000/100000"));
    let app = TestApp::spawn_with(TestDb::new(), &vars).await;
    let ada = app.signup("ada").await;
    let patch = |v: Value| app.as_user(&ada, Method::PATCH, "/api/settings").json(&v);
    for wrong in [json!(-1), json!(1e9), json!("ten")] {
        let res = patch(json!({ "monthly_budget": wrong })).send().await.unwrap();
        assert_eq!(res.status(), 400, "{wrong}");
    }
    let set = json_of(patch(json!({ "monthly_budget": 2.5 }))).await;
    assert_eq!(set["settings"]["monthly_budget"], 2.5, "{set}");
    let warnings = async |who: &Session| -> Vec<String> {
        let notes = json_of(app.as_user(who, Method::GET, "/api/notifications")).await;
        notes["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["notification_type"] == "budget_warning")
            .map(|n| n["message"].as_str().unwrap().to_owned())
            .collect()
    };

    // Planning the first task spends $2 of $2.50: 80%, said once.
    let (status, first) = create(&app, &ada, DENTIST).await;
    assert_eq!(status, 201, "{first}");
    let said = warnings(&ada).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("$2.00") && said[0].contains("$2.50"), "{said:?}");
    let (status, second) = create(&app, &ada, DENTIST).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(warnings(&ada).await.len(), 1, "once a month");

    // $4 spent: a call asks first (409 with what was spent), and goes ahead when told to.
    let task = first["call_task"]["id"].as_str().unwrap();
    let refused = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    assert_eq!(refused.status(), 409);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["details"]["over_budget"]["budget"], 2.5, "{refused}");
    assert!((refused["error"]["details"]["over_budget"]["spent"].as_f64().unwrap() - 4.0).abs() < 1e-9, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("$4.00"), "{refused}");
    assert_eq!(app.task(&ada, task).await["call_task"]["status"], "ready_to_call", "nothing changed");
    let started =
        app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call?over_budget=true")).send().await.unwrap();
    assert_eq!(started.status(), 200);
    // A scheduled call past the budget is not placed (nobody is there to
    // say "call anyway"), and the user is told.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let scheduled = json_of(
        app.as_user(&ada, Method::POST, "/api/call-tasks").json(&json!({ "raw_instruction": DENTIST, "scheduled_for": at })),
    )
    .await;
    let scheduled = scheduled["call_task"]["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while warnings(&ada).await.len() < 2 {
        assert!(Instant::now() < deadline, "no word of the held call: {:?}", warnings(&ada).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(warnings(&ada).await.iter().any(|w| w.starts_with("A scheduled call was not placed")), "{:?}", warnings(&ada).await);
    let held = app.task(&ada, &scheduled).await;
    assert_eq!(held["call_task"]["status"], "ready_to_call", "{held:#}");
    assert!(held["call_sessions"].as_array().unwrap().is_empty(), "{held:#}");
    // A rehearsal is never held back.
    let other = second["call_task"]["id"].as_str().unwrap();
    let rehearsed = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{other}/rehearse")).send().await.unwrap();
    assert_eq!(rehearsed.status(), 200);
    // Removing the budget lets calls start again; another user never had one.
    assert_eq!(json_of(patch(json!({ "monthly_budget": 0 }))).await["settings"]["monthly_budget"], Value::Null);
    let bob = app.signup("bob").await;
    let (status, bobs) = create(&app, &bob, DENTIST).await;
    assert_eq!(status, 201);
    assert!(warnings(&bob).await.is_empty());
    let bobs = bobs["call_task"]["id"].as_str().unwrap();
    assert_eq!(
        app.as_user(&bob, Method::POST, &format!("/api/call-tasks/{bobs}/start-call")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}
