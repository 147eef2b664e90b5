//! `GET /ws`: the signed-in user's live events, as JSON text frames.

use crate::domain::events::ServerEvent;
use crate::server::accounts::CurrentUser;
use crate::server::accounts::auth::{check_same_origin, still_valid};
use crate::server::error::ApiError;
use crate::server::realtime::Envelope;
use crate::server::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Read and write buffer of the events socket (small JSON frames).
const BUFFER: usize = 8 * 1024;

/// The largest message a browser may send on it (it sends none we read).
const MAX_MESSAGE: usize = 4 * 1024;
/// Live-event sockets one user may hold open in this process (a few tabs
/// and devices; more is a leak or an attack).
const SOCKETS_PER_USER: usize = 8;
/// How often an open socket checks that its sign-in still holds.
const RECHECK: Duration = Duration::from_secs(10);

/// Open sockets per user in this process.
static OPEN: LazyLock<Mutex<HashMap<Uuid, usize>>> = LazyLock::new(Mutex::default);

/// One user's open socket, counted while it lives.
struct Slot(Uuid);

impl Slot {
    fn take(user: Uuid) -> Option<Slot> {
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(user).or_insert(0);
        if *n >= SOCKETS_PER_USER {
            return None;
        }
        *n += 1;
        Some(Slot(user))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.0) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.0);
            }
        }
    }
}

pub async fn events(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, upgrade: WebSocketUpgrade) -> Response {
    // A page on another site must not read the live transcripts with the
    // user's cookie (cross-site websocket hijacking): the upgrade is a GET,
    // so the Origin is checked here.
    if let Err(e) = check_same_origin(&headers, &state.public_url) {
        return e.into_response();
    }
    let Some(slot) = Slot::take(user.id) else {
        return ApiError::rate_limited(10, format!("At most {SOCKETS_PER_USER} live connections at once; close a tab."))
            .into_response();
    };
    let events = state.hub.subscribe();
    upgrade
        .read_buffer_size(BUFFER)
        .write_buffer_size(BUFFER)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| forward(socket, events, state, user, slot))
}

/// Sends the user's events (and everyone's `Resync`) until either side
/// stops or the sign-in it was opened with ends (signed out, expired,
/// revoked); a lagging socket is told to resync.
async fn forward(
    mut socket: WebSocket,
    mut events: broadcast::Receiver<Arc<Envelope>>,
    state: AppState,
    user: CurrentUser,
    _slot: Slot,
) {
    let user_id = user.id;
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    loop {
        tokio::select! {
            _ = recheck.tick() => {
                if !still_valid(&state, &user.via).await.unwrap_or(true) {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            }
            received = events.recv() => {
                let event = match received {
                    Ok(envelope) if envelope.user_id.is_none_or(|u| u == user_id) => envelope.event.clone(),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => ServerEvent::Resync,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let text = serde_json::to_string(&event).unwrap_or_default();
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
}
