//! `GET /api/relay`: the network opens a call's ConversationRelay websocket
//! here. The upgrade must carry a valid `X-Twilio-Signature` for the public
//! URL (403 otherwise); the socket's text frames are then read and written
//! as typed relay frames and the engine holds the call.

use crate::server::engine;
use crate::server::state::AppState;
use crate::server::telephony::relay::{self, CallError, FRAME_BUFFER, Inbound, Outbound};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt, future};
use tokio_tungstenite::tungstenite;

pub async fn upgrade(State(state): State<AppState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let url = relay::relay_url(&state.public_url);
    let signed =
        headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).is_some_and(|sig| state.telephony.signed(&url, &[], sig));
    if !signed {
        return (StatusCode::FORBIDDEN, "invalid signature").into_response();
    }
    // Relay frames are small JSON texts: small buffers keep a live call light.
    upgrade.read_buffer_size(FRAME_BUFFER).write_buffer_size(FRAME_BUFFER).on_upgrade(move |socket| hold(socket, state))
}

async fn hold(socket: WebSocket, state: AppState) {
    let (sink, stream) = socket.split();
    let frames = stream.filter_map(|message| future::ready(read_frame(message)));
    let sink = sink.sink_map_err(socket_error).with(|frame: Outbound| {
        future::ready(
            serde_json::to_string(&frame)
                .map(|text| Message::Text(text.into()))
                .map_err(|e| CallError::Socket(format!("cannot write a frame: {e}"))),
        )
    });
    match engine::run(state, frames, sink).await {
        Ok(()) => {}
        // The other side hanging up while we speak is an ordinary end of a call.
        Err(CallError::HungUp) => tracing::debug!("the other side hung up"),
        Err(e) => tracing::warn!(error = %e, "live call ended with an error"),
    }
}

/// A websocket message as a relay frame: text frames are parsed (one that
/// is not a frame is logged and skipped), a close ends the stream as a
/// hang-up, control frames are skipped.
fn read_frame(message: Result<Message, axum::Error>) -> Option<Result<Inbound, CallError>> {
    match message {
        Ok(Message::Text(text)) => match serde_json::from_str::<Inbound>(text.as_str()) {
            Ok(frame) => Some(Ok(frame)),
            Err(e) => {
                tracing::warn!(error = %e, "unreadable relay frame skipped");
                None
            }
        },
        Ok(Message::Close(_)) => Some(Err(CallError::HungUp)),
        Ok(_) => None,
        Err(e) => Some(Err(socket_error(e))),
    }
}

/// A socket failure as the call sees it: the peer having gone away is a
/// hang-up; anything else is a socket error.
fn socket_error(e: axum::Error) -> CallError {
    use std::io::ErrorKind;
    let text = e.to_string();
    let gone = match e.into_inner().downcast::<tungstenite::Error>() {
        Ok(e) => match *e {
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => true,
            tungstenite::Error::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake) => true,
            tungstenite::Error::Io(ref io) => matches!(
                io.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::UnexpectedEof
            ),
            _ => false,
        },
        Err(_) => false,
    };
    if gone { CallError::HungUp } else { CallError::Socket(text) }
}
