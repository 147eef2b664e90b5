//! `callwright bench --search N`: search over N finished calls of one user
//! (ten lines each, a summary and three facts, encrypted and indexed as the
//! server writes them), asked over HTTP with the user's cookie, as the
//! task list's search box does. Reports the latency of a mix of searches:
//! a word said on every call, a rare one, two words, a word's beginning.

use super::{bench_account, latency_summary, ms, timed_gets};
use crate::server::journal::{SEARCH_PREFIX, array_literal};
use crate::server::metrics::percentile;
use crate::server::state::AppState;
use serde_json::{Value, json};
use std::time::Instant;
use uuid::Uuid;

/// What the businesses and the assistant say, `{n}` the call's number.
const LINES: [&str; 10] = [
    "Good afternoon, Bright Smiles Dental, this is Sarah speaking.",
    "Hi there! This is Callwright, an AI assistant calling on behalf of Bench.",
    "I'd like to book a cleaning for next week, please.",
    "We have Tuesday at 2:30 or Thursday at 10 in the morning.",
    "Tuesday at 2:30 works. How much is a cleaning?",
    "A cleaning is $85 without insurance.",
    "That's within the budget, let's book it.",
    "You're all set, your confirmation number is DC-{n}.",
    "Thank you so much, have a great day.",
    "You too, goodbye.",
];

/// The searches asked, in turn.
const QUERIES: [&str; 5] = ["cleaning", "DC-4242", "tuesday insurance", "confirm", "bright smiles dental"];

pub async fn run(state: &AppState, base: &str, calls: usize, requests: usize) -> Result<Value, String> {
    let (signed, user) = bench_account(state).await?;
    let started = Instant::now();
    for chunk in (0..calls).collect::<Vec<_>>().chunks(500) {
        insert_calls(state, user.id, chunk).await.map_err(|e| e.to_string())?;
    }
    let loaded = started.elapsed();
    let urls: Vec<String> = QUERIES.iter().map(|q| format!("{base}/api/search?q={}&limit=20", q.replace(' ', "%20"))).collect();
    let (times, answers) = timed_gets(&urls, &signed.session_token, requests).await?;
    let per_query: Vec<Value> = QUERIES
        .iter()
        .zip(&times)
        .zip(&answers)
        .map(|((q, t), answer)| {
            let results = answer["results"].as_array().map_or(0, Vec::len);
            json!({"q": q, "results": results, "p50_ms": ms(percentile(t, 50.0)), "p99_ms": ms(percentile(t, 99.0))})
        })
        .collect();
    Ok(json!({
        "calls": calls,
        "lines": calls * LINES.len(),
        "loading_secs": (loaded.as_secs_f64() * 10.0).round() / 10.0,
        "requests": requests,
        "latency_ms": latency_summary(&times),
        "per_query": per_query,
    }))
}

/// Calls `numbers` of `user`, finished and processed, in a few statements.
async fn insert_calls(state: &AppState, user: Uuid, numbers: &[usize]) -> Result<(), sqlx::Error> {
    let cipher = &state.cipher;
    let title = "Book a cleaning next week";
    let summary = "Booked a cleaning for Tuesday at 2:30 pm for $85 with Bright Smiles Dental.";
    let (mut tasks, mut sessions, mut transcripts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut seg_transcripts, mut seg_contents, mut seg_terms, mut seg_at, mut seg_speakers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut fact_sessions, mut fact_values, mut fact_terms, mut fact_types) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &n in numbers {
        let (task, session, transcript) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        tasks.push(task);
        sessions.push(session);
        transcripts.push(transcript);
        for (k, line) in LINES.iter().enumerate() {
            let line = line.replace("{n}", &n.to_string());
            seg_transcripts.push(transcript);
            seg_terms.push(array_literal(&cipher.terms_from(&line, SEARCH_PREFIX)));
            seg_contents.push(cipher.encrypt(&line));
            seg_at.push(k as i32 * 4000);
            seg_speakers.push(if k % 2 == 0 { "human" } else { "assistant" });
        }
        let reference = format!("DC-{n}");
        for (kind, value) in [
            ("price", json!({"amount": 85, "currency": "USD", "details": "cleaning"})),
            ("appointment", json!({"date": "2026-12-08", "time": "14:30", "details": "cleaning"})),
            ("confirmation_number", json!({"value": reference})),
        ] {
            fact_sessions.push(session);
            fact_terms.push(array_literal(&cipher.terms_from(&crate::domain::session::fact_words(&value), SEARCH_PREFIX)));
            fact_values.push(cipher.seal_json(&value));
            fact_types.push(kind);
        }
    }
    let mut tx = state.db.system().begin().await?;
    sqlx::query(
        "INSERT INTO call_tasks (id, user_id, title, title_terms, raw_instruction, status)
         SELECT id, $2, $3, $4, $5, 'completed' FROM UNNEST($1::uuid[]) AS id",
    )
    .bind(&tasks)
    .bind(user)
    .bind(cipher.encrypt(title))
    .bind(cipher.terms(title))
    .bind(cipher.encrypt("Call my dentist at 415-555-0100 and book a cleaning next week under $100"))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_sessions (id, call_task_id, status, started_at, ended_at, duration_seconds)
         SELECT s, t, 'completed', now() - make_interval(mins => n), now() - make_interval(mins => n) + interval '2 minutes', 120
         FROM UNNEST($1::uuid[], $2::uuid[], $3::int[]) AS r(s, t, n)",
    )
    .bind(&sessions)
    .bind(&tasks)
    .bind(numbers.iter().map(|&n| n as i32).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_transcripts (id, call_session_id, full_transcript, ai_summary, summary_terms, goal_achieved)
         SELECT r, s, $3, $4, $5, true FROM UNNEST($1::uuid[], $2::uuid[]) AS x(r, s)",
    )
    .bind(&transcripts)
    .bind(&sessions)
    .bind(cipher.encrypt(&LINES.join("\n")))
    .bind(cipher.encrypt(summary))
    .bind(cipher.terms_from(summary, SEARCH_PREFIX))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_transcript_segments (call_transcript_id, speaker, content, timestamp_ms, terms)
         SELECT r, speaker, content, at, terms::bigint[]
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[]) AS x(r, speaker, content, at, terms)",
    )
    .bind(&seg_transcripts)
    .bind(&seg_speakers)
    .bind(&seg_contents)
    .bind(&seg_at)
    .bind(&seg_terms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO call_extracted_data (call_session_id, data_type, extracted_value, terms, confidence)
         SELECT s, kind, value, terms::bigint[], 0.9 FROM UNNEST($1::uuid[], $2::text[], $3::jsonb[], $4::text[]) AS x(s, kind, value, terms)",
    )
    .bind(&fact_sessions)
    .bind(&fact_types)
    .bind(&fact_values)
    .bind(&fact_terms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
