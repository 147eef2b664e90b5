//! `callwright bench --relay N`: live calls measured from outside, the way
//! Twilio drives a ConversationRelay server. Three processes share the
//! machine with PostgreSQL: the server (`callwright serve`, this very
//! binary, in Twilio mode on a scratch database), the model
//! (`callwright mock-model`, answering every live turn after exactly the
//! given delay) and this one, which plays Twilio: its REST API takes the
//! server's create-call requests, then each call is answered (the signed
//! TwiML request), its relay websocket opened (signed), `setup` sent, and
//! the business speaks a line every second, each reply timed from the
//! prompt's last frame to the first token back. A browser follows the
//! user's events on `/ws`. Reported: the overhead of every turn (its
//! latency minus the model's delay when the model worded it; the first
//! turn, the assistant's introduction, is the script's and waits for no
//! model), failed turns, connect times, segments stored and delivered, the
//! server's memory growth per call, and the CPU used by the server,
//! PostgreSQL, this generator and the mock model, and the whole machine,
//! over the calls.

use super::Scratch;
use super::mock_model;
use crate::server::metrics::{percentile, rss_bytes};
use crate::server::telephony::signature::sign;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayBench {
    pub calls: usize,
    /// Lines the business says per call.
    pub turns: usize,
    /// How long the mock model takes to answer a live turn.
    pub model_ms: u64,
    /// Over how long the calls are answered.
    pub ramp_secs: u64,
}

const SID: &str = "ACbe0c0000000000000000000000000000";
const TOKEN: &str = "bench-auth-token";
const FROM: &str = "+14155550000";
const TO: &str = "+14155550150";
const INSTRUCTION: &str = "Call Acme Hardware at 415-555-0150 and ask about their opening hours";
/// Pause between the end of a reply and the business's next line.
const GAP: Duration = Duration::from_secs(1);
/// A reply that has not begun by then is a failed turn.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the business says: a greeting (the assistant introduces itself
/// with the script's line), then questions the assistant answers in the
/// model's words, in turn, for as many turns as asked (none ends the call).
const GREETING: &str = "Good afternoon, Acme Hardware, this is Sam speaking.";
const LINES: &[&str] =
    &["Sorry, who is the call for?", "And is there a number to call you back on?", "Okay, and what did you want to know?"];

/// A call the server asked Twilio to place.
#[derive(Debug, Clone)]
struct Dialled {
    sid: String,
    voice_url: String,
    status_url: String,
}

/// What one call measured.
#[derive(Debug, Default)]
struct Outcome {
    connect_us: Option<u32>,
    /// Microseconds to the first token, and whether the model worded it.
    replies: Vec<(u32, bool)>,
    failed_turns: usize,
    error: Option<String>,
    /// The conversation, line by line (reported for the first call).
    said: Vec<String>,
}

/// CPU time (clock ticks) of the processes that matter, and of the machine.
#[derive(Debug, Clone, Default)]
struct Cpu {
    server: u64,
    /// By process: backends come and go during a run.
    postgres: HashMap<u32, u64>,
    generator: u64,
    model: u64,
    machine_busy: u64,
    machine_total: u64,
}

pub(super) async fn run(scratch: &Scratch, bench: RelayBench) -> Result<Value, String> {
    let database_url = scratch.database_url();
    let data_dir = scratch.data_dir();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;

    let (dialled_tx, mut dialled_rx) = mpsc::unbounded_channel();
    let twilio = play_twilio_api(dialled_tx).await?;
    let model_addr = format!("127.0.0.1:{}", free_port()?);
    let mut model = Command::new(&exe)
        .args(["mock-model", "--addr", &model_addr, "--delay-ms", &bench.model_ms.to_string()])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the mock model: {e}"))?;
    let server_addr = format!("127.0.0.1:{}", free_port()?);
    let public = format!("http://{server_addr}");
    let limit = (bench.calls * 2 + 10).to_string();
    let mut server = Command::new(&exe)
        .arg("serve")
        .envs([
            ("DATABASE_URL", database_url.as_str()),
            ("LEPTOS_SITE_ADDR", &server_addr),
            ("PUBLIC_URL", &public),
            ("CALLWRIGHT_DATA_DIR", &data_dir.to_string_lossy()),
            ("TELEPHONY", "twilio"),
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", TOKEN),
            ("TWILIO_PHONE_NUMBER", FROM),
            ("TWILIO_API_BASE", &twilio),
            ("AI_BACKEND", "openai"),
            ("OPENAI_BASE_URL", &format!("http://{model_addr}/v1")),
            ("OPENAI_API_KEY", "bench"),
            ("AI_FALLBACK", "rules"),
            ("RATE_LIMIT_TASKS_PER_MINUTE", &limit),
            ("RATE_LIMIT_CALLS_PER_DAY", &limit),
            ("MAX_CONCURRENT_CALLS", &limit),
            // The mock refuses planning and summaries on purpose: not worth a warning each.
            ("RUST_LOG", "warn,callwright::server::ai=error"),
        ])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;

    let result = async {
        let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().map_err(|e| e.to_string())?;
        wait_until_up(&http, &format!("http://{model_addr}/healthz")).await?;
        wait_until_up(&http, &format!("{public}/readyz")).await?;
        let cookie = sign_up(&http, &public).await?;
        let browser = follow_events(&public, &cookie).await?;

        // Tasks and calls, placed before the clock starts: Twilio has them queued.
        let ids = for_each(bench.calls, 4, {
            let (http, public, cookie) = (http.clone(), public.clone(), cookie.clone());
            move |_| create_task(http.clone(), public.clone(), cookie.clone())
        })
        .await?;
        for_each(bench.calls, 4, {
            let (http, public, cookie) = (http.clone(), public.clone(), cookie.clone());
            move |i| start_call(http.clone(), public.clone(), cookie.clone(), ids[i].clone())
        })
        .await?;
        let mut dialled = Vec::with_capacity(bench.calls);
        while dialled.len() < bench.calls {
            let call = tokio::time::timeout(Duration::from_secs(30), dialled_rx.recv())
                .await
                .map_err(|_| "the server did not place every call".to_owned())?
                .ok_or("the Twilio API stopped")?;
            dialled.push(call);
        }

        let server_pid = server.id().ok_or("the server exited")?;
        let model_pid = model.id().ok_or("the mock model exited")?;
        let rss_before = rss_bytes(&server_pid.to_string()).unwrap_or(0);
        // The server's resident memory, sampled while the calls run.
        let rss_peak = Arc::new(AtomicU64::new(rss_before));
        let sampler = tokio::spawn({
            let peak = rss_peak.clone();
            async move {
                loop {
                    if let Some(bytes) = rss_bytes(&server_pid.to_string()) {
                        peak.fetch_max(bytes, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        let statements = Statements::start(&database_url).await;
        let cpu_before = cpu(server_pid, model_pid);
        let started = Instant::now();
        let ramp = Duration::from_secs(bench.ramp_secs);
        let mut drivers = Vec::with_capacity(bench.calls);
        let t0 = tokio::time::Instant::now();
        for (i, call) in dialled.into_iter().enumerate() {
            let at = t0 + ramp.mul_f64(i as f64 / bench.calls as f64);
            let http = http.clone();
            drivers.push(tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                drive(&http, call, bench.turns).await
            }));
        }
        let mut outcomes = Vec::with_capacity(bench.calls);
        for d in drivers {
            outcomes.push(d.await.map_err(|e| e.to_string())?);
        }
        let window = started.elapsed();
        let cpu_after = cpu(server_pid, model_pid);
        let top_statements = statements.top().await;
        sampler.abort();
        let rss_peak = rss_peak.load(Ordering::Relaxed);
        // The last events reach the browser.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let stored = segments_stored(&database_url).await?;
        let server = Server { window, cpu_before, cpu_after, rss_before, rss_peak };
        let mut report = report(bench, &outcomes, &server, stored, browser.load(Ordering::Relaxed));
        report["database_statements_during_calls"] = top_statements;
        Ok(report)
    }
    .await;

    stop(&mut server).await;
    let _ = model.kill().await;
    result
}

/// What the machine did while the calls ran.
struct Server {
    window: Duration,
    cpu_before: Cpu,
    cpu_after: Cpu,
    /// The server's resident bytes before the calls, and at most during them.
    rss_before: u64,
    rss_peak: u64,
}

fn report(bench: RelayBench, outcomes: &[Outcome], server: &Server, stored: i64, delivered: u64) -> Value {
    let Server { window, cpu_before: ref before, cpu_after: ref after, rss_before, rss_peak } = *server;
    let delay_us = (bench.model_ms * 1000) as u32;
    let mut overhead: Vec<u32> = Vec::new();
    let mut rules: Vec<u32> = Vec::new();
    let mut connects: Vec<u32> = outcomes.iter().filter_map(|o| o.connect_us).collect();
    for o in outcomes {
        for &(us, by_model) in &o.replies {
            if by_model { overhead.push(us.saturating_sub(delay_us)) } else { rules.push(us) }
        }
    }
    // Every turn's wait beyond the model's own: a rules turn waits for no model.
    let mut all: Vec<u32> = overhead.iter().chain(&rules).copied().collect();
    for v in [&mut overhead, &mut rules, &mut connects, &mut all] {
        v.sort_unstable();
    }
    let ms = |v: &[u32], p: f64| (percentile(v, p) as f64 / 10.0).round() / 100.0;
    let errors: Vec<&str> = outcomes.iter().filter_map(|o| o.error.as_deref()).take(5).collect();
    let secs = window.as_secs_f64();
    let cores = |ticks: u64| ((ticks as f64 / CLOCK_TICKS / secs) * 100.0).round() / 100.0;
    let machine_total = after.machine_total.saturating_sub(before.machine_total).max(1) as f64;
    json!({
        "calls": bench.calls,
        "turns_per_call": bench.turns,
        "model_delay_ms": bench.model_ms,
        "ramp_secs": bench.ramp_secs,
        "turns_answered": overhead.len() + rules.len(),
        "turns_failed": outcomes.iter().map(|o| o.failed_turns).sum::<usize>(),
        "calls_failed": outcomes.iter().filter(|o| o.error.is_some()).count(),
        "first_errors": errors,
        "first_call": outcomes.first().map(|o| o.said.clone()).unwrap_or_default(),
        "overhead_ms": { "turns": all.len(), "p50": ms(&all, 50.0), "p99": ms(&all, 99.0), "max": ms(&all, 100.0) },
        "model_turn_overhead_ms": { "turns": overhead.len(), "p50": ms(&overhead, 50.0), "p99": ms(&overhead, 99.0), "max": ms(&overhead, 100.0) },
        "rules_turn_latency_ms": { "turns": rules.len(), "p50": ms(&rules, 50.0), "p99": ms(&rules, 99.0) },
        "connect_ms": { "p50": ms(&connects, 50.0), "p99": ms(&connects, 99.0), "max": ms(&connects, 100.0) },
        "segments": { "stored": stored, "delivered_to_browser": delivered, "lost": (stored - delivered as i64).max(0) },
        "server_rss_mib": { "before_calls": rss_before >> 20, "peak_during_calls": rss_peak >> 20 },
        "server_rss_per_call_kib": ((rss_peak.saturating_sub(rss_before)) as f64 / 1024.0 / bench.calls as f64 * 10.0).round() / 10.0,
        "cpu": {
            "seconds": (secs * 10.0).round() / 10.0,
            "machine_busy_pct": ((after.machine_busy.saturating_sub(before.machine_busy) as f64 / machine_total) * 1000.0).round() / 10.0,
            "server_cores": cores(after.server.saturating_sub(before.server)),
            "postgres_cores": cores(postgres_used(&before.postgres, &after.postgres)),
            "generator_cores": cores(after.generator.saturating_sub(before.generator)),
            "model_cores": cores(after.model.saturating_sub(before.model)),
        },
    })
}

/// Answers one call as Twilio would and speaks its lines.
async fn drive(http: &reqwest::Client, call: Dialled, turns: usize) -> Outcome {
    let mut outcome = Outcome::default();
    if let Err(e) = converse(http, &call, turns, &mut outcome).await {
        outcome.failed_turns += turns.saturating_sub(outcome.replies.len());
        outcome.error = Some(e);
    }
    // The network reports the end of the call.
    let completed = form(&[
        ("AccountSid", SID),
        ("CallSid", &call.sid),
        ("CallStatus", "completed"),
        ("CallDuration", &(turns * 2).to_string()),
        ("SequenceNumber", "9"),
    ]);
    let _ = signed_post(http, &call.status_url, &completed).await;
    outcome
}

async fn converse(http: &reqwest::Client, call: &Dialled, turns: usize, outcome: &mut Outcome) -> Result<(), String> {
    let answered =
        form(&[("AccountSid", SID), ("CallSid", &call.sid), ("CallStatus", "in-progress"), ("From", FROM), ("To", TO)]);
    let twiml = signed_post(http, &call.voice_url, &answered).await?;
    let relay = attribute(&twiml, "ConversationRelay url=\"").ok_or_else(|| format!("no relay in the TwiML: {twiml}"))?;
    let session = attribute(&twiml, "name=\"session_id\" value=\"").ok_or("no session_id parameter in the TwiML")?;
    let mut request = relay.as_str().into_client_request().map_err(|e| e.to_string())?;
    let signature = sign(TOKEN, &relay, &[]);
    request.headers_mut().insert("x-twilio-signature", signature.parse().map_err(|_| "signature header")?);
    let opened = Instant::now();
    // As Twilio's media edge does, frames go out at once (no Nagle delay).
    let host = request.uri().authority().map(|a| a.as_str().to_owned()).ok_or("relay URL without a host")?;
    let tcp = tokio::net::TcpStream::connect(&host).await.map_err(|e| format!("relay connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut ws, _) = tokio_tungstenite::client_async(request, tcp).await.map_err(|e| format!("relay upgrade: {e}"))?;
    outcome.connect_us = Some(opened.elapsed().as_micros() as u32);
    let setup = json!({"type": "setup", "sessionId": format!("VX{}", &call.sid[2..]), "callSid": call.sid, "accountSid": SID,
                       "from": FROM, "to": TO, "direction": "outbound-api", "callStatus": "IN-PROGRESS",
                       "customParameters": {"session_id": session}});
    ws.send(Message::Text(setup.to_string().into())).await.map_err(|e| e.to_string())?;
    for turn in 0..turns {
        let line = if turn == 0 { GREETING } else { LINES[(turn - 1) % LINES.len()] };
        let prompt = json!({"type": "prompt", "voicePrompt": line, "lang": "en-US", "last": true});
        ws.send(Message::Text(prompt.to_string().into())).await.map_err(|e| e.to_string())?;
        let sent = Instant::now();
        outcome.said.push(format!("business: {line}"));
        let mut first: Option<u32> = None;
        let mut reply = String::new();
        loop {
            let frame = match tokio::time::timeout(REPLY_TIMEOUT, ws.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(Some(Err(e))) => return Err(format!("turn {}: {e}", turn + 1)),
                Ok(None) => return Err(format!("turn {}: the server closed the relay", turn + 1)),
                Err(_) => {
                    outcome.failed_turns += 1;
                    break;
                }
            };
            let Ok(text) = frame.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            match v["type"].as_str() {
                Some("text") => {
                    first.get_or_insert_with(|| sent.elapsed().as_micros() as u32);
                    reply.push_str(v["token"].as_str().unwrap_or_default());
                    if v["last"] == true {
                        break;
                    }
                }
                Some("end") => {
                    outcome.said.push(format!("assistant: {} (ended the call)", reply.trim()));
                    return Err(format!("turn {}: the assistant ended the call", turn + 1));
                }
                _ => {}
            }
        }
        if let Some(us) = first {
            outcome.replies.push((us, reply.contains(mock_model::REPLY)));
        }
        outcome.said.push(format!("assistant: {}", reply.trim()));
        tokio::time::sleep(GAP).await;
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// The value after `prefix` up to the next quote, unescaped.
fn attribute(xml: &str, prefix: &str) -> Option<String> {
    Some(xml.split(prefix).nth(1)?.split('"').next()?.replace("&amp;", "&"))
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn signed_post(http: &reqwest::Client, url: &str, params: &[(String, String)]) -> Result<String, String> {
    let res = http
        .post(url)
        .header("x-twilio-signature", sign(TOKEN, url, params))
        .form(params)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = res.status();
    let body = res.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("POST {url}: {status} {body}"));
    }
    Ok(body)
}

/// Twilio's REST API, as far as the server uses it: create a call.
async fn play_twilio_api(dialled: mpsc::UnboundedSender<Dialled>) -> Result<String, String> {
    async fn create_call(
        State((dialled, next)): State<(mpsc::UnboundedSender<Dialled>, Arc<AtomicU64>)>,
        axum::Form(form): axum::Form<Vec<(String, String)>>,
    ) -> axum::response::Response {
        let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let sid = format!("CA{:032x}", next.fetch_add(1, Ordering::Relaxed));
        let _ = dialled.send(Dialled { sid: sid.clone(), voice_url: get("Url"), status_url: get("StatusCallback") });
        (StatusCode::CREATED, axum::Json(json!({"sid": sid, "status": "queued"}))).into_response()
    }
    let app = axum::Router::new()
        .route("/2010-04-01/Accounts/{account}/Calls.json", axum::routing::post(create_call))
        .with_state((dialled, Arc::new(AtomicU64::new(1))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

async fn wait_until_up(http: &reqwest::Client, url: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = http.get(url).send().await
            && res.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{url} did not answer within a minute"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs up the benchmark's user; its session cookie.
async fn sign_up(http: &reqwest::Client, public: &str) -> Result<String, String> {
    let res = http
        .post(format!("{public}/api/auth/signup"))
        .json(&json!({"email": "bench@example.com", "password": "benchmark-password", "display_name": "Bench"}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != StatusCode::CREATED {
        return Err(format!("sign-up answered {}", res.status()));
    }
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("cw_session=").map(|rest| rest.split(';').next().unwrap_or_default().to_owned()))
        .ok_or_else(|| "sign-up set no session cookie".to_owned())
}

/// A browser following the user's live events; the count of segments it got.
async fn follow_events(public: &str, cookie: &str) -> Result<Arc<AtomicU64>, String> {
    let mut request = format!("{}/ws", public.replacen("http", "ws", 1)).into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("cookie", format!("cw_session={cookie}").parse().map_err(|_| "cookie")?);
    request.headers_mut().insert("origin", public.parse().map_err(|_| "origin")?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| format!("/ws: {e}"))?;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = ws.next().await {
            if frame.to_text().is_ok_and(|t| t.contains("\"segment_appended\"")) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    Ok(received)
}

async fn create_task(http: reqwest::Client, public: String, cookie: String) -> Result<String, String> {
    let res = http
        .post(format!("{public}/api/call-tasks"))
        .header("cookie", format!("cw_session={cookie}"))
        .json(&json!({"raw_instruction": INSTRUCTION}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let v: Value = res.json().await.map_err(|e| e.to_string())?;
    if status != StatusCode::CREATED || v["call_task"]["status"] != "ready_to_call" {
        return Err(format!("creating a task answered {status}: {v}"));
    }
    Ok(v["call_task"]["id"].as_str().unwrap_or_default().to_owned())
}

async fn start_call(http: reqwest::Client, public: String, cookie: String, id: String) -> Result<(), String> {
    let res = http
        .post(format!("{public}/api/call-tasks/{id}/start-call"))
        .header("cookie", format!("cw_session={cookie}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("starting a call answered {}: {}", res.status(), res.text().await.unwrap_or_default()));
    }
    Ok(())
}

/// Runs `job(0..n)`, `width` at a time, in order of completion.
async fn for_each<F, Fut, T>(n: usize, width: usize, job: F) -> Result<Vec<T>, String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    futures::stream::iter(0..n).map(job).buffer_unordered(width).collect::<Vec<_>>().await.into_iter().collect()
}

/// What PostgreSQL ran while the calls did, when `pg_stat_statements` is
/// loaded (`shared_preload_libraries`); nothing otherwise.
struct Statements(Option<sqlx::PgConnection>);

impl Statements {
    /// Counts from now on.
    async fn start(database_url: &str) -> Statements {
        let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(database_url).await else { return Statements(None) };
        let ready = sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();")
            .execute(&mut conn)
            .await;
        Statements(ready.is_ok().then_some(conn))
    }

    /// The statements that took the most time since [`Statements::start`]:
    /// how often each ran, its time in all and its mean (ms).
    async fn top(self) -> Value {
        let Some(mut conn) = self.0 else { return Value::Null };
        let rows: Result<Vec<(i64, f64, f64, String)>, _> = sqlx::query_as(
            "SELECT calls, total_exec_time, mean_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 120)
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY total_exec_time DESC LIMIT 12",
        )
        .fetch_all(&mut conn)
        .await;
        let round = |ms: f64| (ms * 1000.0).round() / 1000.0;
        rows.map(|rows| {
            rows.into_iter()
                .map(|(calls, total, mean, query)| json!({"calls": calls, "total_ms": round(total), "mean_ms": round(mean), "query": query}))
                .collect()
        })
        .unwrap_or(Value::Null)
    }
}

async fn segments_stored(database_url: &str) -> Result<i64, String> {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(database_url).await.map_err(|e| e.to_string())?;
    sqlx::query_scalar("SELECT count(*) FROM call_transcript_segments").fetch_one(&mut conn).await.map_err(|e| e.to_string())
}

/// SIGTERM, then up to ten seconds for the server to drain and stop.
async fn stop(server: &mut Child) {
    if let Some(pid) = server.id() {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        if tokio::time::timeout(Duration::from_secs(10), server.wait()).await.is_ok() {
            return;
        }
    }
    let _ = server.kill().await;
}

/// Linux reports CPU time in clock ticks of 1/100 s.
const CLOCK_TICKS: f64 = 100.0;

fn cpu(server: u32, model: u32) -> Cpu {
    let (machine_busy, machine_total) = machine_ticks().unwrap_or_default();
    Cpu {
        server: process_ticks(&format!("/proc/{server}/stat")).unwrap_or(0),
        postgres: postgres_ticks(),
        generator: process_ticks("/proc/self/stat").unwrap_or(0),
        model: process_ticks(&format!("/proc/{model}/stat")).unwrap_or(0),
        machine_busy,
        machine_total,
    }
}

/// User plus system time of a process (fields 14 and 15 of its `stat`).
fn process_ticks(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    let after_name = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Every PostgreSQL process on the machine (the postmaster, its workers and
/// the backends of every connection), by pid.
fn postgres_ticks() -> HashMap<u32, u64> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return HashMap::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path())))
        .filter(|(_, path)| std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(|(pid, path)| Some((pid, process_ticks(&path.join("stat").to_string_lossy())?)))
        .collect()
}

/// PostgreSQL's CPU between two snapshots: what each process used since the
/// first (all of it for a process started since). Processes that ended in
/// between are not counted.
fn postgres_used(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> u64 {
    after.iter().map(|(pid, ticks)| ticks.saturating_sub(before.get(pid).copied().unwrap_or(0))).sum()
}

/// The machine's busy and total ticks over all cores (`/proc/stat`).
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|t| t.parse().ok()).collect();
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some((total - idle, total))
}
