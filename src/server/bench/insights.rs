//! `callwright bench --insights N`: the Insights numbers over N calls of one
//! user (spread over the last year: kinds of errand, failures, retries,
//! approvals, prices and model usage), asked over HTTP with the user's
//! cookie as the Insights page does, for the default twelve weeks and for
//! the whole year.

use super::{bench_account, latency_summary, ms, timed_gets};
use crate::server::metrics::percentile;
use crate::server::state::AppState;
use serde_json::{Value, json};
use std::time::Instant;

/// `owner_url` connects as the database's owner, who may vacuum.
pub async fn run(state: &AppState, base: &str, calls: usize, requests: usize, owner_url: &str) -> Result<Value, String> {
    let (signed, user) = bench_account(state).await?;
    let started = Instant::now();
    insert_calls(state, user.id, calls as i64).await.map_err(|e| e.to_string())?;
    // What every server does in the background, every few seconds: count
    // the noted calls (here all of them at once).
    crate::server::insights::drain_all(&state.db).await.map_err(|e| e.to_string())?;
    let loaded = started.elapsed();
    // A year of calls loaded in one transaction leaves the roll-up's rows
    // with a version per call; over a real year autovacuum clears them as
    // it goes. Vacuum once, as it would have, and refresh the statistics.
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(owner_url).await.map_err(|e| e.to_string())?;
    sqlx::query("VACUUM (ANALYZE)").execute(&mut owner).await.map_err(|e| e.to_string())?;
    let today = chrono::Utc::now().date_naive();
    let year = format!("?from={}&to={today}", today - chrono::Duration::days(364));
    let periods = [("twelve weeks", String::new()), ("a year", year)];
    let urls: Vec<String> = periods.iter().map(|(_, q)| format!("{base}/api/insights{q}")).collect();
    let (times, answers) = timed_gets(&urls, &signed.session_token, requests).await?;
    let per_period: Vec<Value> = periods
        .iter()
        .zip(&times)
        .zip(&answers)
        .map(|(((name, _), t), answer)| {
            json!({"period": name, "calls_counted": answer["insights"]["total"]["calls"],
                   "p50_ms": ms(percentile(t, 50.0)), "p99_ms": ms(percentile(t, 99.0))})
        })
        .collect();
    Ok(json!({
        "calls": calls,
        "loading_secs": (loaded.as_secs_f64() * 10.0).round() / 10.0,
        "requests": requests,
        "latency_ms": latency_summary(&times),
        "per_period": per_period,
    }))
}

/// `calls` calls of `user`, one per task, every five minutes back from now:
/// a tenth failed (busy or no answer), a third of the rest without their
/// goal, one in seven a retry, one in twenty asked for a price approval,
/// each priced and with some model usage.
async fn insert_calls(state: &AppState, user: uuid::Uuid, calls: i64) -> Result<(), sqlx::Error> {
    let mut tx = state.db.system().begin().await?;
    sqlx::query(
        "INSERT INTO call_tasks (user_id, title, raw_instruction, status, task_kind)
         SELECT $1, $2, $3, 'completed', (ARRAY['booking', 'quote', 'reservation', 'enquiry', 'ordering'])[1 + n % 5]
         FROM generate_series(1, $4) n",
    )
    .bind(user)
    .bind(state.cipher.encrypt("Book a cleaning next week"))
    .bind(state.cipher.encrypt("Call my dentist at 415-555-0100 and book a cleaning next week under $100"))
    .bind(calls)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_sessions (call_task_id, status, started_at, ended_at, duration_seconds, failure_reason, retry_count,
                                    telephony_price, telephony_price_unit)
         SELECT id, CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'completed' END, now() - make_interval(mins => n * 5),
                now() - make_interval(mins => n * 5) + make_interval(secs => 60 + n % 240), 60 + n % 240,
                CASE WHEN n % 20 = 0 THEN 'busy' WHEN n % 10 = 0 THEN 'no_answer' END, (n % 7 = 0)::int,
                CASE WHEN n % 10 = 0 THEN 0 ELSE 0.013 * (1 + n % 4) END, 'USD'
         FROM (SELECT id, (row_number() OVER (ORDER BY id))::int AS n FROM call_tasks WHERE user_id = $1) t",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_transcripts (call_session_id, full_transcript, goal_achieved)
         SELECT id, '', n % 3 <> 0 FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM call_sessions
                                          WHERE status = 'completed') s",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_approvals (call_session_id, amount, limit_amount, reason, requested_at, expires_at, decision, timed_out)
         SELECT id, 300, 250, $1, started_at, started_at + interval '2 minutes',
                CASE WHEN n % 40 = 0 THEN true WHEN n % 40 = 20 THEN false END, n % 40 NOT IN (0, 20)
         FROM (SELECT id, started_at, row_number() OVER (ORDER BY id) AS n FROM call_sessions) s WHERE n % 20 = 0",
    )
    .bind(state.cipher.encrypt("The quote is over the limit."))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ai_usage (user_id, call_task_id, call_session_id, purpose, model, requests, prompt_tokens, completion_tokens,
                               cost, created_at)
         SELECT $1, call_task_id, id, 'conversation', 'gpt-4o-mini', 6, 3000, 240, 0.0006, started_at FROM call_sessions",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
