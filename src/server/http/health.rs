//! `GET /healthz` (the process answers) and `GET /readyz` (the database
//! answers and its schema is current).

use crate::server::db::Readiness;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, body = crate::server::http::api::schema::HealthBody)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses(
        (status = 200, description = "Ready", body = crate::server::http::api::schema::ReadyBody),
        (status = 503, description = "Database unreachable or migrations pending", body = crate::server::http::api::schema::ReadyBody),
    ))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.readiness().await {
        Readiness::Ready => (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok", "migrations": "current" }))),
        Readiness::MigrationsPending(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "ok", "migrations": "pending", "pending": pending })),
        ),
        Readiness::DatabaseDown(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" })))
        }
    }
}
