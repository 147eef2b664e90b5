//! Benchmarks on a scratch database, through the real server:
//!
//! - `callwright bench --calls N`: N concurrent sandbox calls through the
//!   real path (HTTP webhooks, the ConversationRelay websocket, PostgreSQL,
//!   LISTEN/NOTIFY, a live `/ws` subscriber), reporting the engine's turn
//!   latency, event delivery latency, lost segments and memory per live call.
//! - `callwright bench --page-tasks N`: the server-rendered task list page
//!   with N tasks on it, requested over HTTP with a session cookie,
//!   reporting its latency percentiles.
//! - `callwright bench --relay N`: N concurrent calls driven from outside,
//!   over real sockets, as Twilio would ([`relay`]).
//! - `callwright bench --search N`: search over N finished calls, over HTTP
//!   ([`search`]).
//! - `callwright bench --insights N`: the Insights numbers over N calls,
//!   over HTTP ([`insights`]).

pub mod insights;
pub mod mock_model;
pub mod relay;
pub mod search;

use super::accounts::{AuthVia, CurrentUser, service};
use super::config::Config;
use super::metrics::{METRICS, percentile, rss_bytes};
use super::state::AppState;
use crate::domain::task::NewTask;
use futures::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    Calls(usize),
    TaskPage { tasks: usize, requests: usize },
    Relay(relay::RelayBench),
    Search { calls: usize, requests: usize },
    Insights { calls: usize, requests: usize },
}

/// A benchmark's own database and data directory, beside the configured
/// database, removed by [`Scratch::remove`].
struct Scratch {
    /// The server part of `DATABASE_URL` (without the database name).
    base: String,
    name: String,
}

impl Scratch {
    fn new(config: &Config, kind: &str) -> Result<Scratch, String> {
        let base = config.database_url.rsplit_once('/').map(|(b, _)| b.to_owned()).ok_or("DATABASE_URL has no database name")?;
        let name = format!("callwright_{kind}_{}_{}", std::process::id(), chrono::Utc::now().timestamp());
        Ok(Scratch { base, name })
    }

    fn database_url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }

    fn data_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(&self.name)
    }

    /// Drops the database (whoever is still connected) and the directory.
    async fn remove(&self) {
        let _ = std::fs::remove_dir_all(self.data_dir());
        if let Ok(mut admin) = <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{}/postgres", self.base)).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut admin)
                .await;
        }
    }
}

pub async fn run(mut config: Config, bench: Bench) -> Result<Value, String> {
    if let Bench::Relay(relay) = bench {
        let scratch = Scratch::new(&config, "relay_bench")?;
        let result = relay::run(&scratch, relay).await;
        scratch.remove().await;
        return result;
    }
    let scratch = Scratch::new(&config, "bench")?;
    config.database_url = scratch.database_url();
    config.site_addr = "127.0.0.1:0".parse().expect("address");
    config.public_url = None;
    config.telephony = super::config::TelephonyConfig::Sandbox;
    config.ai = super::config::AiConfig::Rules;
    config.calls.sandbox_ms_per_char = 0;
    config.limits.tasks_per_minute = u32::MAX / 2;
    config.limits.calls_per_day = u32::MAX / 2;
    config.calls.max_concurrent_per_user = match bench {
        Bench::Calls(calls) => calls as u32 + 1,
        Bench::TaskPage { .. } | Bench::Relay(_) | Bench::Search { .. } | Bench::Insights { .. } => 1,
    };
    config.pool_size = config.pool_size.max(40);
    config.data_dir = scratch.data_dir();
    METRICS.enable();

    let running = super::start(config).await.map_err(|e| e.to_string())?;
    let state = running.state.clone();
    let result = match bench {
        Bench::Calls(calls) => drive(&running, calls).await,
        Bench::TaskPage { tasks, requests } => task_page(&running, tasks, requests).await,
        Bench::Search { calls, requests } => search::run(&state, &format!("http://{}", running.addr), calls, requests).await,
        Bench::Insights { calls, requests } => {
            insights::run(&state, &format!("http://{}", running.addr), calls, requests, &scratch.database_url()).await
        }
        Bench::Relay(_) => unreachable!("driven from outside, above"),
    };
    let _ = running.shutdown().await;
    scratch.remove().await;
    drop(state);
    result
}

/// The benchmark's own account: its browser session and the user it acts as.
async fn bench_account(state: &AppState) -> Result<(service::SignedIn, CurrentUser), String> {
    let client = service::Client { addr: "bench", user_agent: None };
    let signed =
        service::signup(state, &client, "bench@example.com", "benchmark-password", "Bench").await.map_err(|e| e.message)?;
    let user = CurrentUser { id: signed.user.id, via: AuthVia::Job, request_id: None };
    Ok((signed, user))
}

async fn drive(running: &super::Running, calls: usize) -> Result<Value, String> {
    let state = &running.state;
    let (signed, user) = bench_account(state).await?;

    // A browser following every event of the user.
    let url = format!("ws://{}/ws", running.addr);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("cookie", format!("cw_session={}", signed.session_token).parse().map_err(|_| "cookie")?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
    let received = Arc::new(AtomicU64::new(0));
    let deliveries = Arc::new(std::sync::Mutex::new(Vec::<u32>::new()));
    let (r, d) = (received.clone(), deliveries.clone());
    let reader = tokio::spawn(async move {
        while let Some(Ok(frame)) = ws.next().await {
            let arrived = Instant::now();
            let Ok(text) = frame.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            if v["type"] == "segment_appended" {
                r.fetch_add(1, Ordering::Relaxed);
                if let Some(at) = v["segment_id"].as_str().and_then(|s| s.parse().ok()).and_then(|id| METRICS.published_at(id)) {
                    d.lock().expect("deliveries").push(arrived.saturating_duration_since(at).as_micros() as u32);
                }
            }
        }
    });

    let mut tasks = Vec::with_capacity(calls);
    for _ in 0..calls {
        let input =
            NewTask { raw_instruction: "Call 415-555-0150 and ask about their opening hours".into(), ..Default::default() };
        tasks.push(super::tasks::create(state, &user, &input).await.map_err(|e| e.message)?.task.id);
    }
    let baseline = rss_bytes("self").unwrap_or(0);
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut starters = Vec::new();
    for id in tasks {
        let (state, user, gate) = (state.clone(), user.clone(), gate.clone());
        starters.push(tokio::spawn(async move {
            let _permit = gate.acquire().await;
            super::calls::start_call(&state, &user, id, false).await.map(|_| ()).map_err(|e| e.message)
        }));
    }
    let mut peak_live = 0i64;
    let mut rss_at_peak = baseline;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (live, unfinished): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'connected'),
                    count(*) FILTER (WHERE status IN ('initiated', 'ringing', 'connected'))
                      + (SELECT count(*) FROM call_tasks WHERE status IN ('ready_to_call', 'in_progress'))
             FROM call_sessions",
        )
        .fetch_one(state.db.system())
        .await
        .map_err(|e| e.to_string())?;
        if live > peak_live {
            peak_live = live;
            rss_at_peak = rss_bytes("self").unwrap_or(rss_at_peak);
        }
        if unfinished == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = started.elapsed();
    let mut start_errors = 0;
    for s in starters {
        if !matches!(s.await, Ok(Ok(()))) {
            start_errors += 1;
        }
    }
    // Let the last events arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    reader.abort();
    let (completed, failed, stored): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM call_sessions WHERE status = 'completed'),
                (SELECT count(*) FROM call_sessions WHERE status <> 'completed'),
                (SELECT count(*) FROM call_transcript_segments)",
    )
    .fetch_one(state.db.system())
    .await
    .map_err(|e| e.to_string())?;
    let mut turns = METRICS.take_turns();
    turns.sort_unstable();
    let mut deliveries = deliveries.lock().expect("deliveries").clone();
    deliveries.sort_unstable();
    let delivered = received.load(Ordering::Relaxed) as i64;
    let per_call_kib =
        if peak_live > 0 { (rss_at_peak.saturating_sub(baseline)) as f64 / 1024.0 / peak_live as f64 } else { 0.0 };
    Ok(json!({
        "calls": calls,
        "completed": completed,
        "failed": failed,
        "start_errors": start_errors,
        "seconds": (elapsed.as_secs_f64() * 10.0).round() / 10.0,
        "peak_live_calls": peak_live,
        "turns": turns.len(),
        "turn_latency_ms": { "p50": ms(percentile(&turns, 50.0)), "p95": ms(percentile(&turns, 95.0)), "p99": ms(percentile(&turns, 99.0)) },
        "event_delivery_ms": { "p50": ms(percentile(&deliveries, 50.0)), "p95": ms(percentile(&deliveries, 95.0)), "p99": ms(percentile(&deliveries, 99.0)) },
        "segments_stored": stored,
        "segments_delivered": delivered,
        "segments_lost": (stored - delivered).max(0),
        "memory_per_live_call_kib": (per_call_kib * 10.0).round() / 10.0,
        "rss_baseline_mib": baseline / (1024 * 1024),
        "rss_at_peak_mib": rss_at_peak / (1024 * 1024),
    }))
}

/// Renders `/tasks?limit=N` for a user with `tasks` tasks, `requests` times
/// one after another (after a warm-up), and reports the latency percentiles.
async fn task_page(running: &super::Running, tasks: usize, requests: usize) -> Result<Value, String> {
    let state = &running.state;
    let (signed, user) = bench_account(state).await?;
    const KINDS: [&str; 4] = [
        "Call my dentist at 415-555-0100 and book a cleaning next week under $100",
        "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250",
        "Order a large pepperoni pizza from Tony's at 415-555-0101",
        "Call the restaurant and book a table for four on Friday",
    ];
    for i in 0..tasks {
        let input = NewTask { raw_instruction: KINDS[i % KINDS.len()].into(), ..Default::default() };
        super::tasks::create(state, &user, &input).await.map_err(|e| e.message)?;
    }
    let client = reqwest::Client::new();
    let url = format!("http://{}/tasks?limit={}", running.addr, tasks.min(100));
    let cookie = format!("cw_session={}", signed.session_token);
    let fetch = || async {
        let started = Instant::now();
        let res = client.get(&url).header("cookie", &cookie).send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.text().await.map_err(|e| e.to_string())?;
        let took = started.elapsed();
        if !status.is_success() {
            return Err(format!("GET {url} answered {status}"));
        }
        Ok::<_, String>((took, body.matches("data-task-id=").count(), body.len()))
    };
    for _ in 0..20 {
        fetch().await?;
    }
    let mut times = Vec::with_capacity(requests);
    let (mut rows, mut bytes) = (0, 0);
    for _ in 0..requests {
        let (took, r, b) = fetch().await?;
        times.push(took.as_micros() as u32);
        (rows, bytes) = (r, b);
    }
    times.sort_unstable();
    Ok(json!({
        "page": "/tasks",
        "tasks_rendered": rows,
        "html_bytes": bytes,
        "requests": requests,
        "latency_ms": {
            "p50": ms(percentile(&times, 50.0)),
            "p95": ms(percentile(&times, 95.0)),
            "p99": ms(percentile(&times, 99.0)),
            "max": ms(*times.last().unwrap_or(&0)),
        },
    }))
}

/// `GET`s each of `urls` once to warm up, then `requests` times in turn,
/// with the session `cookie`, as the pages do; returns each URL's times in
/// microseconds (sorted) and its last answer. A failed request ends the run.
async fn timed_gets(urls: &[String], cookie: &str, requests: usize) -> Result<(Vec<Vec<u32>>, Vec<Value>), String> {
    let client = reqwest::Client::new();
    let get = |url: &String| {
        let client = client.clone();
        let (url, cookie) = (url.clone(), format!("cw_session={cookie}"));
        async move {
            let started = Instant::now();
            let res = client.get(&url).header("cookie", &cookie).send().await.map_err(|e| e.to_string())?;
            let status = res.status();
            let body: Value = res.json().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("GET {url} answered {status}: {body}"));
            }
            Ok::<_, String>((started.elapsed(), body))
        }
    };
    let mut last = Vec::with_capacity(urls.len());
    for url in urls {
        last.push(get(url).await?.1);
    }
    let mut times: Vec<Vec<u32>> = vec![Vec::new(); urls.len()];
    for i in 0..requests {
        let (took, body) = get(&urls[i % urls.len()]).await?;
        times[i % urls.len()].push(took.as_micros() as u32);
        last[i % urls.len()] = body;
    }
    times.iter_mut().for_each(|t| t.sort_unstable());
    Ok((times, last))
}

/// Microseconds as milliseconds with two decimals.
fn ms(micros: u32) -> f64 {
    (micros as f64 / 10.0).round() / 100.0
}

/// p50 / p95 / p99 / max of all of `times` together, in milliseconds.
fn latency_summary(times: &[Vec<u32>]) -> Value {
    let mut all: Vec<u32> = times.iter().flatten().copied().collect();
    all.sort_unstable();
    json!({
        "p50": ms(percentile(&all, 50.0)),
        "p95": ms(percentile(&all, 95.0)),
        "p99": ms(percentile(&all, 99.0)),
        "max": ms(*all.last().unwrap_or(&0)),
    })
}
