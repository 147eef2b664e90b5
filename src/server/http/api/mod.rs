//! The REST API under `/api`, described by the OpenAPI document it is built
//! from (`GET /api/openapi.json`), so the two cannot drift apart.

mod auth;
mod calendar;
mod contacts;
mod insights;
mod notifications;
pub mod schema;
mod search;
mod sessions;
mod settings;
mod tasks;

use super::health;
use crate::server::state::AppState;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Callwright API",
        description = "Plan phone calls, let an AI assistant make them, and read what was agreed. \
                       Errors are `{\"success\": false, \"error\": {\"code\", \"message\", \"field\"?}}`.",
        license(name = "AGPL-3.0-only")
    ),
    modifiers(&Security),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "auth", description = "Accounts, sessions and API tokens"),
        (name = "call-tasks", description = "Phone errands: plans, clarifications, cancellation"),
        (name = "calls", description = "Live calls: start, follow, approve, process"),
        (name = "contacts", description = "People and businesses to call"),
        (name = "settings", description = "The assistant's settings"),
        (name = "notifications", description = "Updates about calls"),
        (name = "insights", description = "How your calls went over time"),
        (name = "calendar", description = "A private calendar feed of the appointments calls booked"),
        (name = "search", description = "What calls said, their summaries and facts, searched"),
        (name = "health", description = "Liveness and readiness probes"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::server::accounts::auth::SESSION_COOKIE,
                "Browser session set by sign-up and sign-in (HttpOnly).",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token created with POST /api/auth/tokens."))
                    .build(),
            ),
        );
    }
}

/// Every REST route with its OpenAPI description.
pub fn router() -> (axum::Router<AppState>, OpenApiDoc) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::logout_all))
        .routes(routes!(auth::me))
        .routes(routes!(auth::create_token, auth::list_tokens))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(tasks::create, tasks::list))
        .routes(routes!(tasks::get, tasks::update, tasks::delete))
        .routes(routes!(tasks::preview))
        .routes(routes!(sessions::start))
        .routes(routes!(sessions::rehearse))
        .routes(routes!(sessions::get))
        .routes(routes!(sessions::approval))
        .routes(routes!(sessions::process))
        .routes(routes!(sessions::recording))
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(settings::get, settings::update))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::update))
        .routes(routes!(notifications::read_all))
        .routes(routes!(search::search))
        .routes(routes!(calendar::get, calendar::create, calendar::delete))
        .routes(routes!(calendar::feed))
        .routes(routes!(calendar::appointment))
        .routes(routes!(insights::insights))
        .split_for_parts()
}
