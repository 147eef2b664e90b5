//! `GET /ws`: the signed-in user's live events, as JSON text frames.

use crate::domain::events::ServerEvent;
use crate::server::accounts::CurrentUser;
use crate::server::realtime::Envelope;
use crate::server::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use std::sync::Arc;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Read and write buffer of the events socket (small JSON frames).
const BUFFER: usize = 8 * 1024;

pub async fn events(State(state): State<AppState>, user: CurrentUser, upgrade: WebSocketUpgrade) -> Response {
    let events = state.hub.subscribe();
    upgrade.read_buffer_size(BUFFER).write_buffer_size(BUFFER).on_upgrade(move |socket| forward(socket, events, user.id))
}

/// Sends `user_id`'s events (and everyone's `Resync`) until either side
/// stops; a lagging socket is told to resync.
async fn forward(mut socket: WebSocket, mut events: broadcast::Receiver<Arc<Envelope>>, user_id: Uuid) {
    loop {
        tokio::select! {
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
