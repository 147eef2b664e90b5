//! Call recordings on the sandbox: off unless the user asks; when on, the
//! other side hears so before anything else (whoever answers: a person, a
//! voicemail, a phone menu, a hold line), the sandbox records a real WAV
//! file, only the call's owner can play it, and purging the task deletes it.

use crate::support::{TestApp, body, finished, said};
use callwright::server::ai::rules::script::RECORDING_NOTICE;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn recordings(app: &TestApp) -> PathBuf {
    app.dir.0.join("data").join("recordings")
}

/// The sandbox's recording files.
fn files(app: &TestApp) -> Vec<PathBuf> {
    match std::fs::read_dir(recordings(app)) {
        Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_recorded_call_says_so_first_plays_only_for_its_owner_and_goes_with_its_task() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let res = app.as_user(&ada, Method::PATCH, "/api/settings").json(&json!({"record_calls": true})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["settings"]["record_calls"], true);

    // A person, a voicemail, a phone menu, a hold line, a refusal: the first words are never the same line.
    let mut calls = Vec::new();
    for (number, errand) in [
        ("415-555-0100", "book a cleaning next week under $100"),
        ("415-555-0104", "ask whether they have a table for two on Friday"),
        ("415-555-0107", "ask about the price of a new battery"),
        ("415-555-0108", "ask whether they can fix a leaking tap this week"),
        ("415-555-0109", "ask for a quote to paint the fence"),
    ] {
        let (task, session) = app.call(&ada, &format!("Call {number} and {errand}")).await;
        let done = app
            .wait_session(&ada, &session, "a recorded call's recording", 30, |s| {
                finished(s) && s["call_session"]["recording_url"].is_string()
            })
            .await;
        let ours = said(&done, "assistant");
        let first = ours.first().unwrap_or_else(|| panic!("{number}: the assistant said nothing: {done:#}"));
        assert!(first.contains(RECORDING_NOTICE), "{number}: the first words do not say the call is recorded: {first}");
        assert_eq!(done["call_session"]["recording_url"], format!("/api/call-sessions/{session}/recording"));
        calls.push((task, session));
    }
    assert_eq!(files(&app).len(), 5, "one file per call");

    // The owner plays it: a real WAV file, the length of the call.
    let (task, session) = calls[0].clone();
    let path = format!("/api/call-sessions/{session}/recording");
    let res = app.as_user(&ada, Method::GET, &path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    let wav = res.bytes().await.unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    let data = u32::from_le_bytes(wav[40..44].try_into().unwrap()) as usize;
    assert_eq!(data, wav.len() - 44);
    assert!(data >= 16_000, "at least a second of audio at 8 kHz, 16 bits");
    assert!(wav[44..].iter().any(|&b| b != 0), "someone speaks on it");

    // A player asks for parts.
    let res = app.as_user(&ada, Method::GET, &path).header("range", "bytes=0-43").send().await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], format!("bytes 0-43/{}", wav.len()));
    assert_eq!(res.bytes().await.unwrap(), wav[..44]);
    let res = app.as_user(&ada, Method::GET, &path).header("range", "bytes=-10").send().await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), wav[wav.len() - 10..]);
    // A range that is not there: the whole recording.
    let res = app.as_user(&ada, Method::GET, &path).header("range", "bytes=99999999-").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), wav.len());

    // Nobody else: not another user, not without signing in.
    let res = app.as_user(&bob, Method::GET, &path).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(body(res).await["error"]["code"], "not_found");
    let res = crate::support::http().get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res =
        app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{}/recording", uuid::Uuid::new_v4())).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // Purging the task deletes its recording, and only its own.
    let res = app.as_user(&ada, Method::DELETE, &format!("/api/call-tasks/{task}?purge=true")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let since = Instant::now();
    while files(&app).len() != 4 {
        assert!(since.elapsed() < Duration::from_secs(15), "the recording was not deleted: {:?}\n{}", files(&app), app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.as_user(&ada, Method::GET, &path).send().await.unwrap().status(), 404);
    for (_, other) in &calls[1..] {
        let res = app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{other}/recording")).send().await.unwrap();
        assert_eq!(res.status(), 200, "another call's recording stays");
    }
    // Cancelling (without purge) keeps the call and its recording.
    let (task, session) = calls[1].clone();
    let res = app.as_user(&ada, Method::DELETE, &format!("/api/call-tasks/{task}")).send().await.unwrap();
    assert!(res.status().is_success());
    let res = app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{session}/recording")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn calls_are_not_recorded_unless_the_user_asks() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let settings: Value = body(app.as_user(&ada, Method::GET, "/api/settings").send().await.unwrap()).await;
    assert_eq!(settings["settings"]["record_calls"], false);
    let (_, session) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    app.wait_session(&ada, &session, "the call to finish", 30, finished).await;
    // The sandbox would have reported a recording by now: the call is processed after it ended.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let done = app.session(&ada, &session).await;
    assert!(done["call_session"]["recording_url"].is_null(), "{done:#}");
    for line in said(&done, "assistant") {
        assert!(!line.to_lowercase().contains("recorded"), "an unrecorded call said it was recorded: {line}");
    }
    assert!(files(&app).is_empty());
    let res = app.as_user(&ada, Method::GET, &format!("/api/call-sessions/{session}/recording")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(body(res).await["error"]["message"].as_str().unwrap().contains("Recording"));
}
