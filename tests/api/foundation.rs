//! The foundation, end to end against a fresh database: health, readiness,
//! the migrated schema, Row Level Security and the server-rendered page;
//! and, from the real binary, configuration errors and graceful shutdown.

use crate::support::{ProcessApp, TempDir, TestApp, TestDb, command, http};
use sqlx::{Connection, Row};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn health_and_readiness_answer_json_with_a_request_id() {
    let app = TestApp::spawn().await;
    let client = http();

    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ready", "database": "ok", "migrations": "current"}));

    // A caller's request id is kept and echoed.
    let echoed = client.get(app.url("/healthz")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");

    // Readiness notices a migration that is no longer recorded as applied.
    let mut owner = app.db.owner().await;
    sqlx::query("UPDATE _sqlx_migrations SET success = false WHERE version = 1").execute(&mut owner).await.unwrap();
    let stale = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(stale.status(), 503);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["migrations"], "pending");
    sqlx::query("UPDATE _sqlx_migrations SET success = true WHERE version = 1").execute(&mut owner).await.unwrap();
    drop(owner);

    let log = app.log();
    assert!(log.contains("request_id="), "request logs carry the request id:\n{log}");
    app.stop().await;
}

/// The seed's eight tables with exactly its column names and types, plus ours.
#[tokio::test]
async fn migrations_create_the_whole_data_model_and_rerun_as_a_no_op() {
    let app = TestApp::spawn().await;
    let mut owner = app.db.owner().await;

    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, column_default::text, is_nullable::text
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let mut tables: BTreeMap<String, Vec<(String, String, Option<String>)>> = BTreeMap::new();
    for r in &rows {
        tables.entry(r.get(0)).or_default().push((r.get(1), r.get(2), r.get(3)));
    }
    let columns = |t: &str| -> Vec<(String, String)> {
        tables.get(t).unwrap_or_else(|| panic!("table {t} missing")).iter().map(|(c, ty, _)| (c.clone(), ty.clone())).collect()
    };
    let expect = |t: &str, want: &[(&str, &str)]| {
        let got = columns(t);
        for (c, ty) in want {
            assert!(got.contains(&(c.to_string(), ty.to_string())), "{t}.{c} {ty} missing; have {got:?}");
        }
    };
    const U: &str = "uuid";
    const T: &str = "text";
    const TS: &str = "timestamp with time zone";
    expect(
        "contacts",
        &[
            ("id", U),
            ("user_id", U),
            ("name", T),
            ("company_name", T),
            ("phone_number", T),
            ("email", T),
            ("notes", T),
            ("created_at", TS),
            ("updated_at", TS),
        ],
    );
    expect(
        "assistant_settings",
        &[
            ("id", U),
            ("user_id", U),
            ("voice_preference", T),
            ("default_tone", T),
            ("max_auto_approve_amount", "numeric"),
            ("auto_retry_failed_calls", "boolean"),
            ("max_retry_attempts", "integer"),
            ("business_hours_only", "boolean"),
            ("language_preference", T),
            ("created_at", TS),
            ("updated_at", TS),
        ],
    );
    expect(
        "call_tasks",
        &[
            ("id", U),
            ("user_id", U),
            ("title", T),
            ("raw_instruction", T),
            ("status", T),
            ("priority", T),
            ("target_phone_number", T),
            ("contact_id", U),
            ("ai_plan", "jsonb"),
            ("user_clarifications", "jsonb"),
            ("created_at", TS),
            ("updated_at", TS),
            ("scheduled_for", TS),
        ],
    );
    expect(
        "call_sessions",
        &[
            ("id", U),
            ("call_task_id", U),
            ("provider_call_sid", T),
            ("status", T),
            ("phone_number_called", T),
            ("ai_call_script", "jsonb"),
            ("started_at", TS),
            ("ended_at", TS),
            ("duration_seconds", "integer"),
            ("recording_url", T),
            ("failure_reason", T),
            ("retry_count", "integer"),
        ],
    );
    expect(
        "call_transcripts",
        &[
            ("id", U),
            ("call_session_id", U),
            ("full_transcript", T),
            ("ai_summary", T),
            ("sentiment_overall", T),
            ("goal_achieved", "boolean"),
            ("follow_up_required", "boolean"),
            ("follow_up_tasks", "jsonb"),
            ("created_at", TS),
        ],
    );
    expect(
        "call_transcript_segments",
        &[
            ("id", U),
            ("call_transcript_id", U),
            ("speaker", T),
            ("content", T),
            ("timestamp_ms", "integer"),
            ("confidence", "numeric"),
            ("created_at", TS),
        ],
    );
    expect(
        "call_extracted_data",
        &[
            ("id", U),
            ("call_session_id", U),
            ("data_type", T),
            ("extracted_value", "jsonb"),
            ("confidence", "numeric"),
            ("created_at", TS),
        ],
    );
    expect(
        "notifications",
        &[
            ("id", U),
            ("user_id", U),
            ("call_task_id", U),
            ("call_session_id", U),
            ("notification_type", T),
            ("message", T),
            ("is_read", "boolean"),
            ("priority", T),
            ("created_at", TS),
        ],
    );
    for t in ["users", "auth_sessions", "api_tokens", "audit_log", "jobs"] {
        assert!(tables.contains_key(t), "table {t} missing");
    }

    // The seed's defaults.
    let default = |t: &str, c: &str| -> String {
        tables[t].iter().find(|(n, _, _)| n == c).and_then(|(_, _, d)| d.clone()).unwrap_or_default()
    };
    assert!(default("assistant_settings", "voice_preference").contains("'professional_male'"));
    assert!(default("assistant_settings", "default_tone").contains("'friendly'"));
    assert_eq!(default("assistant_settings", "max_auto_approve_amount"), "100");
    assert_eq!(default("assistant_settings", "auto_retry_failed_calls"), "false");
    assert_eq!(default("assistant_settings", "max_retry_attempts"), "2");
    assert_eq!(default("assistant_settings", "business_hours_only"), "false");
    assert!(default("assistant_settings", "language_preference").contains("'en-US'"));
    assert_eq!(default("call_sessions", "retry_count"), "0");
    assert_eq!(default("call_transcripts", "follow_up_required"), "false");
    assert_eq!(default("notifications", "is_read"), "false");

    // Row Level Security is enabled and forced on every user-owned table.
    let rls: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT relname::text, relrowsecurity, relforcerowsecurity FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let mut names: Vec<&str> = rls.iter().map(|(t, _, _)| t.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ai_usage",
            "api_tokens",
            "assistant_settings",
            "audit_log",
            "auth_sessions",
            "calendar_feeds",
            "call_approvals",
            "call_extracted_data",
            "call_insights",
            "call_session_progress",
            "call_sessions",
            "call_tasks",
            "call_transcript_segments",
            "call_transcripts",
            "contacts",
            "insight_days",
            "insight_pending",
            "insight_spend_days",
            "jobs",
            "notifications",
            "rate_limit_counters",
            "users",
        ]
    );
    for (table, enabled, forced) in &rls {
        assert!(*enabled && *forced, "RLS not enabled and forced on {table}");
    }

    // updated_at is kept by the database.
    let user: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, updated_at) VALUES ('t@example.com', 'x', 'T', now() - interval '1 day') RETURNING id",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    let fresh: bool = sqlx::query_scalar(
        "UPDATE users SET display_name = 'U' WHERE id = $1 RETURNING updated_at > now() - interval '1 minute'",
    )
    .bind(user)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(fresh);

    // An unknown enum value is refused by the database itself.
    let bad = sqlx::query("INSERT INTO call_tasks (user_id, title, raw_instruction, status) VALUES ($1, 't', 'r', 'dialing')")
        .bind(user)
        .execute(&mut owner)
        .await;
    assert!(bad.is_err());

    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&mut owner).await.unwrap();
    drop(owner);

    // `callwright migrate` again: succeeds and changes nothing.
    let dir = TempDir::new();
    let status = command(&dir, &app.db).arg("migrate").stdout(Stdio::null()).stderr(Stdio::null()).status().await.unwrap();
    assert!(status.success());
    let mut owner = app.db.owner().await;
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&mut owner).await.unwrap();
    assert_eq!(applied, after);
    drop(owner);
    app.stop().await;
}

/// A query without a WHERE clause sees only the current user's rows, in the
/// server's own pool and in a raw session under the app role.
#[tokio::test]
async fn row_level_security_scopes_every_query_to_the_transaction_user() {
    let app = TestApp::spawn().await;
    let mut owner = app.db.owner().await;
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        let id: uuid::Uuid =
            sqlx::query_scalar("INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'x', $2) RETURNING id")
                .bind(format!("{name}@example.com"))
                .bind(name)
                .fetch_one(&mut owner)
                .await
                .unwrap();
        sqlx::query("INSERT INTO contacts (user_id, name) VALUES ($1, $2), ($1, $3)")
            .bind(id)
            .bind(format!("{name}'s dentist"))
            .bind(format!("{name}'s plumber"))
            .execute(&mut owner)
            .await
            .unwrap();
        let task: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO call_tasks (user_id, title, raw_instruction) VALUES ($1, 'Book', 'Call') RETURNING id",
        )
        .bind(id)
        .fetch_one(&mut owner)
        .await
        .unwrap();
        let session: uuid::Uuid = sqlx::query_scalar("INSERT INTO call_sessions (call_task_id) VALUES ($1) RETURNING id")
            .bind(task)
            .fetch_one(&mut owner)
            .await
            .unwrap();
        let transcript: uuid::Uuid =
            sqlx::query_scalar("INSERT INTO call_transcripts (call_session_id) VALUES ($1) RETURNING id")
                .bind(session)
                .fetch_one(&mut owner)
                .await
                .unwrap();
        sqlx::query("INSERT INTO call_transcript_segments (call_transcript_id, speaker, content, timestamp_ms) VALUES ($1, 'human', 'Hello', 0)")
            .bind(transcript)
            .execute(&mut owner)
            .await
            .unwrap();
        users.push(id);
    }
    drop(owner);
    let (alice, bob) = (users[0], users[1]);

    // The server's pool, exactly as request handlers use it.
    let db = callwright::server::db::Db::connect(&app.db.url, 2).await.unwrap();
    let mut tx = db.begin_as(alice).await.unwrap();
    let role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(role, "callwright_app");
    let super_: bool = sqlx::query_scalar("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(!super_, "the app role must not bypass RLS");
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM contacts ORDER BY name").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(names, ["alice's dentist", "alice's plumber"]);
    for table in ["users", "call_tasks", "call_sessions", "call_transcripts", "call_transcript_segments"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}"))).fetch_one(&mut *tx).await.unwrap();
        assert_eq!(n, 1, "alice sees exactly her own {table}");
    }
    // Writing a row for someone else is refused.
    let forged = sqlx::query("INSERT INTO contacts (user_id, name) VALUES ($1, 'planted')").bind(bob).execute(&mut *tx).await;
    assert!(forged.is_err(), "insert for another user must violate the policy");
    tx.rollback().await.unwrap();

    // Updates and deletes without WHERE touch only the user's own rows.
    let mut tx = db.begin_as(bob).await.unwrap();
    let deleted = sqlx::query("DELETE FROM contacts").execute(&mut *tx).await.unwrap().rows_affected();
    assert_eq!(deleted, 2);
    tx.rollback().await.unwrap();

    // A raw session under the app role with no user id sees nothing at all.
    let mut raw = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::query("SET ROLE callwright_app").execute(&mut raw).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts").fetch_one(&mut raw).await.unwrap();
    assert_eq!(n, 0);
    sqlx::query("SELECT set_config('callwright.user_id', $1, false)").bind(bob.to_string()).execute(&mut raw).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM contacts ORDER BY name").fetch_all(&mut raw).await.unwrap();
    assert_eq!(names, ["bob's dentist", "bob's plumber"]);
    // The job queue shows a request only its own user's jobs.
    let foreign: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE user_id IS DISTINCT FROM $1")
        .bind(bob)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(foreign, 0);
    drop(raw);

    // A snapshot view (a call's page, read while the call writes): still only
    // the user's rows, one point in time across its queries, and read-only.
    let mut view = db.snapshot_as(alice).await.unwrap();
    let count = "SELECT count(*) FROM contacts";
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut *view).await.unwrap(), 2);
    let mut owner = app.db.owner().await;
    sqlx::query("INSERT INTO contacts (user_id, name) VALUES ($1, 'added meanwhile')")
        .bind(alice)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut *view).await.unwrap(), 2, "the view keeps its snapshot");
    let write = sqlx::query("UPDATE contacts SET notes = 'x'").execute(&mut *view).await;
    assert!(write.unwrap_err().to_string().contains("read-only"), "the view cannot write");
    view.rollback().await.unwrap();
    let mut tx = db.begin_as(alice).await.unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut *tx).await.unwrap(), 3, "a new transaction sees the new row");
    tx.rollback().await.unwrap();
    drop(owner);

    db.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_root_page_is_server_rendered_with_navigation_and_pwa_links() {
    let app = TestApp::spawn().await;
    let page = http().get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    for needle in [
        "Callwright",
        r#"href="/tasks""#,
        r#"href="/contacts""#,
        r#"href="/notifications""#,
        r#"href="/settings""#,
        r#"rel="manifest" href="/manifest.webmanifest""#,
        r#"src="/register-sw.js""#,
        "/pkg/callwright.js",
        r#"id="menu-toggle""#,
    ] {
        assert!(html.contains(needle), "page lacks {needle}:\n{html}");
    }
    let missing = http().get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
    app.stop().await;
}

#[tokio::test]
async fn bad_configuration_exits_2_with_one_line_naming_the_variable() {
    let db = TestDb::new();
    let dir = TempDir::new();
    let cases = [
        ("AI_BACKEND", "gpt-9"),
        ("TELEPHONY", "carrier-pigeon"),
        ("LEPTOS_SITE_ADDR", "not-an-address"),
        ("DATABASE_URL", "mysql://root@localhost/x"),
    ];
    for (var, value) in cases {
        let out = command(&dir, &db).env(var, value).output().await.unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(var), "names {var}: {err}");
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
    }
    // Twilio without its credentials names the first missing one.
    let out = command(&dir, &db).env("TELEPHONY", "twilio").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TWILIO_ACCOUNT_SID"));

    // An unreachable database is a configuration error too, not a panic.
    let out = command(&dir, &db).env("DATABASE_URL", "postgres://postgres@127.0.0.1:9/nowhere").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DATABASE_URL") && !err.contains("panicked"), "{err}");

    // --help works without any configuration or database.
    let out = command(&dir, &db).env("AI_BACKEND", "broken").arg("--help").output().await.unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("callwright migrate"));
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    let mut app = ProcessApp::spawn_with(TestDb::new(), &[]).await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // A request whose headers are half sent when the signal arrives.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(b"Connection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "in-flight request answered: {response}");

    let status = tokio::time::timeout(Duration::from_secs(30), app.child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0), "log:\n{}", app.log());
    // No new connections after shutdown.
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
    app.db.drop_db().await;
}
