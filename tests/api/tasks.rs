//! Call tasks through the running server: planning, clarification, the
//! status machine, risk refusals, listing, cancelling, purging, and the
//! offline CLI.

use crate::support::{Session, TempDir, TestApp, TestDb, body, command, http};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_complete_instruction_becomes_a_ready_task_with_the_seed_shape() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app
        .as_user(&ada, Method::POST, "/api/call-tasks")
        .json(&json!({"raw_instruction": "Call my dentist at 415-555-0199 and book a cleaning next week under $100", "priority": "high"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v = body(res).await;
    assert_eq!(v["success"], true);
    assert_eq!(v["requires_clarification"], false);
    assert_eq!(v["engine"], "rules");
    let task = &v["call_task"];
    assert_eq!(task["status"], "ready_to_call");
    assert_eq!(task["priority"], "high");
    assert_eq!(task["title"], "Book a cleaning next week");
    assert_eq!(task["target_phone_number"], "+14155550199");
    let plan = &v["ai_plan"];
    for key in ["goal", "steps", "questionsToAsk", "missingInfo", "requiresClarification", "hardConstraints", "softPreferences"] {
        assert!(plan.get(key).is_some(), "ai_plan.{key} missing: {plan}");
    }
    assert_eq!(plan["hardConstraints"]["max_price"], 100.0);
    assert_eq!(plan["requiresClarification"], false);
    assert_eq!(plan["softPreferences"]["preferred_day"], "next week");

    // Listed, readable, and announced.
    let id = task["id"].as_str().unwrap();
    let got = body(app.as_user(&ada, Method::GET, &format!("/api/call-tasks/{id}")).send().await.unwrap()).await;
    assert_eq!(got["call_task"]["raw_instruction"], "Call my dentist at 415-555-0199 and book a cleaning next week under $100");
    assert_eq!(got["call_sessions"], json!([]));
    let notes = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(notes["notifications"][0]["notification_type"], "task_created");
    assert_eq!(notes["notifications"][0]["call_task_id"], task["id"]);

    // At rest, the instruction and the numbers are ciphertext.
    let mut owner = app.db.owner().await;
    let (raw, phone, plan_json): (String, Option<String>, Value) =
        sqlx::query_as("SELECT raw_instruction, target_phone_number, ai_plan FROM call_tasks")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    let dump = format!("{raw} {phone:?} {plan_json}");
    assert!(!dump.contains("555-0199") && !dump.contains("5550199"), "plaintext number at rest: {dump}");
    assert!(raw.starts_with("enc:v1:"));
    drop(owner);
    app.stop().await;
}

#[tokio::test]
async fn missing_details_are_asked_for_then_the_task_becomes_ready() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call my dentist and book an appointment"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["requires_clarification"], true);
    assert_eq!(v["call_task"]["status"], "waiting_for_user");
    assert_eq!(v["ai_plan"]["missingInfo"], json!(["target_phone_number", "preferred_date"]));
    assert_eq!(v["ai_plan"]["missingInfoDetails"][0]["label"], "What is the phone number of my dentist?");
    let id = v["call_task"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/call-tasks/{id}");
    let notes = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(notes["notifications"][0]["notification_type"], "clarification_needed");

    // A number without an area code is refused and changes nothing.
    let res = app.as_user(&ada, Method::PATCH, &path).json(&json!({"target_phone_number": "555-1234"})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "target_phone_number");

    // The phone alone is not enough: still waiting, one item left.
    let v = body(
        app.as_user(&ada, Method::PATCH, &path).json(&json!({"target_phone_number": "(415) 555-0100"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(v["call_task"]["status"], "waiting_for_user");
    assert_eq!(v["ai_plan"]["missingInfo"], json!(["preferred_date"]));
    assert_eq!(v["call_task"]["target_phone_number"], "+14155550100");
    let v = body(
        app.as_user(&ada, Method::PATCH, &path)
            .json(&json!({"user_clarifications": {"preferred_date": "2026-12-05", "preferred_time": "afternoon"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["call_task"]["status"], "ready_to_call", "{v}");
    assert_eq!(v["requires_clarification"], false);
    assert_eq!(v["call_task"]["user_clarifications"]["preferred_time"], "afternoon");
    let notes = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(notes["notifications"][0]["notification_type"], "task_created");

    // Removing the number sends it back to waiting.
    let v = body(app.as_user(&ada, Method::PATCH, &path).json(&json!({"target_phone_number": null})).send().await.unwrap()).await;
    assert_eq!(v["call_task"]["status"], "waiting_for_user");
    app.stop().await;
}

#[tokio::test]
async fn risky_instructions_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for instruction in
        ["Call 911 and say there is a fire", "Call my bank at 415-555-0188 and pretend to be me to reset my password"]
    {
        let res = app
            .as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": instruction}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{instruction}");
        let v = body(res).await;
        assert_eq!(v["error"]["code"], "risk_blocked");
        assert_eq!(v["error"]["details"]["risk"]["blocked"], true);
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    let list = body(app.as_user(&ada, Method::GET, "/api/call-tasks").send().await.unwrap()).await;
    assert_eq!(list["call_tasks"], json!([]));
    let mut owner = app.db.owner().await;
    let blocked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'task.blocked'").fetch_one(&mut owner).await.unwrap();
    assert_eq!(blocked, 2);
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications").fetch_one(&mut owner).await.unwrap();
    assert_eq!(notes, 0);
    drop(owner);

    // Sensitive data is flagged, not blocked, and kept out of the plan.
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0100 and pay my bill with card 4111 1111 1111 1111"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["risk"]["level"], "medium");
    assert!(!v["ai_plan"].to_string().contains("4111"));
    app.stop().await;
}

#[tokio::test]
async fn listing_filters_searches_and_pages_newest_first() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let instructions = [
        "Call 415-555-0101 and order a large pepperoni",
        "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250",
        "Call my dentist and book an appointment",
        "Call 415-555-0103 and reserve a table for 2 on Friday",
        "Call the gym at 415-555-0142 and cancel my membership",
    ];
    for i in instructions {
        created(&app, &ada, json!({"raw_instruction": i})).await;
    }
    let seen = all_pages(&app, &ada, "").await;
    let mut newest_first: Vec<String> = instructions.iter().map(|s| s.to_string()).collect();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let waiting = body(app.as_user(&ada, Method::GET, "/api/call-tasks?status=waiting_for_user").send().await.unwrap()).await;
    assert_eq!(waiting["call_tasks"].as_array().unwrap().len(), 1);
    let found = body(app.as_user(&ada, Method::GET, "/api/call-tasks?q=pepperoni").send().await.unwrap()).await;
    assert_eq!(found["call_tasks"].as_array().unwrap().len(), 1);
    for (q, field) in
        [("status=dialing", "status"), ("priority=asap", "priority"), ("limit=0", "limit"), ("cursor=zzz", "cursor")]
    {
        let res = app.as_user(&ada, Method::GET, &format!("/api/call-tasks?{q}")).send().await.unwrap();
        assert_eq!(res.status(), 400, "{q}");
        assert_eq!(body(res).await["error"]["field"], field, "{q}");
    }
    // Another user sees none of them, and gets 404 for their ids.
    let bob = app.signup("bob").await;
    let list = body(app.as_user(&bob, Method::GET, "/api/call-tasks").send().await.unwrap()).await;
    assert_eq!(list["call_tasks"], json!([]));
    let ada_list = body(app.as_user(&ada, Method::GET, "/api/call-tasks?limit=1").send().await.unwrap()).await;
    let id = ada_list["call_tasks"][0]["id"].as_str().unwrap();
    for method in [Method::GET, Method::DELETE] {
        assert_eq!(app.as_user(&bob, method, &format!("/api/call-tasks/{id}")).send().await.unwrap().status(), 404);
    }
    let res = app
        .as_user(&bob, Method::PATCH, &format!("/api/call-tasks/{id}"))
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

/// Creates a task from `payload`, which must succeed (201).
async fn created(app: &TestApp, user: &Session, payload: Value) {
    let (status, answer) = app.create_task(user, payload.clone()).await;
    assert_eq!(status, 201, "{payload}: {answer}");
}

/// Every page of `/api/call-tasks?{query}`, two at a time, following the
/// cursors; the tasks' instructions in the order given.
async fn all_pages(app: &TestApp, user: &Session, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let first = if query.is_empty() { "/api/call-tasks?limit=2".to_owned() } else { format!("/api/call-tasks?{query}&limit=2") };
    loop {
        let path = match &cursor {
            Some(c) => format!("{first}&cursor={c}"),
            None => first.clone(),
        };
        let page = body(app.as_user(user, Method::GET, &path).send().await.unwrap()).await;
        for t in page["call_tasks"].as_array().unwrap_or_else(|| panic!("{page}")) {
            seen.push(t["raw_instruction"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn tasks_are_ordered_by_urgency_or_age_across_pages() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let made = [
        ("low", "Call 415-555-0101 and ask if they deliver"),
        ("urgent", "Call the plumber at 415-555-0102, the kitchen is flooding"),
        ("normal", "Call 415-555-0103 and reserve a table for 2 on Friday"),
        ("urgent", "Call 415-555-0108 and ask about my claim"),
        ("high", "Call my dentist at 415-555-0100 and book a cleaning"),
    ];
    for (priority, instruction) in made {
        created(&app, &ada, json!({"raw_instruction": instruction, "priority": priority})).await;
    }
    let by_priority = all_pages(&app, &ada, "sort=priority").await;
    // Most urgent first; within a priority, newest first.
    let expected: Vec<&str> = [3, 1, 4, 2, 0].iter().map(|&i| made[i].1).collect();
    assert_eq!(by_priority, expected);
    let oldest = all_pages(&app, &ada, "sort=oldest").await;
    assert_eq!(oldest, made.iter().map(|m| m.1).collect::<Vec<_>>());
    // A cursor belongs to its order; an unknown order is named.
    let page = body(app.as_user(&ada, Method::GET, "/api/call-tasks?sort=priority&limit=1").send().await.unwrap()).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let res = app.as_user(&ada, Method::GET, &format!("/api/call-tasks?sort=oldest&cursor={cursor}")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "cursor");
    let res = app.as_user(&ada, Method::GET, "/api/call-tasks?sort=cheapest").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "sort");
    app.stop().await;
}

#[tokio::test]
async fn a_price_limit_hint_only_ever_tightens_the_plan() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let create = |instruction: &str, max: Value| {
        app.as_user(&ada, Method::POST, "/api/call-tasks").json(&json!({"raw_instruction": instruction, "max_price": max})).send()
    };
    let v = body(create("Call the plumber at 415-555-0102 and get a quote to fix a leak", json!(180)).await.unwrap()).await;
    assert_eq!(v["call_task"]["ai_plan"]["hardConstraints"]["max_price"], 180.0, "{v:#}");
    let v =
        body(create("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250", json!(400)).await.unwrap()).await;
    assert_eq!(v["call_task"]["ai_plan"]["hardConstraints"]["max_price"], 250.0, "a looser hint never wins: {v:#}");
    let v = body(create("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250", json!(99.5)).await.unwrap())
        .await;
    assert_eq!(v["call_task"]["ai_plan"]["hardConstraints"]["max_price"], 99.5);
    for bad in [json!(0), json!(-5), json!("cheap")] {
        let res = create("Call 415-555-0102 about a leak", bad.clone()).await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(body(res).await["error"]["field"], "max_price", "{bad}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_status_machine_guards_every_change() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = v["call_task"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/call-tasks/{id}");

    let res = app.as_user(&ada, Method::PATCH, &path).json(&json!({"status": "completed"})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["code"], "invalid_transition");
    let res =
        app.as_user(&ada, Method::PATCH, &path).json(&json!({"scheduled_for": "2001-01-01T00:00:00Z"})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "scheduled_for");
    let res = app
        .as_user(&ada, Method::PATCH, &path)
        .json(&json!({"priority": "urgent", "title": "Pizza night"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(res).await["call_task"]["priority"], "urgent");

    // Cancel (twice is harmless), then no more changes.
    let res = app.as_user(&ada, Method::DELETE, &path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["call_task"]["status"], "cancelled");
    assert_eq!(app.as_user(&ada, Method::DELETE, &path).send().await.unwrap().status(), 200);
    let res = app.as_user(&ada, Method::PATCH, &path).json(&json!({"target_phone_number": "415-555-0109"})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["code"], "invalid_transition");

    // Purge removes the task and everything about it.
    let res = app.as_user(&ada, Method::DELETE, &format!("{path}?purge=true")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["purged"], true);
    assert_eq!(app.as_user(&ada, Method::GET, &path).send().await.unwrap().status(), 404);
    let notes = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(notes["notifications"], json!([]));
    app.stop().await;
}

/// A change that lands between a request's read and its write is a 409,
/// never a lost update.
#[tokio::test]
async fn a_concurrent_change_is_a_conflict() {
    use sqlx::Connection;
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id: uuid::Uuid = v["call_task"]["id"].as_str().unwrap().parse().unwrap();

    // Another writer holds the row, changed but not yet committed.
    let mut other = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("UPDATE call_tasks SET priority = 'low' WHERE id = $1").bind(id).execute(&mut *tx).await.unwrap();
    let request = app.as_user(&ada, Method::PATCH, &format!("/api/call-tasks/{id}")).json(&json!({"priority": "high"})).send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(500)).await;
    tx.commit().await.unwrap();
    let res = pending.await.unwrap().unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(body(res).await["error"]["code"], "conflict");
    let now = body(app.as_user(&ada, Method::GET, &format!("/api/call-tasks/{id}")).send().await.unwrap()).await;
    assert_eq!(now["call_task"]["priority"], "low", "the other writer's change stands");
    app.stop().await;
}

#[tokio::test]
async fn task_creation_is_rate_limited_per_user() {
    let app = TestApp::spawn_with(TestDb::new(), &[("RATE_LIMIT_TASKS_PER_MINUTE", "2")]).await;
    let ada = app.signup("ada").await;
    crate::support::in_one_window(Duration::from_secs(60), Duration::from_secs(15)).await;
    let create = || {
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0101 and order a pizza"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 201);
    assert_eq!(create().await.unwrap().status(), 201);
    let res = create().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let bob = app.signup("bob").await;
    let res = app
        .as_user(&bob, Method::POST, "/api/call-tasks")
        .json(&json!({"raw_instruction": "Call 415-555-0101 and order a pizza"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "limits are per user");
    app.stop().await;
}

#[tokio::test]
async fn contacts_and_explicit_hints_shape_the_plan() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let c = body(
        app.as_user(&ada, Method::POST, "/api/contacts")
            .json(&json!({"name": "Sam", "company_name": "Ace Movers", "phone_number": "415-555-0142"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Get a moving quote from Ace Movers for next Saturday"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["call_task"]["contact_id"], c["contact"]["id"]);
    assert_eq!(v["call_task"]["target_phone_number"], "+14155550142");
    assert_eq!(v["call_task"]["status"], "ready_to_call");
    // An explicit number wins; an unknown contact id is refused.
    let v = body(
        app.as_user(&ada, Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Ask about their opening hours", "target_phone_number": "415.555.0155"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["call_task"]["target_phone_number"], "+14155550155");
    let res = app
        .as_user(&ada, Method::POST, "/api/call-tasks")
        .json(&json!({"raw_instruction": "Ask about hours", "contact_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "contact_id");
    // Preview plans without storing.
    let p = body(
        app.as_user(&ada, Method::POST, "/api/plan-preview")
            .json(&json!({"raw_instruction": "Call Ace Movers and cancel my booking"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["ai_plan"]["taskKind"], "cancellation");
    let list = body(app.as_user(&ada, Method::GET, "/api/call-tasks").send().await.unwrap()).await;
    assert_eq!(list["call_tasks"].as_array().unwrap().len(), 2);
    // Bad input: empty and over-long instructions.
    for (payload, field) in [
        (json!({"raw_instruction": "  "}), "raw_instruction"),
        (json!({"raw_instruction": "x".repeat(2001)}), "raw_instruction"),
        (json!({"raw_instruction": "hi", "priority": "asap"}), "priority"),
    ] {
        let res = app.as_user(&ada, Method::POST, "/api/call-tasks").json(&payload).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(body(res).await["error"]["field"], field);
    }
    let _ = http();
    app.stop().await;
}

#[tokio::test]
async fn the_cli_plans_and_summarises_without_a_database() {
    let dir = TempDir::new();
    // A database URL that cannot be reached proves none is needed.
    let db = TestDb { name: "unused".into(), url: "postgres://nobody@127.0.0.1:9/none".into() };
    let out = command(&dir, &db)
        .args([
            "plan",
            "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250",
            "--region",
            "US",
            "--today",
            "2026-11-24",
        ])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ai_plan"]["targetPhoneNumber"], "+14155550102");
    assert_eq!(v["ai_plan"]["hardConstraints"]["max_price"], 250.0);
    assert_eq!(v["risk"]["blocked"], false);
    assert!(v["title"].as_str().unwrap().starts_with("Get a quote"));
    std::fs::write(dir.0.join("plan.json"), &out.stdout).unwrap();

    let blocked = command(&dir, &db).args(["plan", "Call 911 now"]).output().await.unwrap();
    let v: Value = serde_json::from_slice(&blocked.stdout).unwrap();
    assert_eq!(v["risk"]["blocked"], true);
    assert_eq!(v["risk"]["level"], "high");

    let transcript = json!([
        {"speaker": "human", "content": "Rapid Plumbing, this is Joe.", "timestamp_ms": 0},
        {"speaker": "assistant", "content": "Hi, could you give me a quote to fix a leak?", "timestamp_ms": 2100},
        {"speaker": "human", "content": "Sure, that would be $300 and we could come this Saturday at 9 am.", "timestamp_ms": 6000}
    ]);
    std::fs::write(dir.0.join("t.json"), transcript.to_string()).unwrap();
    let out = command(&dir, &db)
        .args(["summarize", "--transcript", "t.json", "--plan", "plan.json", "--call-date", "2026-11-24"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["summary", "extracted_data", "sentiment_overall", "goal_achieved", "follow_up_required", "follow_up_tasks"] {
        assert!(v.get(key).is_some(), "{key}: {v}");
    }
    let price = v["extracted_data"].as_array().unwrap().iter().find(|i| i["data_type"] == "price").unwrap();
    assert_eq!(price["extracted_value"]["amount"], 300.0);
    assert_eq!(v["goal_achieved"], true);

    let bad = command(&dir, &db).args(["summarize"]).output().await.unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let missing = command(&dir, &db).args(["summarize", "--transcript", "nope.json"]).output().await.unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.json"));
}

/// The offline engine speaks English only: a task in another language is
/// told so when planned, and its call is refused rather than made in the
/// wrong language.
#[tokio::test]
async fn a_language_the_engine_cannot_speak_is_said_at_planning_and_never_called_in() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res =
        app.as_user(&ada, Method::PATCH, "/api/settings").json(&json!({"language_preference": "es-ES"})).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let instruction = "Call my dentist at 415-555-0100 and book a cleaning next week under $100";
    let preview = body(
        app.as_user(&ada, Method::POST, "/api/plan-preview").json(&json!({"raw_instruction": instruction})).send().await.unwrap(),
    )
    .await;
    let concerns = preview["risk"]["concerns"].as_array().unwrap_or_else(|| panic!("{preview}"));
    assert!(concerns.iter().any(|c| c["category"] == "language" && c["blocking"] == false), "{preview}");
    let (status, created) = app.create_task(&ada, json!({"raw_instruction": instruction})).await;
    assert_eq!(status, 201, "{created}");
    assert!(created["risk"]["concerns"].as_array().unwrap().iter().any(|c| c["category"] == "language"), "{created}");
    let task = created["call_task"]["id"].as_str().unwrap();
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let v = body(res).await;
    assert_eq!(v["error"]["field"], "language_preference", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("English only"), "{v}");
    assert_eq!(app.task(&ada, task).await["call_task"]["status"], "ready_to_call", "a refused call changes nothing");
    // In English it calls.
    let res =
        app.as_user(&ada, Method::PATCH, "/api/settings").json(&json!({"language_preference": "en-GB"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}

/// Text whose lower-case form has another byte length once dropped the
/// connection at planning; now it plans like any other.
#[tokio::test]
async fn instructions_in_awkward_unicode_are_planned_not_crashed_on() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for instruction in [
        "Call \u{212A}\u{212A} at 415-555-0100 and ask their hours",
        "Call İstanbul Kebab at 415-555-0100 and book a table for İki, max ẞ50",
        "Call Joe’s Diner at 415-555-0100 and ask if they’re open \u{202E}today",
    ] {
        let res = app
            .as_user(&ada, Method::POST, "/api/plan-preview")
            .json(&json!({"raw_instruction": instruction}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{instruction}");
        let preview = body(res).await;
        assert_eq!(preview["ai_plan"]["targetPhoneNumber"], "+14155550100", "{preview}");
        let (status, created) = app.create_task(&ada, json!({"raw_instruction": instruction})).await;
        assert_eq!(status, 201, "{created}");
    }
    app.stop().await;
}

/// A premium-rate number never reaches the dialler, however it is given:
/// in the instruction, as the explicit target, as a contact's number, as a
/// clarification or in a PATCH. Each is refused with the risk verdict.
#[tokio::test]
async fn a_premium_rate_number_is_refused_wherever_it_comes_from() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let premium = "+19002345678";
    let refused = |v: &Value| {
        v["error"]["code"] == "risk_blocked"
            && v["error"]["details"]["risk"]["concerns"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["category"] == "premium_rate"))
    };
    // The instruction, and the explicit target.
    let (status, v) = app.create_task(&ada, json!({"raw_instruction": format!("Call {premium} and ask their hours")})).await;
    assert_eq!(status, 422, "{v}");
    assert!(refused(&v), "{v}");
    let (status, v) = app
        .create_task(&ada, json!({"raw_instruction": "Call them and ask their opening hours", "target_phone_number": premium}))
        .await;
    assert_eq!(status, 422, "{v}");
    assert!(refused(&v), "{v}");
    // A contact.
    let res = app
        .as_user(&ada, Method::POST, "/api/contacts")
        .json(&json!({"name": "Psychic Hotline", "phone_number": premium}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(refused(&body(res).await));
    // A clarification and a PATCH of a task that had no number.
    let (status, v) = app.create_task(&ada, json!({"raw_instruction": "Call the bakery and ask their opening hours"})).await;
    assert_eq!(status, 201, "{v}");
    let task = v["call_task"]["id"].as_str().unwrap().to_owned();
    for patch in [json!({"user_clarifications": {"target_phone_number": premium}}), json!({"target_phone_number": premium})] {
        let res = app.as_user(&ada, Method::PATCH, &format!("/api/call-tasks/{task}")).json(&patch).send().await.unwrap();
        assert_eq!(res.status(), 422, "{patch}");
        assert!(refused(&body(res).await), "{patch}");
    }
    assert!(app.task(&ada, &task).await["call_task"]["target_phone_number"].is_null(), "nothing was stored");
    app.stop().await;
}

/// A control character in any text that comes in is a 400 naming the
/// field, never a 500 from PostgreSQL (a NUL) or a stored escape sequence:
/// REST bodies, server-function bodies and query strings alike.
#[tokio::test]
async fn control_characters_are_refused_at_the_edge_naming_the_field() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let cases = [
        (Method::POST, "/api/contacts", json!({"name": "Bob\u{0}by"}), "name"),
        (Method::POST, "/api/contacts", json!({"name": "Bob", "notes": "ring \u{7}twice"}), "notes"),
        (Method::POST, "/api/call-tasks", json!({"raw_instruction": "Call 415-555-0100 \u{1b}[2J and ask"}), "raw_instruction"),
        (Method::PATCH, "/api/settings", json!({"time_zone": "Europe/Berlin\u{85}"}), "time_zone"),
    ];
    for (method, path, payload, field) in cases {
        let res = app.as_user(&ada, method, path).json(&payload).send().await.unwrap();
        assert_eq!(res.status(), 400, "{path} {payload}");
        let v = body(res).await;
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    // Line breaks and tabs in notes are text, not control.
    let res =
        app.as_user(&ada, Method::POST, "/api/contacts").json(&json!({"name": "Bob", "notes": "a\nb\tc"})).send().await.unwrap();
    assert_eq!(res.status(), 201);
    // A server function's form body, and a query string.
    let res = app
        .as_user(&ada, Method::POST, "/api/fn/preview_plan")
        .form(&[("raw_instruction", "Call\u{0} 415-555-0100")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app.as_user(&ada, Method::GET, "/api/call-tasks?status=ready_to_call%00").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "status");
    app.stop().await;
}
