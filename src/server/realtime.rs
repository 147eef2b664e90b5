//! Live events: one hub per process, fed by PostgreSQL LISTEN/NOTIFY so an
//! event published by any server process reaches every browser (through
//! `/ws`, in `http`). Mid-call approval decisions wake whichever process
//! holds the call the same way; the decision itself is read from the
//! approvals table, so a NOTIFY from anyone who can reach the database
//! cannot approve a price. Nothing personal travels: transcript segments
//! travel as ids only (see `journal`), and the process that stored them
//! delivers them to its own browsers at once, another reads them from the
//! table; notifications and approval requests travel as ids too, and are
//! read (and decrypted) by each process that has browsers to tell.

use crate::domain::enums::Speaker;
use crate::domain::events::ServerEvent;
use crate::server::crypto::Cipher;
use crate::server::db::Db;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

pub const CHANNEL: &str = "callwright_events";
/// Stand-ins for ids a statement learns itself (a row's owner, a new row's
/// id): an event's payload is built with them in place, and the statement's
/// `pg_notify` puts each id in (`replace(payload, mark, id::text)`). No real
/// id is one of them (they are not random UUIDs).
pub const MARKS: [Uuid; 3] = [Uuid::from_u128(u128::MAX), Uuid::from_u128(u128::MAX - 1), Uuid::from_u128(u128::MAX - 2)];
/// Events a slow browser may fall behind by before it is told to resync.
const BACKLOG: usize = 4096;

/// What travels over NOTIFY.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    Event {
        user_id: Uuid,
        event: ServerEvent,
    },
    /// "Look at the approvals table": no decision travels here.
    Approval {
        call_session_id: Uuid,
    },
    /// Transcript segments stored by the process `origin`: their ids only.
    Segments {
        origin: Uuid,
        ids: Vec<Uuid>,
    },
    /// A notification was recorded (its message is read from the table).
    Notification {
        user_id: Uuid,
        notification_id: Uuid,
    },
    /// Answering-machine detection's verdict on a call (for whichever
    /// process holds it; it needs no browser).
    Answered {
        call_session_id: Uuid,
        machine: bool,
    },
    /// A call asks its user about a price (the request is read from the table).
    ApprovalAsked {
        user_id: Uuid,
        call_session_id: Uuid,
        call_task_id: Uuid,
    },
}

impl Wire {
    /// How `event` for `user_id` travels: whatever carries personal text
    /// goes as the ids to read it by.
    fn of(user_id: Uuid, event: ServerEvent) -> Wire {
        match event {
            ServerEvent::NotificationCreated { notification_id, .. } => Wire::Notification { user_id, notification_id },
            ServerEvent::ApprovalRequested { call_session_id, call_task_id, .. } => {
                Wire::ApprovalAsked { user_id, call_session_id, call_task_id }
            }
            event => Wire::Event { user_id, event },
        }
    }
}

/// An event for one user.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `None` for everyone (e.g. `Resync` after the listener reconnects).
    pub user_id: Option<Uuid>,
    pub event: ServerEvent,
}

#[derive(Clone)]
pub struct Hub {
    events: broadcast::Sender<Arc<Envelope>>,
    approvals: Arc<Mutex<HashMap<Uuid, oneshot::Sender<()>>>>,
    /// Calls answering-machine detection said a machine answered, lately.
    machines: Arc<Mutex<Recent>>,
    /// Calls that ended lately (a final status, reported to any process).
    ended: Arc<Mutex<Recent>>,
    /// This server process: segments it stored are delivered locally.
    instance: Uuid,
}

impl Hub {
    pub fn new(instance: Uuid) -> Hub {
        Hub {
            events: broadcast::channel(BACKLOG).0,
            approvals: Arc::new(Mutex::new(HashMap::new())),
            machines: Arc::new(Mutex::new(Recent::default())),
            ended: Arc::new(Mutex::new(Recent::default())),
            instance,
        }
    }

    /// Delivers `event` to `user_id`'s browsers connected to this process
    /// (for what this process has just committed).
    pub fn local(&self, user_id: Uuid, event: ServerEvent) {
        let _ = self.events.send(Arc::new(Envelope { user_id: Some(user_id), event }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.events.subscribe()
    }

    /// Registers the live call `session_id` as waiting for a decision: the
    /// receiver fires when one may have been recorded (read it from the table).
    pub fn await_approval(&self, session_id: Uuid) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.approvals.lock().expect("approval registry").insert(session_id, tx);
        rx
    }

    pub fn forget_approval(&self, session_id: Uuid) {
        self.approvals.lock().expect("approval registry").remove(&session_id);
    }

    /// Whether answering-machine detection has said (in the last ten
    /// minutes, to any process) that a machine answered the call: asked by
    /// the engine before its first words, without a query.
    pub fn machine_answered(&self, session_id: Uuid) -> bool {
        self.machines.lock().expect("machine registry").calls.contains(&session_id)
    }

    /// Takes note that a call ended (this process's own final statuses at
    /// once, other processes' over NOTIFY): what was prepared for its relay
    /// is no longer to be trusted.
    pub fn call_ended(&self, session_id: Uuid) {
        self.ended.lock().expect("ended registry").insert(session_id);
    }

    /// Whether the call ended in the last ten minutes, as far as this
    /// process has heard.
    pub fn has_ended(&self, session_id: Uuid) -> bool {
        self.ended.lock().expect("ended registry").calls.contains(&session_id)
    }

    /// Takes note of answering-machine detection's verdict on a call (this
    /// process's own record of it at once; other processes' over NOTIFY).
    pub fn answered(&self, session_id: Uuid, machine: bool) {
        if machine {
            self.machines.lock().expect("machine registry").insert(session_id);
        }
    }

    async fn deliver(&self, wire: Wire, store: &Store) {
        match wire {
            Wire::Event { user_id, event } => {
                if let ServerEvent::SessionStatus { call_session_id, status, .. } = &event
                    && status.is_terminal()
                {
                    self.call_ended(*call_session_id);
                }
                self.local(user_id, event)
            }
            Wire::Answered { call_session_id, machine } => self.answered(call_session_id, machine),
            Wire::Approval { call_session_id } => {
                if let Some(waiter) = self.approvals.lock().expect("approval registry").remove(&call_session_id) {
                    let _ = waiter.send(());
                }
            }
            // Ours were delivered when stored; others are read only when a browser listens here.
            Wire::Segments { origin, .. } if origin == self.instance => {}
            Wire::Segments { .. } | Wire::Notification { .. } | Wire::ApprovalAsked { .. }
                if self.events.receiver_count() == 0 => {}
            Wire::Segments { ids, .. } => match read_segments(store, &ids).await {
                Ok(events) => {
                    for (user_id, event) in events {
                        self.local(user_id, event);
                    }
                }
                Err(e) => self.unreadable("segments", e),
            },
            Wire::Notification { user_id, notification_id } => match read_notification(store, notification_id).await {
                Ok(Some(event)) => self.local(user_id, event),
                // Deleted with its task meanwhile: nothing to tell.
                Ok(None) => {}
                Err(e) => self.unreadable("a notification", e),
            },
            Wire::ApprovalAsked { user_id, call_session_id, call_task_id } => {
                match read_approval(store, call_session_id, call_task_id).await {
                    Ok(Some(event)) => self.local(user_id, event),
                    Ok(None) => {}
                    Err(e) => self.unreadable("an approval request", e),
                }
            }
        }
    }

    /// Events may have been missed while the listener was away: every
    /// browser refetches, and every call waiting for a decision looks at the
    /// approvals table (one may have been recorded meanwhile).
    fn missed(&self) {
        let _ = self.events.send(Arc::new(Envelope { user_id: None, event: ServerEvent::Resync }));
        let waiting: Vec<oneshot::Sender<()>> =
            self.approvals.lock().expect("approval registry").drain().map(|(_, waiter)| waiter).collect();
        for waiter in waiting {
            let _ = waiter.send(());
        }
    }

    /// What was announced cannot be read: every browser refetches.
    fn unreadable(&self, what: &str, error: String) {
        tracing::warn!(error = %error, "cannot read {what} announced over NOTIFY; browsers resync");
        let _ = self.events.send(Arc::new(Envelope { user_id: None, event: ServerEvent::Resync }));
    }
}

/// How long a call is remembered (a machine verdict, an end): its opening,
/// or the relay it was prepared for, is long over by then.
const REMEMBERED: std::time::Duration = std::time::Duration::from_secs(600);

/// Calls something happened to lately, and when (oldest first).
#[derive(Default)]
struct Recent {
    calls: std::collections::HashSet<Uuid>,
    order: std::collections::VecDeque<(std::time::Instant, Uuid)>,
}

impl Recent {
    fn insert(&mut self, session_id: Uuid) {
        while self.order.front().is_some_and(|(at, _)| at.elapsed() > REMEMBERED) {
            if let Some((_, old)) = self.order.pop_front() {
                self.calls.remove(&old);
            }
        }
        if self.calls.insert(session_id) {
            self.order.push_back((std::time::Instant::now(), session_id));
        }
    }
}

/// Where segments announced by id are read from.
pub struct Store {
    pub db: Db,
    pub cipher: Cipher,
}

#[derive(sqlx::FromRow)]
struct StoredSegment {
    id: Uuid,
    speaker: String,
    content: String,
    timestamp_ms: i32,
    call_session_id: Uuid,
    call_task_id: Uuid,
    user_id: Uuid,
}

/// The segments `ids` as events for their users, in transcript order.
async fn read_segments(store: &Store, ids: &[Uuid]) -> Result<Vec<(Uuid, ServerEvent)>, String> {
    let rows: Vec<StoredSegment> = sqlx::query_as(
        "SELECT g.id, g.speaker, g.content, g.timestamp_ms, s.id AS call_session_id, s.call_task_id, t.user_id
         FROM call_transcript_segments g
         JOIN call_transcripts r ON r.id = g.call_transcript_id
         JOIN call_sessions s ON s.id = r.call_session_id
         JOIN call_tasks t ON t.id = s.call_task_id
         WHERE g.id = ANY($1) ORDER BY g.timestamp_ms, g.seq",
    )
    .bind(ids)
    .fetch_all(store.db.system())
    .await
    .map_err(|e| e.to_string())?;
    rows.into_iter()
        .map(|row| {
            let speaker: Speaker = row.speaker.parse().map_err(|_| format!("stored speaker `{}`", row.speaker))?;
            let content = store.cipher.decrypt(&row.content).map_err(|e| e.to_string())?;
            let event = ServerEvent::SegmentAppended {
                call_session_id: row.call_session_id,
                call_task_id: row.call_task_id,
                segment_id: row.id,
                speaker,
                content,
                timestamp_ms: row.timestamp_ms,
            };
            Ok((row.user_id, event))
        })
        .collect()
}

/// The notification `id` as its event, if it still exists.
async fn read_notification(store: &Store, id: Uuid) -> Result<Option<ServerEvent>, String> {
    let row: Option<(String, String, Option<Uuid>, Option<Uuid>)> =
        sqlx::query_as("SELECT notification_type, message, call_task_id, call_session_id FROM notifications WHERE id = $1")
            .bind(id)
            .fetch_optional(store.db.system())
            .await
            .map_err(|e| e.to_string())?;
    let Some((kind, message, call_task_id, call_session_id)) = row else { return Ok(None) };
    Ok(Some(ServerEvent::NotificationCreated {
        notification_id: id,
        notification_type: kind.parse().map_err(|_| format!("stored notification type `{kind}`"))?,
        message: store.cipher.open(&message).map_err(|e| e.to_string())?,
        call_task_id,
        call_session_id,
    }))
}

/// The call's latest approval request as its event, if there is one.
async fn read_approval(store: &Store, call_session_id: Uuid, call_task_id: Uuid) -> Result<Option<ServerEvent>, String> {
    let row: Option<(f64, f64, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT amount::float8, limit_amount::float8, currency, reason, expires_at FROM call_approvals
         WHERE call_session_id = $1 ORDER BY requested_at DESC LIMIT 1",
    )
    .bind(call_session_id)
    .fetch_optional(store.db.system())
    .await
    .map_err(|e| e.to_string())?;
    let Some((amount, limit, currency, reason, expires_at)) = row else { return Ok(None) };
    Ok(Some(ServerEvent::ApprovalRequested {
        call_session_id,
        call_task_id,
        amount,
        limit,
        currency,
        reason: store.cipher.open(&reason).map_err(|e| e.to_string())?,
        expires_at,
    }))
}

/// The NOTIFY payloads announcing segments `ids` stored by `origin`: as few
/// as fit under the payload limit.
pub fn segment_payloads(origin: Uuid, ids: &[Uuid]) -> Vec<String> {
    // A uuid takes 39 bytes in the list; the rest of the payload under 100.
    const PER_PAYLOAD: usize = (MAX_PAYLOAD - 100) / 39;
    ids.chunks(PER_PAYLOAD)
        .map(|chunk| serde_json::to_string(&Wire::Segments { origin, ids: chunk.to_vec() }).unwrap_or_default())
        .collect()
}

/// NOTIFY payloads must stay under PostgreSQL's 8000-byte limit.
const MAX_PAYLOAD: usize = 7800;

/// What travels for `wire`. An event too big to travel (a very long
/// utterance, say) becomes a `Resync` for its user, who refetches instead;
/// the change itself still commits.
fn payload(wire: &Wire) -> String {
    let payload = serde_json::to_string(wire).unwrap_or_default();
    match wire {
        Wire::Event { user_id, .. } if payload.len() > MAX_PAYLOAD => {
            serde_json::to_string(&Wire::Event { user_id: *user_id, event: ServerEvent::Resync }).unwrap_or_default()
        }
        _ => payload,
    }
}

/// The NOTIFY payload announcing answering-machine detection's verdict.
pub fn answered_payload(call_session_id: Uuid, machine: bool) -> String {
    payload(&Wire::Answered { call_session_id, machine })
}

/// The NOTIFY payload that publishes `event` to `user_id`'s browsers, for
/// a statement that sends it itself (`SELECT pg_notify(CHANNEL, ...)`).
pub fn payload_of(user_id: Uuid, event: ServerEvent) -> String {
    payload(&Wire::of(user_id, event))
}

async fn notify(conn: &mut PgConnection, wire: &Wire) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload(wire)).execute(conn).await?;
    Ok(())
}

/// Publishes `event` to `user_id`'s browsers. Inside a transaction it is
/// delivered when (and only if) the transaction commits. A notification or
/// an approval request travels as its ids (see [`Wire::of`]).
pub async fn publish(conn: &mut PgConnection, user_id: Uuid, event: ServerEvent) -> Result<(), sqlx::Error> {
    notify(conn, &Wire::of(user_id, event)).await
}

/// Wakes the process holding the call: a decision was recorded.
pub async fn send_approval(conn: &mut PgConnection, call_session_id: Uuid) -> Result<(), sqlx::Error> {
    notify(conn, &Wire::Approval { call_session_id }).await
}

/// Listens for NOTIFY and feeds the hub, reconnecting after failures (and
/// telling every browser to resync and every waiting call to look again,
/// since events may have been missed).
pub async fn run_listener(database_url: String, hub: Hub, store: Store) {
    let mut first = true;
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot LISTEN for events; retrying");
                } else {
                    if !first {
                        hub.missed();
                    }
                    first = false;
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => match serde_json::from_str::<Wire>(n.payload()) {
                                Ok(wire) => hub.deliver(wire, &store).await,
                                Err(e) => tracing::warn!(error = %e, "unreadable event payload"),
                            },
                            // The connection dropped and was made again (LISTEN included).
                            Ok(None) => {
                                tracing::warn!("event listener lost its connection and listens again");
                                hub.missed();
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener lost its connection");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "event listener cannot connect; retrying"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::Speaker;

    fn segment(content: String) -> ServerEvent {
        ServerEvent::SegmentAppended {
            call_session_id: Uuid::nil(),
            call_task_id: Uuid::nil(),
            segment_id: Uuid::nil(),
            speaker: Speaker::Human,
            content,
            timestamp_ms: 0,
        }
    }

    #[test]
    fn events_travel_whole_and_come_back_the_same() {
        let user_id = Uuid::from_u128(7);
        let sent = Wire::Event { user_id, event: segment("Hello, Bright Smiles Dental.".into()) };
        let back: Wire = serde_json::from_str(&payload(&sent)).unwrap();
        match back {
            Wire::Event { user_id: to, event } => {
                assert_eq!(to, user_id);
                assert_eq!(event, segment("Hello, Bright Smiles Dental.".into()));
            }
            other => panic!("{other:?}"),
        }
        let approval = Wire::Approval { call_session_id: Uuid::from_u128(9) };
        assert!(!payload(&approval).contains("approved"), "no decision travels over NOTIFY");
    }

    #[test]
    fn notifications_and_approval_requests_travel_as_ids() {
        let user_id = Uuid::from_u128(7);
        let notice = ServerEvent::NotificationCreated {
            notification_id: Uuid::from_u128(1),
            notification_type: crate::domain::enums::NotificationType::ApprovalNeeded,
            message: "Approval needed on your call: They quoted $300 for the fence".into(),
            call_task_id: Some(Uuid::from_u128(2)),
            call_session_id: Some(Uuid::from_u128(3)),
        };
        let asked = ServerEvent::ApprovalRequested {
            call_session_id: Uuid::from_u128(3),
            call_task_id: Uuid::from_u128(2),
            amount: 300.0,
            limit: 250.0,
            currency: "USD".into(),
            reason: "They quoted $300 for the fence".into(),
            expires_at: chrono::Utc::now(),
        };
        for event in [notice, asked] {
            let text = payload(&Wire::of(user_id, event));
            assert!(!text.contains("fence") && !text.contains("300"), "{text}");
        }
        let status = ServerEvent::TaskStatus { call_task_id: Uuid::nil(), status: crate::domain::enums::TaskStatus::Completed };
        assert!(matches!(Wire::of(user_id, status.clone()), Wire::Event { event, .. } if event == status));
    }

    #[test]
    fn an_event_too_big_for_notify_becomes_a_resync_for_its_user_only() {
        let user_id = Uuid::from_u128(7);
        // Multi-byte text: the limit is in bytes, not characters.
        let long = "ü".repeat(MAX_PAYLOAD / 2 + 10);
        let text = payload(&Wire::Event { user_id, event: segment(long) });
        assert!(text.len() <= MAX_PAYLOAD, "{} bytes", text.len());
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert!(matches!(back, Wire::Event { user_id: to, event: ServerEvent::Resync } if to == user_id));
        // Just under the limit still travels whole.
        let fits = "x".repeat(MAX_PAYLOAD - 400);
        let text = payload(&Wire::Event { user_id, event: segment(fits.clone()) });
        assert!(text.contains(&fits));
    }
}
