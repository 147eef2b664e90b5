//! `GET /api/relay?session=&key=`: the network opens a call's
//! ConversationRelay websocket here, at the URL the call's TwiML named. The
//! upgrade must carry a valid `X-Twilio-Signature` for that whole URL, and
//! the key must be the one derived for that session (403 otherwise), so a
//! signature captured for one call opens no other. The engine then takes
//! only a `setup` naming the same session, live, with the CallSid the
//! network reported. The socket's text frames are read and written as
//! typed relay frames and the engine holds the call.

use crate::server::crypto::token_digest;
use crate::server::engine;
use crate::server::state::AppState;
use crate::server::telephony::relay::{self, CallError, FRAME_BUFFER, Inbound, Outbound};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt, future};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_tungstenite::tungstenite;
use uuid::Uuid;

#[derive(serde::Deserialize)]
pub struct RelayQuery {
    session: Option<Uuid>,
    key: Option<String>,
}

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<RelayQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let forbidden = |why: &'static str| (StatusCode::FORBIDDEN, why).into_response();
    let (Some(session_id), Some(key)) = (query.session, query.key) else {
        return forbidden("this relay URL names no call");
    };
    let url = match uri.query() {
        Some(q) => format!("{}?{q}", relay::relay_url(&state.public_url)),
        None => relay::relay_url(&state.public_url),
    };
    let signed =
        headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).is_some_and(|sig| state.telephony.signed(&url, &[], sig));
    if !signed {
        return forbidden("invalid signature");
    }
    // Compared as digests: the time taken says nothing about the key.
    let expected = state.cipher.derive_secret(&relay::key_purpose(session_id));
    if token_digest(&expected) != token_digest(&key) {
        return forbidden("this relay URL is not the call's");
    }
    // Relay frames are small JSON texts: small buffers keep a live call light.
    upgrade
        .read_buffer_size(FRAME_BUFFER)
        .write_buffer_size(FRAME_BUFFER)
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| hold(socket, state, session_id))
}

/// The largest relay frame taken: an utterance is a few hundred bytes.
const MAX_FRAME: usize = 64 * 1024;

async fn hold(socket: WebSocket, state: AppState, session_id: Uuid) {
    let (sink, stream) = socket.split();
    let frames = stream.filter_map(|message| future::ready(read_frame(message)));
    let sink = EveryError { sink, map: socket_error }.with(|frame: Outbound| {
        future::ready(
            serde_json::to_string(&frame)
                .map(|text| Message::Text(text.into()))
                .map_err(|e| CallError::Socket(format!("cannot write a frame: {e}"))),
        )
    });
    match engine::run(state, session_id, frames, sink).await {
        Ok(()) => {}
        // The other side hanging up while we speak is an ordinary end of a call.
        Err(CallError::HungUp) => tracing::debug!("the other side hung up"),
        Err(e) => tracing::warn!(error = %e, "live call ended with an error"),
    }
}

/// A sink with each of its errors mapped by `map`. (futures'
/// `sink_map_err` maps the first error only and panics at the next: a call
/// whose other side went away mid-sentence would panic on its next write.)
struct EveryError<S, F> {
    sink: S,
    map: F,
}

impl<S, F, Item> futures::Sink<Item> for EveryError<S, F>
where
    S: futures::Sink<Item> + Unpin,
    F: Fn(S::Error) -> CallError + Unpin,
{
    type Error = CallError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        let this = &mut *self;
        Pin::new(&mut this.sink).poll_ready(cx).map_err(&this.map)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Item) -> Result<(), CallError> {
        let this = &mut *self;
        Pin::new(&mut this.sink).start_send(item).map_err(&this.map)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        let this = &mut *self;
        Pin::new(&mut this.sink).poll_flush(cx).map_err(&this.map)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        let this = &mut *self;
        Pin::new(&mut this.sink).poll_close(cx).map_err(&this.map)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_socket_fails_every_write_without_panicking() {
        // A channel whose reader is gone fails every send, as a socket whose peer hung up.
        let (tx, rx) = futures::channel::mpsc::channel::<u8>(1);
        drop(rx);
        let mut sink = EveryError { sink: tx, map: |_| CallError::HungUp };
        for _ in 0..3 {
            assert!(matches!(sink.send(1).await, Err(CallError::HungUp)));
            assert!(matches!(sink.feed(2).await, Err(CallError::HungUp)));
            assert!(matches!(sink.flush().await, Ok(()) | Err(CallError::HungUp)));
        }
        assert!(matches!(sink.close().await, Ok(()) | Err(CallError::HungUp)));
    }
}
