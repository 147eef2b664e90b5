//! Insights over real calls on the sandbox: what the numbers say is what
//! happened, over the user's own calls only.

use crate::support::{DATA_KEY, Session, TestApp, TestDb, body as json, finished, http, processed};
use reqwest::Method;
use serde_json::Value;

async fn insights(app: &TestApp, user: &Session, query: &str) -> (u16, Value) {
    let res = app.as_user(user, Method::GET, &format!("/api/insights{query}")).send().await.unwrap();
    (res.status().as_u16(), json(res).await)
}

#[tokio::test]
async fn insights_count_what_happened_on_the_users_own_calls() {
    let app = TestApp::spawn_with(TestDb::new(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let (_, empty) = insights(&app, &ada, "").await;
    assert_eq!(empty["insights"]["total"]["calls"], 0, "{empty:#}");
    assert_eq!(empty["insights"]["success_rate"], Value::Null);

    // A booking that works, a busy line, and a quote past the limit that ada declines.
    let (_, booked) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    app.wait_session(&ada, &booked, "processing", 30, processed).await;
    let (_, busy) = app.call(&ada, "Call the salon at 415-555-0105 and book a haircut tomorrow").await;
    app.wait_session(&ada, &busy, "the failure", 30, finished).await;
    let (_, quote) = app.call(&ada, "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250").await;
    app.wait_session(&ada, &quote, "the approval request", 30, |s| s["approval"].is_object()).await;
    assert_eq!(app.decide(&ada, &quote, false).await.status(), 200);
    app.wait_session(&ada, &quote, "processing", 30, processed).await;
    // Bob's calls are his alone: one, and one that waits on hold first.
    let (_, held) = app.call(&bob, "Call my dentist at 415-555-0108 and book a cleaning next week under $100").await;
    let held = app.wait_session(&bob, &held, "processing", 30, processed).await;
    assert!(
        held["segments"].as_array().unwrap().iter().any(|g| g["content"].as_str().unwrap().contains("please hold")),
        "{held:#}"
    );
    let (_, bobs) = app.call(&bob, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    app.wait_session(&bob, &bobs, "processing", 30, processed).await;
    // And two that fell short, each for its own reason: a machine, a refusal.
    let (_, machine) = app.call(&bob, "Call my dentist at 415-555-0104 and book a cleaning next week").await;
    app.wait_session(&bob, &machine, "processing", 30, processed).await;
    let (_, refused) = app.call(&bob, "Call the handyman at 415-555-0109 and book a visit tomorrow").await;
    app.wait_session(&bob, &refused, "processing", 30, processed).await;

    let (status, v) = insights(&app, &ada, "").await;
    assert_eq!(status, 200, "{v:#}");
    let i = &v["insights"];
    assert_eq!((i["total"]["calls"].as_i64(), i["total"]["achieved"].as_i64()), (Some(3), Some(1)), "{i:#}");
    assert!((i["success_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let weeks: i64 = i["per_week"].as_array().unwrap().iter().map(|w| w["calls"].as_i64().unwrap()).sum();
    assert_eq!(weeks, 3, "{i:#}");
    let kind = |k: &str| i["by_kind"].as_array().unwrap().iter().find(|x| x["kind"] == k).cloned();
    assert_eq!(kind("booking").map(|k| (k["calls"].clone(), k["achieved"].clone())), Some((2.into(), 1.into())), "{i:#}");
    assert_eq!(kind("quote").map(|k| k["calls"].clone()), Some(1.into()), "{i:#}");
    let reasons: Vec<(String, i64)> = i["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["reason"].as_str().unwrap().to_owned(), f["calls"].as_i64().unwrap()))
        .collect();
    assert_eq!(reasons, [("busy".to_owned(), 1), ("over_limit".to_owned(), 1)], "{i:#}");
    assert_eq!(i["approvals"]["asked"], 1);
    assert_eq!(i["approvals"]["declined"], 1);
    assert_eq!(i["approvals"]["granted"], 0);
    assert!(i["average_duration_secs"].as_f64().is_some_and(|d| d >= 0.0), "{i:#}");
    assert_eq!(i["spend_by_month"], serde_json::json!([]), "the sandbox and the rules engine cost nothing");
    assert_eq!(i["average_hold_secs"], Value::Null, "ada's calls never waited on hold");
    let (_, b) = insights(&app, &bob, "").await;
    assert_eq!(b["insights"]["total"]["calls"], 4, "{b:#}");
    assert_eq!(b["insights"]["total"]["achieved"], 2, "{b:#}");
    assert_eq!(
        b["insights"]["failures"],
        serde_json::json!([{"reason": "refused", "calls": 1}, {"reason": "voicemail", "calls": 1}]),
        "{b:#}"
    );
    // The sandbox's hold line keeps callers waiting 1.5 s before a person answers.
    let hold = b["insights"]["average_hold_secs"].as_f64().unwrap_or_else(|| panic!("{b:#}"));
    assert!((1.0..=4.0).contains(&hold), "{b:#}");

    // A period before any call has none; days are checked.
    let (_, old) = insights(&app, &ada, "?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(old["insights"]["total"]["calls"], 0);
    assert_eq!(old["insights"]["from"], "2020-01-01");
    for (query, field) in [("?from=2026-02-01&to=2026-01-01", "from"), ("?from=2020-01-01&to=2026-01-01", "from")] {
        let (status, e) = insights(&app, &ada, query).await;
        assert_eq!((status, e["error"]["field"].as_str()), (400, Some(field)), "{query}: {e}");
    }
    for query in ["?from=yesterday", "?to=2026-13-01", "?week=1"] {
        assert_eq!(insights(&app, &ada, query).await.0, 400, "{query}");
    }
    assert_eq!(http().get(app.url("/api/insights")).send().await.unwrap().status(), 401);

    // The Insights page: the same numbers as charts and tables, rendered
    // whole by the server with no browser code of its own.
    let (status, _, html) = app.page(Some(&ada), "/insights").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<title>Insights · Callwright</title>"), "{html}");
    assert!(html.contains(r#"id="insight-totals""#) && html.contains("<svg"), "{html}");
    assert!(html.contains(r#"id="insights-period""#) && html.contains(r#"id="primary-nav""#));
    assert!(!html.contains("callwright.js") && !html.contains("callwright_bg.wasm"), "the page loads no browser bundle");
    assert!(html.contains("/pkg/callwright.css"));
    let (_, _, bobs) = app.page(Some(&bob), "/insights").await;
    assert_ne!(bobs, html, "Bob sees his own calls");
    let (status, _, refused) = app.page(Some(&ada), "/insights?from=2026-02-01&to=2026-01-01").await;
    assert_eq!(status, 400);
    assert!(refused.contains("from must be on or before to.") && refused.contains(r#"value="2026-02-01""#), "{refused}");
    let (status, _, refused) = app.page(Some(&ada), "/insights?from=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(status, 400);
    assert!(!refused.contains("<script>alert") && refused.contains("&quot;&gt;&lt;script&gt;"), "{refused}");
    let (status, location, _) = app.page(None, "/insights?from=2026-01-01").await;
    assert_eq!((status, location.as_deref()), (303, Some("/signin?next=/insights%3Ffrom%3D2026-01-01")));
    app.stop().await;
}

/// What the roll-up holds for `user`, in a comparable form.
async fn rollup(pool: &sqlx::PgPool, user: uuid::Uuid) -> (Vec<String>, Vec<String>) {
    // What a read does first: count the calls noted since.
    sqlx::query("SELECT callwright_insight_drain($1)").bind(user).execute(pool).await.unwrap();
    let days = sqlx::query_scalar(
        "SELECT format('%s %s %s %s: %s', day, kind, reason, calls,
                       row(achieved, timed, duration_secs, held, hold_secs, retried, retried_helped,
                           telephony_usd::float8, asked, granted, declined, timed_out))
         FROM insight_days WHERE user_id = $1 ORDER BY day, kind, reason",
    )
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    let spend = sqlx::query_scalar(
        "SELECT format('%s %s', day, ai_usd::float8) FROM insight_spend_days WHERE user_id = $1 AND ai_usd <> 0 ORDER BY day",
    )
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    (days, spend)
}

/// The roll-up is kept by the database on every write; whatever writers do,
/// in any order, at the same time, it must equal counting everything again.
#[tokio::test]
async fn the_insight_rollup_equals_a_recount_after_any_mix_of_concurrent_changes() {
    let db = TestDb::new();
    let app = TestApp::spawn_with(db.clone(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let users: Vec<uuid::Uuid> =
        [app.signup("ada").await, app.signup("bob").await].iter().map(|s| s.user_id.parse().unwrap()).collect();
    // As the owner, who writes every user's rows as the engine and jobs do.
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(&db.url).await.unwrap();
    // 40 calls each, over the last 60 days, all kinds of outcome.
    for user in &users {
        sqlx::query(
            "WITH t AS (
               INSERT INTO call_tasks (user_id, title, raw_instruction, status, task_kind)
               SELECT $1, 'x', 'x', 'completed', (ARRAY['booking', 'quote', NULL])[1 + n % 3] FROM generate_series(1, 40) n
               RETURNING id)
             INSERT INTO call_sessions (call_task_id, status, started_at, duration_seconds, failure_reason, retry_count,
                                        telephony_price, telephony_price_unit, hold_seconds)
             SELECT id, (ARRAY['completed', 'failed', 'connected', 'initiated'])[1 + n % 4],
                    now() - make_interval(hours => n * 37), 30 + n, CASE WHEN n % 4 = 1 THEN 'busy' END, n % 3,
                    0.01 * (n % 5), (ARRAY['USD', 'EUR'])[1 + n % 2], n % 4 * 7
             FROM (SELECT id, row_number() OVER (ORDER BY id)::int AS n FROM t) numbered",
        )
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
    }
    let calls: Vec<(uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("SELECT id, call_task_id FROM call_sessions ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(calls.len(), 80);

    // Eight writers, sixty changes each, on overlapping calls.
    let mut writers = Vec::new();
    for writer in 0..8u64 {
        let (pool, calls, users) = (pool.clone(), calls.clone(), users.clone());
        writers.push(tokio::spawn(async move {
            let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (writer + 1).wrapping_mul(0x2545_f491_4f6c_dd1d);
            let mut next = move |n: usize| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % n as u64) as usize
            };
            for _ in 0..60 {
                let (call, task) = calls[next(calls.len())];
                let pick = next(11);
                let sql = match pick {
                    0 => "UPDATE call_sessions SET status = (ARRAY['completed', 'failed', 'ringing', 'cancelled'])[1 + $2 % 4] WHERE id = $1",
                    1 => "UPDATE call_sessions SET failure_reason = (ARRAY['busy', 'no_answer', NULL])[1 + $2 % 3], status = 'failed' WHERE id = $1",
                    2 => "UPDATE call_sessions SET duration_seconds = $2 * 3, hold_seconds = $2 % 3 * 5, retry_count = $2 % 2 WHERE id = $1",
                    3 => "UPDATE call_sessions SET telephony_price = $2 * 0.007, telephony_price_unit = 'USD' WHERE id = $1",
                    4 => "UPDATE call_sessions SET started_at = started_at - make_interval(hours => $2 * 5) WHERE id = $1",
                    5 => "INSERT INTO call_transcripts (call_session_id, goal_achieved) SELECT id, $2 % 3 = 0 FROM call_sessions WHERE id = $1
                          ON CONFLICT (call_session_id) DO UPDATE SET goal_achieved = NOT coalesce(call_transcripts.goal_achieved, false)",
                    6 => "INSERT INTO call_approvals (call_session_id, amount, limit_amount, reason, expires_at, decision, timed_out)
                          SELECT id, 300, 250, 'r', now(), NULL, false FROM call_sessions WHERE id = $1 AND $2 >= 0
                          AND NOT EXISTS (SELECT 1 FROM call_approvals WHERE call_session_id = $1 AND decision IS NULL AND NOT timed_out)",
                    7 => "UPDATE call_approvals SET decision = CASE WHEN $2 % 3 = 0 THEN NULL ELSE $2 % 3 = 1 END,
                          timed_out = $2 % 3 = 0 WHERE call_session_id = $1",
                    8 => "DELETE FROM call_approvals WHERE call_session_id = $1 AND $2 % 2 = 0",
                    9 => "INSERT INTO ai_usage (user_id, call_task_id, call_session_id, purpose, model, requests, prompt_tokens,
                                                completion_tokens, cost, created_at)
                          SELECT user_id, call_task_id, id, 'summary', 'm', 1, 10, 1, $2 * 0.0001, started_at
                          FROM call_sessions WHERE id = $1",
                    _ => "UPDATE call_tasks SET task_kind = (ARRAY['enquiry', 'ordering', NULL])[1 + $2 % 3]
                          WHERE id = (SELECT call_task_id FROM call_sessions WHERE id = $1)",
                };
                let arg = next(1000) as i32;
                match sqlx::query(sql).bind(call).bind(arg).execute(&pool).await {
                    Ok(_) => {}
                    // The call's task went meanwhile (another writer deleted it).
                    Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {}
                    // Another writer asked for an approval on the same call between this
                    // statement's check and its insert: one may be pending, as intended.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
                    Err(e) => panic!("{sql}: {e}"),
                }
                if next(40) == 0 {
                    // Now and then a task goes, with its calls and usage.
                    sqlx::query("DELETE FROM call_tasks WHERE id = $1").bind(task).execute(&pool).await.unwrap();
                }
                if next(50) == 0 {
                    let zone = ["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kathmandu"][next(3)];
                    sqlx::query("UPDATE assistant_settings SET time_zone = $2 WHERE user_id = $1")
                        .bind(users[next(2)])
                        .bind(zone)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            }
        }));
    }
    // Meanwhile readers count the notes as they come, as insights reads and
    // every server's background count do, racing the writers and each other.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut counters = Vec::new();
    for counter in 0..4 {
        let (pool, user, done) = (pool.clone(), users[counter % 2], done.clone());
        counters.push(tokio::spawn(async move {
            let mut rounds = 0u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                sqlx::query("SELECT callwright_insight_drain($1)").bind(user).execute(&pool).await.unwrap();
                rounds += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            rounds
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for counter in counters {
        assert!(counter.await.unwrap() > 0, "each counter ran while the writers wrote");
    }

    for user in &users {
        let kept = rollup(&pool, *user).await;
        assert!(!kept.0.is_empty(), "some calls remain");
        let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM call_sessions WHERE user_id = $1")
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap();
        let counted: i64 = sqlx::query_scalar("SELECT coalesce(sum(calls), 0)::int8 FROM insight_days WHERE user_id = $1")
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(counted, calls, "every remaining call counted once");
        sqlx::query("SELECT callwright_insight_rebuild($1)").bind(user).execute(&pool).await.unwrap();
        assert_eq!(kept, rollup(&pool, *user).await, "the kept roll-up equals a recount");
    }
    app.stop().await;
}

/// A live call's writes never wait for the roll-up: while another
/// transaction holds the row of the user's day (as a busy count of another
/// call would), a call of that day still starts, ends, is priced and gets
/// its verdict at once. The counts then catch up on their own, with no
/// reader asking, and a read sees every change.
#[tokio::test]
async fn a_calls_writes_never_wait_for_the_insight_rollup_which_catches_up_in_the_background() {
    let db = TestDb::new();
    let app = TestApp::spawn_with(db.clone(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let user: uuid::Uuid = ada.user_id.parse().unwrap();
    // Every statement gives up after a second of waiting for a lock: what
    // waits for the roll-up fails here instead of hanging.
    let options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.options([("lock_timeout", "1s")]))
        .await
        .unwrap();
    let call = |status: &'static str| {
        let pool = pool.clone();
        async move {
            let id: uuid::Uuid = sqlx::query_scalar(
                "WITH t AS (INSERT INTO call_tasks (user_id, title, raw_instruction, status, task_kind)
                            VALUES ($1, 'x', 'x', 'in_progress', 'booking') RETURNING id)
                 INSERT INTO call_sessions (call_task_id, status) SELECT id, $2 FROM t RETURNING id",
            )
            .bind(user)
            .bind(status)
            .fetch_one(&pool)
            .await
            .unwrap();
            id
        }
    };
    // What a priced model used on a call, as the engine records it when the call ends.
    let used = "INSERT INTO ai_usage (user_id, call_task_id, call_session_id, purpose, model, requests, prompt_tokens,
                                      completion_tokens, cost)
                SELECT user_id, call_task_id, id, 'conversation', 'm', 5, 3000, 200, 0.0025 FROM call_sessions WHERE id = $1";
    let first = call("completed").await;
    sqlx::query(used).bind(first).execute(&pool).await.unwrap();
    let (_, before) = insights(&app, &ada, "").await;
    assert_eq!(before["insights"]["total"]["calls"], 1, "{before:#}");
    assert_eq!(before["insights"]["spend_by_month"][0]["ai"], 0.0025, "{before:#}");

    // Someone holds the rows of the day's calls and model spend, and keeps holding them.
    let mut holder = pool.begin().await.unwrap();
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM insight_days WHERE user_id = $1 FOR UPDATE) d)
              + (SELECT count(*) FROM (SELECT 1 FROM insight_spend_days WHERE user_id = $1 FOR UPDATE) s)",
    )
    .bind(user)
    .fetch_one(&mut *holder)
    .await
    .unwrap();
    assert_eq!(held, 2);

    // Meanwhile a second call of the same day lives its whole life.
    let second = call("initiated").await;
    let steps = [
        "UPDATE call_sessions SET status = 'ringing' WHERE id = $1",
        "UPDATE call_sessions SET status = 'connected' WHERE id = $1",
        "UPDATE call_sessions SET hold_seconds = 40 WHERE id = $1",
        "UPDATE call_sessions SET status = 'completed', duration_seconds = 95 WHERE id = $1",
        "UPDATE call_sessions SET telephony_price = 0.02, telephony_price_unit = 'USD' WHERE id = $1",
        "INSERT INTO call_transcripts (call_session_id, goal_achieved) VALUES ($1, true)",
        "INSERT INTO call_approvals (call_session_id, amount, limit_amount, reason, expires_at, decision)
         VALUES ($1, 120, 100, 'r', now(), true)",
        "UPDATE call_sessions SET retry_count = 1 WHERE id = $1",
        used,
    ];
    for sql in steps {
        sqlx::query(sql).bind(second).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // A task's kind changes for both calls, and the first call goes.
    sqlx::query("UPDATE call_tasks SET task_kind = 'quote' WHERE user_id = $1").bind(user).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM call_sessions WHERE id = $1").bind(first).execute(&pool).await.unwrap();
    holder.rollback().await.unwrap();

    // With nobody reading, each server counts the noted calls within seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let noted: i64 = sqlx::query_scalar("SELECT count(*) FROM insight_pending WHERE user_id = $1")
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap();
        if noted == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{noted} calls still not counted");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    type Day = (String, String, i32, i32, i64, i64, i32, i32);
    let days: Vec<Day> = sqlx::query_as(
        "SELECT kind, reason, calls, achieved, duration_secs, hold_secs, retried, granted FROM insight_days WHERE user_id = $1",
    )
    .bind(user)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(days, [("quote".to_owned(), String::new(), 1, 1, 95, 40, 1, 1)]);
    let (_, after) = insights(&app, &ada, "").await;
    let i = &after["insights"];
    assert_eq!((i["total"]["calls"].as_i64(), i["total"]["achieved"].as_i64()), (Some(1), Some(1)), "{i:#}");
    assert_eq!(i["average_hold_secs"], 40.0, "{i:#}");
    assert_eq!(i["retries"]["helped"], 1, "{i:#}");
    // The first call went, and what the model used on it with it.
    assert_eq!(i["spend_by_month"][0]["ai"], 0.0025, "{i:#}");
    app.stop().await;
}

/// A read counts what changed a moment before it, even when the background
/// has not come round yet.
#[tokio::test]
async fn an_insights_read_counts_a_change_made_just_before_it() {
    let db = TestDb::new();
    let app = TestApp::spawn_with(db.clone(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let user: uuid::Uuid = ada.user_id.parse().unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db.url).await.unwrap();
    for round in 1..=5i64 {
        sqlx::query(
            "WITH t AS (INSERT INTO call_tasks (user_id, title, raw_instruction, status, task_kind)
                        VALUES ($1, 'x', 'x', 'completed', 'enquiry') RETURNING id)
             INSERT INTO call_sessions (call_task_id, status, failure_reason) SELECT id, 'failed', 'busy' FROM t",
        )
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
        let (_, v) = insights(&app, &ada, "").await;
        assert_eq!(v["insights"]["total"]["calls"], round, "{v:#}");
        assert_eq!(v["insights"]["failures"], serde_json::json!([{"reason": "busy", "calls": round}]), "{v:#}");
    }
    app.stop().await;
}

/// Days are where the user lives: saving a new time zone answers at once,
/// and the next read counts every call on its day there.
#[tokio::test]
async fn a_new_time_zone_moves_calls_to_the_users_own_days() {
    let db = TestDb::new();
    let app = TestApp::spawn_with(db.clone(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db.url).await.unwrap();
    // 02:30 on 10 March in London is the evening of the 9th in Los Angeles.
    sqlx::query(
        "WITH t AS (INSERT INTO call_tasks (user_id, title, raw_instruction, status, task_kind)
                    VALUES ($1, 'x', 'x', 'completed', 'booking') RETURNING id)
         INSERT INTO call_sessions (call_task_id, status, started_at, duration_seconds)
         SELECT id, 'completed', '2026-03-10 02:30:00+00', 60 FROM t",
    )
    .bind(ada.user_id.parse::<uuid::Uuid>().unwrap())
    .execute(&pool)
    .await
    .unwrap();
    let on = |day: &'static str| {
        let (app, ada) = (&app, &ada);
        async move { insights(app, ada, &format!("?from={day}&to={day}")).await.1["insights"]["total"]["calls"].clone() }
    };
    assert_eq!((on("2026-03-09").await, on("2026-03-10").await), (0.into(), 1.into()));
    for (zone, ninth, tenth) in [("America/Los_Angeles", 1, 0), ("Asia/Kathmandu", 0, 1), ("Pacific/Pago_Pago", 1, 0)] {
        let res =
            app.as_user(&ada, Method::PATCH, "/api/settings").json(&serde_json::json!({"time_zone": zone})).send().await.unwrap();
        assert_eq!(res.status(), 200, "{zone}");
        assert_eq!((on("2026-03-09").await, on("2026-03-10").await), (ninth.into(), tenth.into()), "{zone}");
    }
    app.stop().await;
}
