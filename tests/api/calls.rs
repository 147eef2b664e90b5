//! Live calls end to end on the sandbox phone network: the real server
//! places each call, the sandbox plays the business over Twilio's wire
//! protocol (signed webhooks, ConversationRelay websocket), the engine holds
//! the conversation, and post-call processing stores the outcome.

use crate::support::{
    DATA_KEY, OwnPostgres, Session, TestApp, TestDb, body as json, extracted, finished, http, processed, said, sandbox_token,
};
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn app_with(env: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("CALLWRIGHT_DATA_KEY", DATA_KEY)];
    all.extend_from_slice(env);
    TestApp::spawn_with(TestDb::new(), &all).await
}

/// Polls the session until `done` holds (or fails after 30 s).
async fn wait_for(app: &TestApp, user: &Session, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    app.wait_session(user, id, what, 30, done).await
}

async fn task_status(app: &TestApp, user: &Session, task: &str) -> String {
    app.task(user, task).await["call_task"]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_dentist_books_a_cleaning_and_the_browser_hears_it_live() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let mut ws = app.events_socket(&ada).await;
    let (task, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;

    assert_eq!(s["call_session"]["status"], "completed");
    assert_eq!(s["call_session"]["phone_number_called"], "+14155550100");
    let assistant = said(&s, "assistant");
    assert!(assistant[0].contains("an AI assistant calling on behalf of ada"), "{assistant:?}");
    assert!(said(&s, "human")[0].contains("Bright Smiles Dental"));
    // What was agreed is read back as a question, the business says it is
    // right, and only then goodbye.
    let check = &assistant[assistant.len() - 2];
    assert!(check.starts_with("Just to confirm") && check.ends_with("Is that right?"), "{assistant:?}");
    assert!(assistant.last().unwrap().contains("Goodbye"), "{assistant:?}");
    let stamps: Vec<i64> = s["segments"].as_array().unwrap().iter().map(|g| g["timestamp_ms"].as_i64().unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");

    assert_eq!(s["transcript"]["goal_achieved"], true, "{s:#}");
    assert_eq!(extracted(&s, "price").unwrap_or_else(|| panic!("{s:#}"))["amount"], 85.0);
    let appointment = extracted(&s, "appointment").expect("appointment");
    assert_eq!(appointment["time"], "14:30");
    assert!(appointment["confirmationNumber"].as_str().unwrap_or_else(|| panic!("{s:#}")).starts_with("DC-"));
    assert!(extracted(&s, "confirmation_number").is_some());
    assert_eq!(extracted(&s, "business_name").unwrap()["value"], "Bright Smiles Dental");
    assert_eq!(task_status(&app, &ada, &task).await, "completed");
    // Each fact points at the business's lines that say it; what was read
    // back and agreed to is confirmed, what never was is not.
    let line = |id: &Value| s["segments"].as_array().unwrap().iter().find(|g| &g["id"] == id).cloned();
    let facts = s["extracted_data"].as_array().unwrap();
    for fact in facts {
        let lines = fact["segment_ids"].as_array().unwrap_or_else(|| panic!("{fact:#}"));
        assert!(!lines.is_empty(), "every fact of this call was said by the business: {fact:#}");
        for id in lines {
            let said = line(id).unwrap_or_else(|| panic!("{id} is a line of this call"));
            assert_eq!(said["speaker"], "human", "{fact:#} {said:#}");
        }
        let confirmed = fact["confirmed"].as_bool().unwrap();
        match fact["data_type"].as_str().unwrap() {
            "price" | "appointment" | "confirmation_number" => assert!(confirmed, "read back and agreed: {fact:#}"),
            _ => assert!(!confirmed, "never read back: {fact:#}"),
        }
    }
    let reference = facts.iter().find(|f| f["data_type"] == "confirmation_number").unwrap();
    let stated = line(&reference["segment_ids"][0]).unwrap();
    let value = reference["extracted_value"]["value"].as_str().unwrap();
    assert!(stated["content"].as_str().unwrap().contains(value), "{stated:#} says {value}");
    let notes = json(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    let kinds: Vec<&str> =
        notes["notifications"].as_array().unwrap().iter().map(|n| n["notification_type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"call_started") && kinds.contains(&"call_completed"), "{kinds:?}");

    // The websocket carried the conversation as it happened.
    let mut segments = 0;
    let mut saw_processed = false;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !saw_processed && Instant::now() < deadline {
        let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await else { break };
        let event: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        match event["type"].as_str() {
            Some("segment_appended") => segments += 1,
            Some("call_processed") => saw_processed = true,
            _ => {}
        }
    }
    assert!(saw_processed, "call_processed event");
    assert_eq!(segments, s["segments"].as_array().unwrap().len(), "every segment was published, none lost");

    // Processing again is harmless and returns the same result.
    let again = json(app.as_user(&ada, Method::POST, &format!("/api/call-sessions/{id}/process")).send().await.unwrap()).await;
    assert_eq!(again["summary"], s["transcript"]["ai_summary"]);
    let extracted_rows =
        json(app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{id}")).send().await.unwrap()).await["extracted_data"]
            .as_array()
            .unwrap()
            .len();
    assert_eq!(extracted_rows, s["extracted_data"].as_array().unwrap().len());
    let returned: Vec<(&Value, &Value)> =
        again["extracted_data"].as_array().unwrap().iter().map(|f| (&f["segment_ids"], &f["confirmed"])).collect();
    let shown: Vec<(&Value, &Value)> = facts.iter().map(|f| (&f["segment_ids"], &f["confirmed"])).collect();
    assert_eq!(returned, shown, "the process response carries the same evidence");

    // At rest the transcript is ciphertext; another user cannot see the call.
    let mut owner = app.db.owner().await;
    let contents: Vec<String> =
        sqlx::query_scalar("SELECT content FROM call_transcript_segments").fetch_all(&mut owner).await.unwrap();
    assert!(contents.iter().all(|c| c.starts_with("enc:v1:")));
    drop(owner);
    let bob = app.signup("bob").await;
    assert_eq!(app.as_user(&bob, Method::GET, &format!("/api/call-sessions/{id}")).send().await.unwrap().status(), 404);
    app.stop().await;
}

async fn plumber_until_approval(app: &TestApp, user: &Session) -> (String, String, Value) {
    let (task, id) = app.call(user, "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250").await;
    let s = wait_for(app, user, &id, "an approval request", |s| s["approval"].is_object() || finished(s)).await;
    assert_eq!(s["approval"]["amount"], 300.0, "{s:#}");
    assert_eq!(s["approval"]["limit"], 250.0);
    assert_eq!(s["approval"]["decision"], Value::Null);
    let notes = json(app.as_user(user, Method::GET, "/api/notifications?unread=true").send().await.unwrap()).await;
    assert!(notes["notifications"].as_array().unwrap().iter().any(|n| n["notification_type"] == "approval_needed"));
    (task, id, s)
}

#[tokio::test]
async fn an_over_limit_quote_waits_for_approval_then_books() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id, s) = plumber_until_approval(&app, &ada).await;
    assert!(said(&s, "assistant").last().unwrap().contains("check with ada"), "{:?}", said(&s, "assistant"));
    // Another user cannot decide for Ada.
    let bob = app.signup("bob").await;
    let res = app.decide(&bob, &id, true).await;
    assert_eq!(res.status(), 404);
    let res = app.decide(&ada, &id, true).await;
    assert_eq!(res.status(), 200);
    let res = app.decide(&ada, &id, true).await;
    assert_eq!(res.status(), 409, "only one decision");
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert_eq!(s["transcript"]["goal_achieved"], true, "{s:#}");
    assert!(said(&s, "assistant").iter().any(|l| l.contains("approves $300")));
    assert!(
        extracted(&s, "confirmation_number").unwrap_or_else(|| panic!("{s:#}"))["value"].as_str().unwrap().starts_with("PL-")
    );
    assert_eq!(task_status(&app, &ada, &task).await, "completed", "{s:#}");
    app.stop().await;
}

#[tokio::test]
async fn a_rejected_quote_is_declined_politely() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id, _) = plumber_until_approval(&app, &ada).await;
    let res = app.decide(&ada, &id, false).await;
    assert_eq!(res.status(), 200);
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert_eq!(s["transcript"]["goal_achieved"], false);
    assert!(said(&s, "assistant").iter().any(|l| l.contains("more than ada can do")), "{:?}", said(&s, "assistant"));
    assert!(!said(&s, "assistant").iter().any(|l| l.contains("approves")), "never agreed to the price");
    assert_eq!(task_status(&app, &ada, &task).await, "failed");
    app.stop().await;
}

#[tokio::test]
async fn an_unanswered_approval_ends_the_call_politely() {
    let app = app_with(&[("APPROVAL_TIMEOUT_SECS", "1")]).await;
    let ada = app.signup("ada").await;
    let (_, id, _) = plumber_until_approval(&app, &ada).await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert_eq!(s["transcript"]["goal_achieved"], false);
    assert_eq!(s["approval"]["timed_out"], true);
    assert!(said(&s, "system").iter().any(|l| l.contains("No answer from the user")));
    let late = app.decide(&ada, &id, true).await;
    assert_eq!(late.status(), 409);
    app.stop().await;
}

#[tokio::test]
async fn every_other_sandbox_business() {
    let app = app_with(&[("MAX_CONCURRENT_CALLS", "10")]).await;
    let ada = app.signup("ada").await;
    let cases = [
        ("Call 415-555-0101 and order a large pepperoni", true, "pizzeria"),
        ("Call Luigi's at 415-555-0103 and reserve a table for 4 this Friday at 7pm", true, "restaurant"),
        ("Call my dentist at 415-555-0104 and book a cleaning next week", false, "voicemail"),
        ("Call my dentist at 415-555-0107 and book a cleaning next week", true, "phone menu"),
        ("Call my dentist at 415-555-0108 and book a cleaning next week", true, "hold"),
        ("Call 415-555-0109 and ask about their opening hours", false, "refusal"),
        ("Call 415-555-0142 and ask if they can fix my bike this week", true, "rehearsal"),
    ];
    let mut running = Vec::new();
    for (instruction, _, _) in &cases {
        running.push(app.call(&ada, instruction).await);
    }
    for ((instruction, achieved, name), (task, id)) in cases.iter().zip(&running) {
        let s = wait_for(&app, &ada, id, name, finished).await;
        assert_eq!(s["transcript"]["goal_achieved"], json!(*achieved), "{name}: {instruction}\n{s:#}");
        assert_eq!(task_status(&app, &ada, task).await, if *achieved { "completed" } else { "failed" }, "{name}");
        match *name {
            "voicemail" => {
                assert!(said(&s, "system").iter().any(|l| l.contains("Voicemail")), "{name}");
                assert!(said(&s, "assistant").last().unwrap().contains("Please call back"), "{name}");
            }
            "phone menu" => assert!(said(&s, "system").iter().any(|l| l.contains("Pressed 2")), "{name}"),
            "hold" => {
                let assistant = said(&s, "assistant");
                assert!(assistant[0].contains("AI assistant"), "{name}: spoke only after the person answered: {assistant:?}");
                assert!(said(&s, "human")[0].contains("please hold"));
            }
            "pizzeria" => assert_eq!(extracted(&s, "price").unwrap()["amount"], 18.5),
            "restaurant" => assert_eq!(extracted(&s, "appointment").unwrap()["time"], "19:00"),
            _ => {}
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn busy_and_unanswered_lines_fail_with_a_reason() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    for (number, reason) in [("415-555-0105", "busy"), ("415-555-0106", "no_answer")] {
        let (task, id) = app.call(&ada, &format!("Call {number} and order a pizza")).await;
        let s = wait_for(&app, &ada, &id, reason, |s| s["call_session"]["status"] == "failed").await;
        assert_eq!(s["call_session"]["failure_reason"], reason);
        assert!(s["call_session"]["ended_at"].is_string());
        assert_eq!(task_status(&app, &ada, &task).await, "failed");
    }
    let notes = json(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    let failed = notes["notifications"].as_array().unwrap().iter().filter(|n| n["notification_type"] == "call_failed").count();
    assert_eq!(failed, 2);
    // A failed task can be called again.
    let list = json(app.as_user(&ada, Method::GET, "/api/call-tasks?status=failed").send().await.unwrap()).await;
    let task = list["call_tasks"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn webhooks_require_valid_signatures_and_never_move_backwards() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (_, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let sid = s["call_session"]["provider_call_sid"].as_str().unwrap().to_owned();
    let url = app.url("/api/webhooks/call-status");
    let params = vec![
        ("CallSid".to_owned(), sid.clone()),
        ("CallStatus".to_owned(), "ringing".to_owned()),
        ("SequenceNumber".to_owned(), "1".to_owned()),
    ];
    // Unsigned and wrongly signed: 403, nothing changes.
    let res = http().post(&url).form(&params).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = http().post(&url).header("x-twilio-signature", "bm90IGl0").form(&params).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // Correctly signed but late and out of order: accepted, harmless.
    let signature = callwright::server::telephony::signature::sign(&sandbox_token(), &url, &params);
    let res = http().post(&url).header("x-twilio-signature", &signature).form(&params).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = http().post(&url).header("x-twilio-signature", &signature).form(&params).send().await.unwrap();
    assert_eq!(res.status(), 204, "duplicates are fine");
    let after = app.session(&ada, &id).await;
    assert_eq!(after["call_session"]["status"], "completed");
    assert_eq!(after["call_session"]["ended_at"], s["call_session"]["ended_at"]);
    // The relay websocket refuses an unsigned upgrade.
    let relay = app.base.replace("http://", "ws://") + "/api/relay";
    assert!(tokio_tungstenite::connect_async(relay).await.is_err());
    // TwiML for the call, signed.
    let voice = app.url(&format!("/api/webhooks/voice?session_id={id}"));
    let res = http().post(&voice).form(&[("CallSid", sid.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let vp = vec![("CallSid".to_owned(), sid.clone())];
    let sig = callwright::server::telephony::signature::sign(&sandbox_token(), &voice, &vp);
    let res = http().post(&voice).header("x-twilio-signature", sig).form(&vp).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let xml = res.text().await.unwrap();
    assert!(xml.contains("<ConversationRelay") && xml.contains(&id) && xml.contains("language=\"en-US\""), "{xml}");
    app.stop().await;
}

/// The next task event on `ws` (other kinds skipped): (type, task id, status).
async fn next_task_event(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> (String, String, Option<String>) {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a task event within 5 s");
        let event: Value = serde_json::from_str(frame.unwrap().unwrap().to_text().unwrap()).unwrap();
        let kind = event["type"].as_str().unwrap().to_owned();
        if kind.starts_with("task_") {
            return (kind, event["call_task_id"].as_str().unwrap().to_owned(), event["status"].as_str().map(str::to_owned));
        }
    }
}

/// Whatever changes a task (this page, another tab, an API client), every
/// open page of its owner hears of it.
#[tokio::test]
async fn every_change_to_a_task_is_heard_live() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let mut ws = app.events_socket(&ada).await;
    let body = json!({"raw_instruction": "Call the restaurant and book a table for four"});
    let created = json(app.as_user(&ada, Method::POST, "/api/call-tasks").json(&body).send().await.unwrap()).await;
    let task = created["call_task"]["id"].as_str().unwrap().to_owned();
    let waiting = Some("waiting_for_user".to_owned());
    assert_eq!(next_task_event(&mut ws).await, ("task_status".into(), task.clone(), waiting.clone()));

    let path = format!("/api/call-tasks/{task}");
    let res = app.as_user(&ada, Method::PATCH, &path).json(&json!({"title": "Table at Luigi's"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(next_task_event(&mut ws).await, ("task_status".into(), task.clone(), waiting));

    assert_eq!(app.as_user(&ada, Method::DELETE, &path).send().await.unwrap().status(), 200);
    assert_eq!(next_task_event(&mut ws).await, ("task_status".into(), task.clone(), Some("cancelled".into())));

    let res = app.as_user(&ada, Method::DELETE, &format!("{path}?purge=true")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(next_task_event(&mut ws).await, ("task_deleted".into(), task, None));
    app.stop().await;
}

/// Events travel between server processes through PostgreSQL: a browser
/// connected to one process follows a call held by another.
#[tokio::test]
async fn events_fan_out_between_server_processes() {
    let db = TestDb::new();
    let env = [("CALLWRIGHT_DATA_KEY", DATA_KEY)];
    let a = TestApp::spawn_with(db.clone(), &env).await;
    let b = TestApp::spawn_with(db.clone(), &env).await;
    let ada = a.signup("ada").await;
    let bob = a.signup("bob").await;
    let mut on_b = b.events_socket(&ada).await;
    let mut bob_on_b = b.events_socket(&bob).await;
    let (task, id) = a.call(&ada, "Call 415-555-0101 and order a large pepperoni").await;
    let mut kinds = Vec::new();
    let mut heard_on_b = Vec::new();
    let mut statuses = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !kinds.contains(&"call_processed".to_owned()) && Instant::now() < deadline {
        let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(20), on_b.next()).await else { break };
        let event: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if let Some(session) = event["call_session_id"].as_str() {
            assert_eq!(session, id);
        }
        if event["type"] == "segment_appended" {
            heard_on_b.push(event["content"].as_str().unwrap().to_owned());
        }
        if event["type"] == "session_status" {
            assert_eq!(event["call_task_id"], task, "{event}");
            statuses.push(event["status"].as_str().unwrap().to_owned());
        }
        kinds.push(event["type"].as_str().unwrap().to_owned());
    }
    for kind in ["task_status", "notification_created", "session_status", "segment_appended", "call_processed"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    assert!(statuses.contains(&"connected".to_owned()) && statuses.last().is_some_and(|s| s == "completed"), "{statuses:?}");
    // Segments travel between processes as ids; B read each one's words, in order.
    let stored: Vec<String> = a.session(&ada, &id).await["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(heard_on_b, stored);
    // Bob hears nothing of Ada's call.
    assert!(tokio::time::timeout(Duration::from_millis(500), bob_on_b.next()).await.is_err(), "bob received an event");
    b.shut_down().await;
    a.stop().await;
}

#[tokio::test]
async fn calls_per_day_and_calls_at_once_are_limited() {
    let app = app_with(&[("MAX_CONCURRENT_CALLS", "1"), ("RATE_LIMIT_CALLS_PER_DAY", "2")]).await;
    let ada = app.signup("ada").await;
    crate::support::in_one_window(Duration::from_secs(24 * 3600), Duration::from_secs(180)).await;
    // The hold line keeps the first call live for a while.
    let (_, first) = app.call(&ada, "Call my dentist at 415-555-0108 and book a cleaning next week").await;
    let created = json(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second = created["call_task"]["id"].as_str().unwrap().to_owned();
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{second}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 429, "one call at a time");
    assert_eq!(json(res).await["error"]["code"], "rate_limited");
    assert_eq!(task_status(&app, &ada, &second).await, "ready_to_call", "a refused start changes nothing");
    wait_for(&app, &ada, &first, "the first call", finished).await;
    assert_eq!(
        app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{second}/start-call")).send().await.unwrap().status(),
        200
    );
    let created = json(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0103 and reserve a table for 2 on Friday"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let third = created["call_task"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{third}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 429, "two calls a day");
    assert!(res.headers().contains_key("retry-after"));
    assert!(json(res).await["error"]["message"].as_str().unwrap().contains("today's limit"));
    app.stop().await;
}

/// Whether an assistant line agrees, books or confirms.
fn agrees(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["book it", "that works", "go ahead", "sounds good", "deal", "we accept", "approves"].iter().any(|w| lower.contains(w))
}

/// The sandbox's handyman quotes "400 for the whole job" (no currency) and
/// its movers charge by the hour: past a $250 limit, both wait for the
/// user, and nothing agrees before the user does.
#[tokio::test]
async fn quotes_without_a_currency_or_by_the_hour_wait_for_the_user() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id) = app.call(&ada, "Call the handyman at 415-555-0110 and get a quote to fix the fence, max $250").await;
    let s = wait_for(&app, &ada, &id, "an approval request", |s| s["approval"].is_object() || finished(s)).await;
    assert_eq!((s["approval"]["amount"].as_f64(), s["approval"]["limit"].as_f64()), (Some(400.0), Some(250.0)), "{s:#}");
    assert!(!said(&s, "assistant").iter().any(|l| agrees(l)), "{:?}", said(&s, "assistant"));
    let res = app.decide(&ada, &id, false).await;
    assert_eq!(res.status(), 200);
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert!(!said(&s, "assistant").iter().any(|l| agrees(l)), "{:?}", said(&s, "assistant"));
    assert_eq!(s["transcript"]["goal_achieved"], false);
    assert_eq!(task_status(&app, &ada, &task).await, "failed");

    // The movers: a rate, then the total when asked, past the limit; approved, it books.
    let (task, id) = app.call(&ada, "Call the movers at 415-555-0111 and get a quote to move my one-bedroom, max $250").await;
    let s = wait_for(&app, &ada, &id, "an approval request", |s| s["approval"].is_object() || finished(s)).await;
    assert_eq!(s["approval"]["amount"], 380.0, "{s:#}");
    let assistant = said(&s, "assistant");
    assert!(assistant.iter().any(|l| l.contains("total")), "asked for the total: {assistant:?}");
    assert!(!assistant.iter().any(|l| agrees(l)), "{assistant:?}");
    let res = app.decide(&ada, &id, true).await;
    assert_eq!(res.status(), 200);
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let assistant = said(&s, "assistant");
    assert!(assistant[assistant.len() - 2].contains("$380"), "read back: {assistant:?}");
    assert!(extracted(&s, "confirmation_number").is_some_and(|r| r["value"].as_str().unwrap().starts_with("QM-")), "{s:#}");
    assert_eq!(task_status(&app, &ada, &task).await, "completed", "{s:#}");
    app.stop().await;
}

/// The sandbox's off-script businesses: a salon receptionist who asks
/// whether we are a robot and for a card, offers a slot with the price in
/// words and spells the confirmation; a vet whose screener puts us through
/// to a person. Both end booked, with nothing sensitive spoken.
#[tokio::test]
async fn off_script_sandbox_businesses_end_booked() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id) = app.call(&ada, "Call Sunset Salon at 415-555-0112 and book a haircut this week, under $80").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let assistant = said(&s, "assistant");
    assert!(assistant[0].contains("AI assistant"), "{assistant:?}");
    assert!(assistant.iter().any(|l| l.contains("It's for ada")), "{assistant:?}");
    assert!(assistant.iter().any(|l| l.contains("not able to share payment")), "{assistant:?}");
    assert!(s["approval"].is_null(), "sixty is within $80: {s:#}");
    let reference = extracted(&s, "confirmation_number").and_then(|r| r["value"].as_str().map(str::to_owned));
    assert!(reference.as_deref().is_some_and(|r| r.starts_with('K') && r.len() == 4), "{s:#}");
    assert_eq!(extracted(&s, "price").and_then(|p| p["amount"].as_f64()), Some(60.0), "{s:#}");
    assert_eq!(s["transcript"]["goal_achieved"], true, "{s:#}");
    assert_eq!(task_status(&app, &ada, &task).await, "completed");

    let (task, id) =
        app.call(&ada, "Call Northside Vet at 415-555-0113 and book a check-up for my dog Rex this week, max $100").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let assistant = said(&s, "assistant");
    let introductions = assistant.iter().filter(|l| l.contains("AI assistant calling on behalf of ada")).count();
    assert!(introductions >= 2, "introduced to the screener and again to Priya: {assistant:?}");
    assert!(extracted(&s, "confirmation_number").is_some_and(|r| r["value"].as_str().unwrap().starts_with("NV-")), "{s:#}");
    assert_eq!(extracted(&s, "appointment").and_then(|a| a["time"].as_str().map(str::to_owned)).as_deref(), Some("10:30"));
    assert_eq!(task_status(&app, &ada, &task).await, "completed", "{s:#}");
    app.stop().await;
}

/// What a call found out is personal: read straight from the tables, the
/// extracted facts are ciphertext and the notifications say how the call
/// went, not what was said; through the API they read as ever.
#[tokio::test]
async fn call_facts_are_encrypted_at_rest_and_notifications_hold_no_call_content() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (_task, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let reference =
        extracted(&s, "confirmation_number").and_then(|r| r["value"].as_str().map(str::to_owned)).expect("a reference");
    assert!(reference.starts_with("DC-"), "{s:#}");
    let mut owner = app.db.owner().await;
    let facts: Vec<String> =
        sqlx::query_scalar("SELECT extracted_value::text FROM call_extracted_data").fetch_all(&mut owner).await.unwrap();
    assert!(!facts.is_empty());
    for fact in &facts {
        assert!(fact.starts_with("\"enc:") && !fact.contains(&reference) && !fact.contains('{'), "plaintext at rest: {fact}");
    }
    let sealed: Vec<String> = sqlx::query_scalar("SELECT message FROM notifications").fetch_all(&mut owner).await.unwrap();
    // (Sealed at rest too; opened here to see what they say.)
    let messages: Vec<String> = sealed.iter().map(|m| app.state().cipher.decrypt(m).unwrap()).collect();
    let summary = s["transcript"]["ai_summary"].as_str().unwrap();
    for m in &messages {
        assert!(!m.contains(&reference) && !m.contains(summary) && !m.contains("$85"), "call content in a notification: {m}");
    }
    assert!(messages.iter().any(|m| m.contains("reached its goal")), "{messages:?}");
    app.stop().await;
}

/// Everything personal a user wrote or a call produced is ciphertext in
/// every table and never travels over NOTIFY: contact names, companies and
/// e-mails, task titles, plans and clarifications, call scripts,
/// notification messages, approval reasons. Through the API and the live
/// socket all of it reads as ever, and titles are still found by search.
#[tokio::test]
async fn personal_text_is_ciphertext_in_every_table_and_still_found_by_search() {
    let app = app_with(&[("APPROVAL_TIMEOUT_SECS", "3")]).await;
    let mut listener = sqlx::postgres::PgListener::connect(&app.db.url).await.unwrap();
    listener.listen("callwright_events").await.unwrap();
    let ada = app.signup("ada").await;
    let mut socket = app.events_socket(&ada).await;
    let contact = json!({"name": "Marguerite Okonkwo", "company_name": "Zanzibar Podiatry",
                         "email": "marguerite@zanzibar.example", "phone_number": "415-555-0101"});
    let res = app.as_user(&ada, Method::POST, "/api/contacts").json(&contact).send().await.unwrap();
    assert_eq!(res.status(), 201);
    // A task that waits for details, given them.
    let (status, v) =
        app.create_task(&ada, json!({"raw_instruction": "Call my chiropodist and book a bunion consultation"})).await;
    assert_eq!(status, 201, "{v}");
    let waiting = v["call_task"]["id"].as_str().unwrap().to_owned();
    let res = app
        .as_user(&ada, Method::PATCH, &format!("/api/call-tasks/{waiting}"))
        .json(&json!({"target_phone_number": "415-555-0100",
                      "user_clarifications": {"preferred_date": "2026-12-09", "preferred_time": "late afternoon"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(res).await["call_task"]["status"], "ready_to_call");
    // A call that asks for approval past the limit (nobody answers in time).
    let (_task, id) = app.call(&ada, "Call the handyman at 415-555-0110 and get a quote to fix the fence, max $250").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert!(s["approval"]["reason"].as_str().is_some_and(|r| r.contains("quoted")), "{s:#}");

    // Through the API: as written, and found by the words of their titles.
    let found = |q: &'static str| {
        let app = &app;
        let ada = &ada;
        async move {
            let v = json(app.as_user(ada, Method::GET, &format!("/api/call-tasks?q={q}")).send().await.unwrap()).await;
            v["call_tasks"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    for q in ["bunion", "BUNI", "consultation%20bunion", "fence", "fix%20the%20fence", "FENCE%20fix"] {
        let titles = found(q).await;
        assert_eq!(titles.len(), 1, "{q}: {titles:?}");
    }
    assert_eq!(found("bunion").await, ["Book a bunion consultation"]);
    for q in ["unio", "bunions", "chiropodist", "%25", "fence%20bunion"] {
        assert_eq!(found(q).await, Vec::<String>::new(), "{q}");
    }
    let contacts = json(app.as_user(&ada, Method::GET, "/api/contacts?q=zanz").send().await.unwrap()).await;
    assert_eq!(contacts["contacts"][0]["name"], "Marguerite Okonkwo");
    assert_eq!(contacts["contacts"][0]["company_name"], "Zanzibar Podiatry");
    assert_eq!(contacts["contacts"][0]["email"], "marguerite@zanzibar.example");
    let notes = json(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    let messages: Vec<&str> = notes["notifications"].as_array().unwrap().iter().map(|n| n["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("bunion")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("Approval needed") && m.contains("quoted")), "{messages:?}");

    // The browser heard the notifications and the approval request whole.
    let mut heard = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(300), socket.next()).await {
        heard.push(frame.to_string());
    }
    let heard = heard.concat();
    assert!(heard.contains("notification_created") && heard.contains("bunion"), "{heard}");
    assert!(heard.contains("approval_requested") && heard.contains("quoted"), "{heard}");

    // In the tables (every one of them) and over NOTIFY: none of it.
    let mut owner = app.db.owner().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert!(tables.len() > 10, "{tables:?}");
    let mut dump = String::new();
    for table in &tables {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT t::text FROM {table} t")))
            .fetch_all(&mut owner)
            .await
            .unwrap();
        dump.push_str(&rows.concat().to_lowercase());
    }
    drop(owner);
    let mut payloads = String::new();
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await {
        payloads.push_str(&n.payload().to_lowercase());
    }
    for word in ["marguerite", "okonkwo", "zanzibar", "chiropodist", "bunion", "late afternoon", "handyman", "fence", "quoted"] {
        assert!(!dump.contains(word), "“{word}” is plaintext in a table");
        assert!(!payloads.contains(word), "“{word}” travelled over NOTIFY: {payloads}");
    }
    app.stop().await;
}

/// Rows written before their text was encrypted read as they are, and are
/// sealed by the server's startup step (with the title's search terms), once.
#[tokio::test]
async fn text_written_before_encryption_reads_as_ever_and_is_sealed_at_startup() {
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let res = app
        .as_user(&ada, Method::POST, "/api/contacts")
        .json(&json!({"name": "Sealed Later", "company_name": "Quokka Glass", "email": "q@quokka.example"}))
        .send()
        .await
        .unwrap();
    let contact = json(res).await["contact"]["id"].as_str().unwrap().to_owned();
    let task = app.ready_task(&ada, json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni"})).await;
    let before = app.task(&ada, &task).await;
    let cipher = app.state().cipher.clone();
    // As an older version stored them: plaintext, the plan an object with its number encrypted.
    let mut plan = before["call_task"]["ai_plan"].clone();
    plan["targetPhoneNumber"] = json!(cipher.encrypt("+14155550101"));
    let mut owner = app.db.owner().await;
    sqlx::query(
        "UPDATE contacts SET name = 'Wendell Quist', company_name = 'Quokka Glass', email = 'wendell@quokka.example'
         WHERE id = $1::uuid",
    )
    .bind(&contact)
    .execute(&mut owner)
    .await
    .unwrap();
    sqlx::query("UPDATE call_tasks SET title = 'Order a quokka pizza', title_terms = '{}', ai_plan = $2, user_clarifications = $3 WHERE id = $1::uuid")
        .bind(&task)
        .bind(&plan)
        .bind(json!({"preferred_time": "quokka hour"}))
        .execute(&mut owner)
        .await
        .unwrap();
    sqlx::query("UPDATE notifications SET message = 'The quokka task is ready.'").execute(&mut owner).await.unwrap();
    let read = || {
        let (app, ada, task, contact) = (&app, &ada, task.clone(), contact.clone());
        async move {
            let t = app.task(ada, &task).await["call_task"].clone();
            let c = json(app.as_user(ada, Method::GET, &format!("/api/contacts/{contact}")).send().await.unwrap()).await;
            let n = json(app.as_user(ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
            (t, c["contact"].clone(), n["notifications"][0]["message"].clone())
        }
    };
    let (t, c, n) = read().await;
    assert_eq!(t["title"], "Order a quokka pizza");
    assert_eq!(t["ai_plan"]["targetPhoneNumber"], "+14155550101");
    assert_eq!(t["ai_plan"]["goal"], before["call_task"]["ai_plan"]["goal"]);
    assert_eq!(t["user_clarifications"]["preferred_time"], "quokka hour");
    assert_eq!((c["name"].as_str(), c["email"].as_str()), (Some("Wendell Quist"), Some("wendell@quokka.example")));
    assert_eq!(n, "The quokka task is ready.");

    let sealed = callwright::server::seal::run(&app.state().db, &cipher).await.unwrap();
    assert!(sealed >= 6, "{sealed}");
    assert_eq!(callwright::server::seal::run(&app.state().db, &cipher).await.unwrap(), 0, "once");
    let raw: Vec<String> = sqlx::query_scalar(
        "SELECT t::text FROM contacts t UNION ALL SELECT t::text FROM call_tasks t UNION ALL SELECT t::text FROM notifications t",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let raw = raw.concat().to_lowercase();
    for word in ["wendell", "quokka", "pizza", "goal"] {
        assert!(!raw.contains(word), "“{word}” still plaintext: {raw}");
    }
    drop(owner);
    let (t2, c2, n2) = read().await;
    assert_eq!(
        (t2["title"].clone(), t2["ai_plan"].clone(), t2["user_clarifications"].clone()),
        (t["title"].clone(), t["ai_plan"].clone(), t["user_clarifications"].clone())
    );
    assert_eq!((c2, n2), (c, n));
    let found = json(app.as_user(&ada, Method::GET, "/api/call-tasks?q=quokka").send().await.unwrap()).await;
    assert_eq!(found["call_tasks"].as_array().unwrap().len(), 1, "its terms came with it: {found}");
    app.stop().await;
}

/// What the system does on a user's call is audited as well as what the
/// user does: the statuses the network reported, the approval asked and
/// timed out, the retry queued, the processing.
#[tokio::test]
async fn the_systems_actions_on_a_call_are_audited() {
    let app = app_with(&[("APPROVAL_TIMEOUT_SECS", "2"), ("RETRY_BACKOFF_SECS", "3600")]).await;
    let ada = app.signup("ada").await;
    app.allow_retries(&ada, 1).await;
    // Past the limit, nobody answers: asked, timed out, processed.
    let (_task, quoted) = app.call(&ada, "Call the handyman at 415-555-0110 and get a quote to fix the fence, max $250").await;
    wait_for(&app, &ada, &quoted, "processing", processed).await;
    // A busy line: failed, a retry queued.
    let (_task, busy) = app.call(&ada, "Call the salon at 415-555-0105 and book a haircut tomorrow").await;
    wait_for(&app, &ada, &busy, "the failure", finished).await;
    let mut owner = app.db.owner().await;
    let actions = |session: &str| {
        let session: uuid::Uuid = session.parse().unwrap();
        sqlx::query_as::<_, (String, Value)>("SELECT action, details FROM audit_log WHERE entity_id = $1 ORDER BY id")
            .bind(session)
    };
    let quoted_log: Vec<(String, Value)> = actions(&quoted).fetch_all(&mut owner).await.unwrap();
    let names: Vec<&str> = quoted_log.iter().map(|(a, _)| a.as_str()).collect();
    for expected in ["call.start", "call.status", "call.approval_requested", "call.approval_timed_out", "call.process"] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    assert!(quoted_log.iter().any(|(a, d)| a == "call.status" && d["to"] == "completed"), "{quoted_log:?}");
    let busy_log: Vec<(String, Value)> = actions(&busy).fetch_all(&mut owner).await.unwrap();
    assert!(
        busy_log.iter().any(|(a, d)| a == "call.status" && d["to"] == "failed" && d["failure_reason"] == "busy"),
        "{busy_log:?}"
    );
    assert!(busy_log.iter().any(|(a, _)| a == "call.retry_scheduled"), "{busy_log:?}");
    app.stop().await;
}

/// NOTIFY is readable by anyone who can LISTEN on the database: transcript
/// segments travel over it as ids only, their words never.
#[tokio::test]
async fn what_was_said_never_travels_over_notify() {
    let app = app_with(&[]).await;
    let mut listener = sqlx::postgres::PgListener::connect(&app.db.url).await.unwrap();
    listener.listen("callwright_events").await.unwrap();
    let ada = app.signup("ada").await;
    let (_, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    let mut payloads = Vec::new();
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(500), listener.recv()).await {
        payloads.push(n.payload().to_owned());
    }
    let segments = s["segments"].as_array().unwrap();
    assert!(segments.len() >= 6, "{s:#}");
    let announced: Vec<&String> = payloads.iter().filter(|p| p.contains("\"segments\"")).collect();
    for segment in segments {
        let id = segment["id"].as_str().unwrap();
        assert!(announced.iter().any(|p| p.contains(id)), "segment {id} was never announced: {payloads:#?}");
        let content = segment["content"].as_str().unwrap();
        // Every run of four words of every line is looked for.
        let words: Vec<&str> = content.split_whitespace().collect();
        for window in words.windows(4) {
            let phrase = window.join(" ");
            assert!(!payloads.iter().any(|p| p.contains(&phrase)), "“{phrase}” travelled over NOTIFY: {payloads:#?}");
        }
    }
    // (The task's title, "Book a cleaning next week", is the user's words, not the call's.)
    for word in ["Bright Smiles", "Sarah"] {
        assert!(!payloads.iter().any(|p| p.contains(word)), "“{word}” travelled over NOTIFY: {payloads:#?}");
    }
    app.stop().await;
}

/// The journal stores what many calls say at once in shared batches: lines
/// of one call keep the order they were said in, even within one
/// millisecond, and a line that cannot be stored (its call's transcript is
/// gone) fails only its own call, however the batch was made up.
#[tokio::test]
async fn batched_lines_keep_their_order_and_one_bad_line_fails_only_its_call() {
    use callwright::domain::enums::Speaker;
    use callwright::server::journal::NewSegment;
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id) = app.call(&ada, "Call 415-555-0101 and order a large pepperoni").await;
    let before = wait_for(&app, &ada, &id, "processing", processed).await["segments"].as_array().unwrap().len();
    let transcript: uuid::Uuid = {
        let mut owner = app.db.owner().await;
        sqlx::query_scalar("SELECT id FROM call_transcripts WHERE call_session_id = $1::uuid")
            .bind(&id)
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    let line = |transcript_id: uuid::Uuid, n: usize| NewSegment {
        transcript_id,
        session_id: id.parse().unwrap(),
        task_id: task.parse().unwrap(),
        user_id: ada.user_id.parse().unwrap(),
        speaker: Speaker::System,
        content: format!("line {n:03}"),
        timestamp_ms: 999_000,
        confidence: None,
    };
    let journal = app.state().journal.clone();
    let gone = uuid::Uuid::new_v4();
    let writes = (0..60).map(|n| {
        let journal = journal.clone();
        // Every seventh call's transcript does not exist.
        let to = if n % 7 == 3 { gone } else { transcript };
        let lines = vec![line(to, n * 3), line(to, n * 3 + 1), line(to, n * 3 + 2)];
        async move { (n, journal.append(lines).await) }
    });
    let results = futures::future::join_all(writes).await;
    for (n, result) in &results {
        assert_eq!(result.is_err(), n % 7 == 3, "write {n}: {result:?}");
    }
    let s = app.session(&ada, &id).await;
    let ours: Vec<String> = s["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["content"].as_str().filter(|c| c.starts_with("line ")).map(str::to_owned))
        .collect();
    let expected: Vec<String> =
        (0..60).filter(|n| n % 7 != 3).flat_map(|n| (0..3).map(move |k| n * 3 + k)).map(|n| format!("line {n:03}")).collect();
    assert_eq!(s["segments"].as_array().unwrap().len(), before + expected.len());
    // Each write's lines stay together and in order; writes land in the order they were taken.
    for n in (0..60).filter(|n| n % 7 != 3) {
        let at = ours.iter().position(|l| *l == format!("line {:03}", n * 3)).unwrap_or_else(|| panic!("{n} missing: {ours:?}"));
        assert_eq!(ours[at + 1], format!("line {:03}", n * 3 + 1), "{ours:?}");
        assert_eq!(ours[at + 2], format!("line {:03}", n * 3 + 2), "{ours:?}");
    }
    let mut sorted = ours.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    app.stop().await;
}

/// A call waiting for its user's decision for longer than the time after
/// which a silent call counts as lost stays live: its process beats for it
/// (all its calls in one statement), and the sweep leaves it alone.
#[tokio::test]
async fn a_long_wait_is_not_mistaken_for_a_lost_call() {
    let app = app_with(&[("CALL_HEARTBEAT_STALE_SECS", "1")]).await;
    let ada = app.signup("ada").await;
    let (_, id, _) = plumber_until_approval(&app, &ada).await;
    assert_eq!(app.state().journal.holding(), 1);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let s = app.session(&ada, &id).await;
    assert_eq!(s["call_session"]["status"], "connected", "{s:#}");
    let res = app.decide(&ada, &id, true).await;
    assert_eq!(res.status(), 200);
    let s = wait_for(&app, &ada, &id, "processing", processed).await;
    assert_eq!(s["call_session"]["status"], "completed", "{s:#}");
    assert_eq!(app.state().journal.holding(), 0, "the call was let go");
    app.stop().await;
}

/// PostgreSQL itself restarts (a server of its own for this test) while a
/// call waits for its user's decision: the server's pools and its event
/// listener reconnect, the decision made as soon as the database answers
/// reaches the call at once (not at the approval deadline, two minutes
/// away), and the call books with nothing said lost or stored twice.
#[tokio::test]
async fn a_call_goes_on_across_a_postgresql_restart() {
    let pg = std::sync::Arc::new(OwnPostgres::start());
    let app = TestApp::spawn_with(pg.db(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY), ("APPROVAL_TIMEOUT_SECS", "120")]).await;
    let ada = app.signup("ada").await;
    let (task, id, before) = plumber_until_approval(&app, &ada).await;
    let restarting = pg.clone();
    tokio::task::spawn_blocking(move || restarting.restart()).await.unwrap();
    // Requests may fail while the server reconnects; none may be a 500.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let res = app.decide(&ada, &id, true).await;
        match res.status().as_u16() {
            200 => break,
            503 if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("deciding after the restart: {other} {}", res.text().await.unwrap()),
        }
    }
    let s = booked_once_approved(&app, &ada, &task, &id).await;
    let ids: Vec<&str> = s["segments"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    for earlier in before["segments"].as_array().unwrap() {
        assert!(ids.contains(&earlier["id"].as_str().unwrap()), "a line from before the restart is gone: {earlier}");
    }
    app.shut_down().await;
}

/// After a fault: the approved call booked, the approval noted once, no
/// line stored twice, the task completed. Returns the session.
async fn booked_once_approved(app: &TestApp, user: &Session, task: &str, id: &str) -> Value {
    let s = wait_for(app, user, id, "processing", processed).await;
    assert_eq!(s["call_session"]["status"], "completed", "{s:#}");
    assert_eq!(s["transcript"]["goal_achieved"], true, "{s:#}");
    assert_eq!(said(&s, "system").iter().filter(|l| l.contains("approved the price")).count(), 1, "{s:#}");
    let contents: Vec<&str> = s["segments"].as_array().unwrap().iter().map(|g| g["content"].as_str().unwrap()).collect();
    let unique: std::collections::HashSet<&str> = contents.iter().copied().collect();
    assert_eq!(unique.len(), contents.len(), "a line stored twice: {contents:?}");
    assert_eq!(task_status(app, user, task).await, "completed", "{s:#}");
    s
}

/// The database drops every connection of the server mid-call (as when
/// PostgreSQL restarts), while a line of the call is being stored: the
/// line is stored once it can be, the call goes on and books, and nothing
/// said is lost or stored twice.
#[tokio::test]
async fn a_call_goes_on_when_the_database_drops_its_connections() {
    use sqlx::Connection;
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (task, id, _) = plumber_until_approval(&app, &ada).await;
    // Lines written now wait: the transcript table is locked by this connection.
    let mut owner = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE call_transcript_segments IN ACCESS EXCLUSIVE MODE").execute(&mut owner).await.unwrap();
    // The decision wakes the call, whose note of it now waits on the lock.
    let res = app.decide(&ada, &id, true).await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dropped: Vec<i32> = sqlx::query_scalar(
        // Every condition inside the CASE: PostgreSQL may test an AND's parts in any
        // order, and other tests' connections (other databases) must live.
        "SELECT pid FROM pg_stat_activity
         WHERE CASE WHEN datname = current_database() AND pid <> pg_backend_pid() THEN pg_terminate_backend(pid) ELSE false END",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert!(!dropped.is_empty(), "the server had connections to drop");
    sqlx::raw_sql("COMMIT").execute(&mut owner).await.unwrap();

    let s = booked_once_approved(&app, &ada, &task, &id).await;
    assert!(said(&s, "assistant").iter().any(|l| l.contains("approves $300")), "{s:#}");
    assert!(app.log().contains("storing the call's lines again"), "the write was retried, not merely late");
    app.stop().await;
}

/// The engine letting go of a call and the network's report of its end
/// arrive together on every call. However they interleave, neither fails:
/// both lock the session before its progress row, so they never deadlock
/// (they did: the one statement letting go took the progress row first).
#[tokio::test]
async fn the_engine_letting_go_and_the_end_of_a_call_never_deadlock() {
    use callwright::domain::enums::SessionStatus;
    use callwright::server::{ai::ModelUsage, calls};
    let app = app_with(&[]).await;
    let ada = app.signup("ada").await;
    let (_, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week").await;
    wait_for(&app, &ada, &id, "processing", processed).await;
    let session: uuid::Uuid = id.parse().unwrap();
    let state = app.state();
    let ctx = calls::live_context(state, session).await.unwrap();
    let used = ModelUsage { model: "any".into(), usage: callwright::domain::usage::Usage::of_request(12, 5) };
    let mut db = app.db.owner().await;
    for round in 0..60 {
        // The call is live again, and its engine beats for it.
        sqlx::query("UPDATE call_sessions SET status = 'connected', ended_at = NULL WHERE id = $1")
            .bind(session)
            .execute(&mut db)
            .await
            .unwrap();
        sqlx::query("UPDATE call_session_progress SET heartbeat_at = now(), engine_instance = $2 WHERE call_session_id = $1")
            .bind(session)
            .bind(state.instance)
            .execute(&mut db)
            .await
            .unwrap();
        let report = calls::Report { sequence: Some(100 + round), ..Default::default() };
        let (done, ended) = tokio::join!(
            calls::engine_done(state, &ctx, round % 3, Some(&used)),
            calls::set_status(state, session, SessionStatus::Completed, report)
        );
        done.unwrap_or_else(|e| panic!("round {round}: letting go failed: {e:?}"));
        assert!(ended.unwrap_or_else(|e| panic!("round {round}: the end failed: {e:?}")), "round {round}");
    }
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ai_usage WHERE call_session_id = $1 AND purpose = 'conversation' AND model = 'any'",
    )
    .bind(session)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(recorded, 60, "every round's use of the model is kept");
    app.stop().await;
}

/// A call of ada's, finished and processed: (its task, its session).
async fn a_finished_call(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let ada = app.signup("ada").await;
    let (task, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week").await;
    wait_for(app, &ada, &id, "processing", processed).await;
    (task.parse().unwrap(), id.parse().unwrap())
}

/// A purge's first step: its transaction holds the task.
async fn purge_locks_the_task(purge: &mut sqlx::PgConnection, task: uuid::Uuid) {
    sqlx::query("BEGIN").execute(&mut *purge).await.unwrap();
    sqlx::query("SELECT 1 FROM call_tasks WHERE id = $1 FOR UPDATE").bind(task).execute(&mut *purge).await.unwrap();
}

/// The rest, a moment later: the task and (cascading) its sessions go.
async fn purge_deletes_the_task(purge: &mut sqlx::PgConnection, task: uuid::Uuid) -> sqlx::Result<()> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    sqlx::query("DELETE FROM call_tasks WHERE id = $1").bind(task).execute(&mut *purge).await?;
    sqlx::query("COMMIT").execute(&mut *purge).await.map(drop)
}

/// A purge of a task while its call's engine lets go of the call: the
/// purge locks the task, then deletes its sessions. Letting go must not
/// hold the session while it waits for the task (it did: what the model
/// used refers to the task), or each waits for the other until PostgreSQL
/// aborts one. Here the purge holds the task first, on purpose.
#[tokio::test]
async fn letting_go_of_a_call_while_its_task_is_purged_never_deadlocks() {
    use callwright::server::{ai::ModelUsage, calls};
    let app = app_with(&[]).await;
    let (task, session) = a_finished_call(&app).await;
    let state = app.state();
    let ctx = calls::live_context(state, session).await.unwrap();
    let used = ModelUsage { model: "any".into(), usage: callwright::domain::usage::Usage::of_request(12, 5) };
    let mut purge = app.db.owner().await;
    purge_locks_the_task(&mut purge, task).await;
    // Letting go has started and waits behind the purge when it deletes.
    let purging = purge_deletes_the_task(&mut purge, task);
    let (done, purged) = tokio::join!(calls::engine_done(state, &ctx, 2, Some(&used)), purging);
    purged.expect("the purge goes through");
    done.expect("letting go goes through: the call is gone, nothing is left to record");
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM call_sessions WHERE id = $1").bind(session).fetch_one(&mut purge).await.unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}

/// The same with a call that fails as its task is purged: the end fails
/// the task after moving the session, the purge deletes the session after
/// locking the task. Neither may wait for the other in a circle.
#[tokio::test]
async fn a_call_failing_while_its_task_is_purged_never_deadlocks() {
    use callwright::domain::enums::{FailureReason, SessionStatus};
    use callwright::server::calls;
    let app = app_with(&[]).await;
    let (task, session) = a_finished_call(&app).await;
    let mut purge = app.db.owner().await;
    // Live again, its task in progress.
    sqlx::query("UPDATE call_sessions SET status = 'connected', ended_at = NULL WHERE id = $1")
        .bind(session)
        .execute(&mut purge)
        .await
        .unwrap();
    sqlx::query("UPDATE call_tasks SET status = 'in_progress' WHERE id = $1").bind(task).execute(&mut purge).await.unwrap();
    purge_locks_the_task(&mut purge, task).await;
    let purging = purge_deletes_the_task(&mut purge, task);
    let report = calls::Report { failure_reason: Some(FailureReason::ConnectionLost), ..Default::default() };
    let (ended, purged) = tokio::join!(calls::set_status(app.state(), session, SessionStatus::Failed, report), purging);
    purged.expect("the purge goes through");
    assert!(!ended.expect("the end goes through"), "the call was gone by then: nothing moved");
    app.stop().await;
}

/// Live events published faster than a browser's socket is written go out
/// several to a write: each browser still gets every one of its own, in
/// order, and none of anyone else's; one that falls too far behind is told
/// to resync and then goes on with the newest.
#[tokio::test]
async fn a_burst_of_live_events_reaches_each_browser_whole_in_order_and_alone() {
    use callwright::domain::{enums::Speaker, events::ServerEvent};
    let app = app_with(&[]).await;
    let (ada, bob) = (app.signup("ada").await, app.signup("bob").await);
    let (mut ada_ws, mut bob_ws) = (app.events_socket(&ada).await, app.events_socket(&bob).await);
    let (ada_id, bob_id): (uuid::Uuid, uuid::Uuid) = (ada.user_id.parse().unwrap(), bob.user_id.parse().unwrap());
    let line = |n: usize| ServerEvent::SegmentAppended {
        call_session_id: uuid::Uuid::nil(),
        call_task_id: uuid::Uuid::nil(),
        segment_id: uuid::Uuid::new_v4(),
        speaker: Speaker::Human,
        content: format!("line {n}"),
        timestamp_ms: n as i32,
    };
    // Read `socket` until `last` arrives: the lines' numbers, and resyncs as -1.
    async fn read_until(
        socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
        last: i64,
    ) -> Vec<i64> {
        let mut got = Vec::new();
        while got.last() != Some(&last) {
            let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
                .await
                .unwrap_or_else(|_| panic!("stalled after {} events: {:?}", got.len(), got.last()))
                .expect("open")
                .expect("frame");
            let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
            match v["type"].as_str() {
                Some("segment_appended") => got.push(v["timestamp_ms"].as_i64().unwrap()),
                Some("resync") => got.push(-1),
                _ => {}
            }
        }
        got
    }

    // Published without a pause (the server runs on this thread): every
    // one is waiting when the sockets are next written.
    let hub = &app.state().hub;
    for n in 0..1500 {
        hub.local(if n % 3 == 0 { bob_id } else { ada_id }, line(n));
    }
    let (ada_got, bob_got) = tokio::join!(read_until(&mut ada_ws, 1499), read_until(&mut bob_ws, 1497));
    assert_eq!(ada_got, (0..1500).filter(|n| n % 3 != 0).collect::<Vec<i64>>());
    assert_eq!(bob_got, (0..1500).filter(|n| n % 3 == 0).collect::<Vec<i64>>());

    // More than the hub keeps: ada's socket is told to resync, then gets
    // the newest, in order.
    for n in 0..6000 {
        hub.local(ada_id, line(n));
    }
    let got = read_until(&mut ada_ws, 5999).await;
    assert_eq!(got[0], -1, "told to resync first: {:?}", &got[..5]);
    let after: Vec<i64> = got[1..].to_vec();
    assert!(after.windows(2).all(|w| w[1] == w[0] + 1), "the newest, in order, with no gap");
    assert!(after.len() >= 1000, "the hub's backlog is delivered: {}", after.len());
    app.stop().await;
}
