//! `callwright mock-model`: an OpenAI-compatible chat endpoint for load
//! benchmarks, run as its own process so its work is not counted as the
//! server's. A streamed request (a live turn) is answered after exactly the
//! configured delay with one sentence; anything else (planning, summaries)
//! is refused with a 400, which the server's `AI_FALLBACK=rules` hands to
//! the rules engine without counting it against the model.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// What the mock says on every live turn: the benchmark tells the model's
/// replies from the rules' by it.
pub const REPLY: &str = "Thanks, that is good to know.";

pub async fn serve(addr: SocketAddr, delay: Duration) -> Result<(), String> {
    let app =
        axum::Router::new().route("/v1/chat/completions", post(chat)).route("/healthz", get(|| async { "ok" })).with_state(delay);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot bind {addr}: {e}"))?;
    println!("mock model listening on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

async fn chat(State(delay): State<Duration>, Json(request): Json<Value>) -> Response {
    if request["stream"] != true {
        let error =
            json!({"error": {"message": "the benchmark's model answers live turns only", "type": "invalid_request_error"}});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    tokio::time::sleep(delay).await;
    let chunk = |delta: Value, finish: Value| {
        let c = json!({"id": "bench", "object": "chat.completion.chunk", "created": 0, "model": "bench",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {c}\n\n")
    };
    let body = format!(
        "{}{}data: [DONE]\n\n",
        chunk(json!({"role": "assistant", "content": REPLY}), Value::Null),
        chunk(json!({}), json!("stop"))
    );
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}
