//! The durable job queue: scheduled calls, automatic retries within the
//! user's settings and business hours, and recovery after a server dies
//! mid-call or before a scheduled call.

use crate::support::{DATA_KEY as KEY, ProcessApp, TestApp, TestDb};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

fn sessions(t: &Value) -> &Vec<Value> {
    t["call_sessions"].as_array().unwrap()
}

#[tokio::test]
async fn a_scheduled_call_starts_on_time_even_across_a_restart() {
    let db = TestDb::new();
    let app = TestApp::spawn_with(db.clone(), &[("CALLWRIGHT_DATA_KEY", KEY)]).await;
    let ada = app.signup("ada").await;
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let id = app
        .ready_task(&ada, json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni", "scheduled_for": at}))
        .await;
    assert!(sessions(&app.task(&ada, &id).await).is_empty());
    // The server stops before the time comes; a new one picks the job up.
    app.shut_down().await;
    let app = TestApp::spawn_with(db, &[("CALLWRIGHT_DATA_KEY", KEY)]).await;
    let t = app.wait_task(&ada, &id, "the scheduled call", 30, |t| t["call_task"]["status"] == "completed").await;
    let started: chrono::DateTime<chrono::Utc> = sessions(&t)[0]["started_at"].as_str().unwrap().parse().unwrap();
    assert!(started >= at, "not before its time: {started} < {at}");
    app.stop().await;
}

#[tokio::test]
async fn failed_calls_are_retried_per_the_users_settings() {
    let app = TestApp::spawn_with(TestDb::new(), &[("RETRY_BACKOFF_SECS", "1")]).await;
    let ada = app.signup("ada").await;
    let res = app
        .as_user(&ada, Method::PATCH, "/api/settings")
        .json(&json!({"auto_retry_failed_calls": true, "max_retry_attempts": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = app.ready_task(&ada, json!({"raw_instruction": "Call 415-555-0105 and order a large pepperoni"})).await;
    let res = app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{id}/start-call")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let t = app
        .wait_task(&ada, &id, "two retries", 30, |t| {
            sessions(t).len() == 3 && sessions(t).iter().all(|s| s["status"] == "failed")
        })
        .await;
    let mut counts: Vec<i64> = sessions(&t).iter().map(|s| s["retry_count"].as_i64().unwrap()).collect();
    counts.sort();
    assert_eq!(counts, [0, 1, 2]);
    assert!(sessions(&t).iter().all(|s| s["failure_reason"] == "busy"));
    // No third retry.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sessions(&app.task(&ada, &id).await).len(), 3);
    assert_eq!(app.task(&ada, &id).await["call_task"]["status"], "failed");
    app.stop().await;
}

#[tokio::test]
async fn calls_wait_for_business_hours() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    // A one-minute window twelve hours away: now is outside it.
    let start = (chrono::Utc::now() + chrono::Duration::hours(12)).format("%H:%M").to_string();
    let end = (chrono::Utc::now() + chrono::Duration::hours(12) + chrono::Duration::minutes(1)).format("%H:%M").to_string();
    if start >= end {
        return; // the window would wrap midnight; the pure function is unit-tested for that.
    }
    let res = app
        .as_user(&ada, Method::PATCH, "/api/settings")
        .json(&json!({"business_hours_only": true, "time_zone": "UTC", "business_hours_start": start, "business_hours_end": end}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let id = app
        .ready_task(&ada, json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni", "scheduled_for": at}))
        .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(sessions(&app.task(&ada, &id).await).is_empty(), "no call outside business hours");
    let mut owner = app.db.owner().await;
    let run_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'start_call' AND status = 'queued'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(run_at > chrono::Utc::now() + chrono::Duration::hours(11), "moved to the next window: {run_at}");
    drop(owner);
    app.stop().await;
}

#[tokio::test]
async fn a_call_live_when_its_server_died_is_failed_and_retried() {
    let db = TestDb::new();
    let env = [("CALL_HEARTBEAT_STALE_SECS", "3"), ("RETRY_BACKOFF_SECS", "1"), ("CALLWRIGHT_DATA_KEY", KEY)];
    // A real process, so that it can die mid-call.
    let app = ProcessApp::spawn_with(db.clone(), &env).await;
    let ada = app.signup("ada").await;
    app.allow_retries(&ada, 1).await;
    // The hold line keeps the call connected for a while.
    let id =
        app.ready_task(&ada, json!({"raw_instruction": "Call my dentist at 415-555-0108 and book a cleaning next week"})).await;
    app.as_user(&ada, Method::POST, &format!("/api/call-tasks/{id}/start-call")).send().await.unwrap();
    app.wait_task(&ada, &id, "the call to connect", 15, |t| sessions(t).first().is_some_and(|s| s["status"] == "connected"))
        .await;
    app.kill().await;

    let app = TestApp::spawn_with(db, &env).await;
    let t = app
        .wait_task(&ada, &id, "recovery and retry", 40, |t| {
            sessions(t).iter().any(|s| s["failure_reason"] == "connection_lost")
                && sessions(t).len() == 2
                && t["call_task"]["status"] == "completed"
        })
        .await;
    let lost = sessions(&t).iter().find(|s| s["failure_reason"] == "connection_lost").unwrap();
    assert_eq!(lost["status"], "failed");
    app.stop().await;
}

/// The queue on its own: a migrated database, no server, and a handler
/// written by the test.
mod queue {
    use crate::support::TestDb;
    use callwright::server::db::{Db, prepare};
    use callwright::server::error::{ApiError, ErrorCode};
    use callwright::server::jobs::{self, Job};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    async fn queue_db() -> (TestDb, Db) {
        let db = TestDb::new();
        prepare(&db.url).await.expect("migrated database");
        let pool = Db::connect(&db.url, 4).await.expect("pool");
        (db, pool)
    }

    /// The queue's table as its owner sees it (the system context is
    /// fenced inside the server).
    async fn owner(db: &TestDb) -> sqlx::PgConnection {
        db.owner().await
    }

    async fn enqueue(db: &TestDb, job: &Job, in_secs: i64) {
        let mut conn = owner(db).await;
        jobs::enqueue(&mut conn, job, None, chrono::Utc::now() + chrono::Duration::seconds(in_secs)).await.unwrap();
    }

    async fn set(db: &TestDb, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut owner(db).await).await.unwrap();
    }

    #[derive(sqlx::FromRow, Debug)]
    struct Row {
        status: String,
        attempts: i32,
        last_error: Option<String>,
        due_in_secs: f64,
    }

    async fn rows(db: &TestDb) -> Vec<Row> {
        sqlx::query_as(
            "SELECT status, attempts, last_error, EXTRACT(epoch FROM run_at - now())::float8 AS due_in_secs FROM jobs ORDER BY id",
        )
        .fetch_all(&mut owner(db).await)
        .await
        .unwrap()
    }

    async fn until(db: &TestDb, what: &str, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
        let start = Instant::now();
        loop {
            let r = rows(db).await;
            if done(&r) {
                return r;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}: {r:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn job(n: u128) -> Job {
        Job::ProcessCall { session_id: uuid::Uuid::from_u128(n) }
    }

    #[tokio::test]
    async fn a_failure_that_may_pass_is_retried_later_and_a_refusal_is_final() {
        let (db, pool) = queue_db().await;
        let calls: Arc<Mutex<Vec<Job>>> = Arc::default();
        let seen = calls.clone();
        let worker = tokio::spawn(jobs::run_worker(pool.clone(), "w1".into(), move |job: Job| {
            let first = {
                let mut seen = seen.lock().unwrap();
                seen.push(job.clone());
                seen.iter().filter(|j| **j == job).count() == 1
            };
            async move {
                match job {
                    // Unavailable once, then fine.
                    Job::ProcessCall { session_id } if session_id.as_u128() == 1 && first => {
                        Err(ApiError::new(ErrorCode::Unavailable, "the model is down"))
                    }
                    // A refusal, every time.
                    Job::ProcessCall { session_id } if session_id.as_u128() == 2 => {
                        Err(ApiError::new(ErrorCode::InvalidTransition, "not now"))
                    }
                    _ => Ok(()),
                }
            }
        }));
        enqueue(&db, &job(1), 0).await;
        enqueue(&db, &job(2), 0).await;
        let r = until(&db, "a retry and a refusal", |r| r[0].status == "queued" && r[0].attempts == 1 && r[1].status == "failed")
            .await;
        assert_eq!(r[0].last_error.as_deref(), Some("the model is down"));
        assert!(r[0].due_in_secs > 2.0, "retried after a backoff, not at once: {r:?}");
        assert_eq!((r[1].attempts, r[1].last_error.as_deref()), (1, Some("not now")), "a refusal is not retried");
        // Time passes: the retry runs and succeeds.
        set(&db, "UPDATE jobs SET run_at = now() WHERE status = 'queued'").await;
        let r = until(&db, "the retry", |r| r[0].status == "done").await;
        assert_eq!(r[0].attempts, 2);
        assert_eq!(calls.lock().unwrap().iter().filter(|j| **j == job(2)).count(), 1);
        worker.abort();
        pool.close().await;
        db.drop_db().await;
    }

    #[tokio::test]
    async fn a_job_that_keeps_failing_is_parked_after_its_attempts() {
        let (db, pool) = queue_db().await;
        enqueue(&db, &job(7), 0).await;
        set(&db, "UPDATE jobs SET max_attempts = 2").await;
        let worker = tokio::spawn(jobs::run_worker(pool.clone(), "w1".into(), |_job: Job| async {
            Err::<(), _>(ApiError::new(ErrorCode::Timeout, "slow"))
        }));
        until(&db, "the first failure", |r| r[0].attempts == 1 && r[0].status == "queued").await;
        set(&db, "UPDATE jobs SET run_at = now() WHERE status = 'queued'").await;
        let r = until(&db, "parking", |r| r[0].status == "failed").await;
        assert_eq!((r[0].attempts, r[0].last_error.as_deref()), (2, Some("slow")));
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(rows(&db).await[0].attempts, 2, "a parked job is never claimed again");
        worker.abort();
        pool.close().await;
        db.drop_db().await;
    }

    /// A job that panics is a failure like any other: recorded, retried up
    /// to its attempts, then parked; the worker goes on with the next job.
    /// A job whose worker died during its last attempt is parked, not
    /// claimed forever; a job nobody can read is parked at once.
    #[tokio::test]
    async fn a_panicking_job_is_parked_and_the_worker_goes_on() {
        let (db, pool) = queue_db().await;
        enqueue(&db, &job(1), 0).await;
        set(&db, "UPDATE jobs SET max_attempts = 2").await;
        let worker = tokio::spawn(jobs::run_worker(pool.clone(), "w1".into(), |job: Job| async move {
            match job {
                Job::ProcessCall { session_id } if session_id.as_u128() == 1 => {
                    let text = "Call \u{212A}\u{212A} now";
                    // A slice across a character, as the planner once did.
                    let _ = &text[..7];
                    Ok(())
                }
                _ => Ok(()),
            }
        }));
        let r = until(&db, "the first panic", |r| r[0].attempts == 1 && r[0].status == "queued").await;
        assert!(r[0].last_error.as_deref().is_some_and(|e| e.contains("panicked") && e.contains("char boundary")), "{r:?}");
        set(&db, "UPDATE jobs SET run_at = now() WHERE status = 'queued'").await;
        let r = until(&db, "parking", |r| r[0].status == "failed").await;
        assert_eq!(r[0].attempts, 2);
        // The worker is alive: the next job runs.
        enqueue(&db, &job(2), 0).await;
        until(&db, "the next job", |r| r.len() == 2 && r[1].status == "done").await;
        worker.abort();

        // Its worker died during the last attempt (the lease ran out): parked.
        enqueue(&db, &job(3), 0).await;
        set(&db, "UPDATE jobs SET status = 'running', attempts = max_attempts, locked_by = 'gone', locked_until = now() - interval '1 second' WHERE status = 'queued'").await;
        // Unreadable: parked with the reason.
        set(&db, "INSERT INTO jobs (kind, payload, run_at) VALUES ('process_call', '{\"kind\": \"no_such_job\"}', now())").await;
        let worker = tokio::spawn(jobs::run_worker(pool.clone(), "w2".into(), |_job: Job| async { Ok(()) }));
        let r = until(&db, "both parked", |r| r.len() == 4 && r[2].status == "failed" && r[3].status == "failed").await;
        assert!(r[2].last_error.as_deref().is_some_and(|e| e.contains("stopped")), "{r:?}");
        assert!(r[3].last_error.as_deref().is_some_and(|e| e.contains("unreadable")), "{r:?}");
        worker.abort();
        pool.close().await;
        db.drop_db().await;
    }

    /// Retention forgets old counters, long-ended sessions and old finished
    /// jobs, and nothing that is still needed.
    #[tokio::test]
    async fn retention_forgets_old_rows_and_keeps_the_rest() {
        let (db, pool) = queue_db().await;
        set(
            &db,
            "INSERT INTO rate_limit_counters (bucket, subject, window_start, hits) VALUES
               ('login', 'old@example.com 1.2.3.4', now() - interval '3 days', 4),
               ('login', 'new@example.com 1.2.3.4', now(), 1);
             INSERT INTO users (id, email, password_hash, display_name)
               VALUES ('00000000-0000-0000-0000-00000000000a', 'r@example.com', 'x', 'R');
             INSERT INTO auth_sessions (user_id, token_hash, expires_at) VALUES
               ('00000000-0000-0000-0000-00000000000a', 'ended', now() - interval '40 days'),
               ('00000000-0000-0000-0000-00000000000a', 'live', now() + interval '10 days');
             INSERT INTO jobs (kind, payload, status, run_at) VALUES
               ('process_call', '{}', 'done', now() - interval '8 days'),
               ('process_call', '{}', 'done', now() - interval '1 day'),
               ('process_call', '{}', 'failed', now() - interval '8 days'),
               ('process_call', '{}', 'queued', now() - interval '90 days');",
        )
        .await;
        let (counters, sessions, jobs) = callwright::server::retention(&pool).await.unwrap();
        assert_eq!((counters, sessions, jobs), (1, 1, 1));
        let left: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM rate_limit_counters), (SELECT count(*) FROM auth_sessions), (SELECT count(*) FROM jobs)",
        )
        .fetch_one(&mut owner(&db).await)
        .await
        .unwrap();
        assert_eq!(left, (1, 1, 3), "the live session, the recent and the waiting jobs stay");
        pool.close().await;
        db.drop_db().await;
    }

    #[tokio::test]
    async fn a_waiting_job_is_moved_not_doubled_and_can_be_cancelled() {
        let (db, pool) = queue_db().await;
        enqueue(&db, &job(3), 3600).await;
        enqueue(&db, &job(3), 60).await;
        let r = rows(&db).await;
        assert_eq!(r.len(), 1, "one waiting job per key: {r:?}");
        assert!((50.0..70.0).contains(&r[0].due_in_secs), "moved to the new time: {r:?}");
        enqueue(&db, &job(4), 60).await;
        jobs::cancel(&mut owner(&db).await, &job(3)).await.unwrap();
        assert_eq!(rows(&db).await.len(), 1, "only the cancelled job is gone");
        pool.close().await;
        db.drop_db().await;
    }

    #[tokio::test]
    async fn two_workers_never_run_one_job_twice() {
        let (db, pool) = queue_db().await;
        for n in 0..6 {
            enqueue(&db, &job(100 + n), 0).await;
        }
        let runs = Arc::new(AtomicUsize::new(0));
        let handler = |runs: Arc<AtomicUsize>| {
            move |_job: Job| {
                let runs = runs.clone();
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok(())
                }
            }
        };
        let a = tokio::spawn(jobs::run_worker(pool.clone(), "a".into(), handler(runs.clone())));
        let b = tokio::spawn(jobs::run_worker(pool.clone(), "b".into(), handler(runs.clone())));
        until(&db, "every job", |r| r.iter().all(|j| j.status == "done")).await;
        assert_eq!(runs.load(Ordering::SeqCst), 6);
        assert!(rows(&db).await.iter().all(|j| j.attempts == 1));
        a.abort();
        b.abort();
        pool.close().await;
        db.drop_db().await;
    }
}
