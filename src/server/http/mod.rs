//! The HTTP surface: health probes, the REST API, the Leptos pages and
//! server functions, static files, and the layers every request passes
//! through.

pub mod api;
pub mod extract;
mod health;
mod pages;
mod relay;
pub mod server_fn;
mod webhooks;
mod ws;

use super::error::ApiError;
use super::state::AppState;
use crate::app::{App, shell};
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Request, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let context_state = state.clone();
    let (api, openapi) = api::router();
    let openapi = Arc::new(openapi);

    Router::new()
        .merge(api)
        .route("/api/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .route("/ws", get(ws::events))
        .route(super::telephony::relay::RELAY_PATH, get(relay::upgrade))
        .route("/api/webhooks/voice", axum::routing::post(webhooks::voice))
        .route("/api/webhooks/call-status", axum::routing::post(webhooks::call_status))
        .route("/api/webhooks/amd", axum::routing::post(webhooks::amd))
        .route("/api/webhooks/call-transcript", axum::routing::post(webhooks::call_transcript))
        .route("/api/webhooks/relay-ended", axum::routing::post(webhooks::relay_ended))
        .route("/api/webhooks/recording", axum::routing::post(webhooks::recording))
        .route("/insights", get(pages::insights))
        .route("/search", get(pages::search))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
        .layer(middleware::from_fn(extract::refuse_control_characters))
        .layer(middleware::from_fn(refuse_large_bodies))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .with_state(state)
}

/// Refuses a declared body over the limit before any handler (REST or
/// server function) reads it. Bodies without a declared length are capped
/// by `DefaultBodyLimit` while they are read.
async fn refuse_large_bodies(req: Request<Body>, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > api::BODY_LIMIT as u64 => {
            // The unread body stays on the wire: the connection cannot be reused.
            let mut response = extract::too_large().into_response();
            response.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
            response
        }
        _ => next.run(req).await,
    }
}

/// Unknown API paths answer in the API's JSON error shape; anything else is
/// a static file or the app's not-found page.
async fn fallback(uri: Uri, state: State<AppState>, req: Request<Body>) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return ApiError::not_found("API route").into_response();
    }
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, state, req).await
}
