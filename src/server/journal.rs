//! What live calls write on every turn, group-committed. One writer per
//! process takes the transcript segments of every live call over a channel
//! and stores whatever gathered while the previous batch was being written,
//! and in the few milliseconds after, in one statement: one multi-row
//! insert and one NOTIFY carrying the new rows' ids (never their text),
//! committed together. Each call is acknowledged once its rows are
//! durable, and only then are they published to this process's browsers,
//! so a segment is always stored before anyone sees it. A write that fails
//! because the database is unreachable (it restarts, or dropped its
//! connections) is tried again for up to 30 s while the calls wait; a batch
//! that fails otherwise is written again one call at a time, so one bad row
//! (a task purged mid-call) fails only its own call.
//!
//! The calls a process holds beat together: one statement per interval marks
//! them all alive, however many there are.

use crate::domain::enums::Speaker;
use crate::domain::events::ServerEvent;
use crate::server::crypto::Cipher;
use crate::server::db::Db;
use crate::server::error::{ApiError, ApiResult};
use crate::server::metrics::METRICS;
use crate::server::realtime::{self, Hub};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// An utterance to store, with whose call it is.
#[derive(Debug, Clone)]
pub struct NewSegment {
    pub transcript_id: Uuid,
    pub session_id: Uuid,
    pub task_id: Uuid,
    pub user_id: Uuid,
    pub speaker: Speaker,
    pub content: String,
    pub timestamp_ms: i32,
    pub confidence: Option<f64>,
}

/// Segments of one call, stored together, in order, under ids chosen
/// once (so a write retried after a lost connection stores each once).
struct Submission {
    segments: Vec<NewSegment>,
    ids: Vec<Uuid>,
    stored: oneshot::Sender<ApiResult<()>>,
}

/// Rows written in one statement at most.
const MAX_ROWS: usize = 512;
/// How long the writer waits, after a call's lines arrive, for other calls'
/// lines to share the write: each write costs the database a statement's
/// fixed work and a commit, and at a thousand calls this cut the writes to
/// a third and the database's CPU by a fifth. Lines are stored after they
/// were said, so only browsers wait for it, a few milliseconds.
const GATHER: Duration = Duration::from_millis(4);
/// Submissions that may wait for the writer before callers wait to submit.
const QUEUE: usize = 8192;

/// The process's journal of live calls.
#[derive(Clone)]
pub struct Journal {
    submit: mpsc::Sender<Submission>,
    held: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Journal {
    /// Starts the writer and the heartbeat; both run until the process stops.
    pub fn start(
        db: Db,
        cipher: Cipher,
        hub: Hub,
        instance: Uuid,
        beat_every: Duration,
    ) -> (Journal, Vec<tokio::task::JoinHandle<()>>) {
        let (submit, queue) = mpsc::channel(QUEUE);
        let held = Arc::new(Mutex::new(HashMap::new()));
        let writer = tokio::spawn(write(db.clone(), cipher, hub, instance, queue));
        let beater = tokio::spawn(beat(db, instance, held.clone(), beat_every));
        (Journal { submit, held }, vec![writer, beater])
    }

    /// Stores `segments` (encrypted, in order) and publishes them once
    /// stored. Returns when they are durable.
    pub async fn append(&self, segments: Vec<NewSegment>) -> ApiResult<()> {
        if segments.is_empty() {
            return Ok(());
        }
        let (stored, done) = oneshot::channel();
        let gone = || ApiError::new(crate::domain::error::ErrorCode::Unavailable, "The transcript writer has stopped.");
        let ids = segments.iter().map(|_| Uuid::new_v4()).collect();
        self.submit.send(Submission { segments, ids, stored }).await.map_err(|_| gone())?;
        done.await.map_err(|_| gone())?
    }

    /// Marks the live call `session_id` as held by this process: it beats
    /// with the others until the returned guard is dropped (when the engine
    /// lets go of the call, or its task dies).
    pub fn hold(&self, session_id: Uuid) -> Held {
        *self.held.lock().expect("held calls").entry(session_id).or_default() += 1;
        Held { session_id, held: self.held.clone() }
    }

    /// How many calls this process holds.
    pub fn holding(&self) -> usize {
        self.held.lock().expect("held calls").len()
    }
}

/// A live call this process holds; dropping it stops its heartbeat.
pub struct Held {
    session_id: Uuid,
    held: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.held.lock().expect("held calls");
        if let Some(n) = held.get_mut(&self.session_id) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.session_id);
            }
        }
    }
}

async fn write(db: Db, cipher: Cipher, hub: Hub, instance: Uuid, mut queue: mpsc::Receiver<Submission>) {
    let mut batch: Vec<Submission> = Vec::new();
    while let Some(first) = queue.recv().await {
        let mut rows = first.segments.len();
        batch.push(first);
        // Other calls' lines that come within a moment share the write.
        let until = tokio::time::Instant::now() + GATHER;
        while rows < MAX_ROWS {
            match tokio::time::timeout_at(until, queue.recv()).await {
                Ok(Some(next)) => {
                    rows += next.segments.len();
                    batch.push(next);
                }
                Ok(None) | Err(_) => break,
            }
        }
        match store_retrying(&db, &cipher, instance, &batch).await {
            Ok(()) => acknowledge(&hub, std::mem::take(&mut batch)),
            // Rows at fault (not the connection, which was already given its time): find whose.
            Err(e) if batch.len() > 1 && !lost_connection(&e) => {
                tracing::warn!(error = %e, calls = batch.len(), "a batch of segments failed; storing each call's alone");
                for submission in std::mem::take(&mut batch) {
                    let one = [submission];
                    match store_retrying(&db, &cipher, instance, &one).await {
                        Ok(()) => acknowledge(&hub, one.into()),
                        Err(e) => {
                            let [submission] = one;
                            let _ = submission.stored.send(Err(e.into()));
                        }
                    }
                }
            }
            Err(e) => {
                let error: ApiError = e.into();
                for submission in batch.drain(..) {
                    let _ = submission.stored.send(Err(error.clone()));
                }
            }
        }
    }
}

/// How long a write is retried while the database is unreachable (it
/// restarts, or dropped our connections) before its calls are told.
const RETRY_FOR: Duration = Duration::from_secs(30);

/// [`store`], again after a pause while the failure is the database's
/// connection rather than the rows (the calls wait meanwhile; nothing said
/// is lost).
async fn store_retrying(db: &Db, cipher: &Cipher, instance: Uuid, batch: &[Submission]) -> Result<(), sqlx::Error> {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match store(db, cipher, instance, batch).await {
            Err(e) if lost_connection(&e) && started.elapsed() < RETRY_FOR => {
                tracing::warn!(error = %e, "the database is unreachable; storing the call's lines again shortly");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            done => return done,
        }
    }
}

/// Whether `e` says the connection failed (the server restarting, a
/// dropped or refused connection), not the statement.
fn lost_connection(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        // Class 08: connection exception; 57P0x: the server is shutting down or starting.
        sqlx::Error::Database(e) => e.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// The batch is durable: tell each call, then this process's browsers.
fn acknowledge(hub: &Hub, batch: Vec<Submission>) {
    for submission in batch {
        for (segment, id) in submission.segments.into_iter().zip(submission.ids) {
            METRICS.published(id);
            hub.local(
                segment.user_id,
                ServerEvent::SegmentAppended {
                    call_session_id: segment.session_id,
                    call_task_id: segment.task_id,
                    segment_id: id,
                    speaker: segment.speaker,
                    content: segment.content,
                    timestamp_ms: segment.timestamp_ms,
                },
            );
        }
        let _ = submission.stored.send(Ok(()));
    }
}

/// Inserts every segment of `batch` and notifies their ids, in one
/// statement (so in one transaction). A row already there (the commit of
/// an earlier try went through, its answer did not) is left as it is.
async fn store(db: &Db, cipher: &Cipher, instance: Uuid, batch: &[Submission]) -> Result<(), sqlx::Error> {
    let rows = batch.iter().map(|s| s.segments.len()).sum();
    let ids: Vec<Uuid> = batch.iter().flat_map(|s| s.ids.iter().copied()).collect();
    let mut owners = Vec::with_capacity(rows);
    let (mut transcripts, mut speakers, mut contents, mut times, mut confidences, mut terms) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    for segment in batch.iter().flat_map(|s| &s.segments) {
        transcripts.push(segment.transcript_id);
        owners.push(segment.user_id);
        speakers.push(segment.speaker.as_str());
        contents.push(cipher.encrypt(&segment.content));
        times.push(segment.timestamp_ms);
        confidences.push(segment.confidence);
        terms.push(array_literal(&cipher.terms_from(&segment.content, SEARCH_PREFIX)));
    }
    sqlx::query(
        "WITH stored AS (
           INSERT INTO call_transcript_segments (id, call_transcript_id, speaker, content, timestamp_ms, confidence, terms, user_id)
           SELECT id, transcript, speaker, content, at, confidence::numeric, terms::bigint[], owner
           FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int4[], $6::float8[], $9::text[], $10::uuid[])
             AS r(id, transcript, speaker, content, at, confidence, terms, owner)
           ON CONFLICT (id) DO NOTHING
         )
         SELECT pg_notify($7, payload) FROM UNNEST($8::text[]) AS payload",
    )
    .bind(&ids)
    .bind(&transcripts)
    .bind(&speakers)
    .bind(&contents)
    .bind(&times)
    .bind(&confidences)
    .bind(realtime::CHANNEL)
    .bind(realtime::segment_payloads(instance, &ids))
    // Each row's terms as an array literal: UNNEST would flatten an array of arrays.
    .bind(&terms)
    .bind(&owners)
    .execute(db.system())
    .await?;
    Ok(())
}

/// The shortest word beginning a line of a call is found by (see
/// [`Cipher::terms_from`]).
pub const SEARCH_PREFIX: usize = 3;

/// `terms` as a PostgreSQL array literal, `{1,-2,3}`.
pub fn array_literal(terms: &[i64]) -> String {
    let inner: Vec<String> = terms.iter().map(i64::to_string).collect();
    format!("{{{}}}", inner.join(","))
}

/// Marks every call this process holds alive, once per interval, in one
/// statement. A call the engine has let go of (its beat cleared) is not
/// brought back by a beat already under way.
async fn beat(db: Db, instance: Uuid, held: Arc<Mutex<HashMap<Uuid, usize>>>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let sessions: Vec<Uuid> = held.lock().expect("held calls").keys().copied().collect();
        if sessions.is_empty() {
            continue;
        }
        let beat = sqlx::query(
            "UPDATE call_session_progress SET heartbeat_at = now(), engine_instance = $2
             WHERE call_session_id = ANY($1) AND heartbeat_at IS NOT NULL",
        )
        .bind(&sessions)
        .bind(instance)
        .execute(db.system())
        .await;
        if let Err(e) = beat {
            tracing::warn!(error = %e, calls = sessions.len(), "cannot record that this process's calls are alive");
        }
    }
}
